// The paths along which commands run: the call graph of the script's functions, followed from the top
// level. A command inside a function runs once per way its function is reached: from a top-level call,
// a call in a `case` arm or an `if` branch, a call in another function, a `"$1"`/`"$@"` dispatch, a
// `"$0" ARM` self-invocation, or at exit through an EXIT trap. A function that is never called (or is
// called only before its definition has run) runs nothing; recursion is cut. Rules that ask "does X
// run before Y on the same path" compare runs (`runsBefore`), whatever shape the script has.
//
// The graph is explored once, breadth-first from the top level, with at most MAX_PREFIXES ways into
// each function: the cost stays linear in the number of calls however the functions call each other.
import type { Command } from './objects.js';
import type { ShellRun } from './types.js';
import type { FunctionDefinition } from './walk.js';

/** Ways into one function that are kept; beyond, the function's runs are a sample (`complete` false). */
const MAX_PREFIXES = 8;
/** How far up a chain the recursion check looks; deeper cycles are cut by MAX_PREFIXES. */
const CYCLE_CHECK_DEPTH = 16;

/** Frames: -1 the script's top level, 0.. a function definition, below -1 a `"$0" ARM` self-invocation. */
type FrameId = number;
const TOP: FrameId = -1;

/** One call on the way to a frame, linked to the calls before it (outermost last). */
interface Prefix {
  call: Command;
  /** Where the call sits in its own frame, for ordering: its offset, or `atExit` for a trap. */
  key: number;
  /** The frame the call sits in. */
  frame: FrameId;
  /** The frame it enters. */
  entered: FrameId;
  up: Prefix | null;
  /** The key of the outermost call: the top-level time at which the path runs. */
  root: number;
}

class Run implements ShellRun {
  private cachedVia: Command[] | null = null;
  constructor(
    readonly command: Command,
    /** The prefix reaching the command's frame (null at the top level). */
    readonly prefix: Prefix | null,
    /** The command's frame (self-invocation frames included). */
    readonly frame: FrameId,
  ) {}

  get via(): Command[] {
    if (!this.cachedVia) {
      const via: Command[] = [];
      for (let p = this.prefix; p; p = p.up) via.push(p.call);
      this.cachedVia = via.reverse();
    }
    return this.cachedVia;
  }

  get arms(): string[] | null {
    if (this.command.caseArms) return this.command.caseArms;
    for (let p = this.prefix; p; p = p.up) if (p.call.caseArms) return p.call.caseArms;
    return null;
  }

  /** The steps outermost first, with their ordering keys and frames. */
  steps(): Array<{ command: Command; key: number; frame: FrameId }> {
    const steps: Array<{ command: Command; key: number; frame: FrameId }> = [];
    for (let p = this.prefix; p; p = p.up) steps.push({ command: p.call, key: p.key, frame: p.frame });
    steps.reverse();
    steps.push({ command: this.command, key: this.command.start, frame: this.frame });
    return steps;
  }
}

export class CallGraph {
  /** Ways into each function definition. */
  private readonly prefixes = new Map<FrameId, Prefix[]>();
  /** Self-invocation frames by arm, and the arm of each. */
  private readonly selfFrames = new Map<string, FrameId>();
  private readonly selfArms = new Map<FrameId, string>();
  /** Commands of each frame that call something (functions, dispatch, self, traps). */
  private readonly callsByFrame = new Map<FrameId, Command[]>();
  private readonly definitionsByName = new Map<string, number[]>();
  private readonly runCache = new Map<Command, ShellRun[]>();
  private readonly overflowed = new Set<FrameId>();
  private readonly trapsSet = new Set<Command>();
  private readonly atExit: number;
  /** Work done exploring (calls followed, links walked): tests read it to check that the cost stays linear. */
  work = 0;

  constructor(
    commands: readonly Command[],
    private readonly definitions: readonly FunctionDefinition[],
    private readonly scriptPath: string,
    textLength: number,
    /** The functions an EXIT trap set by this command calls (empty when it is no such trap). */
    private readonly trapFunctions: (command: Command) => string[],
  ) {
    this.atExit = textLength + 1;
    definitions.forEach((definition, index) => {
      if (!definition.name) return;
      let list = this.definitionsByName.get(definition.name);
      if (!list) this.definitionsByName.set(definition.name, (list = []));
      list.push(index);
    });
    for (const command of commands) {
      if (!this.isCall(command)) continue;
      let list = this.callsByFrame.get(command.def);
      if (!list) this.callsByFrame.set(command.def, (list = []));
      list.push(command);
    }
    this.explore();
  }

  /** Every way the command runs; [] when it never does. */
  runsOf(command: Command): ShellRun[] {
    let runs = this.runCache.get(command);
    if (runs) return runs;
    runs = [];
    if (command.def < 0) {
      runs.push(new Run(command, null, TOP));
      // A top-level command in a case arm also runs when the script calls itself with that arm.
      for (const arm of command.caseArms ?? []) {
        const frame = this.selfFrames.get(arm);
        if (frame !== undefined) for (const prefix of this.prefixes.get(frame) ?? []) runs.push(new Run(command, prefix, frame));
      }
    } else {
      for (const prefix of this.prefixes.get(command.def) ?? []) runs.push(new Run(command, prefix, command.def));
    }
    this.runCache.set(command, runs);
    return runs;
  }

  /** Are the command's runs all known (no function on its way had more ways in than are kept)? */
  complete(command: Command): boolean {
    return !this.overflowed.has(command.def);
  }

  /**
   * Does `a` run before `b` in one invocation? The runs are compared where their paths part: both steps
   * must sit in the same frame (not two functions one dynamic call may enter) and in compatible case arms.
   */
  runsBefore(a: ShellRun, b: ShellRun): boolean {
    if (!(a instanceof Run) || !(b instanceof Run)) return false;
    const left = a.steps();
    const right = b.steps();
    const length = Math.min(left.length, right.length);
    for (let i = 0; i < length; i++) {
      const x = left[i]!;
      const y = right[i]!;
      if (x.command === y.command && x.frame === y.frame && x.key === y.key) continue;
      if (x.frame !== y.frame) return false;
      if (!armsCompatible(x.command.caseArms, y.command.caseArms) || exclusive(x.command, y.command)) return false;
      return x.key < y.key;
    }
    return false; // one encloses the other (a call and a command it runs), or the same run
  }

  private isCall(command: Command): boolean {
    if (command.name !== null && this.definitionsByName.has(command.name)) return true;
    if (this.isDispatch(command) || this.selfArm(command) !== null) return true;
    return command.name === 'trap' && this.trapFunctions(command).length > 0;
  }

  /** `"$@"`, `"$1"`, `${1:-start}` as the command name: it may call any function. */
  private isDispatch(command: Command): boolean {
    if (command.name !== null || this.definitions.length === 0) return false;
    const text = command.nameWord?.text ?? '';
    return /^"?\$\{?[@*1](?:[}:"]|$)/.test(text);
  }

  /** The arm a `"$0" ARM` / `bash "$0" ARM` self-invocation asks for; null when the command is none. */
  private selfArm(command: Command): string | null {
    if (command.name === this.scriptPath) return command.args[0]?.value ?? null;
    if (command.name === 'bash' || command.name === 'sh' || command.name?.endsWith('/bash') || command.name?.endsWith('/sh')) {
      const args = command.args;
      if (args[0]?.value === this.scriptPath) return args[1]?.value ?? null;
    }
    return null;
  }

  /** The definition a call to `name` reaches when the call runs at top-level time `when`; -1 when none is defined yet. */
  private resolve(name: string, when: number): number {
    const list = this.definitionsByName.get(name);
    if (!list) return -1;
    for (let i = list.length - 1; i >= 0; i--) {
      const definition = this.definitions[list[i]!]!;
      if (definition.nested || definition.start < when) return list[i]!;
    }
    return -1;
  }

  /** Breadth-first from the top level: each frame reached by a new prefix has its calls followed once for it. */
  private explore(): void {
    const queue: Array<{ frame: FrameId; prefix: Prefix | null }> = [{ frame: TOP, prefix: null }];
    for (let head = 0; head < queue.length; head++) {
      const { frame, prefix } = queue[head]!;
      const calls = frame < TOP ? this.selfFrameCalls(frame) : (this.callsByFrame.get(frame) ?? []);
      for (const call of calls) {
        this.work++;
        const key = call.start;
        // The top-level time at which this call runs: where its path leaves the top level.
        const when = prefix ? prefix.root : key;
        const enter = (entered: FrameId, callKey: number, up: Prefix | null, callFrame: FrameId): void => {
          if (entered === frame || this.onChain(up, entered)) return; // recursion: cut
          let list = this.prefixes.get(entered);
          if (!list) this.prefixes.set(entered, (list = []));
          if (list.length >= MAX_PREFIXES) {
            this.overflowed.add(entered);
            return;
          }
          const next: Prefix = { call, key: callKey, frame: callFrame, entered, up, root: up ? up.root : callKey };
          list.push(next);
          queue.push({ frame: entered, prefix: next });
        };
        if (call.name === 'trap') {
          // The trap's functions run at exit, after everything at the top level (once, however the trap is reached).
          if (this.trapsSet.has(call)) continue;
          this.trapsSet.add(call);
          for (const name of this.trapFunctions(call)) {
            const definition = this.resolve(name, this.atExit);
            if (definition >= 0) enter(definition, this.atExit, null, TOP);
          }
          continue;
        }
        const arm = this.selfArm(call);
        if (arm !== null) {
          if (call.def < 0 && (call.caseArms ?? []).includes(arm)) continue; // `start) "$0" start` calls itself
          enter(this.selfFrame(arm), key, prefix, frame);
          continue;
        }
        if (call.name !== null) {
          const definition = this.resolve(call.name, when);
          if (definition >= 0) enter(definition, key, prefix, frame);
          continue;
        }
        // A dispatch may call any function defined by then.
        for (const [name] of this.definitionsByName) {
          const definition = this.resolve(name, when);
          if (definition >= 0) enter(definition, key, prefix, frame);
        }
      }
    }
  }

  private onChain(prefix: Prefix | null, frame: FrameId): boolean {
    let steps = 0;
    for (let p = prefix; p && steps < CYCLE_CHECK_DEPTH; p = p.up, steps++) {
      this.work++;
      if (p.entered === frame || p.frame === frame) return true;
    }
    return false;
  }

  private selfFrame(arm: string): FrameId {
    let frame = this.selfFrames.get(arm);
    if (frame === undefined) {
      frame = -2 - this.selfFrames.size;
      this.selfFrames.set(arm, frame);
      this.selfArms.set(frame, arm);
    }
    return frame;
  }

  /** The calls a self-invocation with an arm makes: the top-level calls in that arm. */
  private selfFrameCalls(frame: FrameId): Command[] {
    const arm = this.selfArms.get(frame)!;
    return (this.callsByFrame.get(TOP) ?? []).filter((call) => call.caseArms?.includes(arm));
  }
}

/** Are the commands in different branches of one if/case statement (so that one invocation runs at most one)? */
function exclusive(a: Command, b: Command): boolean {
  const at = b.start;
  for (let link = a.chain; link; link = link.up) {
    const { region } = link;
    if (region.group && region.group.start <= at && at < region.group.end && !(region.start <= at && at < region.end)) return true;
  }
  return false;
}

/** Can two commands run in the same invocation? Unknown or missing arms are compatible with anything. */
export function armsCompatible(a: string[] | null, b: string[] | null): boolean {
  if (a === null || b === null) return true;
  return a.some((arm) => b.includes(arm));
}
