// Reads a Makefile into targets whose recipe lines are shell scripts for the shell model.
//
// make runs each recipe line in its own `/bin/sh -c` (the whole recipe in one shell under `.ONESHELL`), in
// the Makefile's directory, after expanding its own variables (`$(VAR)`, `${VAR}`, `$$` for `$`, `$@`).
// Each line becomes a shell text of its own, laid out on the same row as in the Makefile so that positions
// map back; row 0 carries a prelude (`cd` to the Makefile's folder, the variables make exports), which a
// recipe line never occupies. Variables make cannot know statically (`$(shell ...)`, functions) become
// an unknown shell variable; an undefined make variable becomes the environment variable of that name, as
// make reads it.
import path from 'node:path';
import type Parser from 'tree-sitter';
import type { Range } from '../rule.js';
import { fromText, positionAt, type SourceFile } from '../source.js';
import { shellScript, type ShellScript } from '../model/shell.js';
import { MAKEFILE_NAMES } from '../model/file-names.js';

export { MAKEFILE_NAMES };

export interface RecipeLine {
  /** The shell that runs the line (the whole recipe under `.ONESHELL`). */
  script: ShellScript;
  /** `-` prefix: make ignores the line's failure. */
  ignoreErrors: boolean;
  /** Maps an offset of the shell text back to the Makefile (the start of an expansion for text it produced). */
  toMakefile(offset: number): number;
}

export interface MakeTarget {
  name: string;
  prerequisites: string[];
  lines: RecipeLine[];
}

export interface Makefile {
  file: SourceFile;
  targets: Map<string, MakeTarget>;
  oneshell: boolean;
}

const ASSIGNMENT = /^(?:(export|override)\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*(::?=|:::=|\?=|\+=|!=|=)\s*(.*)$/s;
const UNKNOWN = '${__make_unknown}';

interface Variable {
  value: string;
  exported: boolean;
  /** `!=` or a value from `$(shell ...)`: not known statically. */
  known: boolean;
}

/** Parses a Makefile's text; null when it has no rule at all. */
export function readMakefile(file: SourceFile): Makefile | null {
  const rows = file.text.split('\n');
  const vars = new Map<string, Variable>();
  const targets = new Map<string, MakeTarget>();
  const raw: Array<{ target: MakeTarget; startRow: number; rows: number[] }> = [];
  let current: { target: MakeTarget; startRow: number; rows: number[] } | null = null;
  let oneshell = false;
  let inDefine = false;
  for (let row = 0; row < rows.length; row++) {
    const line = rows[row]!.replace(/\r$/, '');
    if (inDefine) {
      if (/^\s*endef\b/.test(line)) inDefine = false;
      continue;
    }
    if (line.startsWith('\t') && current) {
      // A recipe line, with its backslash continuations.
      const block = [row];
      while (rows[row]!.replace(/\r$/, '').endsWith('\\') && row + 1 < rows.length) block.push(++row);
      current.rows.push(...block.map((r, i) => (i === 0 ? r : -r)));
      continue;
    }
    let logical = line;
    while (logical.endsWith('\\') && row + 1 < rows.length) logical = `${logical.slice(0, -1)} ${rows[++row]!.replace(/\r$/, '').trim()}`;
    const text = logical.replace(/(^|[^\\])#.*$/, '$1').trim();
    if (text === '') continue;
    if (/^define\b/.test(text)) {
      inDefine = true;
      continue;
    }
    if (/^(ifeq|ifneq|ifdef|ifndef|else|endif|include|-include|sinclude|vpath|unexport)\b/.test(text)) continue;
    const assignment = ASSIGNMENT.exec(text);
    if (assignment && !/^[^=]*[^:=]:[^=]/.test(text.split(/[?+!:]?=/)[0]! + ' ')) {
      const [, modifier, name, operator, value] = assignment;
      const previous = vars.get(name!);
      if (operator === '?=' && previous) continue;
      const known = operator !== '!=' && !/\$[({]shell\s/.test(value!);
      const joined = operator === '+=' && previous ? `${previous.value} ${value}` : value!;
      vars.set(name!, { value: joined, exported: modifier === 'export' || (previous?.exported ?? false), known: known && (operator !== '+=' || (previous?.known ?? true)) });
      current = null;
      continue;
    }
    const exported = /^export\s+([A-Za-z_][A-Za-z0-9_ ]*)$/.exec(text);
    if (exported) {
      for (const name of exported[1]!.split(/\s+/)) {
        const variable = vars.get(name);
        if (variable) variable.exported = true;
        else vars.set(name, { value: '', exported: true, known: false });
      }
      continue;
    }
    const rule = /^([^:=]+?)\s*::?\s*([^=]*)$/.exec(text);
    if (rule) {
      const names = rule[1]!.split(/\s+/).filter(Boolean);
      const [prerequisites, inlineRecipe] = rule[2]!.split(';', 2) as [string, string | undefined];
      if (names.includes('.ONESHELL')) oneshell = true;
      const target: MakeTarget = { name: names[0]!, prerequisites: prerequisites.split(/\s+/).filter(Boolean), lines: [] };
      for (const name of names) if (!name.startsWith('.')) targets.set(name, target);
      current = { target, startRow: row, rows: [] };
      raw.push(current);
      void inlineRecipe; // `target: prereq ; command` recipes are rare; not read
      continue;
    }
    current = null;
  }
  if (targets.size === 0) return null;
  const makefile: Makefile = { file, targets, oneshell };
  const dir = path.dirname(file.path);
  const prelude = preludeFor(dir, vars);
  for (const { target, rows: recipeRows } of raw) {
    const groups: number[][] = [];
    for (const r of recipeRows) {
      if (r < 0 && groups.length > 0) groups[groups.length - 1]!.push(-r);
      else if (oneshell && groups.length > 0) groups[groups.length - 1]!.push(r);
      else groups.push([r]);
    }
    for (const group of groups) {
      const built = buildShell(file, rows, group, target, vars, prelude);
      if (built) target.lines.push(built);
    }
  }
  return makefile;
}

function preludeFor(dir: string, vars: Map<string, Variable>): string {
  const parts = [`cd ${shellQuote(dir)}`];
  for (const [name, variable] of vars) {
    if (!variable.exported || !/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) continue;
    const value = variable.known ? expand(variable.value, vars, null, 0).text : null;
    parts.push(value === null || value.includes(UNKNOWN) ? `export ${name}="${UNKNOWN}"` : `export ${name}=${shellQuote(value)}`);
  }
  return parts.join('; ');
}

function shellQuote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The shell text of a group of Makefile rows, each on its own row, and its map back to the Makefile. */
function buildShell(file: SourceFile, rows: string[], group: number[], target: MakeTarget, vars: Map<string, Variable>, prelude: string): RecipeLine | null {
  let text = prelude;
  // Pairs (shell offset, Makefile offset) at the start of each copied or expanded piece, in order.
  const anchors: Array<[number, number, boolean]> = [];
  let ignoreErrors = false;
  let previousRow = 0;
  for (const row of group) {
    text += '\n'.repeat(row - previousRow);
    previousRow = row;
    const rowText = rows[row]!.replace(/\r$/, '');
    let column = 0;
    let body = rowText;
    if (body.startsWith('\t')) {
      text += ' ';
      column = 1;
      body = body.slice(1);
    }
    // make's own prefixes: `@` (silent), `-` (ignore errors), `+` (run under -n).
    const prefix = /^[@+\- \t]*/.exec(body)![0];
    if (prefix.includes('-')) ignoreErrors = true;
    text += ' '.repeat(prefix.length);
    column += prefix.length;
    const expanded = expand(body.slice(prefix.length), vars, target, 0);
    const rowStart = file.lineStarts[row] ?? 0;
    for (const piece of expanded.pieces) anchors.push([text.length + piece.at, rowStart + column + piece.from, piece.literal]);
    text += expanded.text;
  }
  const virtual = fromText(file.path, 'shell', text);
  const script = shellScript(virtual);
  if (!script) return null;
  const toMakefile = (offset: number): number => {
    let best: [number, number, boolean] | null = null;
    for (const anchor of anchors) if (anchor[0] <= offset) best = anchor;
    if (!best) return file.lineStarts[group[0]!] ?? 0;
    return best[2] ? best[1] + (offset - best[0]) : best[1];
  };
  return { script, ignoreErrors, toMakefile };
}

interface Expansion {
  text: string;
  /** Where each piece starts in `text` (`at`) and in the source (`from`); literal pieces map one to one. */
  pieces: Array<{ at: number; from: number; literal: boolean }>;
}

function expand(source: string, vars: Map<string, Variable>, target: MakeTarget | null, depth: number): Expansion {
  const result: Expansion = { text: '', pieces: [] };
  let literalStart = -1;
  const literal = (from: number, char: string): void => {
    if (literalStart < 0) {
      result.pieces.push({ at: result.text.length, from, literal: true });
      literalStart = from;
    }
    result.text += char;
  };
  const produced = (from: number, text: string): void => {
    result.pieces.push({ at: result.text.length, from, literal: false });
    result.text += text;
    literalStart = -1;
  };
  for (let i = 0; i < source.length; i++) {
    const char = source[i]!;
    if (char !== '$' || i + 1 >= source.length) {
      literal(i, char);
      continue;
    }
    const next = source[i + 1]!;
    if (next === '$') {
      produced(i, '$');
      i++;
      continue;
    }
    if (next === '(' || next === '{') {
      const close = matching(source, i + 1);
      if (close < 0) {
        produced(i, UNKNOWN);
        break;
      }
      const inner = source.slice(i + 2, close);
      produced(i, variableText(inner, vars, target, depth));
      i = close;
      continue;
    }
    // `$@`, `$<`, `$^`, `$X`: one-character names.
    produced(i, variableText(next, vars, target, depth));
    i++;
  }
  return result;
}

function matching(text: string, open: number): number {
  const opener = text[open]!;
  const closer = opener === '(' ? ')' : '}';
  let level = 0;
  for (let i = open; i < text.length; i++) {
    if (text[i] === opener) level++;
    else if (text[i] === closer && --level === 0) return i;
  }
  return -1;
}

function variableText(name: string, vars: Map<string, Variable>, target: MakeTarget | null, depth: number): string {
  if (name === '@') return target?.name ?? UNKNOWN;
  if (name === '<') return target?.prerequisites[0] ?? '';
  if (name === '^') return target?.prerequisites.join(' ') ?? '';
  if (name === 'MAKE') return 'make';
  if (name === 'CURDIR') return UNKNOWN;
  if (!/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(name)) return UNKNOWN; // a function call or a substitution reference
  const variable = vars.get(name);
  if (!variable) return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) ? `\${${name}}` : UNKNOWN;
  if (!variable.known || depth > 10) return UNKNOWN;
  return expand(variable.value, vars, target, depth + 1).text;
}

/** The Makefile range of a node of a recipe line's shell. */
export function makefileRange(makefile: Makefile, line: RecipeLine, node: Parser.SyntaxNode): Range {
  const start = line.toMakefile(node.startIndex);
  const end = Math.max(start, line.toMakefile(node.endIndex));
  return { start: positionAt(makefile.file, start), end: positionAt(makefile.file, end) };
}

/** The Makefiles make would read in these folders (GNUmakefile, makefile, Makefile, the first found). */
