// tox environments as runners: the tox.ini files (or setup.cfg files with a `[tox:tox]` section) in the
// project root and in each folder down to the suite, read by src/readers/tox.ts. An environment runs its
// `commands_pre`, `commands` and `commands_post` in order, each command a shell; a failing command ends the
// environment, except that a `-` command ignores its own status, `ignore_errors = true` lets the later
// commands run, and `commands_post` always run.
import path from 'node:path';
import { legacyToxIni, readTox, type ToxCommand, type ToxConfig, type ToxEnv } from '../readers/tox.js';
import { fromText } from '../source.js';
import { configTextIfFile, kindOf } from './app/sys-path.js';
import type { Project, Suite } from './suite.js';
import { holdsToxConfig } from './file-names.js';
import { embeddedShell, shellRuns, shellStartsDatabase, type FoundRunner, type RunnerShell } from './runners.js';
import { perSuite } from './suite-caches.js';

const configs = new WeakMap<Project, Map<string, ToxConfig | null>>();

/**
 * The tox configuration of a folder (absolute), read once per project, in tox's order: its tox.ini, else
 * its setup.cfg when that has a `[tox:tox]` section, else its pyproject.toml's `legacy_tox_ini`; null
 * when none.
 */
function toxIn(project: Project, dir: string): ToxConfig | null {
  let byDir = configs.get(project);
  if (!byDir) configs.set(project, (byDir = new Map()));
  if (byDir.has(dir)) return byDir.get(dir)!;
  const watched = [project.config.gateVariable];
  let config: ToxConfig | null = null;
  const toxIni = path.join(dir, 'tox.ini');
  if (kindOf(toxIni) === 'file') {
    const source = project.load({ path: toxIni, language: 'shell' });
    config = source && !source.unreadable ? readTox(source, watched) : null;
  } else {
    // A setup.cfg or pyproject.toml is loaded only when its text holds tox's configuration.
    const holding = (name: string): { file: string; text: string } | null => {
      const file = path.join(dir, name);
      const text = configTextIfFile(file);
      return text !== null && holdsToxConfig(name, text) ? { file, text } : null;
    };
    const setupCfg = holding('setup.cfg');
    if (setupCfg) {
      const source = project.load({ path: setupCfg.file, language: 'shell' });
      config = source && !source.unreadable ? readTox(source, watched, true) : null;
    }
    const pyproject = config ? null : holding('pyproject.toml');
    if (pyproject) config = fromPyproject(pyproject.file, pyproject.text, watched);
  }
  byDir.set(dir, config);
  return config;
}

/** The tox configuration of a pyproject.toml's `legacy_tox_ini`, placed in the pyproject.toml; null when none. */
function fromPyproject(file: string, text: string, watched: string[]): ToxConfig | null {
  const masked = legacyToxIni(text);
  const config = masked === null ? null : readTox(fromText(file, 'yaml', masked), watched);
  // Read from the blanked text; shown, in messages and code frames, as the file is.
  return config && { ...config, file: fromText(file, 'yaml', text) };
}

/** The tox configurations of the folders from the project root down to the suite's folder. */
function suiteToxConfigs(suite: Suite): ToxConfig[] {
  const result: ToxConfig[] = [];
  const relative = path.relative(suite.project.root, suite.dir).split(path.sep).filter(Boolean);
  for (let length = 0; length <= relative.length; length++) {
    const config = toxIn(suite.project, path.join(suite.project.root, ...relative.slice(0, length)));
    if (config) result.push(config);
  }
  return result;
}

const shells = new WeakMap<ToxCommand, Map<string, RunnerShell>>();

/** A command as a runner shell: positions mapped back into tox.ini. */
function commandShell(config: ToxConfig, command: ToxCommand, role: { always: boolean; ignoresErrors: boolean; how: string | null }): RunnerShell {
  const key = `${role.always}/${role.ignoresErrors}`;
  let byRole = shells.get(command);
  if (!byRole) shells.set(command, (byRole = new Map()));
  let shell = byRole.get(key);
  if (!shell) {
    shell = embeddedShell(command.script, config.file, command.toTox, { ignoresErrors: role.ignoresErrors, ignoresHow: role.how, always: role.always });
    byRole.set(key, shell);
  }
  return shell;
}

/** The shells an environment runs, in order. */
function envShells(config: ToxConfig, env: ToxEnv): RunnerShell[] {
  const dash = 'the `-` prefix of the command, which tells tox to ignore its status';
  const plain = (command: ToxCommand, always: boolean) =>
    commandShell(config, command, { always, ignoresErrors: command.ignoreErrors, how: command.ignoreErrors ? dash : null });
  return [
    ...env.pre.map((command) => plain(command, false)),
    // Under `ignore_errors = true` a command after a failing one still runs (the environment still fails).
    ...env.commands.map((command, index) => plain(command, env.ignoreErrors && index > 0)),
    ...env.post.map((command) => plain(command, true)),
  ];
}

const cache = perSuite<FoundRunner[]>();

/** Each tox environment whose commands run pytest on the suite (themselves or through a project script they call). */
export function toxRunners(suite: Suite): FoundRunner[] {
  const cached = cache.get(suite);
  if (cached) return cached;
  const result: FoundRunner[] = [];
  for (const config of suiteToxConfigs(suite)) {
    for (const env of config.envs) {
      const list = envShells(config, env);
      const runs = list.flatMap((shell) => shellRuns(suite, shell));
      if (runs.length === 0) continue;
      const where = `\`${suite.project.relative(config.file.path)}\``;
      const runner = {
        kind: 'tox' as const,
        file: config.file,
        label: env.name === null ? `${where} \`[testenv]\`` : `${where} env \`${env.name}\``,
        shells: list,
        startsDatabase: list.some((shell) => shellStartsDatabase(shell.script)),
      };
      result.push({ runner, runs });
    }
  }
  cache.set(suite, result);
  return result;
}
