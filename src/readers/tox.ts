// Reads a tox.ini into environments whose commands are shells for the shell model, as makefile.ts does
// for recipe lines.
//
// tox runs an environment's `commands_pre`, `commands` and `commands_post` one line at a time (a line
// ending in `\` continues on the next), in `changedir` (default: the tox.ini's folder), with an environment
// of its own: the variables `setenv` sets and those `passenv` lets through from the caller, nothing else.
// A failing command stops the rest of `commands_pre` and `commands`; `commands_post` run whatever happened
// (tox's teardown); a `-` prefix ignores a command's status; `ignore_errors = true` runs the rest of
// `commands` after a failure but still fails the environment. A `[testenv:NAME]` section takes each
// setting it does not set from `[testenv]`.
//
// tox does not hand a command to a shell (it splits it into words and runs the program), so reading it
// as one reads at most what tox runs. Each command becomes a shell text laid out on its rows of tox.ini,
// columns kept, so positions map back; row 0 carries a prelude (`cd` to the directory, an `export` per
// variable), which a command never occupies. Substitutions become text: `{toxinidir}` the folder,
// `{envpython}` `python`, `{env:X}` `${X}` (`{env:X:d}` `${X:-d}`), `{envname}` the environment's name;
// `{posargs}` and anything else an unknown variable, so that pytest's targets there are unknown.
// A factor-conditional line (`integration: pytest ...`) applies where the environment's name has the
// factors; for `[testenv]`, which runs under several names, it cannot be told: such a command is left
// out, such a setting makes its variable unknown.
import path from 'node:path';
import { fromText, type SourceFile } from '../source.js';
import { shellScript, type ShellScript } from '../model/shell.js';
import { parseIni, type IniSection as Section, type IniValue } from './ini.js';
import { parse as parseToml } from 'smol-toml';

export interface ToxCommand {
  script: ShellScript;
  /** `-` prefix: tox ignores the command's status. */
  ignoreErrors: boolean;
  /** Maps an offset of the shell text back to tox.ini (the start of a substitution for text it produced). */
  toTox(offset: number): number;
}

export interface ToxEnv {
  /** `integration` for `[testenv:integration]`; null for `[testenv]` itself. */
  name: string | null;
  pre: ToxCommand[];
  commands: ToxCommand[];
  post: ToxCommand[];
  /** `ignore_errors = true`: the commands after a failing one still run. */
  ignoreErrors: boolean;
}

export interface ToxConfig {
  file: SourceFile;
  /** The `[testenv:NAME]` environments, and `[testenv]` when some environment tox runs has no section of its own (see readTox). */
  envs: ToxEnv[];
}

const UNKNOWN = '${__tox_unknown}';

/** One shell of the config: its text (prelude, then its rows) and where each piece came from. */
interface Built {
  text: string;
  anchors: Array<[number, number, boolean]>;
  ignoreErrors: boolean;
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The text a substitution `{...}` stands for. */
function substitution(inner: string, dir: string, env: string | null): string {
  if (inner === 'toxinidir' || inner === 'tox_root') return dir;
  if (inner === 'envpython' || inner === 'env_python') return 'python';
  if (inner === 'envname' || inner === 'env_name') return env ?? UNKNOWN;
  if (inner === '/') return '/';
  if (inner === ':') return ':';
  const read = /^env:([A-Za-z_][A-Za-z0-9_]*)(?::(.*))?$/s.exec(inner);
  if (read) return read[2] === undefined ? `\${${read[1]}}` : `\${${read[1]}:-${read[2]}}`;
  return UNKNOWN; // {posargs}, {envdir}, {[section]key}...
}

/** A row's text with its substitutions made, and the pieces' origins (offsets into the row). */
function expand(text: string, dir: string, env: string | null): { text: string; pieces: Array<{ at: number; from: number; literal: boolean }> } {
  let out = '';
  const pieces: Array<{ at: number; from: number; literal: boolean }> = [];
  let literal = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (char === '\\' && (text[i + 1] === '{' || text[i + 1] === '}')) {
      pieces.push({ at: out.length, from: i, literal: false });
      out += text[i + 1];
      literal = false;
      i++;
      continue;
    }
    if (char === '{') {
      let level = 0;
      let close = -1;
      for (let j = i; j < text.length; j++) {
        if (text[j] === '{') level++;
        else if (text[j] === '}' && --level === 0) {
          close = j;
          break;
        }
      }
      if (close > i) {
        pieces.push({ at: out.length, from: i, literal: false });
        out += substitution(text.slice(i + 1, close), dir, env);
        literal = false;
        i = close;
        continue;
      }
    }
    if (!literal) {
      pieces.push({ at: out.length, from: i, literal: true });
      literal = true;
    }
    out += char;
  }
  return { text: out, pieces };
}

export interface ToxSetup {
  /** The directory commands run in, absolute; null when unknown. */
  cwd: string | null;
  /** Variables the environment has, in order; null values are unknown (passed from the caller, or not readable). */
  env: Array<[string, string | null]>;
}

function prelude(setup: ToxSetup): string {
  const parts = [setup.cwd === null ? `cd "${UNKNOWN}"` : `cd ${shellQuote(setup.cwd)}`];
  for (const [name, value] of setup.env) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) continue;
    parts.push(value === null || value.includes('${') ? `export ${name}="${UNKNOWN}"` : `export ${name}=${shellQuote(value)}`);
  }
  return parts.join('; ');
}

/** The commands of a value, each (with its `\` continuation rows) one shell. */
function commandsOf(file: SourceFile, value: IniValue | undefined, setup: ToxSetup, dir: string, env: string | null, cache: Map<string, ToxCommand | null>): ToxCommand[] {
  if (!value) return [];
  const groups: Array<IniValue['rows']> = [];
  let open = false;
  for (const row of value.rows) {
    if (open) groups[groups.length - 1]!.push(row);
    else groups.push([row]);
    open = row.text.endsWith('\\');
  }
  const head = prelude(setup);
  const result: ToxCommand[] = [];
  for (let group of groups) {
    if (group[0]!.row === 0) continue;
    const conditional = CONDITION.exec(group[0]!.text);
    if (conditional) {
      // A command for some environments only: kept, without its condition, where it holds; dropped where it
      // does not, or cannot be told.
      if (holds(conditional[1]!, env) !== true) continue;
      const first = group[0]!;
      group = [{ row: first.row, column: first.column + conditional[0].length, text: first.text.slice(conditional[0].length) }, ...group.slice(1)];
    }
    // An environment that inherits a command with the same prelude runs the same shell: one script for both.
    const built = buildText(file, group, head, dir, env);
    if (!cache.has(built.text)) cache.set(built.text, finish(file, group, built));
    const command = cache.get(built.text);
    if (command) result.push(command);
  }
  return result;
}

function buildText(file: SourceFile, group: IniValue['rows'], head: string, dir: string, env: string | null): Built {
  const built: Built = { text: head, anchors: [], ignoreErrors: false };
  let previousRow = 0;
  let ignoreErrors = false;
  group.forEach((row, index) => {
    built.text += '\n'.repeat(row.row - previousRow);
    previousRow = row.row;
    let body = row.text;
    let column = row.column;
    if (index === 0) {
      // tox's `-` prefix: the command's status is ignored.
      const prefix = /^-\s*/.exec(body);
      if (prefix) {
        ignoreErrors = true;
        column += prefix[0].length;
        body = body.slice(prefix[0].length);
      }
    }
    built.text += ' '.repeat(column);
    const expanded = expand(body, dir, env);
    const rowStart = file.lineStarts[row.row] ?? 0;
    for (const piece of expanded.pieces) built.anchors.push([built.text.length + piece.at, rowStart + column + piece.from, piece.literal]);
    built.text += expanded.text;
  });
  built.ignoreErrors = ignoreErrors;
  return built;
}

function finish(file: SourceFile, group: IniValue['rows'], built: Built): ToxCommand | null {
  const script = shellScript(fromText(file.path, 'shell', built.text));
  if (!script) return null;
  const anchors = built.anchors;
  return {
    script,
    ignoreErrors: built.ignoreErrors,
    toTox: (offset) => {
      let best: [number, number, boolean] | null = null;
      for (const anchor of anchors) if (anchor[0] <= offset) best = anchor;
      if (!best) return file.lineStarts[group[0]!.row] ?? 0;
      return best[2] ? best[1] + (offset - best[0]) : best[1];
    },
  };
}

/** A factor-conditional line (`integration: pytest ...`, `py311,py312: ...`, `!ci: ...`): its condition and where the rest starts. */
const CONDITION = /^([!\w.,{}-]+):\s+/;

/**
 * Does a factor condition hold for an environment? `a,b` is either, `a-b` both, `!a` not a; the factors
 * of an environment are the parts of its name between dashes. Null when it cannot be told: the name is
 * not known (`[testenv]` runs for several) or the condition has braces.
 */
function holds(condition: string, env: string | null): boolean | null {
  if (env === null || condition.includes('{')) return null;
  const factors = new Set(env.split('-'));
  return condition.split(',').some((alternative) => alternative.split('-').every((factor) => (factor.startsWith('!') ? !factors.has(factor.slice(1)) : factors.has(factor))));
}

/** Does a `passenv` pattern (`*`, `RUN_*`, a name) let `name` through? */
function passes(pattern: string, name: string): boolean {
  const regex = new RegExp(`^${pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.')}$`, 'i');
  return regex.test(name);
}

/** The environment names tox runs by default: `envlist`/`env_list` of the core section, factors (`py{311,312}`) expanded. */
function envList(sections: Map<string, Section>, core: string): string[] | null {
  const value = sections.get(core)?.get('envlist') ?? sections.get(core)?.get('env_list');
  if (!value) return null;
  const names: string[] = [];
  for (const entry of value.rows.flatMap((row) => row.text.split(/,(?![^{]*\})/)).map((text) => text.trim()).filter(Boolean)) {
    const factor = /^(.*)\{([^}]*)\}(.*)$/.exec(entry);
    if (factor) for (const part of factor[2]!.split(',')) names.push(`${factor[1]}${part.trim()}${factor[3]}`);
    else names.push(entry);
  }
  return names;
}

/**
 * Reads a tox.ini, or a setup.cfg (`inSetupCfg`): tox takes one only when it has a `[tox:tox]` section, its
 * core settings there instead of `[tox]`, its environments in the same `[testenv]` sections. Null when the
 * file has no test environment (or is a setup.cfg without `[tox:tox]`). `watched`: variable names whose presence matters
 * to the caller (the gate): a `passenv` pattern that lets one through makes it unknown rather than unset.
 * `[testenv]` counts as an environment of its own when tox runs one that has no section (an `envlist`
 * entry like `py312`, or no `envlist`, where tox runs its default environment); otherwise it is only the
 * template the named sections inherit from.
 */
export function readTox(file: SourceFile, watched: string[], inSetupCfg = false): ToxConfig | null {
  const sections = parseIni(file.text, true);
  const core = inSetupCfg ? 'tox:tox' : 'tox';
  if (inSetupCfg && !sections.has(core)) return null;
  const base = sections.get('testenv');
  const named = [...sections.keys()].filter((key) => key.startsWith('testenv:'));
  if (!base && named.length === 0) return null;
  const dir = path.dirname(file.path);
  const cache = new Map<string, ToxCommand | null>();
  const list = envList(sections, core);
  const baseRuns = base !== undefined && (list === null || list.some((name) => !sections.has(`testenv:${name}`)));
  const envs: ToxEnv[] = [];
  for (const key of [...(baseRuns ? ['testenv'] : []), ...named]) {
    const own = sections.get(key)!;
    const name = key === 'testenv' ? null : key.slice('testenv:'.length).trim();
    const setting = (option: string): IniValue | undefined => own.get(option) ?? (key === 'testenv' ? undefined : base?.get(option));
    const changedir = setting('changedir') ?? setting('change_dir');
    const changed = changedir ? expand(changedir.rows.map((row) => row.text).join(''), dir, name).text : null;
    const cwd = changed === null ? dir : changed.includes('${') ? null : path.resolve(dir, changed);
    const env: Array<[string, string | null]> = [];
    // A conditional entry that holds counts as written; one that may hold makes what it names unknown.
    // passenv lists names by rows or commas, setenv one assignment a row.
    const applying = (values: Array<IniValue | undefined>, commas: boolean): Array<{ text: string; sure: boolean }> =>
      values.flatMap((value) => value?.rows ?? []).flatMap(({ text }) => {
        const conditional = CONDITION.exec(text);
        const verdict = conditional ? holds(conditional[1]!, name) : true;
        if (verdict === false) return [];
        const rest = conditional ? text.slice(conditional[0].length) : text;
        return (commas ? rest.split(',') : [rest]).map((part) => part.trim()).filter(Boolean).map((part) => ({ text: part, sure: verdict === true }));
      });
    for (const { text: pattern } of applying([setting('passenv'), setting('pass_env')], true)) {
      for (const variable of watched) if (passes(pattern, variable)) env.push([variable, null]);
    }
    for (const { text: entry, sure } of applying([setting('setenv'), setting('set_env')], false)) {
      if (entry.startsWith('file|')) {
        for (const variable of watched) env.push([variable, null]); // a dotenv file: what it sets is not read here
        continue;
      }
      const eq = entry.indexOf('=');
      if (eq <= 0) continue;
      const value = expand(entry.slice(eq + 1).trim(), dir, name).text;
      env.push([entry.slice(0, eq).trim(), value.includes(UNKNOWN) || !sure ? null : value]);
    }
    const setup: ToxSetup = { cwd, env };
    const ignoreErrors = /^(true|1|yes)$/i.test(setting('ignore_errors')?.rows[0]?.text.trim() ?? '');
    envs.push({
      name,
      pre: commandsOf(file, setting('commands_pre'), setup, dir, name, cache),
      commands: commandsOf(file, setting('commands'), setup, dir, name, cache),
      post: commandsOf(file, setting('commands_post'), setup, dir, name, cache),
      ignoreErrors,
    });
  }
  return { file, envs };
}

/**
 * The `legacy_tox_ini` string of a pyproject.toml's `[tool.tox]` table as the text of the whole file with
 * everything else blanked (rows and columns kept), so that what is read from it is placed in the
 * pyproject.toml itself; null when there is none, or when its raw text is not its value (a basic string
 * with escapes), which is then not read at all rather than read at the wrong places.
 */
export function legacyToxIni(text: string): string | null {
  let value: unknown;
  try {
    const data = parseToml(text) as { tool?: { tox?: { legacy_tox_ini?: unknown } } };
    value = data.tool?.tox?.legacy_tox_ini;
  } catch {
    return null;
  }
  if (typeof value !== 'string') return null;
  const table = /^\[tool\.tox\][ \t]*\r?$/m.exec(text);
  if (!table) return null;
  const key = /^[ \t]*legacy_tox_ini[ \t]*=[ \t]*('''|""")/m.exec(text.slice(table.index));
  if (!key) return null;
  const start = table.index + key.index + key[0].length;
  const end = text.indexOf(key[1]!, start);
  if (end < 0) return null;
  // TOML drops a newline right after the opening quotes.
  const raw = text.slice(start, end).replace(/^\r?\n/, '');
  if (raw.replace(/\r\n/g, '\n') !== value.replace(/\r\n/g, '\n')) return null;
  const blank = (part: string): string => part.replace(/[^\r\n]/g, ' ');
  return blank(text.slice(0, start)) + text.slice(start, end) + blank(text.slice(end));
}
