// `docker compose` / `docker-compose` / `podman-compose` invocations in shell scripts: which compose
// files they name (`-f`), which services they start, and whether `up` waits (`--wait`).
import { existsSync } from 'node:fs';
import path from 'node:path';
import type { DbComposeStart } from '../model/database.js';
import { dockerCommands } from '../model/docker.js';
import type { ShellCommand, ShellScript } from '../model/shell.js';
import { placedCwd } from '../model/script-cwd.js';
import { perFile, nodeRange } from '../source.js';

export interface ComposeInvocation {
  script: ShellScript;
  command: ShellCommand;
  /** Absolute paths of the compose files it reads (its `-f` files, else the default file of its directory); null when unknown. */
  files: string[] | null;
  /** `up`, `run`, `exec`, `down`...; null when unknown. */
  action: string | null;
  /** The services named after the action (for `up`: those it starts; [] = all). */
  services: string[];
  /** `up --wait` (or `--wait-timeout`). */
  wait: boolean;
}

const GLOBAL_VALUE = new Set(['-f', '--file', '-p', '--project-name', '--env-file', '--profile', '--project-directory', '--ansi', '--parallel', '--progress']);
const ACTION_VALUE = new Set(['--scale', '-t', '--timeout', '--wait-timeout', '--pull', '--exit-code-from', '--attach', '--no-attach', '-e', '--env', '-u', '--user', '-w', '--workdir', '--name', '--entrypoint', '-l', '--label', '-v', '--volume', '-p', '--publish', '--index']);

/** The default compose files compose looks for in a directory, in its order. */
export const DEFAULT_COMPOSE_FILES = ['compose.yaml', 'compose.yml', 'docker-compose.yaml', 'docker-compose.yml'];

/** A path as compose reads it: against the script's working directory (from its start, see script-cwd.ts), else its folder. */
function resolveFrom(script: ShellScript, startDir: string | null, value: string, offset: number): string {
  return path.isAbsolute(value) ? path.normalize(value) : path.resolve(placedCwd(script, offset, startDir) ?? script.dir, value);
}

const cache = perFile<ComposeInvocation[]>();

/**
 * The script's compose commands. `startDir` is the directory the script starts in as its project's script
 * index inferred it (`ScriptIndex.startOf`), null when unknown; a script's start is fixed for its model's
 * life, so the answer is kept per model.
 */
export function composeInvocations(script: ShellScript, startDir: string | null): ComposeInvocation[] {
  const cached = cache.get(script.file);
  if (cached) return cached;
  const result: ComposeInvocation[] = [];
  for (const docker of dockerCommands(script)) {
    if (docker.subcommand !== 'compose') continue;
    const named: string[] = [];
    let filesKnown = true;
    let projectDirectory: string | null = null;
    let action: string | null = null;
    const services: string[] = [];
    let wait = false;
    const offset = docker.command.start;
    const args = docker.args;
    for (let i = 0; i < args.length; i++) {
      const word = args[i]!;
      const value = word.value;
      if (value === null) {
        if (action === null) filesKnown = false;
        continue;
      }
      if (action === null) {
        if (!value.startsWith('-')) {
          action = value;
          continue;
        }
        const eq = value.indexOf('=');
        const flag = eq < 0 ? value : value.slice(0, eq);
        const argument = eq < 0 ? (args[i + 1]?.value ?? null) : value.slice(eq + 1);
        if (GLOBAL_VALUE.has(flag) && eq < 0) i++;
        if (flag === '-f' || flag === '--file') {
          if (argument === null) filesKnown = false;
          else named.push(resolveFrom(script, startDir, argument, offset));
        }
        if (flag === '--project-directory' && argument !== null) projectDirectory = resolveFrom(script, startDir, argument, offset);
        continue;
      }
      if (value === '--wait' || value.startsWith('--wait-timeout')) wait = true;
      if (value.startsWith('-')) {
        if (ACTION_VALUE.has(value)) i++;
        continue;
      }
      services.push(value);
      // `run SERVICE COMMAND...` and `exec SERVICE COMMAND...`: the words after the service are its command.
      if (action === 'run' || action === 'exec') break;
    }
    let files: string[] | null = named.length > 0 ? named : null;
    if (files === null && filesKnown) {
      const dir = projectDirectory ?? placedCwd(script, offset, startDir) ?? script.dir;
      const found = DEFAULT_COMPOSE_FILES.map((name) => path.join(dir, name)).find((file) => existsSync(file));
      files = found ? [found] : null;
    }
    result.push({ script, command: docker.command, files: filesKnown ? files : null, action, services, wait });
  }
  cache.set(script.file, result);
  return result;
}

/** Compose subcommands that start containers. */
const STARTING = new Set(['up', 'run', 'start', 'create', 'restart']);

/** The compose commands of a script that start containers (any of its words is a starting subcommand), with the tool as written. */
export function composeStartsIn(script: ShellScript): DbComposeStart[] {
  const result: DbComposeStart[] = [];
  for (const docker of dockerCommands(script)) {
    if (docker.subcommand !== 'compose') continue;
    const action = docker.args.find((word) => word.value !== null && STARTING.has(word.value));
    if (!action) continue;
    const head = script.file.text.slice(docker.command.start, action.node.startIndex);
    const tool = /\b(docker-compose|podman-compose)\b/.exec(head)?.[1] ?? `${docker.engine} compose`;
    result.push({ file: script.file, range: nodeRange(docker.command.node), tool, action: action.value! });
  }
  return result;
}
