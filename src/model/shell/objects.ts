// The objects the model hands to rules (words, commands, assignments, case arms, traps). They keep
// mirror nodes (light-tree.ts) and materialize real SyntaxNodes only when a rule reads `.node`; a
// command reads its words only when a rule asks for them (see `CommandHost`).
import type Parser from 'tree-sitter';
import type { Chain } from './context.js';
import type { LightTree, Node } from './light-tree.js';
import type { CaseArm, ShellAssignment, ShellCommand, ShellTrap, ShellWord } from './types.js';

type SyntaxNode = Parser.SyntaxNode;

/** What a command asks of the model that made it: the mirror, and the reading of its words on demand. */
export interface CommandHost {
  readonly light: LightTree;
  readCommand(command: Command): void;
  wordsOf(nodes: Node[]): ShellWord[];
}

/** A ShellWord whose node is materialized on demand. */
export class Word implements ShellWord {
  constructor(
    readonly source: Node,
    readonly value: string | null,
    readonly template: string,
    readonly multi: boolean,
  ) {}

  get node(): SyntaxNode {
    return this.source.syntax;
  }

  get text(): string {
    return this.source.text;
  }
}

export const NO_WORDS: ShellWord[] = [];
/** Shared by the commands without redirections or arguments: never mutated. */
export const NO_NODES: Node[] = [];
/** Shared by the commands without prefix assignments: never mutated. */
export const NO_ENV: Map<string, ShellWord> = new Map();

/** The public objects below keep mirror nodes and hand out real SyntaxNodes on demand. */
// Flags of a Command, in one number: 60,000 commands must stay small.
export const ERREXIT = 1;
export const PIPEFAIL = 2;
export const IN_CONDITION_FLAG = 4;
export const IN_SUBSHELL = 8;
export const IN_SUBSTITUTION = 16;
export const BACKGROUND = 32;
/** Read off its text: the name is known, the children not read yet (see `plainCommandName`). */
export const UNREAD = 64;

/** What reading a command's children gives (see `ScriptModel.readCommand`), kept apart to keep `Command` small. */
export class CommandWords {
  nameWord: ShellWord | null = null;
  /** Words of the name beyond the first (`$DOCKER run` with DOCKER="sudo docker"), then the argument nodes, expanded on first use. */
  leading: ShellWord[] = NO_WORDS;
  argSources: Node[] = NO_NODES;
  expanded: ShellWord[] | null = null;
}

export class Command implements ShellCommand {
  index = 0;
  name: string | null = null;
  /** Null until the children are read. */
  words: CommandWords | null = null;
  prefixEnv: Map<string, ShellWord> = NO_ENV;
  functionName: string | null = null;
  /** The enclosing function definition (index in `Walker.definitions`); -1 outside functions. */
  def = -1;
  /** The regions around the command (branches, subshells), innermost first: which if/case branches it is in. */
  chain: Chain | null = null;
  caseArm: CaseArm | null = null;
  pipelinePosition: { index: number; length: number } | null = null;
  effective: unknown = undefined;
  private bits = 0;
  constructor(
    private readonly model: CommandHost,
    /** The slot of the `command` node, and of its statement (itself, or the `redirected_statement`). */
    readonly slot: number,
    private readonly statementSlot: number,
    readonly redirectSources: Node[],
  ) {}

  get source(): Node {
    return this.model.light.view(this.slot);
  }

  get statementText(): string {
    const light = this.model.light;
    return light.text.slice(light.starts[this.statementSlot]!, light.ends[this.statementSlot]!);
  }

  get start(): number {
    return this.model.light.starts[this.slot]!;
  }

  get end(): number {
    return this.model.light.ends[this.slot]!;
  }

  get statementSource(): Node {
    return this.model.light.view(this.statementSlot);
  }

  private flag(bit: number): boolean {
    return (this.bits & bit) !== 0;
  }

  setFlag(bit: number, on: boolean): void {
    this.bits = on ? this.bits | bit : this.bits & ~bit;
  }

  get caseArms(): string[] | null {
    return this.caseArm?.patterns ?? null;
  }

  get errexit(): boolean {
    return this.flag(ERREXIT);
  }

  set errexit(on: boolean) {
    this.setFlag(ERREXIT, on);
  }

  get pipefail(): boolean {
    return this.flag(PIPEFAIL);
  }

  set pipefail(on: boolean) {
    this.setFlag(PIPEFAIL, on);
  }

  get inCondition(): boolean {
    return this.flag(IN_CONDITION_FLAG);
  }

  set inCondition(on: boolean) {
    this.setFlag(IN_CONDITION_FLAG, on);
  }

  get inSubshell(): boolean {
    return this.flag(IN_SUBSHELL);
  }

  get inSubstitution(): boolean {
    return this.flag(IN_SUBSTITUTION);
  }

  get background(): boolean {
    return this.flag(BACKGROUND);
  }

  private read(): CommandWords {
    if (this.flag(UNREAD)) {
      this.setFlag(UNREAD, false);
      this.model.readCommand(this);
    }
    return this.words!;
  }

  get nameWord(): ShellWord | null {
    return this.read().nameWord;
  }

  get args(): ShellWord[] {
    const words = this.read();
    return (words.expanded ??= [...words.leading, ...this.model.wordsOf(words.argSources)]);
  }

  get node(): SyntaxNode {
    return this.source.syntax;
  }

  get statement(): SyntaxNode {
    return this.statementSource.syntax;
  }

  get redirects(): SyntaxNode[] {
    return this.redirectSources.map((node) => node.syntax);
  }
}

export class Assignment implements ShellAssignment {
  constructor(
    readonly source: Node,
    readonly name: string,
    readonly valueSource: Node | null,
    readonly kind: ShellAssignment['kind'],
    readonly functionName: string | null,
  ) {}

  get node(): SyntaxNode {
    return this.source.syntax;
  }

  get valueNode(): SyntaxNode | null {
    return this.valueSource?.syntax ?? null;
  }
}

export class Arm implements CaseArm {
  constructor(
    readonly source: Node,
    readonly patterns: string[],
    readonly subject: string,
  ) {}

  get node(): SyntaxNode {
    return this.source.syntax;
  }
}

export class Trap implements ShellTrap {
  constructor(
    readonly command: Command,
    readonly action: string | null,
    readonly signals: string[],
    readonly functions: string[],
    readonly inlineOffset: number | null,
  ) {}

  get node(): SyntaxNode {
    return this.command.node;
  }
}

/**
 * unset: explicitly unset (`unset X`, `local X`); env: never assigned by the script, so whatever the caller's
 * environment holds (unknown, but `${X:-default}` takes the default); unknown; a value; an array.
 */
