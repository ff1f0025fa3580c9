// The walk: one pass over the mirrored tree in document order that finds every simple command and
// records where it runs (function, case arm, condition, subshell, pipeline, background) and with which
// options, following control flow (lists, pipelines, if/elif/else, loops, case arms, functions,
// subshells and substitutions) so that effects (effects.ts) carry the regions that decide whether they
// surely ran on the way to a later offset.
import { extend, IN_CONDITION, NO_EXTRA, type Ctx, type PipelinePosition, type Region } from './context.js';
import { Effects } from './effects.js';
import type { Expander } from './expand.js';
import { EFFECT_BUILTINS, hasEffects, PLAIN_TYPES, plainNameEnd, type LightTree, type Node } from './light-tree.js';
import { Arm, BACKGROUND, Command, ERREXIT, IN_CONDITION_FLAG, IN_SUBSHELL, IN_SUBSTITUTION, NO_NODES, PIPEFAIL, UNREAD, type CommandHost } from './objects.js';
import { copyOptions, type OptionTimeline } from './options.js';
import { UNKNOWN, type Scope } from './scope.js';
import { stripQuotes, unescapeUnquoted } from './text.js';

/** A function definition as the call graph needs it (paths.ts). */
export interface FunctionDefinition {
  name: string;
  /** Where the definition starts: the function exists once the script has run past it. */
  start: number;
  bodyStart: number;
  bodyEnd: number;
  /** Defined inside another function's body (it exists once that function ran: taken as always there). */
  nested: boolean;
}

export class Walker {
  /** Every simple command in document order. */
  readonly commands: Command[] = [];
  /** Function definitions by name (the last definition wins). */
  readonly functionNodes = new Map<string, Node>();
  /** Every function definition in document order (a nested one after the one around it). */
  readonly definitions: FunctionDefinition[] = [];
  /** Commands whose name and arguments are read once the walk is over (see `ScriptModel.finishCommands`). */
  readonly unread: Command[] = [];
  readonly effects: Effects;
  private readonly names = new Map<string, string>();

  constructor(
    private readonly host: CommandHost,
    private readonly light: LightTree,
    private readonly text: string,
    private readonly scope: Scope,
    expander: Expander,
    private readonly options: OptionTimeline,
  ) {
    this.effects = new Effects(this, light, text, scope, expander, options);
  }

  walk(node: Node, ctx: Ctx): void {
    this.walkSlot(node.slot, ctx);
  }

  // The walk reads the mirror's slots directly: views (`Node`) are made only for what the model keeps.
  walkSlot(s: number, ctx: Ctx): void {
    const t = this.light;
    const type = t.typeOf(s);
    // Words, tests and redirections matter to the walk only for what they may hide: `$(...)`, `${X:=...}`.
    if (PLAIN_TYPES.has(type) && !hasEffects(this.text, t.starts[s]!, t.ends[s]!)) return;
    switch (type) {
      case 'comment':
      case 'heredoc_start':
      case 'heredoc_end':
        return;
      case 'function_definition':
        return this.walkFunction(s, ctx);
      case 'command':
        return this.walkCommand(s, s, NO_NODES, null, ctx);
      case 'redirected_statement':
        return this.walkRedirected(s, null, ctx);
      case 'declaration_command':
        return this.effects.walkDeclaration(t.view(s), ctx);
      case 'variable_assignment':
        return this.effects.walkAssignment(t.view(s), ctx, 'plain');
      case 'variable_assignments':
        for (let c = t.first(s); c >= 0; c = t.nexts[c]!) if (t.isNamed(c)) this.walkSlot(c, ctx);
        return;
      case 'unset_command':
        return this.effects.walkUnset(t.view(s), ctx);
      case 'list':
        return this.walkList(s, ctx);
      case 'pipeline':
        return this.walkPipeline(s, ctx);
      case 'negated_command':
        for (let c = t.first(s); c >= 0; c = t.nexts[c]!) if (t.isNamed(c)) this.walkSlot(c, extend(ctx, IN_CONDITION));
        return;
      case 'subshell':
        return this.isolated(s, ctx, { inSubshell: true });
      case 'command_substitution':
      case 'process_substitution':
        return this.isolated(s, ctx, { inSubshell: true, inSubstitution: true });
      case 'if_statement':
        return this.walkIf(s, ctx);
      case 'while_statement':
        return this.walkWhile(t.view(s), ctx);
      case 'for_statement':
      case 'select_statement':
        return this.walkFor(t.view(s), ctx);
      case 'c_style_for_statement':
        return this.walkCFor(t.view(s), ctx);
      case 'case_statement':
        return this.walkCase(t.view(s), ctx);
      case 'compound_statement': {
        const first = t.first(s);
        if (first >= 0 && t.typeOf(first) === '((') {
          this.effects.arithmeticEvents(t.view(s), ctx);
          return;
        }
        return this.walkKids(s, ctx);
      }
      case 'arithmetic_expansion':
        this.effects.arithmeticEvents(t.view(s), ctx);
        return this.walkKids(s, ctx);
      case 'expansion':
        this.effects.defaultAssignEvent(t.view(s), ctx);
        return this.walkKids(s, ctx);
      default:
        return this.walkKids(s, ctx);
    }
  }

  private walkChildren(node: Node, ctx: Ctx): void {
    this.walkKids(node.slot, ctx);
  }

  private walkKids(s: number, ctx: Ctx): void {
    const t = this.light;
    for (let child = t.first(s); child >= 0; child = t.nexts[child]!) {
      if (!t.isNamed(child)) continue;
      const next = t.nexts[child]!;
      if (next >= 0 && t.typeOf(next) === '&') {
        const region: Region = { start: t.starts[child]!, end: t.ends[child]!, isolating: true };
        const inner = extend(ctx, NO_EXTRA);
        inner.chain = { region, up: ctx.chain };
        inner.background = true;
        inner.inSubshell = true;
        this.walkSlot(child, inner);
      } else {
        this.walkSlot(child, ctx);
      }
    }
  }

  private withRegion(ctx: Ctx, start: number, end: number, isolating: boolean, extra: Partial<Ctx> = NO_EXTRA, group?: { start: number; end: number }): Ctx {
    const region: Region = group ? { start, end, isolating, group } : { start, end, isolating };
    const next = extend(ctx, extra);
    next.chain = { region, up: ctx.chain };
    return next;
  }

  private isolated(s: number, ctx: Ctx, extra: Partial<Ctx>): void {
    const saved = copyOptions(this.options.current);
    const end = this.light.ends[s]!;
    this.walkKids(s, this.withRegion(ctx, this.light.starts[s]!, end, true, extra));
    this.options.restore(saved, end);
  }

  private walkFunction(s: number, ctx: Ctx): void {
    const t = this.light;
    const nameSlot = t.fieldChild(s, 'name');
    const body = t.fieldChild(s, 'body');
    const name = nameSlot >= 0 ? this.text.slice(t.starts[nameSlot]!, t.ends[nameSlot]!) : '';
    const node = t.view(s);
    if (name) this.functionNodes.set(name, node);
    if (body < 0) return;
    const region: Region = { start: t.starts[body]!, end: t.ends[body]!, isolating: false };
    this.scope.functionBodies.push({ name, region });
    const saved = copyOptions(this.options.current);
    const def = this.definitions.length;
    this.definitions.push({ name, start: t.starts[s]!, bodyStart: region.start, bodyEnd: region.end, nested: ctx.def >= 0 });
    const inner = extend(ctx, { fn: name, def, fnRegion: region, arm: null, inCondition: false });
    inner.chain = { region, up: ctx.chain };
    if (t.typeOf(body) === 'subshell') this.isolated(body, inner, { inSubshell: true });
    else this.walkSlot(body, inner);
    // Defining a function runs nothing: what `set` did inside applies where it is called, not here.
    this.options.restore(saved, t.ends[s]!);
  }

  private walkRedirected(s: number, pipeline: PipelinePosition, ctx: Ctx): void {
    const t = this.light;
    const body = t.fieldChild(s, 'body');
    const redirects: Node[] = [];
    for (let c = t.first(s); c >= 0; c = t.nexts[c]!) if (t.isNamed(c) && c !== body) redirects.push(t.view(c));
    if (body >= 0 && t.typeOf(body) === 'command') this.walkCommand(body, s, redirects, pipeline, ctx);
    else if (body >= 0) this.walkSlot(body, ctx);
    for (const redirect of redirects) this.walkSlot(redirect.slot, ctx);
  }

  private walkCommand(s: number, statement: number, redirects: Node[], pipeline: PipelinePosition, ctx: Ctx): void {
    const t = this.light;
    const command = new Command(this.host, s, statement, redirects);
    command.index = this.commands.length;
    command.functionName = ctx.fn;
    command.def = ctx.def;
    command.chain = ctx.chain;
    command.caseArm = ctx.arm;
    command.pipelinePosition = pipeline;
    const bits =
      (this.options.current.errexit ? ERREXIT : 0) |
      (this.options.current.pipefail ? PIPEFAIL : 0) |
      (ctx.inCondition ? IN_CONDITION_FLAG : 0) |
      (ctx.inSubshell ? IN_SUBSHELL : 0) |
      (ctx.inSubstitution ? IN_SUBSTITUTION : 0) |
      (ctx.background ? BACKGROUND : 0);
    command.setFlag(bits, true);
    if (t.deferred[s]) {
      // A plain word names it: the name and its word are what `readCommand` would find.
      command.name = this.intern(this.text.slice(t.starts[s]!, plainNameEnd(this.text, t.starts[s]!, t.ends[s]!)));
      command.setFlag(UNREAD, true);
    } else {
      this.unread.push(command); // once variables can be looked up
    }
    this.commands.push(command);
    // A deferred command holds nothing the walk must see and is no builtin with effects (see plainCommandName).
    if (t.deferred[s]) return;
    // Contexts are never mutated: the children share the command's.
    for (let c = t.first(s); c >= 0; c = t.nexts[c]!) {
      if (!t.isNamed(c)) continue;
      if (t.typeOf(c) === 'variable_assignment') {
        // Prefix assignments set the command's environment only; still look inside their values.
        const value = t.fieldChild(c, 'value');
        if (value >= 0) this.walkSlot(value, ctx);
      } else if (!t.deferred[c]) {
        this.walkSlot(c, ctx);
      }
    }
    // Only a name that may read as an effect builtin needs the full look (`literalText` unquotes and unescapes).
    const name = t.fieldChild(s, 'name');
    if (name < 0) return;
    const raw = this.text.slice(t.starts[name]!, t.ends[name]!);
    if (!EFFECT_BUILTINS.has(raw) && !/[\\'"]/.test(raw)) return;
    this.effects.commandEffects(t.view(s), ctx);
  }

  private walkList(s: number, ctx: Ctx): void {
    // `a && b`, `a || b`: `a` is a condition; `b` runs only sometimes.
    const t = this.light;
    const named: number[] = [];
    for (let c = t.first(s); c >= 0; c = t.nexts[c]!) if (t.isNamed(c) && t.typeOf(c) !== 'comment') named.push(c);
    for (let i = 0; i < named.length; i++) {
      const child = named[i]!;
      if (i === 0) this.walkSlot(child, extend(ctx, IN_CONDITION));
      else if (i < named.length - 1) this.walkSlot(child, this.withRegion(ctx, t.starts[child]!, t.ends[child]!, false, IN_CONDITION));
      else this.walkSlot(child, this.withRegion(ctx, t.starts[child]!, t.ends[child]!, false));
    }
  }

  private walkPipeline(s: number, ctx: Ctx): void {
    const t = this.light;
    const elements: number[] = [];
    for (let c = t.first(s); c >= 0; c = t.nexts[c]!) if (t.isNamed(c) && t.typeOf(c) !== 'comment') elements.push(c);
    const length = elements.length;
    for (let index = 0; index < length; index++) {
      const child = elements[index]!;
      const inner = this.withRegion(ctx, t.starts[child]!, t.ends[child]!, true, { inSubshell: length > 1 || ctx.inSubshell });
      const position = length > 1 ? { index, length } : null;
      const type = t.typeOf(child);
      if (type === 'command') this.walkCommand(child, child, NO_NODES, position, inner);
      else if (type === 'redirected_statement') this.walkRedirected(child, position, inner);
      else this.walkSlot(child, inner);
    }
  }

  private walkIf(s: number, ctx: Ctx): void {
    const t = this.light;
    const children: number[] = [];
    for (let c = t.first(s); c >= 0; c = t.nexts[c]!) children.push(c);
    this.walkConditional(children, ctx, t.ends[s]!, { start: t.starts[s]!, end: t.ends[s]! });
  }

  /** Children of an if/elif: a condition up to `then`, then a branch up to the next elif/else/fi. */
  private walkConditional(children: number[], ctx: Ctx, end: number, group: { start: number; end: number }): void {
    const t = this.light;
    let phase: 'condition' | 'branch' = 'condition';
    let branch: Ctx = ctx;
    for (let i = 0; i < children.length; i++) {
      const child = children[i]!;
      const type = t.typeOf(child);
      if (type === 'then') {
        phase = 'branch';
        let branchEnd = end;
        for (let j = i + 1; j < children.length; j++) {
          const next = t.typeOf(children[j]!);
          if (next === 'elif_clause' || next === 'else_clause' || next === 'fi') {
            branchEnd = t.starts[children[j]!]!;
            break;
          }
        }
        branch = this.withRegion(ctx, t.ends[child]!, branchEnd, false, NO_EXTRA, group);
        continue;
      }
      if (!t.isNamed(child)) continue;
      if (type === 'elif_clause') {
        const inner = this.withRegion(ctx, t.starts[child]!, t.ends[child]!, false, NO_EXTRA, group);
        const rest: number[] = [];
        for (let c = t.first(child); c >= 0; c = t.nexts[c]!) rest.push(c);
        this.walkConditional(rest.slice(1), inner, t.ends[child]!, group);
      } else if (type === 'else_clause') {
        this.walkKids(child, this.withRegion(ctx, t.starts[child]!, t.ends[child]!, false, NO_EXTRA, group));
      } else if (phase === 'condition') {
        this.walkSlot(child, extend(ctx, IN_CONDITION));
      } else {
        this.walkSlot(child, branch);
      }
    }
  }

  private walkWhile(node: Node, ctx: Ctx): void {
    for (const child of node.namedChildren) {
      if (child.type === 'do_group') this.walkChildren(child, this.withRegion(ctx, child.startIndex, child.endIndex, false));
      else this.walk(child, extend(ctx, IN_CONDITION));
    }
  }

  private walkFor(node: Node, ctx: Ctx): void {
    const variable = node.childForFieldName('variable');
    for (const child of node.namedChildren) {
      if (child === variable || child.id === variable?.id) continue;
      if (child.type === 'do_group') this.walkChildren(child, this.withRegion(ctx, child.startIndex, child.endIndex, false));
      else this.walk(child, ctx);
    }
    if (variable) {
      this.effects.pushAssignment(variable, variable.text, null, 'for', ctx.fn);
      // The loop variable is set before the body runs: make it take effect at the variable.
      this.scope.addEvent(variable.text, variable.endIndex, ctx, null, () => UNKNOWN);
    }
  }

  private walkCFor(node: Node, ctx: Ctx): void {
    for (const child of node.namedChildren) {
      if (child.type === 'do_group' || child.type === 'compound_statement') {
        this.walkChildren(child, this.withRegion(ctx, child.startIndex, child.endIndex, false));
      } else {
        this.effects.arithmeticEvents(child, ctx);
      }
    }
  }

  private walkCase(node: Node, ctx: Ctx): void {
    const subject = node.childForFieldName('value');
    if (subject) this.walk(subject, ctx);
    const group = { start: node.startIndex, end: node.endIndex };
    for (const item of node.namedChildren) {
      if (item.type !== 'case_item') continue;
      const patterns: string[] = [];
      for (const child of item.children) if (child.fieldName === 'value') patterns.push(this.patternText(child));
      const arm = new Arm(item, patterns, subject?.text ?? '');
      const inner = this.withRegion(ctx, item.startIndex, item.endIndex, false, { arm }, group);
      for (const child of item.namedChildren) {
        if (child.fieldName === 'value') continue;
        this.walk(child, inner);
      }
    }
  }

  private patternText(node: Node): string {
    if (node.type === 'extglob_pattern' || node.type === 'word') return unescapeUnquoted(node.text);
    if (node.type === 'string' || node.type === 'raw_string') return stripQuotes(node);
    return node.text;
  }

  /** One string per distinct name: a slice of the text per command would be kept alive by each. */
  private intern(name: string): string {
    const known = this.names.get(name);
    if (known !== undefined) return known;
    this.names.set(name, name);
    return name;
  }
}
