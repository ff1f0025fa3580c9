// The effects of statements on the state the model tracks, registered as events while the walk goes:
// assignments (plain, `+=`, arrays, `export`/`declare`/`local`/`readonly`, `unset`), builtins that
// set variables or the directory (`read`, `mapfile`, `printf -v`, `getopts`, `let`, `cd`/`pushd`/
// `popd`), `set`, arithmetic `((N++))` and `${VAR:=default}`. Values are computed on first lookup.
import path from 'node:path';
import type { Ctx, Region } from './context.js';
import type { Expander } from './expand.js';
import { EFFECT_BUILTINS, type LightTree, type Node } from './light-tree.js';
import { Assignment } from './objects.js';
import type { OptionTimeline } from './options.js';
import { CWD, UNKNOWN, UNSET, type Scope, type VarState } from './scope.js';
import { literalText } from './text.js';
import { HOLE, type ShellAssignment } from './types.js';

/** What the effects need of the walk: to walk the nodes inside an assignment's value (which may hide `$(...)`). */
export interface SlotWalker {
  walkSlot(slot: number, ctx: Ctx): void;
}

export class Effects {
  /** Variable assignment statements in document order. */
  readonly assignments: ShellAssignment[] = [];
  /** Functions whose body runs `set` (their options are their own, not their callers'). */
  readonly functionsWithSet = new Set<string>();
  /** Assignments made while `set -a` was on: exported once the walk is over. */
  readonly allexportAssignments: Array<{ name: string; offset: number }> = [];

  constructor(
    private readonly walker: SlotWalker,
    private readonly light: LightTree,
    private readonly text: string,
    private readonly scope: Scope,
    private readonly expander: Expander,
    private readonly options: OptionTimeline,
  ) {}

  /** Effects of builtins on the state the model tracks: set, cd, read... */
  commandEffects(node: Node, ctx: Ctx): void {
    const nameNode = node.childForFieldName('name');
    const name = nameNode ? literalText(nameNode) : null;
    if (!name || !EFFECT_BUILTINS.has(name)) return;
    const args = node.namedChildren.filter((child) => child.type !== 'variable_assignment' && child.type !== 'command_name');
    const literals = args.map(literalText);
    const end = node.endIndex;
    switch (name) {
      case 'set': {
        if (ctx.fn) this.functionsWithSet.add(ctx.fn);
        this.options.set(literals, end);
        return;
      }
      case 'cd':
      case 'pushd': {
        const operands = args.filter((_, i) => !(literals[i] ?? '').startsWith('-') || literals[i] === '-');
        const target = operands[0];
        const targetLiteral = target ? literalText(target) : null;
        this.scope.addEvent(CWD, end, ctx, null, () => {
          if (!target || targetLiteral === '-') return UNKNOWN;
          const word = this.expander.scalarWord(target);
          if (word.value === null || word.value === '') return UNKNOWN;
          if (path.isAbsolute(word.value)) return { k: 'val', v: path.normalize(word.value) };
          const before = this.scope.lookup(CWD, node.startIndex);
          if (before.k !== 'val' || before.v.includes(HOLE)) return UNKNOWN;
          return { k: 'val', v: path.resolve(before.v, word.value) };
        });
        return;
      }
      case 'popd':
        this.scope.addEvent(CWD, end, ctx, null, () => UNKNOWN);
        return;
      case 'read': {
        for (let i = 0; i < literals.length; i++) {
          const text = literals[i];
          if (text === null) continue;
          if (/^-[a-zA-Z]*[adpntui]$/.test(text)) {
            if (text.endsWith('a') && literals[i + 1]) this.unknownEvent(literals[i + 1]!, args[i + 1]!, ctx, 'read');
            i++;
            continue;
          }
          if (text.startsWith('-')) continue;
          if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(text)) this.unknownEvent(text, args[i]!, ctx, 'read');
        }
        return;
      }
      case 'mapfile':
      case 'readarray': {
        const operands = literals.filter((text, i) => text !== null && !text.startsWith('-') && !/^-[dnOsuC c]$/.test(literals[i - 1] ?? ''));
        const target = operands[operands.length - 1] ?? 'MAPFILE';
        this.unknownEvent(target, node, ctx, 'read');
        return;
      }
      case 'printf': {
        const at = literals.indexOf('-v');
        if (at >= 0 && literals[at + 1]) this.unknownEvent(literals[at + 1]!, node, ctx, 'read');
        return;
      }
      case 'getopts':
        if (literals[1]) this.unknownEvent(literals[1], node, ctx, 'read');
        return;
      case 'let':
        this.arithmeticEvents(node, ctx);
        return;
      default:
        return;
    }
  }

  pushAssignment(node: Node, name: string, valueNode: Node | null, kind: ShellAssignment['kind'], functionName: string | null): void {
    this.assignments.push(new Assignment(node, name, valueNode, kind, functionName));
  }

  unknownEvent(name: string, node: Node, ctx: Ctx, kind: ShellAssignment['kind']): void {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return;
    this.pushAssignment(node, name, null, kind, ctx.fn);
    this.scope.addEvent(name, node.endIndex, ctx, null, () => UNKNOWN);
  }

  walkAssignment(node: Node, ctx: Ctx, kind: ShellAssignment['kind'], localTo: Region | null = null, exportIt = false): void {
    const t = this.light;
    const text = this.text;
    const nameSlot = t.fieldChild(node.slot, 'name');
    const valueSlot = t.fieldChild(node.slot, 'value');
    const value = valueSlot >= 0 ? t.view(valueSlot) : null;
    if (valueSlot >= 0) this.walker.walkSlot(valueSlot, ctx);
    if (nameSlot < 0) return;
    let append = false;
    for (let c = t.first(node.slot); c >= 0; c = t.nexts[c]!) if (t.typeOf(c) === '+=') append = true;
    let name: string;
    let element = false;
    if (t.typeOf(nameSlot) === 'subscript') {
      const inner = t.fieldChild(nameSlot, 'name');
      name = inner >= 0 ? text.slice(t.starts[inner]!, t.ends[inner]!) : '';
      element = true;
    } else {
      name = text.slice(t.starts[nameSlot]!, t.ends[nameSlot]!);
    }
    if (!name) return;
    this.pushAssignment(node, name, value, append && kind === 'plain' ? 'append' : kind, ctx.fn);
    const start = node.startIndex;
    this.scope.addEvent(name, node.endIndex, ctx, localTo, () => {
      if (element) return UNKNOWN;
      let state: VarState;
      if (!value) state = { k: 'val', v: '' };
      else if (value.type === 'array') {
        const fields = this.expander.fieldsOf(value.namedChildren);
        if (fields.some((field) => field.multi)) return UNKNOWN;
        state = { k: 'arr', items: fields.map((field) => (field.unknown ? HOLE : field.t)) };
      } else {
        state = { k: 'val', v: this.expander.scalarTemplate(value) };
      }
      if (!append) return state;
      const before = this.scope.lookup(name, start);
      if (before.k === 'unknown' || before.k === 'env') return UNKNOWN;
      if (before.k === 'unset') return state;
      if (state.k === 'arr') return { k: 'arr', items: [...(before.k === 'arr' ? before.items : [before.v]), ...state.items] };
      if (before.k === 'arr' || state.k !== 'val') return UNKNOWN;
      return { k: 'val', v: before.v + state.v };
    });
    if (exportIt) this.scope.addExport(name, node.endIndex, ctx.chain, localTo, true);
    else if (this.options.current.allexport) this.allexportAssignments.push({ name, offset: node.endIndex });
  }

  walkDeclaration(node: Node, ctx: Ctx): void {
    const keyword = node.child(0)?.type ?? '';
    const flags = node.namedChildren.filter((child) => child.type === 'word' && /^[-+]/.test(child.text)).map((child) => child.text);
    const has = (letter: string, sign = '-'): boolean => flags.some((flag) => flag.startsWith(sign) && flag.slice(1).includes(letter));
    const global = has('g');
    const local = keyword === 'local' || ((keyword === 'declare' || keyword === 'typeset') && ctx.fn !== null && !global);
    const localTo = local ? ctx.fnRegion : null;
    const unexport = keyword === 'export' && has('n');
    const exportIt = !unexport && (keyword === 'export' || has('x'));
    const kind: ShellAssignment['kind'] = keyword === 'export' ? 'export' : keyword === 'readonly' ? 'readonly' : keyword === 'local' ? 'local' : 'declare';
    if (keyword === 'export' && has('f')) return; // export -f exports functions
    for (const child of node.namedChildren) {
      if (child.type === 'variable_assignment') {
        this.walkAssignment(child, ctx, kind, localTo, exportIt);
        if (unexport) {
          const name = child.childForFieldName('name')?.text;
          if (name) this.scope.addExport(name, child.endIndex, ctx.chain, localTo, false);
        }
      } else if (child.type === 'variable_name') {
        const name = child.text;
        this.pushAssignment(child, name, null, kind, ctx.fn);
        if (exportIt || unexport) this.scope.addExport(name, child.endIndex, ctx.chain, localTo, exportIt);
        // `local X` makes a new, empty local; `declare X`/`export X` leave the value alone.
        if (local && keyword === 'local') this.scope.addEvent(name, child.endIndex, ctx, localTo, () => UNSET);
      } else {
        this.walker.walkSlot(child.slot, ctx);
      }
    }
  }

  walkUnset(node: Node, ctx: Ctx): void {
    const words = node.namedChildren.map((child) => child.text);
    if (words.includes('-f')) return;
    for (const child of node.namedChildren) {
      const name = child.text;
      if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) continue;
      this.pushAssignment(child, name, null, 'unset', ctx.fn);
      this.scope.addEvent(name, child.endIndex, ctx, null, () => UNSET);
      this.scope.addExport(name, child.endIndex, ctx.chain, null, false);
    }
  }

  /** `((N++))`, `let N=1`, `$((N+=1))`: the assigned variables become unknown. */
  arithmeticEvents(node: Node, ctx: Ctx): void {
    const text = node.text;
    const pattern = /([A-Za-z_][A-Za-z0-9_]*)\s*(?:[-+*/%&|^]|<<|>>)?=(?!=)|([A-Za-z_][A-Za-z0-9_]*)\s*(?:\+\+|--)|(?:\+\+|--)\s*([A-Za-z_][A-Za-z0-9_]*)/g;
    for (const match of text.matchAll(pattern)) {
      const name = match[1] ?? match[2] ?? match[3];
      if (name && name !== 'let') this.unknownEvent(name, node, ctx, 'arith');
    }
  }

  /** `${VAR:=default}` assigns VAR when it is unset (or empty). */
  defaultAssignEvent(node: Node, ctx: Ctx): void {
    const children = node.children;
    const operator = children.find((child) => child.type === ':=' || child.type === '=');
    const nameNode = children.find((child) => child.type === 'variable_name');
    if (!operator || !nameNode || children[1]?.id !== nameNode.id) return;
    const name = nameNode.text;
    const colon = operator.type === ':=';
    const operands = children.filter((child) => child.isNamed && child.startIndex >= operator.endIndex);
    this.pushAssignment(node, name, operands[0] ?? null, 'default', ctx.fn);
    this.scope.addEvent(name, node.endIndex, ctx, null, () => {
      const before = this.scope.lookup(name, node.startIndex);
      if (before.k === 'unknown') return UNKNOWN;
      // Never assigned: the documented default is what a reader takes (the caller may override it).
      const current = before.k === 'arr' ? (before.items[0] ?? '') : before.k === 'val' ? before.v : null;
      if (current !== null && current.includes(HOLE)) return UNKNOWN;
      if (current !== null && (!colon || current !== '')) return before;
      return { k: 'val', v: this.expander.partsScalar(operands.flatMap((operand) => this.expander.parts(operand, true))) };
    });
  }
}
