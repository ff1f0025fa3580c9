// Word expansion as bash does it when the result is statically known: quoting, concatenation,
// `$VAR`/`${VAR...}` through the scope (scope.ts), arrays spliced, known unquoted expansions split
// into fields, globs and unknowns kept as HOLEs. Command substitutions go to substitution.ts.
import type { Node } from './light-tree.js';
import { Word } from './objects.js';
import { UNKNOWN, UNSET, type Scope, type VarState } from './scope.js';
import { substitution } from './substitution.js';
import { decodeAnsiC, hasGlob, isBraceExpansion, trimPattern, unescapeDoubleQuoted, unescapeUnquoted } from './text.js';
import { HOLE, type ShellWord } from './types.js';

/** A piece of a word before field splitting. */
export type Part =
  | { kind: 'lit'; text: string; quoted: boolean }
  | { kind: 'exp'; text: string } // unquoted expansion result with known text: split on whitespace
  | { kind: 'qexp'; text: string } // quoted expansion result: kept as one piece
  | { kind: 'hole'; multi: boolean }
  | { kind: 'arr'; items: string[]; quoted: boolean }
  | { kind: 'glob'; text: string };

export interface Field {
  t: string;
  multi: boolean;
  unknown: boolean;
  has: boolean;
}
export class Expander {
  constructor(
    private readonly text: string,
    readonly scope: Scope,
  ) {}

  wordsOf(nodes: Node[]): ShellWord[] {
    const result: ShellWord[] = [];
    for (const node of nodes) {
      if (node.type === 'word') {
        // The common case, a plain unquoted word: its text is its one field (see `parts` and `partsToFields`).
        const text = node.text;
        if (isPlainWord(text)) {
          result.push(new Word(node, text, text, false));
          continue;
        }
      }
      for (const field of this.fieldsOf([node])) {
        result.push(new Word(node, field.unknown || field.t.includes(HOLE) ? null : field.t, field.t, field.multi));
      }
    }
    return result;
  }

  /** One word as in an assignment: no splitting, no globbing. */
  scalarWord(node: Node): ShellWord {
    const template = this.scalarTemplate(node);
    return new Word(node, template.includes(HOLE) ? null : template, template, false);
  }

  scalarTemplate(node: Node): string {
    return this.partsScalar(this.parts(node, false));
  }

  partsScalar(parts: Part[]): string {
    let text = '';
    for (const part of parts) {
      switch (part.kind) {
        case 'lit':
        case 'exp':
        case 'qexp':
        case 'glob':
          text += part.text;
          break;
        case 'hole':
          text += HOLE;
          break;
        case 'arr':
          text += part.items.join(' ');
          break;
      }
    }
    return text;
  }

  fieldsOf(nodes: Node[]): Field[] {
    const fields: Field[] = [];
    for (const node of nodes) fields.push(...partsToFields(this.parts(node, false)));
    return fields;
  }

  /** The parts of a word node; `quoted` when inside double quotes. */
  parts(node: Node, quoted: boolean): Part[] {
    switch (node.type) {
      case 'word':
      case 'extglob_pattern': {
        const raw = node.text;
        if (!quoted && raw.startsWith('~')) return [{ kind: 'hole', multi: false }];
        const text = quoted ? raw : unescapeUnquoted(raw);
        if (!quoted && hasGlob(raw)) return [{ kind: 'glob', text }];
        return [{ kind: 'lit', text, quoted }];
      }
      case 'number':
      case 'variable_name':
      case 'regex':
        return [{ kind: 'lit', text: node.text, quoted }];
      case 'string_content':
        return [{ kind: 'lit', text: unescapeDoubleQuoted(node.text), quoted: true }];
      case 'raw_string':
        return [{ kind: 'lit', text: node.text.slice(1, -1), quoted: true }];
      case 'ansi_c_string':
        return [{ kind: 'lit', text: decodeAnsiC(node.text.slice(2, -1)), quoted: true }];
      case 'string':
      case 'translated_string': {
        const inner = node.type === 'translated_string' ? (node.namedChild(0) ?? node) : node;
        const parts: Part[] = [{ kind: 'lit', text: '', quoted: true }];
        // Text between named children (e.g. a `$` alone) is literal.
        let last = inner.startIndex + 1;
        for (const child of inner.namedChildren) {
          if (child.startIndex > last) parts.push({ kind: 'lit', text: unescapeDoubleQuoted(this.text.slice(last, child.startIndex)), quoted: true });
          parts.push(...this.parts(child, true));
          last = child.endIndex;
        }
        if (inner.endIndex - 1 > last) parts.push({ kind: 'lit', text: unescapeDoubleQuoted(this.text.slice(last, inner.endIndex - 1)), quoted: true });
        return parts;
      }
      case 'concatenation': {
        if (!quoted && isBraceExpansion(node)) return [{ kind: 'glob', text: node.text }];
        return node.namedChildren.flatMap((child) => this.parts(child, quoted));
      }
      case 'brace_expression':
        return [{ kind: 'glob', text: node.text }];
      case 'simple_expansion': {
        const nameNode = node.namedChild(0);
        const name = nameNode?.text ?? '';
        if (name === '@' || name === '*') return [{ kind: 'hole', multi: true }];
        return this.stateParts(this.scope.lookup(name, node.startIndex), quoted, false);
      }
      case 'expansion':
        return this.expansionParts(node, quoted);
      case 'command_substitution': {
        const value = substitution(this, node);
        if (value === null) return [{ kind: 'hole', multi: !quoted }];
        return [quoted ? { kind: 'qexp', text: value } : { kind: 'exp', text: value }];
      }
      case 'arithmetic_expansion': {
        const inner = node.namedChild(0);
        if (node.namedChildCount === 1 && inner?.type === 'number') return [{ kind: 'lit', text: inner.text, quoted }];
        return [{ kind: 'hole', multi: false }];
      }
      default:
        return [{ kind: 'hole', multi: !quoted }];
    }
  }

  private stateParts(state: VarState, quoted: boolean, all: boolean): Part[] {
    switch (state.k) {
      case 'unknown':
      case 'env':
        return [{ kind: 'hole', multi: !quoted || all }];
      case 'unset':
        return [quoted ? { kind: 'qexp', text: '' } : { kind: 'exp', text: '' }];
      case 'val':
        return [quoted ? { kind: 'qexp', text: state.v } : { kind: 'exp', text: state.v }];
      case 'arr':
        if (all) return [{ kind: 'arr', items: state.items, quoted }];
        return [quoted ? { kind: 'qexp', text: state.items[0] ?? '' } : { kind: 'exp', text: state.items[0] ?? '' }];
    }
  }

  private expansionParts(node: Node, quoted: boolean): Part[] {
    const inner = node.children.slice(1, -1); // between `${` and `}`
    const head = inner[0];
    if (!head) return [{ kind: 'hole', multi: !quoted }];
    if (head.type === '#' || head.type === '!') return [{ kind: 'hole', multi: !quoted }];
    let state: VarState;
    let all = false;
    let joinAll = false;
    if (head.type === 'variable_name' || head.type === 'special_variable_name') {
      const name = head.text;
      if (name === '@' || name === '*') return [{ kind: 'hole', multi: true }];
      state = this.scope.lookup(name, node.startIndex);
    } else if (head.type === 'subscript') {
      const name = head.childForFieldName('name')?.text ?? '';
      const index = head.childForFieldName('index');
      const indexText = index?.text ?? '';
      const whole = this.scope.lookup(name, node.startIndex);
      if (indexText === '@' || indexText === '*') {
        state = whole;
        all = indexText === '@';
        joinAll = indexText === '*';
      } else if (/^\d+$/.test(indexText)) {
        const i = Number(indexText);
        if (whole.k === 'arr') state = i < whole.items.length ? { k: 'val', v: whole.items[i]! } : UNSET;
        else if (whole.k === 'val') state = i === 0 ? whole : UNSET;
        else state = whole;
      } else {
        state = UNKNOWN;
      }
      if (joinAll && state.k === 'arr') state = { k: 'val', v: state.items.join(' ') };
    } else {
      return [{ kind: 'hole', multi: !quoted }];
    }
    const rest = inner.slice(1);
    if (rest.length === 0) return this.stateParts(state, quoted, all);
    const operator = rest[0]!;
    const operands = rest.slice(1).filter((child) => child.isNamed);
    const op = operator.type;
    const scalar = state.k === 'arr' ? (state.items[0] ?? null) : state.k === 'val' ? state.v : null;
    const isSet = state.k === 'val' || state.k === 'arr';
    if (state.k === 'env' && op !== ':-' && op !== '-' && op !== ':=' && op !== '=') return [{ kind: 'hole', multi: !quoted }];
    const nonEmpty = scalar !== null && scalar !== '';
    const operandParts = (): Part[] => [{ kind: 'lit', text: '', quoted }, ...operands.flatMap((operand) => this.parts(operand, quoted))];
    switch (op) {
      case ':-':
      case ':=':
      case '-':
      case '=': {
        if (state.k === 'unknown' || (scalar !== null && scalar.includes(HOLE))) return [{ kind: 'hole', multi: !quoted }];
        const useDefault = op.startsWith(':') ? !nonEmpty : !isSet;
        return useDefault ? operandParts() : this.stateParts(state, quoted, all);
      }
      case ':+':
      case '+': {
        if (state.k === 'unknown') return [{ kind: 'hole', multi: !quoted }];
        const useAlt = op.startsWith(':') ? nonEmpty && !(scalar ?? '').includes(HOLE) : isSet;
        if (op.startsWith(':') && (scalar ?? '').includes(HOLE)) return [{ kind: 'hole', multi: !quoted }];
        return useAlt ? operandParts() : [{ kind: 'lit', text: '', quoted }];
      }
      case ':?':
      case '?':
        return isSet ? this.stateParts(state, quoted, all) : [{ kind: 'hole', multi: !quoted }];
      case '%':
      case '%%':
      case '#':
      case '##': {
        if (scalar === null || scalar.includes(HOLE) || operands.length !== 1) return [{ kind: 'hole', multi: !quoted }];
        const pattern = operands[0]!;
        if (pattern.namedChildCount > 0 && pattern.type !== 'regex') return [{ kind: 'hole', multi: !quoted }];
        const trimmed = trimPattern(scalar, pattern.text, op);
        if (trimmed === null) return [{ kind: 'hole', multi: !quoted }];
        return [quoted ? { kind: 'qexp', text: trimmed } : { kind: 'exp', text: trimmed }];
      }
      default:
        return [{ kind: 'hole', multi: !quoted }];
    }
  }
}

function partsToFields(parts: Part[]): Field[] {
  const fields: Field[] = [];
  let current: Field | null = null;
  const ensure = (): Field => (current ??= { t: '', multi: false, unknown: false, has: false });
  const flush = (): void => {
    if (current && current.has) fields.push(current);
    current = null;
  };
  const splitInto = (text: string): void => {
    const segments = text.split(/[ \t\n]+/);
    segments.forEach((segment, i) => {
      if (i > 0) flush();
      if (segment !== '') {
        const field = ensure();
        field.t += segment;
        field.has = true;
        if (segment.includes(HOLE)) field.multi = true;
      }
    });
  };
  for (const part of parts) {
    switch (part.kind) {
      case 'lit': {
        const field = ensure();
        field.t += part.text;
        if (part.quoted || part.text !== '') field.has = true;
        break;
      }
      case 'qexp': {
        const field = ensure();
        field.t += part.text;
        field.has = true;
        break;
      }
      case 'exp':
        if (part.text.includes(HOLE)) {
          const field = ensure();
          field.t += part.text;
          field.has = true;
          field.multi = true;
        } else {
          splitInto(part.text);
        }
        break;
      case 'hole': {
        const field = ensure();
        field.t += HOLE;
        field.has = true;
        if (part.multi) field.multi = true;
        break;
      }
      case 'glob': {
        const field = ensure();
        field.t += part.text;
        field.has = true;
        field.multi = true;
        field.unknown = true;
        break;
      }
      case 'arr':
        part.items.forEach((item, i) => {
          if (part.quoted) {
            if (i > 0) flush();
            const field = ensure();
            field.t += item;
            field.has = true;
            if (item.includes(HOLE)) field.multi = true;
          } else {
            if (i > 0) flush();
            splitInto(item);
          }
        });
        break;
    }
  }
  flush();
  return fields;
}

/** A non-empty unquoted word bash keeps as it is: no escape, glob, brace, tilde or NUL (HOLE) in it. */
function isPlainWord(text: string): boolean {
  if (text.length === 0 || text.charCodeAt(0) === 126) return false; // ~
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 92 || c === 42 || c === 63 || c === 123 || c === 0) return false; // \ * ? { NUL
  }
  return true;
}

export function emptyWord(node: Node): ShellWord {
  return new Word(node, '', '', false);
}
