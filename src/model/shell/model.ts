// The model of one shell script (`ShellScript`, see types.ts), built once per file: the tree is mirrored
// (light-tree.ts), walked once (walk.ts, effects.ts) into commands and variable events, then each
// command's words are read (expand.ts), function bodies get their callers' options, and traps are
// collected. The queries rules ask (values, exports, cwd, options, calls, case arms) are answered here.
import path from 'node:path';
import type Parser from 'tree-sitter';
import { fromText, perFile, type SourceFile } from '../../source.js';
import { TOP_LEVEL } from './context.js';
import { emptyWord, Expander } from './expand.js';
import { LightTree, type Node } from './light-tree.js';
import { Command, CommandWords, NO_WORDS, Trap, type CommandHost, type Word } from './objects.js';
import { OptionTimeline, parseShebang } from './options.js';
import { CallGraph } from './paths.js';
import { Scope } from './scope.js';
import { callsName, normalizeSignal } from './text.js';
import type { ShellAssignment, ShellCommand, ShellOptions, ShellRun, ShellScript, ShellTrap, ShellWord } from './types.js';
import { HOLE } from './types.js';
import { Walker, type FunctionDefinition } from './walk.js';

type SyntaxNode = Parser.SyntaxNode;

const scripts = perFile<ShellScript | null>();

/** The model of a shell script, built once per file; null when the file has no tree or is not shell. */
export function shellScript(file: SourceFile): ShellScript | null {
  if (scripts.has(file)) return scripts.get(file)!;
  const script = file.tree && file.language === 'shell' ? new ScriptModel(file, file.tree) : null;
  scripts.set(file, script);
  return script;
}

/** Resolves a path as the script would use it: absolute stays, relative goes against the cwd at the offset (after `cd`) or else the script's directory. */
export function resolvePath(script: ShellScript, value: string, cwdOffset?: number): string {
  if (path.isAbsolute(value)) return path.normalize(value);
  const base = (cwdOffset === undefined ? null : script.cwdAt(cwdOffset)) ?? script.dir;
  return path.resolve(base, value);
}

class ScriptModel implements ShellScript, CommandHost {
  readonly file: SourceFile;
  readonly dir: string;
  readonly shebang: string | null;
  readonly interpreter: string | null;
  readonly commands: ShellCommand[];
  readonly functions: ReadonlyMap<string, SyntaxNode>;
  private readonly functionNodes: Map<string, Node>;
  readonly assignments: ShellAssignment[];
  readonly exported = new Set<string>();
  readonly traps: ShellTrap[] = [];

  readonly light: LightTree;
  private readonly root: Node;
  private readonly scope: Scope;
  private readonly expander: Expander;
  private readonly options: OptionTimeline;
  private readonly functionsWithSet: Set<string>;
  /** Commands by `start:end` of their node, built on the first `commandFor`. */
  private byNode: Map<string, ShellCommand> | null = null;
  private nodeIndex: Map<string, Node> | null = null;
  private callIndex: Map<string, ShellCommand[]> | null = null;
  private readonly definitions: FunctionDefinition[];
  private graph: CallGraph | null = null;
  private readonly trapScripts = new Map<ShellTrap, ShellScript | null>();

  constructor(file: SourceFile, tree: Parser.Tree) {
    this.file = file;
    this.dir = path.dirname(file.path);
    const firstLine = file.text.split('\n', 1)[0]!.replace(/\r$/, '');
    this.shebang = firstLine.startsWith('#!') ? firstLine : null;
    const { interpreter, flags } = parseShebang(this.shebang);
    this.interpreter = interpreter;
    this.options = new OptionTimeline(flags);

    const light = new LightTree(tree, file.text);
    light.deferCommands = !tree.rootNode.hasError;
    this.light = light;
    this.root = light.mirror();
    this.scope = new Scope(file.path);
    this.expander = new Expander(file.text, this.scope);
    const walker = new Walker(this, light, file.text, this.scope, this.expander, this.options);
    walker.walk(this.root, TOP_LEVEL);
    this.commands = walker.commands;
    this.functionNodes = walker.functionNodes;
    this.definitions = walker.definitions;
    this.assignments = walker.effects.assignments;
    this.functionsWithSet = walker.effects.functionsWithSet;
    this.scope.seal();
    for (const command of walker.unread) this.readCommand(command);
    this.applyFunctionOptions();
    this.collectTraps();
    this.functions = new FunctionNodes(this.functionNodes);
    for (const { name, offset } of walker.effects.allexportAssignments) this.scope.addExport(name, offset, null, null, true);
    for (const [name, list] of this.scope.exportEvents) {
      if (list.some((event) => event.exported && !event.localTo && !this.scope.insideFunction(event.offset))) this.exported.add(name);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // After the walk: commands with expanded words, function options, traps.

  readCommand(command: Command): void {
    let prefixEnv: Map<string, ShellWord> | null = null;
    let nameNode: Node | null = null;
    const argNodes: Node[] = [];
    for (const child of command.source.children) {
      const field = child.fieldName;
      if (child.type === 'variable_assignment' && !nameNode) {
        const key = child.childForFieldName('name')?.text;
        const value = child.childForFieldName('value');
        if (key) (prefixEnv ??= new Map()).set(key, value ? this.expander.scalarWord(value) : emptyWord(child));
      } else if (field === 'name') {
        nameNode = child.namedChild(0) ?? child;
      } else if (field === 'argument' && child.isNamed) {
        argNodes.push(child);
      }
    }
    const nameWords = nameNode ? this.wordsOf([nameNode]) : NO_WORDS;
    const first = nameWords[0] ?? null;
    const nameKnown = first !== null && !first.multi && first.value !== null;
    const words = new CommandWords();
    if (nameWords.length > 1) words.leading = nameWords.slice(1);
    words.argSources = argNodes;
    words.nameWord = first;
    command.words = words;
    command.name = nameKnown ? first.value : null;
    if (prefixEnv) command.prefixEnv = prefixEnv;
  }

  /**
   * A function body runs with the options of its call sites, not those where it is defined: when every call
   * (and every trap naming it, which runs with the options in force at exit) agrees, use theirs.
   */
  private applyFunctionOptions(): void {
    const atExit = this.optionsAt(this.file.text.length);
    const trapTexts = this.commands.filter((command) => command.name === 'trap').flatMap((command) => command.args.map((arg) => arg.value ?? ''));
    for (const { name, region } of this.scope.functionBodies) {
      if (!name || this.functionsWithSet.has(name)) continue;
      const states: Array<{ errexit: boolean; pipefail: boolean; inCondition: boolean }> = [];
      for (const call of this.callsOf(name)) states.push({ errexit: call.errexit, pipefail: call.pipefail, inCondition: call.inCondition });
      if (trapTexts.some((text) => callsName(text, name))) states.push({ errexit: atExit.errexit, pipefail: atExit.pipefail, inCondition: false });
      if (states.length === 0) continue;
      const firstState = states[0]!;
      if (!states.every((state) => state.errexit === firstState.errexit && state.pipefail === firstState.pipefail)) continue;
      const allInCondition = states.every((state) => state.inCondition);
      for (const command of this.commandsIn(name)) {
        command.errexit = firstState.errexit;
        command.pipefail = firstState.pipefail;
        if (allInCondition) command.inCondition = true;
      }
      this.options.override(region.start, region.end, { ...this.optionsAt(region.start), errexit: firstState.errexit, pipefail: firstState.pipefail });
    }
  }

  private collectTraps(): void {
    for (const command of this.commands) {
      if (command.name !== 'trap') continue;
      const args = command.args.filter((arg) => arg.value !== '--');
      if (args.length < 2 || args.some((arg) => arg.value === '-l' || arg.value === '-p' || arg.value === '-P')) continue;
      const [actionWord, ...signalWords] = args;
      // POSIX: a first operand that is an unsigned integer means every operand is a condition to reset.
      if (actionWord!.value !== null && /^\d+$/.test(actionWord!.value)) continue;
      const action = actionWord!.value;
      const signals = signalWords.map((word) => normalizeSignal(word.value ?? '?'));
      const functions = action === null ? [] : [...this.functionNodes.keys()].filter((fn) => callsName(action, fn));
      const node = (actionWord as Word).source;
      const inlineOffset = node.type === 'raw_string' ? node.startIndex + 1 : node.type === 'word' && !node.text.includes('\\') ? node.startIndex : null;
      this.traps.push(new Trap(command as Command, action, signals, functions, inlineOffset));
    }
  }

  // ---------------------------------------------------------------------------------------------

  // Queries

  valueOf(name: string, atOffset: number): string | null {
    const template = this.templateOf(name, atOffset);
    return template === null || template.includes(HOLE) ? null : template;
  }

  templateOf(name: string, atOffset: number): string | null {
    const state = this.scope.lookup(name, atOffset);
    if (state.k === 'val') return state.v;
    if (state.k === 'arr') return state.items[0] ?? null;
    return null;
  }

  arrayOf(name: string, atOffset: number): string[] | null {
    const state = this.scope.lookup(name, atOffset);
    if (state.k === 'arr') return state.items.some((item) => item.includes(HOLE)) ? null : state.items;
    if (state.k === 'val') return state.v.includes(HOLE) ? null : [state.v];
    return null;
  }

  isExported(name: string, atOffset: number): boolean {
    return this.exportStateAt(name, atOffset) === 'yes';
  }

  exportStateAt(name: string, atOffset: number): 'yes' | 'no' | 'maybe' {
    return this.scope.exportStateAt(name, atOffset);
  }

  envAt(atOffset: number): Map<string, string | null> {
    const env = new Map<string, string | null>();
    for (const name of this.scope.exportEvents.keys()) {
      const state = this.exportStateAt(name, atOffset);
      if (state === 'yes') env.set(name, this.valueOf(name, atOffset));
      else if (state === 'maybe') env.set(name, null);
    }
    return env;
  }

  cwdAt(atOffset: number): string | null {
    return this.scope.cwdAt(atOffset);
  }

  cwdFromStart(atOffset: number): string | null {
    return this.scope.cwdFromStart(atOffset);
  }

  optionsAt(atOffset: number): ShellOptions {
    return this.options.at(atOffset);
  }

  commandFor(node: SyntaxNode): ShellCommand | undefined {
    if (node.type !== 'command') return undefined;
    if (!this.byNode) {
      this.byNode = new Map();
      for (let i = 0; i < this.commands.length; i++) {
        const slot = (this.commands[i] as Command).slot;
        this.byNode.set(`${this.light.starts[slot]!}:${this.light.ends[slot]!}`, this.commands[i]!);
      }
    }
    return this.byNode.get(`${node.startIndex}:${node.endIndex}`);
  }

  callsOf(functionName: string): ShellCommand[] {
    if (!this.callIndex) {
      this.callIndex = new Map();
      for (const command of this.commands) {
        if (command.name === null || !this.functionNodes.has(command.name)) continue;
        let list = this.callIndex.get(command.name);
        if (!list) this.callIndex.set(command.name, (list = []));
        list.push(command);
      }
    }
    return (this.callIndex.get(functionName) ?? []).filter((command) => command.functionName !== functionName);
  }

  private commandStart(index: number): number {
    return this.light.starts[(this.commands[index] as Command).slot]!;
  }

  commandsIn(functionName: string): ShellCommand[] {
    const body = this.functionNodes.get(functionName)?.childForFieldName('body');
    if (!body) return [];
    // Commands are in document order of their start: find the first one in the body by bisection.
    let low = 0;
    let high = this.commands.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (this.commandStart(mid) < body.startIndex) low = mid + 1;
      else high = mid;
    }
    const result: ShellCommand[] = [];
    for (let i = low; i < this.commands.length && this.commandStart(i) < body.endIndex; i++) result.push(this.commands[i]!);
    return result;
  }

  armsOf(command: ShellCommand): string[] | null {
    const arms = new Set<string>();
    for (const run of this.runsOf(command)) for (const arm of run.arms ?? []) arms.add(arm);
    return arms.size ? [...arms] : null;
  }

  runsOf(command: ShellCommand): ShellRun[] {
    return this.callGraph().runsOf(command as Command);
  }

  runsBefore(a: ShellRun, b: ShellRun): boolean {
    return this.callGraph().runsBefore(a, b);
  }

  /** The call graph, built on first use (after the traps are known). */
  callGraph(): CallGraph {
    if (!this.graph) {
      const exitTraps = new Map<ShellCommand, string[]>();
      for (const trap of this.traps) if (trap.signals.includes('EXIT')) exitTraps.set(trap.command, trap.functions);
      this.graph = new CallGraph(this.commands as Command[], this.definitions, this.file.path, this.file.text.length, (command) => exitTraps.get(command) ?? []);
    }
    return this.graph;
  }

  trapCommands(trap: ShellTrap): ShellCommand[] {
    const result: ShellCommand[] = [];
    for (const fn of trap.functions) result.push(...this.commandsIn(fn));
    if (trap.action !== null && trap.action.trim() !== '' && trap.action.trim() !== '-') {
      // Parsed once per trap: several rules read the same trap's commands.
      let inline = this.trapScripts.get(trap);
      if (inline === undefined) {
        inline = shellScript(fromText(`${this.file.path}#trap@${trap.command.index}`, 'shell', trap.action));
        this.trapScripts.set(trap, inline);
      }
      if (inline) result.push(...inline.commands);
    }
    return result;
  }

  word(node: SyntaxNode): ShellWord {
    return this.expander.scalarWord(this.lightNode(node));
  }

  words(nodes: SyntaxNode[]): ShellWord[] {
    return this.wordsOf(nodes.map((node) => this.lightNode(node)));
  }

  /** The mirror node of a real node (an index built on first use). */
  private lightNode(node: SyntaxNode): Node {
    if (!this.nodeIndex) {
      this.nodeIndex = new Map();
      const stack = [this.root];
      while (stack.length) {
        const current = stack.pop()!;
        const key = `${current.startIndex}:${current.endIndex}:${current.type}`;
        if (!this.nodeIndex.has(key)) this.nodeIndex.set(key, current);
        for (const child of current.children) stack.push(child);
      }
    }
    const found = this.nodeIndex.get(`${node.startIndex}:${node.endIndex}:${node.type}`);
    if (!found) throw new Error(`node ${node.type} at ${node.startIndex} is not in ${this.file.path}`);
    return found;
  }

  wordsOf(nodes: Node[]): ShellWord[] {
    return this.expander.wordsOf(nodes);
  }
}

/** The functions by name, as real nodes made only for the entries read (`has` and `keys` make none). */
class FunctionNodes implements ReadonlyMap<string, SyntaxNode> {
  constructor(private readonly nodes: Map<string, Node>) {}

  get size(): number {
    return this.nodes.size;
  }

  has(name: string): boolean {
    return this.nodes.has(name);
  }

  get(name: string): SyntaxNode | undefined {
    return this.nodes.get(name)?.syntax;
  }

  keys(): MapIterator<string> {
    return this.nodes.keys();
  }

  *values(): MapIterator<SyntaxNode> {
    for (const node of this.nodes.values()) yield node.syntax;
  }

  *entries(): MapIterator<[string, SyntaxNode]> {
    for (const [name, node] of this.nodes) yield [name, node.syntax];
  }

  [Symbol.iterator](): MapIterator<[string, SyntaxNode]> {
    return this.entries();
  }

  forEach(callback: (value: SyntaxNode, key: string, map: ReadonlyMap<string, SyntaxNode>) => void): void {
    for (const [name, node] of this.nodes) callback(node.syntax, name, this);
  }
}
