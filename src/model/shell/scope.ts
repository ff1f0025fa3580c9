// Variables and exports over the script: every assignment (and `cd`, as the pseudo-variable CWD) is an
// event at an offset with the chain of regions it sits in; a lookup at an offset takes the last event
// that surely ran on the way there, and is unknown when a branch that may or may not have run
// disagrees. Values are computed lazily (and once) by the closures the walk registers.
import path from 'node:path';
import type { Chain, Ctx, Region } from './context.js';
import { NestedIntervals } from './intervals.js';
import { HOLE } from './types.js';

/**
 * unset: explicitly unset (`unset X`, `local X`); env: never assigned by the script, so whatever the caller's
 * environment holds (unknown, but `${X:-default}` takes the default); unknown; a value; an array.
 */
export type VarState = { k: 'unset' } | { k: 'env' } | { k: 'unknown' } | { k: 'val'; v: string } | { k: 'arr'; items: string[] };

export const UNSET: VarState = { k: 'unset' };
export const ENV: VarState = { k: 'env' };
export const UNKNOWN: VarState = { k: 'unknown' };

/** Pseudo-variable for the working directory (a space keeps it apart from real names). */
export const CWD = ' cwd';

/**
 * The directory the script starts in (its caller's, unknown to the script): a marker path deep enough
 * that `cd ..` stays below it, so that `cd api` from the start is `START_CWD/api`, read back as `api`
 * relative to the start (see cwdFromStart). No real path begins with U+0001.
 */
export const START_CWD = '/' + Array.from({ length: 8 }, () => '\u0001').join('/');
const START_STATE: VarState = { k: 'val', v: START_CWD };
const START_PREFIX = '/\u0001';

interface VarEvent {
  name: string;
  /** Offset where the assignment takes effect (the end of the assigning node). */
  offset: number;
  chain: Chain | null;
  /** For `local` (and declare in a function): the function body outside which the event is invisible. */
  localTo: Region | null;
  /** Inside a function body (any function). */
  inFunction: boolean;
  compute: () => VarState;
  memo?: VarState;
  busy?: boolean;
}

interface ExportEvent {
  offset: number;
  chain: Chain | null;
  localTo: Region | null;
  exported: boolean;
}

export interface FunctionBody {
  name: string;
  region: Region;
}

export class Scope {
  private readonly events = new Map<string, VarEvent[]>();
  readonly exportEvents = new Map<string, ExportEvent[]>();
  /** Function bodies in document order (sorted by `seal`). */
  readonly functionBodies: FunctionBody[] = [];
  private readonly bodies = new NestedIntervals<{ start: number; end: number; body: FunctionBody }>();

  constructor(
    /** The script's absolute path: the value of `$0` and `${BASH_SOURCE[0]}`. */
    private readonly scriptPath: string,
  ) {}

  addEvent(name: string, offset: number, ctx: Ctx, localTo: Region | null, compute: () => VarState): void {
    const event: VarEvent = { name, offset, chain: ctx.chain, localTo, inFunction: ctx.fn !== null, compute };
    let list = this.events.get(name);
    if (!list) this.events.set(name, (list = []));
    list.push(event);
  }

  addExport(name: string, offset: number, chain: Chain | null, localTo: Region | null, exported: boolean): void {
    let list = this.exportEvents.get(name);
    if (!list) this.exportEvents.set(name, (list = []));
    list.push({ offset, chain, localTo, exported });
  }

  /** Puts the events in offset order once the walk is over: lookups bisect them. */
  seal(): void {
    for (const list of this.events.values()) list.sort((a, b) => a.offset - b.offset);
    for (const list of this.exportEvents.values()) list.sort((a, b) => a.offset - b.offset);
    this.functionBodies.sort((a, b) => a.region.start - b.region.start);
    for (const body of this.functionBodies) this.bodies.push({ start: body.region.start, end: body.region.end, body });
  }

  cwdAt(atOffset: number): string | null {
    const state = this.lookup(CWD, atOffset);
    return state.k === 'val' && !state.v.includes(HOLE) && !state.v.startsWith(START_PREFIX) ? state.v : null;
  }

  /** The cwd relative to the start directory ('.', `api`, `../web`) when every `cd` since the start is known and relative; null otherwise. */
  cwdFromStart(atOffset: number): string | null {
    const state = this.lookup(CWD, atOffset);
    if (state.k !== 'val' || state.v.includes(HOLE) || !state.v.startsWith(START_PREFIX)) return null;
    return path.posix.relative(START_CWD, state.v) || '.';
  }

  exportStateAt(name: string, atOffset: number): 'yes' | 'no' | 'maybe' {
    const list = this.exportEvents.get(name);
    if (!list) return 'no';
    let sawMaybeExport = false;
    for (let i = upperBound(list, atOffset) - 1; i >= 0; i--) {
      const event = list[i]!;
      const visibility = this.visibility(event.chain, event.localTo, atOffset);
      if (visibility === 'none') continue;
      if (visibility === 'maybe') {
        if (event.exported) sawMaybeExport = true;
        else if (!sawMaybeExport) return 'maybe';
        continue;
      }
      if (event.exported) return 'yes';
      return sawMaybeExport ? 'maybe' : 'no';
    }
    return sawMaybeExport ? 'maybe' : 'no';
  }

  insideFunction(offset: number): { name: string; region: Region } | null {
    return this.bodies.innermost(offset)?.body ?? null;
  }

  private visibility(chain: Chain | null, localTo: Region | null, q: number): 'definite' | 'maybe' | 'none' {
    if (localTo && !(localTo.start <= q && q < localTo.end)) return 'none';
    let result: 'definite' | 'maybe' = 'definite';
    for (let link = chain; link; link = link.up) {
      const { region } = link;
      if (region.start <= q && q < region.end) continue;
      if (region.isolating) return 'none';
      if (region.group && region.group.start <= q && q < region.group.end) return 'none'; // a sibling branch
      result = 'maybe';
    }
    return result;
  }

  private evaluate(event: VarEvent): VarState {
    if (event.memo) return event.memo;
    if (event.busy) return UNKNOWN;
    event.busy = true;
    const state = event.compute();
    event.busy = false;
    event.memo = state;
    return state;
  }

  lookup(name: string, q: number): VarState {
    const state = this.lookupRaw(name, q);
    // Before any `cd`, the script is where its caller started it.
    return name === CWD && state.k === 'env' ? START_STATE : state;
  }

  private lookupRaw(name: string, q: number): VarState {
    if (name === '0') return { k: 'val', v: this.scriptPath };
    if (name === 'BASH_SOURCE') return { k: 'arr', items: [this.scriptPath] };
    const list = this.events.get(name);
    const maybes: VarEvent[] = [];
    if (list) {
      for (let i = upperBound(list, q) - 1; i >= 0; i--) {
        const event = list[i]!;
        const visibility = this.visibility(event.chain, event.localTo, q);
        if (visibility === 'none') continue;
        if (visibility === 'maybe') {
          maybes.push(event);
          if (maybes.length > 16) return UNKNOWN;
          continue;
        }
        const state = this.evaluate(event);
        if (maybes.every((maybe) => sameState(this.evaluate(maybe), state))) return state;
        return UNKNOWN;
      }
    }
    if (maybes.length) return UNKNOWN;
    if (name === 'PWD' && !list) {
      const cwd = this.cwdAt(q);
      return cwd === null ? UNKNOWN : { k: 'val', v: cwd };
    }
    if (list && this.insideFunction(q)) return this.globalFallback(list, q);
    if (/^([1-9][0-9]*|[@*#?$!-])$/.test(name)) return UNKNOWN;
    return ENV;
  }

  /** Inside a function, a global assigned (only) outside functions, unconditionally, with one value, is that value. */
  private globalFallback(list: VarEvent[], q: number): VarState {
    const fn = this.insideFunction(q)!;
    let agreed: VarState | null = null;
    for (const event of list) {
      // This function's own events before q were already seen; those after q come too late.
      if (event.offset >= fn.region.start && event.offset <= fn.region.end) continue;
      if (event.localTo) continue;
      if (event.chain !== null) {
        if (this.visibility(event.chain, null, q) === 'none') continue; // isolated: cannot reach q
        return UNKNOWN; // conditional, or in another function: cannot tell
      }
      const state = this.evaluate(event);
      if (agreed && !sameState(agreed, state)) return UNKNOWN;
      agreed = state;
    }
    return agreed ?? ENV;
  }
}

function sameState(a: VarState, b: VarState): boolean {
  if (a.k !== b.k) return false;
  if (a.k === 'val' && b.k === 'val') return a.v === b.v && !a.v.includes(HOLE);
  if (a.k === 'arr' && b.k === 'arr') return a.items.length === b.items.length && a.items.every((item, i) => item === b.items[i] && !item.includes(HOLE));
  return a.k === 'unset';
}

function upperBound<T extends { offset: number }>(list: T[], offset: number): number {
  let low = 0;
  let high = list.length;
  while (low < high) {
    const mid = (low + high) >> 1;
    if (list[mid]!.offset <= offset) low = mid + 1;
    else high = mid;
  }
  return low;
}
