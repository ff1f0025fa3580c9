// Wrappers: `exec pytest`, `env X=1 pytest`, `sudo -E docker run`, `timeout 60 ./x.sh`... peeled off
// a command to find the command it really runs, with the environment and directory they give it;
// and the small word helpers launchers use (`--opt=VALUE`, `hatch run env:pytest`).
import path from 'node:path';
import { Word } from './objects.js';
import { HOLE, type ShellCommand, type ShellWord } from './types.js';
import { lookupTable } from '../../lookup-table.js';

/** The command a wrapper line really runs, with the environment and directory the wrappers give it. */
export interface EffectiveCommand {
  /** The real command's name; null when unknown (or a wrapper option could not be read). */
  name: string | null;
  nameWord: ShellWord | null;
  args: ShellWord[];
  /** Prefix assignments plus `env X=1` / `sudo X=1` assignments. */
  env: Map<string, ShellWord>;
  /** The wrappers peeled off, outermost first: ['sudo', 'env']. */
  wrappers: string[];
  /** `env -C DIR` / `env --chdir=DIR`: the directory the command runs in (template), when a wrapper sets one. */
  chdir: ShellWord | null;
}

interface WrapperSpec {
  values: string[]; // options that take a value (short letters without '-', long names with '--')
  flags: string[];
  assignments?: boolean; // accepts NAME=VALUE words before the command
  operands?: number; // operands before the command (timeout's duration)
  numericFlags?: boolean; // `nice -10`
  stopOn?: string[]; // options that make it not run a command (`command -v`)
}

const WRAPPERS = lookupTable<WrapperSpec>({
  exec: { values: ['a'], flags: ['c', 'l'] },
  command: { values: [], flags: ['p'], stopOn: ['-v', '-V'] },
  builtin: { values: [], flags: [] },
  env: { values: ['u', '--unset', 'C', '--chdir'], flags: ['i', '--ignore-environment', '0', '--null', 'v', '--debug'], assignments: true, stopOn: ['-S', '--split-string'] },
  sudo: {
    values: ['u', '--user', 'g', '--group', 'C', '--close-from', 'p', '--prompt', 'r', '--role', 't', '--type', 'U', '--other-user', 'D', '--chdir', 'R', '--chroot', 'T', '--command-timeout', 'h', '--host'],
    flags: ['E', 'H', '--set-home', 'n', '--non-interactive', 'S', '--stdin', 'b', '--background', 'i', '--login', 's', '--shell', 'k', '--reset-timestamp', 'K', 'A', '--askpass', 'P', '--preserve-groups', '--preserve-env'],
    assignments: true,
    stopOn: ['-l', '--list', '-v', '--validate', '-e', '--edit'],
  },
  doas: { values: ['u', 'C'], flags: ['n', 's'] },
  time: { values: [], flags: ['p'] },
  nice: { values: ['n', '--adjustment'], flags: [], numericFlags: true },
  nohup: { values: [], flags: [] },
  setsid: { values: [], flags: ['c', '--ctty', 'f', '--fork', 'w', '--wait'] },
  stdbuf: { values: ['i', '--input', 'o', '--output', 'e', '--error'], flags: [] },
  timeout: { values: ['s', '--signal', 'k', '--kill-after'], flags: ['--preserve-status', '--foreground', 'v', '--verbose'], operands: 1 },
});


/**
 * A command no wrapper runs: the command itself, whose arguments need not be expanded before someone reads
 * them. A class rather than an object literal with getters: most commands are plain, and a literal's
 * getters are two closures made per command.
 */
class PlainCommand implements EffectiveCommand {
  readonly name: string | null;
  readonly wrappers: string[] = [];
  readonly chdir = null;
  private argsRead: ShellWord[] | null = null;

  constructor(
    private readonly command: ShellCommand,
    readonly env: Map<string, ShellWord>,
  ) {
    this.name = command.name;
  }

  get nameWord(): ShellWord | null {
    return this.command.nameWord;
  }

  get args(): ShellWord[] {
    return (this.argsRead ??= this.command.args.slice());
  }
}

/** Peels wrappers off a command: `sudo -E env X=1 timeout 60 pytest -x` → pytest, ['-x'], env X=1. */
export function effectiveCommand(command: ShellCommand): EffectiveCommand {
  // Kept on the command (`ShellCommand.effective`), not in a table of this module: such a table lives in
  // V8's old generation, and a young-generation collection keeps alive every value an old table holds,
  // whether its key is alive or not, until the next full collection, so the last suites' commands and
  // script models were copied again by each one. On the command, the answer goes with its script.
  const cached = command.effective as EffectiveCommand | undefined;
  if (cached) return cached;
  const env = new Map(command.prefixEnv);
  const wrappers: string[] = [];
  let chdir: ShellWord | null = null;
  if (command.name !== null && !WRAPPERS[path.posix.basename(command.name)]) {
    const plain = new PlainCommand(command, env);
    command.effective = plain;
    return plain;
  }
  let words: ShellWord[] = command.nameWord ? [command.nameWord, ...command.args] : [...command.args];
  let result: EffectiveCommand | null = null;
  for (let depth = 0; depth < 8 && !result; depth++) {
    const head = words[0];
    if (!head || head.multi || head.value === null) {
      result = { name: null, nameWord: head ?? null, args: words.slice(1), env, wrappers, chdir };
      break;
    }
    const base = path.posix.basename(head.value);
    const spec = WRAPPERS[base];
    if (!spec || words.length === 1) {
      result = { name: head.value, nameWord: head, args: words.slice(1), env, wrappers, chdir };
      break;
    }
    let i = 1;
    let failed = false;
    let stop = false;
    while (i < words.length) {
      const word = words[i]!;
      const value = word.value;
      if (value === null || word.multi) {
        failed = true;
        break;
      }
      if (value === '--') {
        i++;
        break;
      }
      if (spec.stopOn?.some((option) => value === option || value.startsWith(option + '='))) {
        stop = true;
        break;
      }
      if (spec.assignments && /^[A-Za-z_][A-Za-z0-9_]*=/.test(value)) {
        const eq = value.indexOf('=');
        env.set(value.slice(0, eq), sliceWord(word, eq + 1));
        i++;
        continue;
      }
      if (value.startsWith('--')) {
        const eq = value.indexOf('=');
        const name = eq < 0 ? value : value.slice(0, eq);
        if (spec.values.includes(name)) {
          const optionValue = eq < 0 ? (words[i + 1] ?? null) : sliceWord(word, eq + 1);
          if (name === '--chdir' && base === 'env' && optionValue) chdir = optionValue;
          i += eq < 0 ? 2 : 1;
          continue;
        }
        if (spec.flags.includes(name)) {
          i++;
          continue;
        }
        failed = true;
        break;
      }
      if (value.startsWith('-') && value.length > 1) {
        if (spec.numericFlags && /^-\d+$/.test(value)) {
          i++;
          continue;
        }
        let consumed = 1;
        let ok = true;
        for (let j = 1; j < value.length; j++) {
          const letter = value[j]!;
          if (spec.values.includes(letter)) {
            const attached = value.slice(j + 1);
            const optionValue = attached ? sliceWord(word, j + 1) : (words[i + 1] ?? null);
            if (letter === 'C' && base === 'env' && optionValue) chdir = optionValue;
            if (!attached) consumed = 2;
            break;
          }
          if (!spec.flags.includes(letter)) {
            ok = false;
            break;
          }
        }
        if (!ok) {
          failed = true;
          break;
        }
        i += consumed;
        continue;
      }
      break;
    }
    if (stop) {
      result = { name: head.value, nameWord: head, args: words.slice(1), env, wrappers, chdir };
      break;
    }
    if (failed) {
      result = { name: null, nameWord: null, args: words.slice(1), env, wrappers: [...wrappers, base], chdir };
      break;
    }
    i += spec.operands ?? 0;
    wrappers.push(base);
    words = words.slice(i);
    if (words.length === 0) result = { name: null, nameWord: null, args: [], env, wrappers, chdir };
  }
  result ??= { name: null, nameWord: null, args: [], env, wrappers, chdir };
  command.effective = result;
  return result;
}

/** The part of a word after `start` characters of its template (the value of `--opt=VALUE`, `-pVALUE`, `K=VALUE`). */
export function sliceWord(word: ShellWord, start: number, end?: number): ShellWord {
  const template = word.template.slice(start, end);
  const value = template.includes(HOLE) || (word.value === null && !word.template.includes(HOLE)) ? null : template;
  return withTemplate(word, template, value);
}

/** The same word (same node) with another template and value: for launchers that rewrite a word (`hatch run env:pytest`). */
export function withTemplate(word: ShellWord, template: string, value: string | null = template.includes(HOLE) ? null : template, multi = false): ShellWord {
  if (word instanceof Word) return new Word(word.source, value, template, multi);
  return { node: word.node, text: word.text, value, template, multi };
}
