// GitHub Actions workflows: the `services:` of a job that runs the suite's tests, read into the DB
// model. A job pairs with a suite when it is a runner of the suite (src/readers/workflow-runners.ts): one
// of its steps runs pytest on the suite, on a folder above it, or on no path at all (`working-directory`
// taken into account), itself or through a project script it calls.
import path from 'node:path';
import type { DbDefinition, DbPort, DbValue } from '../model/database.js';
import { imageOf } from '../model/database.js';
import { isReadinessWait } from '../model/readiness.js';
import type { RunnerShell } from '../model/runners.js';
import type { Suite } from '../model/suite.js';
import type { SourceFile } from '../source.js';
import { workflowJobsOf } from './workflow-runners.js';
import { readYaml, type YamlDocument, type YamlNode } from './yaml.js';

/** The workflow files of the project (`.github/workflows/*.y(a)ml` at its root). */
export function workflowFiles(suite: Suite): SourceFile[] {
  const dir = path.join(suite.project.root, '.github', 'workflows');
  return suite.project.yamlFiles((file) => path.dirname(file) === dir);
}

/** Does a shell wait for the database in a loop (or with a tool that waits)? */
export function shellWaits(shell: RunnerShell): boolean {
  return shell.script.commands.some((command) => isReadinessWait(shell.script, command));
}

/** The variables the workflow, the job and any of its steps set in `env:` (a step's win; `${{ }}` values are unknown). */
function jobEnvironment(yaml: YamlDocument, job: YamlNode): Map<string, string | null> {
  const env = new Map<string, string | null>();
  const read = (node: YamlNode | null | undefined) => {
    for (const entry of yaml.entries(node ?? null)) {
      const text = yaml.text(entry.value);
      env.set(entry.key, text === null || text.includes('${{') ? null : text);
    }
  };
  read(yaml.get(yaml.root, 'env'));
  read(yaml.get(job, 'env'));
  for (const step of yaml.items(yaml.get(job, 'steps'))) read(yaml.get(step, 'env'));
  return env;
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function located(yaml: YamlDocument, node: YamlNode, value: string): DbValue {
  return { value, file: yaml.file, range: yaml.range(node), span: null, via: null };
}

/** The postgres services of the workflow jobs that run the suite. */
export function workflowDatabases(suite: Suite): DbDefinition[] {
  const result: DbDefinition[] = [];
  const jobs = workflowJobsOf(suite);
  for (const file of workflowFiles(suite)) {
    const yaml = readYaml(file);
    for (const job of yaml.entries(yaml.get(yaml.root, 'jobs'))) {
      const services = yaml.entries(yaml.get(job.value, 'services'));
      if (services.length === 0) continue;
      // The job runs the suite (src/readers/workflow-runners.ts: a step's pytest, or a project script's a step calls).
      const runner = jobs.find((candidate) => candidate.file.path === file.path && candidate.key === job.key);
      if (!runner) continue;
      const waits = runner.shells.some(shellWaits);
      // A job that runs in a `container:` reaches its services by name on the job's network: no port needed.
      const inContainer = yaml.get(job.value, 'container') !== null && yaml.get(job.value, 'container') !== undefined;
      const testsEnv = jobEnvironment(yaml, job.value!);
      const jobText = file.text.slice(yaml.offsets(job.value!)[0], yaml.offsets(job.value!)[1]);
      for (const service of services) {
        const imageNode = yaml.get(service.value, 'image') ?? service.value;
        const imageText = yaml.text(imageNode);
        if (!imageText || !imageNode || imageText.includes('${{')) continue;
        const image = imageOf(located(yaml, imageNode, imageText));
        if (!image) continue;
        const env = new Map<string, DbValue | null>();
        let envKnown = true;
        for (const entry of yaml.entries(yaml.get(service.value, 'env'))) {
          const text = yaml.text(entry.value);
          if (text === null || text.includes('${{')) {
            env.set(entry.key, null);
            if (entry.key.startsWith('POSTGRES_')) envKnown = false;
          } else env.set(entry.key, located(yaml, entry.value!, text));
        }
        const ports: DbPort[] = [];
        for (const item of yaml.items(yaml.get(service.value, 'ports'))) {
          const text = yaml.text(item);
          if (text === null) continue;
          const parts = text.split(':');
          const host = parts.length >= 2 ? located(yaml, item, parts[parts.length - 2]!) : null;
          ports.push({ host, container: parts[parts.length - 1] ?? null, random: parts.length < 2, entry: located(yaml, item, text) });
        }
        // The runner waits for a service's health check before the first step: `options: --health-cmd ...`.
        const optionsNode = yaml.get(service.value, 'options');
        const options = yaml.text(optionsNode) ?? '';
        const health = /(^|\s)--health-cmd(=|\s)/.test(options) && optionsNode ? located(yaml, optionsNode, options) : null;
        const how = health ? 'the runner waits for its health check' : waits ? 'a wait loop in a step' : null;
        result.push({
          kind: 'ci-service',
          file,
          service: service.key,
          label: `CI service \`${service.key}\` of job \`${job.key}\` (${suite.project.relative(file.path)})`,
          anchor: yaml.range(service.keyNode),
          image,
          ports: inContainer ? null : ports,
          portsKnown: true,
          env,
          envKnown,
          mounts: null,
          mountsKnown: false,
          readiness: { healthcheck: health, waited: how !== null, how },
          pgdata: undefined,
          ephemeralHost: true,
          tests: { env: testsEnv, portHandedOver: new RegExp(`\\bjob\\.services\\.${escapeRegExp(service.key)}\\.ports\\b`).test(jobText) },
        });
      }
    }
  }
  return result;
}
