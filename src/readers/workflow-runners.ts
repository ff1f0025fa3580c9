// GitHub Actions jobs as runners: each `run:` step is a shell (src/readers/workflow-shell.ts), run in
// order; a failing step ends the job, except a step with `continue-on-error: true` (its failure does not
// fail the job) and the steps that run after a failure (`if: always()`, `failure()`, `!cancelled()`).
// A job is a runner of the suite when one of its steps runs pytest on it, itself or through a project
// script it calls (`poetry run ./scripts/test`): that run is reported in the script, as the step runs it.
import path from 'node:path';
import type { SourceFile } from '../source.js';
import { isPostgresImage } from '../model/docker.js';
import type { ShellScript } from '../model/shell.js';
import type { Project, Suite } from '../model/suite.js';
import { embeddedShell, shellRuns, shellStartsDatabase, type FoundRunner, type RunnerShell } from '../model/runners.js';
import { readYaml, type YamlDocument, type YamlNode } from './yaml.js';
import { stepShell, type StepSetup } from './workflow-shell.js';
import { perSuite } from '../model/suite-caches.js';

/** The workflow files of the project (`.github/workflows/*.y(a)ml` at its root). */
function workflowFiles(project: Project): SourceFile[] {
  const dir = path.join(project.root, '.github', 'workflows');
  return project.yamlFiles((file) => path.dirname(file) === dir);
}

/** The `set` flags of the shell a step names; null for a shell that is not sh or bash (python, pwsh, cmd). */
function shellFlags(shell: string | null, windows: boolean): { errexit: boolean; pipefail: boolean } | null {
  if (shell === null) return windows ? null : { errexit: true, pipefail: true };
  const words = shell.trim().split(/\s+/);
  const program = path.posix.basename(words[0] ?? '');
  if (words.length === 1) {
    if (program === 'bash') return { errexit: true, pipefail: true };
    if (program === 'sh') return { errexit: true, pipefail: false };
    return null;
  }
  // A custom shell (`bash --noprofile {0}`): only the flags it passes.
  if (program !== 'bash' && program !== 'sh' && program !== 'dash') return null;
  let errexit = false;
  let pipefail = false;
  for (let i = 1; i < words.length; i++) {
    const word = words[i]!;
    if (/^-[a-zA-Z]*e[a-zA-Z]*$/.test(word)) errexit = true;
    if (/^-[a-zA-Z]*o$/.test(word) && words[i + 1] === 'pipefail') pipefail = true;
    if (/^-[a-zA-Z]*o$/.test(word) && words[i + 1] === 'errexit') errexit = true;
  }
  return { errexit, pipefail };
}

/** `if: always()`, `${{ always() }}`, `failure()`, `!cancelled()`: the step runs after an earlier one failed. */
function runsAfterFailure(condition: string | null): boolean {
  return condition !== null && /\b(always|failure)\s*\(\s*\)|!\s*cancelled\s*\(\s*\)/.test(condition);
}

/** `continue-on-error: true` (an expression may be true: taken as such only when written `true`). */
function isTrue(yaml: YamlDocument, node: YamlNode | null): boolean {
  return yaml.text(node) === 'true';
}

function envEntries(yaml: YamlDocument, node: YamlNode | null): Array<[string, string | null]> {
  return yaml.entries(node).map((entry): [string, string | null] => [entry.key, yaml.text(entry.value) ?? (entry.value === null ? '' : null)]);
}

/** Variables a step writes to `$GITHUB_ENV` (`echo "X=1" >> "$GITHUB_ENV"`): later steps get them. */
function githubEnvWrites(script: ShellScript): Array<[string, string | null]> {
  const result: Array<[string, string | null]> = [];
  for (const command of script.commands) {
    if (command.name !== 'echo' && command.name !== 'printf') continue;
    if (!command.redirects.some((redirect) => /GITHUB_ENV\b/.test(redirect.text))) continue;
    const word = command.args.find((arg) => arg.value === null || !arg.value.startsWith('-'));
    const value = word?.value ?? null;
    const match = value === null ? null : /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/s.exec(value);
    if (match) result.push([match[1]!, match[2]!.includes('\u0000') ? null : match[2]!.replace(/\n$/, '')]);
  }
  return result;
}

function directory(root: string, written: string | null, base: string): string | null {
  if (written === null) return base;
  if (written.includes('${{')) return null;
  return path.resolve(root, written);
}

/** One job of a workflow, read once per project: its `run:` steps as shells, in order. */
export interface WorkflowJob {
  file: SourceFile;
  key: string;
  shells: RunnerShell[];
  /** The job has a PostgreSQL service container. */
  services: boolean;
}

const jobCache = new WeakMap<Project, WorkflowJob[]>();

/** Every job of the project's workflows, with its steps' shells (in the step's directory, with its env). */
export function workflowJobs(project: Project): WorkflowJob[] {
  const cached = jobCache.get(project);
  if (cached) return cached;
  const result: WorkflowJob[] = [];
  const root = project.root;
  for (const file of workflowFiles(project)) {
    const yaml = readYaml(file);
    const workflowDefaults = yaml.get(yaml.get(yaml.root, 'defaults'), 'run');
    const workflowEnv = envEntries(yaml, yaml.get(yaml.root, 'env'));
    for (const job of yaml.entries(yaml.get(yaml.root, 'jobs'))) {
      const jobDefaults = yaml.get(yaml.get(job.value, 'defaults'), 'run');
      const windows = /windows/i.test(yaml.text(yaml.get(job.value, 'runs-on')) ?? '');
      const jobDir = directory(root, yaml.text(yaml.get(jobDefaults, 'working-directory')) ?? yaml.text(yaml.get(workflowDefaults, 'working-directory')), root);
      const jobShell = yaml.text(yaml.get(jobDefaults, 'shell')) ?? yaml.text(yaml.get(workflowDefaults, 'shell'));
      const jobEnv = [...workflowEnv, ...envEntries(yaml, yaml.get(job.value, 'env'))];
      const jobIgnores = isTrue(yaml, yaml.get(job.value, 'continue-on-error'));
      const shells: RunnerShell[] = [];
      const written: Array<[string, string | null]> = [];
      let services = false;
      for (const service of yaml.entries(yaml.get(job.value, 'services'))) {
        const image = yaml.text(yaml.get(service.value, 'image') ?? service.value);
        if (image && isPostgresImage(image.split('@')[0]!.replace(/:[^/]*$/, ''))) services = true;
      }
      for (const step of yaml.items(yaml.get(job.value, 'steps'))) {
        const runNode = yaml.get(step, 'run');
        if (!runNode) continue;
        const flags = shellFlags(yaml.text(yaml.get(step, 'shell')) ?? jobShell, windows);
        if (!flags) continue;
        const stepDir = yaml.text(yaml.get(step, 'working-directory'));
        const cwd = stepDir === null ? jobDir : directory(root, stepDir, root);
        const setup: StepSetup = { cwd, env: [...jobEnv, ...written, ...envEntries(yaml, yaml.get(step, 'env'))], ...flags };
        const built = stepShell(yaml, runNode, setup);
        if (!built) continue;
        const stepIgnores = isTrue(yaml, yaml.get(step, 'continue-on-error'));
        const shell = embeddedShell(built.script, file, built.toWorkflow, {
          ignoresErrors: stepIgnores || jobIgnores,
          ignoresHow: stepIgnores ? 'the step\'s `continue-on-error: true`, which lets the job pass when the step fails' : jobIgnores ? 'the job\'s `continue-on-error: true`, which lets the workflow pass when the job fails' : null,
          always: runsAfterFailure(yaml.text(yaml.get(step, 'if'))),
        });
        shells.push(shell);
        written.push(...githubEnvWrites(built.script));
      }
      result.push({ file, key: job.key, shells, services });
    }
  }
  jobCache.set(project, result);
  return result;
}

const cache = perSuite<Array<{ job: WorkflowJob; found: FoundRunner }>>();

/** Each workflow job with a step that runs pytest on the suite, itself or through a project script it calls. */
function suiteJobs(suite: Suite): Array<{ job: WorkflowJob; found: FoundRunner }> {
  const cached = cache.get(suite);
  if (cached) return cached;
  const result: Array<{ job: WorkflowJob; found: FoundRunner }> = [];
  for (const job of workflowJobs(suite.project)) {
    const runs = job.shells.flatMap((shell) => shellRuns(suite, shell));
    if (runs.length === 0) continue;
    const runner = {
      kind: 'ci' as const,
      file: job.file,
      label: `job \`${job.key}\` of \`${suite.project.relative(job.file.path)}\``,
      shells: job.shells,
      startsDatabase: job.services || job.shells.some((shell) => shellStartsDatabase(shell.script)),
    };
    result.push({ job, found: { runner, runs } });
  }
  cache.set(suite, result);
  return result;
}

/** Each workflow job that runs the suite, as a runner. */
export function workflowRunners(suite: Suite): FoundRunner[] {
  return suiteJobs(suite).map(({ found }) => found);
}

/** The workflow jobs that run the suite (those whose `services:` are the suite's database). */
export function workflowJobsOf(suite: Suite): WorkflowJob[] {
  return suiteJobs(suite).map(({ job }) => job);
}
