// Shell text as bash reads it, without any state: the literal text of plain word nodes, quote
// removal and unescaping, glob and brace detection, `$'...'` decoding, POSIX dirname, `${X%pat}`
// trimming, and the small matchers for command strings (`trap` actions) and signal names.
import { escapeRegExp } from '../../glob.js';
import type { Node } from './light-tree.js';

/** The text of a plain word node (no quotes or expansions), unescaped; null otherwise. */
export function literalText(node: Node): string | null {
  if (node.type === 'command_name') {
    const inner = node.namedChild(0);
    return inner ? literalText(inner) : null;
  }
  if (node.type === 'word' || node.type === 'number') {
    const text = node.text;
    return text.includes('\\') ? unescapeUnquoted(text) : text;
  }
  if (node.type === 'raw_string') return node.text.slice(1, -1);
  if (node.type === 'string' && node.namedChildren.every((child) => child.type === 'string_content')) return unescapeDoubleQuoted(node.text.slice(1, -1));
  return null;
}

export function stripQuotes(node: Node): string {
  if (node.type === 'raw_string') return node.text.slice(1, -1);
  return unescapeDoubleQuoted(node.text.slice(1, -1));
}

export function unescapeUnquoted(text: string): string {
  return text.replace(/\\(\r?\n|.)/g, (_, ch: string) => (ch === '\n' || ch === '\r\n' ? '' : ch));
}

export function unescapeDoubleQuoted(text: string): string {
  return text.replace(/\\(\r?\n|[$`"\\])/g, (_, ch: string) => (ch === '\n' || ch === '\r\n' ? '' : ch));
}

export function hasGlob(raw: string): boolean {
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i];
    if (ch === '\\') {
      i++;
      continue;
    }
    if (ch === '*' || ch === '?') return true;
  }
  return /(^|[^\\])\{[^{}]*(,|\.\.)[^{}]*\}/.test(raw);
}

export function isBraceExpansion(node: Node): boolean {
  let text = '';
  for (const child of node.namedChildren) text += child.type === 'word' ? child.text : '\u0001';
  return /(^|[^\\])\{[^{}\u0001]*(,|\.\.)[^{}\u0001]*\}/.test(text);
}

export function decodeAnsiC(text: string): string {
  const simple: Record<string, string> = { n: '\n', t: '\t', r: '\r', '\\': '\\', "'": "'", '"': '"', a: '\x07', b: '\b', e: '\x1b', E: '\x1b', f: '\f', v: '\v' };
  return text.replace(/\\(x[0-9a-fA-F]{1,2}|[0-7]{1,3}|.)/g, (match, esc: string) => {
    if (esc.startsWith('x')) return String.fromCharCode(parseInt(esc.slice(1), 16));
    if (/^[0-7]+$/.test(esc)) return String.fromCharCode(parseInt(esc, 8));
    return simple[esc] ?? match;
  });
}

export function posixDirname(value: string): string {
  if (value === '') return '.';
  const trimmed = value.replace(/\/+$/, '');
  if (trimmed === '') return '/';
  const slash = trimmed.lastIndexOf('/');
  if (slash < 0) return '.';
  const dir = trimmed.slice(0, slash).replace(/\/+$/, '');
  return dir === '' ? '/' : dir;
}

function globToRegExpSource(pattern: string): string | null {
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i]!;
    if (ch === '\\') {
      const next = pattern[++i];
      if (next === undefined) return null;
      source += escapeRegExp(next);
    } else if (ch === '*') source += '[\\s\\S]*';
    else if (ch === '?') source += '[\\s\\S]';
    else if (ch === '[') return null;
    else source += escapeRegExp(ch);
  }
  return source;
}

/** `${X%pat}`, `${X%%pat}`, `${X#pat}`, `${X##pat}` for patterns without brackets. */
export function trimPattern(value: string, pattern: string, op: string): string | null {
  const source = globToRegExpSource(pattern);
  if (source === null) return null;
  const full = new RegExp(`^(?:${source})$`);
  if (op === '%' || op === '%%') {
    const starts = [...Array(value.length + 1).keys()];
    const order = op === '%' ? starts.reverse() : starts;
    for (const start of order) if (full.test(value.slice(start))) return value.slice(0, start);
    return value;
  }
  const ends = [...Array(value.length + 1).keys()];
  const order = op === '#' ? ends : ends.reverse();
  for (const end of order) if (full.test(value.slice(0, end))) return value.slice(end);
  return value;
}

/** Does a command string call this name as a command word (`cleanup`, `cleanup; exit`, `{ cleanup || true; }`)? */
export function callsName(text: string, name: string): boolean {
  return new RegExp(`(^|[\\s;&|({])${escapeRegExp(name)}($|[\\s;&|)}])`).test(text);
}

export function normalizeSignal(signal: string): string {
  const upper = signal.toUpperCase();
  if (upper === '0') return 'EXIT';
  return upper.startsWith('SIG') ? upper.slice(3) : upper;
}

