// The `set` options (errexit, pipefail, allexport) along the script: the shebang's flags, then each
// `set` the walk meets in document order, scoped by subshells; a function body runs with the options
// of its call sites when they all agree (an override, see model.ts `applyFunctionOptions`).
import path from 'node:path';
import { NestedIntervals } from './intervals.js';
import type { ShellOptions } from './types.js';

export function copyOptions(options: ShellOptions): ShellOptions {
  return { errexit: options.errexit, pipefail: options.pipefail, allexport: options.allexport };
}

function sameOptions(a: ShellOptions, b: ShellOptions): boolean {
  return a.errexit === b.errexit && a.pipefail === b.pipefail && a.allexport === b.allexport;
}

/** The options in force at each offset, recorded while the walk goes through the script in document order. */
export class OptionTimeline {
  /** The options in force where the walk is now. */
  current: ShellOptions;
  private readonly initial: ShellOptions;
  private readonly checkpoints: Array<{ offset: number; options: ShellOptions }> = [];
  private readonly overrides = new NestedIntervals<{ start: number; end: number; options: ShellOptions }>();

  constructor(shebangFlags: string[]) {
    this.current = { errexit: false, pipefail: false, allexport: false };
    applySetArgs(this.current, shebangFlags);
    this.initial = copyOptions(this.current);
    this.checkpoints.push({ offset: 0, options: copyOptions(this.current) });
  }

  /** A `set` command ending at `offset`. */
  set(args: Array<string | null>, offset: number): void {
    const before = copyOptions(this.current);
    applySetArgs(this.current, args);
    if (!sameOptions(before, this.current)) this.checkpoints.push({ offset, options: copyOptions(this.current) });
  }

  /** Leaving a subshell (or a function definition) at `offset`: the options saved on entry apply again. */
  restore(saved: ShellOptions, offset: number): void {
    if (!sameOptions(saved, this.current)) {
      this.current = saved;
      this.checkpoints.push({ offset, options: copyOptions(saved) });
    }
  }

  /** Options that apply over a stretch (a function body) whatever the straight-line order says; added in order of start. */
  override(start: number, end: number, options: ShellOptions): void {
    this.overrides.push({ start, end, options });
  }

  at(atOffset: number): ShellOptions {
    const best = this.overrides.innermost(atOffset);
    if (best) return { ...best.options };
    let low = 0;
    let high = this.checkpoints.length - 1;
    // Checkpoints are pushed in document order of the walk, which is offset order.
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.checkpoints[mid]!.offset <= atOffset) low = mid;
      else high = mid - 1;
    }
    return { ...(this.checkpoints[low]?.options ?? this.initial) };
  }
}

/** The interpreter and its flags from a shebang line: `#!/usr/bin/env -S bash -e` → bash, ['-e']. */
export function parseShebang(shebang: string | null): { interpreter: string | null; flags: string[] } {
  if (!shebang) return { interpreter: null, flags: [] };
  const words = shebang.slice(2).trim().split(/\s+/).filter(Boolean);
  if (words.length === 0) return { interpreter: null, flags: [] };
  let index = 0;
  if (path.posix.basename(words[0]!) === 'env') {
    index = 1;
    while (index < words.length && words[index]!.startsWith('-')) index++;
  }
  const program = words[index];
  return { interpreter: program ? path.posix.basename(program) : null, flags: words.slice(index + 1) };
}

/** Applies `set` arguments (`-e`, `+e`, `-euo pipefail`, `-o errexit`...) to the options. */
export function applySetArgs(options: ShellOptions, args: Array<string | null>): void {
  const named: Record<string, keyof ShellOptions> = { errexit: 'errexit', pipefail: 'pipefail', allexport: 'allexport' };
  const letters: Record<string, keyof ShellOptions> = { e: 'errexit', a: 'allexport' };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    if (arg === null || arg === undefined) continue;
    if (arg === '--' || arg === '-') break;
    const sign = arg[0];
    if (sign !== '-' && sign !== '+') break; // positional parameters follow
    const on = sign === '-';
    for (const letter of arg.slice(1)) {
      if (letter === 'o') {
        const name = args[++i];
        const key = name ? named[name] : undefined;
        if (key) options[key] = on;
      } else {
        const key = letters[letter];
        if (key) options[key] = on;
      }
    }
  }
}
