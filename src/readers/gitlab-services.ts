// GitLab CI (`.gitlab-ci.yml` at the project root): the `services:` of a job whose `script:` runs
// pytest on the suite, read into the DB model like GitHub Actions services. A service is
// `- postgres:16` or `- name: postgres:16` (with `alias`, `variables`); the job's, else the
// `default:`'s, else the top-level list. POSTGRES_* come from the top-level, job and service
// `variables:`, later ones winning. The job reaches the service by its alias on the job's network
// (no published port), and the runner waits for the service's port before the script starts.
import path from 'node:path';
import type { DbDefinition, DbValue } from '../model/database.js';
import { imageOf } from '../model/database.js';
import type { Suite } from '../model/suite.js';
import { fromText, type SourceFile } from '../source.js';
import { scriptShell, shellRuns, type FoundRunner, type RunnerShell } from '../model/runners.js';
import { shellScript } from '../model/shell.js';
import { shellWaits } from './workflow-services.js';
import { readYaml, type YamlDocument, type YamlNode } from './yaml.js';
import { perSuite } from '../model/suite-caches.js';

const RESERVED = new Set(['stages', 'variables', 'default', 'include', 'workflow', 'image', 'services', 'before_script', 'after_script', 'cache', 'pages']);

/** The project's `.gitlab-ci.yml`, when there is one. */
export function gitlabCiFiles(suite: Suite): SourceFile[] {
  const file = path.join(suite.project.root, '.gitlab-ci.yml');
  return suite.project.yamlFiles((candidate) => candidate === file);
}

function scriptText(yaml: YamlDocument, node: YamlNode | null): string[] {
  const items = yaml.items(node);
  if (items.length > 0) return items.map((item) => yaml.text(item)).filter((text): text is string => text !== null);
  const text = yaml.text(node);
  return text === null ? [] : [text];
}

/**
 * A job's `before_script` and `script` lines as one shell, run from the project root (the job's checkout):
 * its pytest runs and those of the project scripts it calls are read as for any runner's shell.
 */
function jobShell(file: SourceFile, key: string, lines: string[], root: string): RunnerShell | null {
  const script = shellScript(fromText(`${file.path}.${key}.sh`, 'shell', `cd '${root.replace(/'/g, `'\\''`)}'\n${lines.join('\n')}`));
  return script ? scriptShell(script) : null;
}

function located(yaml: YamlDocument, node: YamlNode, value: string): DbValue {
  return { value, file: yaml.file, range: yaml.range(node), span: null, via: null };
}

/** `variables:` of a node into `into` (null for values that read other variables). */
function readVariables(yaml: YamlDocument, node: YamlNode | null, into: Map<string, DbValue | null>): void {
  for (const entry of yaml.entries(node)) {
    const valueNode = yaml.get(entry.value, 'value') ?? entry.value;
    const text = valueNode ? yaml.text(valueNode) : null;
    into.set(entry.key, text === null || text.includes('$') || !valueNode ? null : located(yaml, valueNode, text));
  }
}

/** A GitLab CI job that runs the suite: its script as one shell, the runs on the suite in it, its variables and services. */
export interface GitlabJob {
  file: SourceFile;
  yaml: YamlDocument;
  key: string;
  shell: RunnerShell;
  runs: FoundRunner['runs'];
  /** Top-level `variables:`, then the job's (later ones win); null values read other variables. */
  variables: Map<string, DbValue | null>;
  /** The job's `services:` items (else the `default:`'s, else the top-level list). */
  services: YamlNode[];
}

const jobCache = perSuite<GitlabJob[]>();

/** The GitLab CI jobs whose `before_script`/`script` run pytest on the suite, themselves or through a project script they call. */
export function gitlabJobs(suite: Suite): GitlabJob[] {
  const cached = jobCache.get(suite);
  if (cached) return cached;
  const result: GitlabJob[] = [];
  for (const file of gitlabCiFiles(suite)) {
    const yaml = readYaml(file);
    const root = yaml.root;
    const globals = new Map<string, DbValue | null>();
    readVariables(yaml, yaml.get(root, 'variables'), globals);
    const fallbackServices = yaml.get(yaml.get(root, 'default'), 'services') ?? yaml.get(root, 'services');
    for (const job of yaml.entries(root)) {
      if (RESERVED.has(job.key) || job.key.startsWith('.') || !job.value) continue;
      const lines = [...scriptText(yaml, yaml.get(job.value, 'before_script')), ...scriptText(yaml, yaml.get(job.value, 'script'))];
      if (lines.length === 0) continue;
      const shell = jobShell(file, job.key, lines, suite.project.root);
      const runs = shell ? shellRuns(suite, shell) : [];
      if (!shell || runs.length === 0) continue;
      const variables = new Map(globals);
      readVariables(yaml, yaml.get(job.value, 'variables'), variables);
      result.push({ file, yaml, key: job.key, shell, runs, variables, services: yaml.items(yaml.get(job.value, 'services') ?? fallbackServices) });
    }
  }
  jobCache.set(suite, result);
  return result;
}

/** The postgres services of the GitLab CI jobs that run the suite. */
export function gitlabDatabases(suite: Suite): DbDefinition[] {
  const result: DbDefinition[] = [];
  for (const { file, yaml, key, shell, variables: jobVariables, services } of gitlabJobs(suite)) {
    for (const service of services) {
      const nameNode = yaml.get(service, 'name') ?? service;
      const imageText = yaml.text(nameNode);
      if (!imageText || imageText.includes('$')) continue;
      const image = imageOf(located(yaml, nameNode, imageText));
      if (!image) continue;
      const env = new Map(jobVariables);
      readVariables(yaml, yaml.get(service, 'variables'), env);
      const postgresEnv = new Map([...env].filter(([name]) => name.startsWith('POSTGRES_') || name === 'PGDATA' || name === 'PGPORT'));
      const envKnown = [...postgresEnv.values()].every((value) => value !== null);
      const alias = yaml.text(yaml.get(service, 'alias')) ?? image.name.split('/').pop()!;
      result.push({
        kind: 'ci-service',
        file,
        service: alias,
        label: `GitLab CI service \`${alias}\` of job \`${key}\` (${suite.project.relative(file.path)})`,
        anchor: yaml.range(nameNode),
        image,
        ports: null,
        portsKnown: false,
        env: postgresEnv,
        envKnown,
        mounts: null,
        mountsKnown: false,
        readiness: { healthcheck: null, waited: true, how: shellWaits(shell) ? 'a wait loop in the script' : 'the runner waits for the service\'s port' },
        pgdata: undefined,
        ephemeralHost: true,
      });
    }
  }
  return result;
}
