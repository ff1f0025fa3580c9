// A finding's identity across runs: its code, its file, and the text of the line it starts on
// (whitespace-normalised), never the line number, so that unrelated edits above it do not change it.
// Repeats of the same identity in one file are told apart by their order. The GitLab report's
// `fingerprint` and the baseline both use it.
import { createHash } from 'node:crypto';
import type { Diagnostic } from './rule.js';
import { lineText } from './source.js';
import { displayPath } from './report/common.js';

export interface Identity {
  code: string;
  /** `/`-separated, relative to the base directory the caller chose. */
  file: string;
  /** The finding's first line, trimmed, runs of whitespace as one space. */
  context: string;
  /** 0 for the first finding with this code, file and context (in report order), 1 for the next... */
  occurrence: number;
}

export function lineContext(d: Diagnostic): string {
  if (d.file.unreadable !== undefined) return '';
  return lineText(d.file, d.range.start.line).trim().replace(/\s+/g, ' ');
}

/** Identities of `diagnostics`, in the same order, paths as `pathOf` gives them (default: relative to `base` when inside it). */
export function identities(diagnostics: readonly Diagnostic[], base: string, pathOf: (file: string) => string = (file) => displayPath(file, base)): Identity[] {
  const seen = new Map<string, number>();
  return diagnostics.map((d) => {
    const file = pathOf(d.file.path);
    const context = lineContext(d);
    const key = `${d.code}\0${file}\0${context}`;
    const occurrence = seen.get(key) ?? 0;
    seen.set(key, occurrence + 1);
    return { code: d.code, file, context, occurrence };
  });
}

export function fingerprintOf(identity: Identity): string {
  return createHash('sha256').update(`${identity.code}\0${identity.file}\0${identity.context}\0${identity.occurrence}`).digest('hex');
}
