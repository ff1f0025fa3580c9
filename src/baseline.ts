// Gradual adoption: `--write-baseline FILE` records today's findings, `--baseline FILE` hides them on
// later runs, so CI fails only on new ones. A finding is matched by code, file and the text of the line
// it starts on (fingerprint.ts), never the line number, so edits elsewhere in the file keep it matched.
// A recorded finding that no longer occurs in a file that was checked is stale (fixed, or its line
// changed) and is counted, so the baseline shrinks instead of hiding future findings.
// Chosen over `--add-noqa`: a baseline leaves the project's sources untouched, and one file is removed
// when the debt is paid; inline suppressions are still there for findings that are meant to stay.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import type { Diagnostic } from './rule.js';
import { identities, type Identity } from './fingerprint.js';
import { writeOutputFile } from './report/output-file.js';
import { toolVersion } from './report/common.js';

export class BaselineError extends Error {}

interface Entry {
  code: string;
  file: string;
  context: string;
  /** For people reading the file; not used to match. */
  message: string;
}

interface BaselineFile {
  tool: 'smoke-lint';
  version: 1;
  findings: Entry[];
}

export interface BaselineOutcome {
  /** The findings the baseline does not cover. */
  kept: Diagnostic[];
  /** How many findings it hid. */
  hidden: number;
  /** Recorded findings gone from files that were checked. */
  stale: Entry[];
}

const keyOf = (entry: { code: string; file: string; context: string }) => `${entry.code}\0${entry.file}\0${entry.context}`;

/** Paths in a baseline are relative to its own folder, so it works from any working directory. */
const baseOf = (file: string) => path.dirname(file);
const relativeTo = (base: string) => (file: string) => path.relative(base, file).split(path.sep).join('/');

export function writeBaseline(file: string, diagnostics: readonly Diagnostic[]): string | null {
  const ids = identities(diagnostics, baseOf(file), relativeTo(baseOf(file)));
  const content: BaselineFile & { generatedBy: string } = {
    tool: 'smoke-lint',
    version: 1,
    generatedBy: `smoke-lint ${toolVersion()}`,
    findings: diagnostics.map((d, index) => ({ code: d.code, file: ids[index]!.file, context: ids[index]!.context, message: d.message })),
  };
  return writeOutputFile(file, JSON.stringify(content, null, 2) + '\n');
}

export function readBaseline(file: string): Entry[] {
  let raw: string;
  try {
    raw = readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new BaselineError(`cannot read the baseline ${file}${code === 'ENOENT' ? ': no such file (create it with --write-baseline)' : code ? ` (${code})` : ''}`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new BaselineError(`the baseline ${file} is not valid JSON; write one with --write-baseline`);
  }
  const data = parsed as Partial<BaselineFile> | null;
  const valid =
    data !== null &&
    typeof data === 'object' &&
    data.tool === 'smoke-lint' &&
    data.version === 1 &&
    Array.isArray(data.findings) &&
    data.findings.every((entry) => entry !== null && typeof entry === 'object' && typeof entry.code === 'string' && typeof entry.file === 'string' && typeof entry.context === 'string');
  if (!valid) throw new BaselineError(`${file} is not a smoke-lint baseline (version 1); write one with --write-baseline`);
  return data.findings!;
}

/** Removes the findings `entries` cover (each entry covers one finding); `checked` are absolute paths. */
export function applyBaseline(file: string, entries: readonly Entry[], diagnostics: readonly Diagnostic[], checked: readonly string[]): BaselineOutcome {
  const base = baseOf(file);
  const budget = new Map<string, Entry[]>();
  for (const entry of entries) budget.set(keyOf(entry), [...(budget.get(keyOf(entry)) ?? []), entry]);
  const ids: Identity[] = identities(diagnostics, base, relativeTo(base));
  const kept: Diagnostic[] = [];
  let hidden = 0;
  diagnostics.forEach((d, index) => {
    const left = budget.get(keyOf(ids[index]!));
    if (left && left.length > 0) {
      left.shift();
      hidden++;
    } else {
      kept.push(d);
    }
  });
  const checkedFiles = new Set(checked.map(relativeTo(base)));
  const stale = [...budget.values()].flat().filter((entry) => checkedFiles.has(entry.file));
  return { kept, hidden, stale };
}

export function baselineSummary(outcome: BaselineOutcome): string | null {
  const parts: string[] = [];
  if (outcome.hidden > 0) parts.push(`${outcome.hidden} ${outcome.hidden === 1 ? 'finding' : 'findings'} hidden by the baseline`);
  if (outcome.stale.length > 0) {
    const n = outcome.stale.length;
    parts.push(`${n} baseline ${n === 1 ? 'entry is' : 'entries are'} stale (fixed, or the line changed): rewrite it with --write-baseline`);
  }
  return parts.length > 0 ? `${parts.join('; ')}.` : null;
}
