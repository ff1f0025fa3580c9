// `# smoke-lint: ignore[SL101]` (the line, or the next line when the comment stands alone),
// `# smoke-lint: ignore-file[SL101]`, each optionally followed by `-- reason`.
import type { Diagnostic, Range } from './rule.js';
import { nodeRange, perFile, type SourceFile } from './source.js';

export interface Suppression {
  file: SourceFile;
  scope: 'line' | 'file';
  /** Lines a line suppression covers (its own, and the next when the comment is alone on its line). */
  lines: number[];
  /** Each code as written, with its offsets in the file (SL002's fix removes a stale one from the list). */
  codes: Array<{ code: string; used: boolean; start: number; end: number }>;
  range: Range;
  /** The comment's offsets in the file. */
  start: number;
  end: number;
  reason: string | null;
}

// The codes are required: a bare `ignore` is still read, with no codes, so that SL002 reports it instead of it
// silently doing nothing (a blanket "every code" would also hide findings nobody has seen yet).
const DIRECTIVE = /^#\s*smoke-lint:\s*(ignore-file|ignore)\b\s*(?:\[([^\]]*)\])?(?:\s*--\s*(.*))?\s*$/d;

const cache = perFile<Suppression[]>();
/**
 * The suppressions found, by path, for files that have some: the engine releases a suite's files after its
 * rules ran, and a file read again by a later suite must share the same suppressions (and their `used`
 * marks) for SL002 to judge them once over the whole run. Valid while the text is the same; cleared per run.
 */
const byPath = new Map<string, { text: string; found: Suppression[] }>();

export function clearSuppressionCache(): void {
  byPath.clear();
}

export function suppressionsOf(file: SourceFile): Suppression[] {
  const cached = cache.get(file);
  if (cached) return cached;
  const earlier = byPath.get(file.path);
  if (earlier && earlier.text === file.text) {
    cache.set(file, earlier.found);
    return earlier.found;
  }
  const found: Suppression[] = [];
  // A directive names smoke-lint: a file that never does has none, and its comments need not be fetched.
  const comments = file.text.includes('smoke-lint') ? (file.tree?.rootNode.descendantsOfType('comment') ?? []) : [];
  for (const comment of comments) {
    const text = comment.text.trimEnd();
    const match = DIRECTIVE.exec(text);
    if (!match) continue;
    const line = comment.startPosition.row + 1;
    const lineStart = file.lineStarts[line - 1] ?? 0;
    const standsAlone = file.text.slice(lineStart, comment.startIndex).trim() === '';
    found.push({
      file,
      scope: match[1] === 'ignore-file' ? 'file' : 'line',
      lines: standsAlone ? [line, line + 1] : [line],
      codes: codesOf(match, comment.startIndex),
      range: nodeRange(comment),
      start: comment.startIndex,
      end: comment.startIndex + text.length,
      reason: match[3]?.trim() || null,
    });
  }
  cache.set(file, found);
  if (found.length > 0) byPath.set(file.path, { text: file.text, found });
  return found;
}

/** The codes of a directive's `[...]` list, each with its offsets in the file (`commentStart` is the comment's). */
function codesOf(match: RegExpExecArray, commentStart: number): Suppression['codes'] {
  const list = match[2];
  const at = match.indices?.[2];
  if (list === undefined || !at) return [];
  const codes: Suppression['codes'] = [];
  let offset = commentStart + at[0];
  for (const part of list.split(',')) {
    const code = part.trim();
    if (code) {
      const start = offset + part.indexOf(code);
      codes.push({ code, used: false, start, end: start + code.length });
    }
    offset += part.length + 1;
  }
  return codes;
}

/** Drops suppressed diagnostics, marking each suppression code that did some work. */
export function applySuppressions(diagnostics: Diagnostic[]): Diagnostic[] {
  return diagnostics.filter((diagnostic) => {
    let suppressed = false;
    for (const suppression of suppressionsOf(diagnostic.file)) {
      if (suppression.scope === 'line' && !suppression.lines.includes(diagnostic.range.start.line)) continue;
      for (const entry of suppression.codes) {
        if (entry.code === diagnostic.code) {
          entry.used = true;
          suppressed = true;
        }
      }
    }
    return !suppressed;
  });
}
