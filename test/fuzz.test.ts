// Fix safety as a property, over mutated copies of the bundled fixture projects: lines deleted, duplicated and
// swapped, files truncated, random bytes written in, CRLF line endings, a BOM. For every mutant, `--fix` (safe, or with unsafe fixes)
// never throws, converges (no fix left its finding in place), a second `--fix` changes nothing, and a Python or
// shell file that parsed before still parses.
// The seed is fixed, so a failure names a mutant that can be replayed. `npm test` runs a small count;
// SMOKE_LINT_FUZZ_COUNT=2000 (and SMOKE_LINT_FUZZ_SEED=n for other mutants) is the nightly run.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { lstatSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { walkProject } from '../src/discover.js';
import { fixProject } from '../src/fix/passes.js';
import { formatNote } from '../src/fix/report.js';
import { parseText } from '../src/source.js';
import { buildProject, findCases } from './fixture-case.js';
import { tempDir } from './temp-dir.js';

const COUNT = Number(process.env.SMOKE_LINT_FUZZ_COUNT ?? 40);
const SEED = Number(process.env.SMOKE_LINT_FUZZ_SEED ?? 20261205);

/** mulberry32: a small, fast PRNG, so that the mutants are the same on every machine. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

type Mutation = 'delete' | 'duplicate' | 'swap' | 'truncate' | 'bytes' | 'crlf' | 'bom';
const MUTATIONS: Mutation[] = ['delete', 'duplicate', 'swap', 'truncate', 'bytes', 'crlf', 'bom'];

function mutate(bytes: Buffer, kind: Mutation, next: () => number): Buffer {
  const pick = (n: number) => Math.floor(next() * n);
  // Shapes a fix must keep: CRLF line endings, a UTF-8 BOM.
  if (kind === 'crlf') return Buffer.from(bytes.toString('latin1').replace(/\r?\n/g, '\r\n'), 'latin1');
  if (kind === 'bom') return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes]);
  if (kind === 'truncate') return bytes.subarray(0, pick(bytes.length + 1));
  if (kind === 'bytes') {
    const copy = Buffer.from(bytes);
    const noise = Buffer.from(Array.from({ length: 1 + pick(8) }, () => pick(256)));
    const at = pick(copy.length + 1);
    return Buffer.concat([copy.subarray(0, at), noise, copy.subarray(at)]);
  }
  const lines = bytes.toString('latin1').split('\n');
  const a = pick(lines.length);
  const b = pick(lines.length);
  if (kind === 'delete') lines.splice(a, 1);
  else if (kind === 'duplicate') lines.splice(a, 0, lines[a]!);
  else [lines[a], lines[b]] = [lines[b]!, lines[a]!];
  return Buffer.from(lines.join('\n'), 'latin1');
}

/** The project's Python and shell files with their bytes, by path relative to the root. */
function sources(root: string): Map<string, { language: 'python' | 'shell'; bytes: Buffer }> {
  const out = new Map<string, { language: 'python' | 'shell'; bytes: Buffer }>();
  for (const file of walkProject(root)) {
    if (file.language !== 'python' && file.language !== 'shell') continue;
    if (lstatSync(file.path).isSymbolicLink()) continue;
    out.set(path.relative(root, file.path), { language: file.language, bytes: readFileSync(file.path) });
  }
  return out;
}

function parses(language: 'python' | 'shell', bytes: Buffer): boolean {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return false;
  }
  return !parseText(language, text.replace(/^\ufeff/, '')).rootNode.hasError;
}

// Every fixture case's project (a case on a base is its base with the case's files laid over it), in the
// order of their project/ paths, so that a seed names the same mutants however the cases are written.
const projects = findCases().sort((a, b) => (path.join(a.dir, 'project') < path.join(b.dir, 'project') ? -1 : 1));

test(`fuzz: --fix on ${COUNT} mutated fixture projects never throws, is idempotent and keeps files parseable (seed ${SEED})`, async (t) => {
  const next = random(SEED);
  const failures: string[] = [];
  const notes = new Map<string, number>();
  let fixedRuns = 0;
  for (let index = 0; index < COUNT; index++) {
    const fixture = projects[Math.floor(next() * projects.length)]!;
    const copy = tempDir('smoke-lint-fuzz-');
    const label = `#${index} fixtures/${fixture.name}/project`;
    try {
      buildProject(fixture, copy);
      const files = [...sources(copy).keys()].sort();
      if (files.length === 0) continue;
      const mutations: string[] = [];
      for (let count = 1 + Math.floor(next() * 3); count > 0; count--) {
        const target = files[Math.floor(next() * files.length)]!;
        const kind = MUTATIONS[Math.floor(next() * MUTATIONS.length)]!;
        writeFileSync(path.join(copy, target), mutate(readFileSync(path.join(copy, target)), kind, next));
        mutations.push(`${kind} ${target}`);
      }
      const where = `${label} (${mutations.join(', ')})`;
      const unsafe = next() < 0.5;
      const before = sources(copy);
      let first;
      try {
        first = await fixProject({ paths: [], cwd: copy }, { unsafe });
      } catch (error) {
        failures.push(`${where}: --fix threw ${error instanceof Error ? error.stack : String(error)}`);
        continue;
      }
      if (first.outcome.fixed.length > 0) fixedRuns++;
      // A fix that does not converge, or that a rule built wrong, is a rule's bug even though the engine kept the disk safe.
      for (const note of first.plan.notes) if (note.kind === 'not-converging' || note.kind === 'malformed') failures.push(`${where}: ${formatNote(note, copy)}`);
      for (const note of first.plan.notes) notes.set(`${note.kind} ${note.code}`, (notes.get(`${note.kind} ${note.code}`) ?? 0) + 1);
      const after = sources(copy);
      for (const [file, { language, bytes }] of before) {
        const now = after.get(file);
        if (now && parses(language, bytes) && !parses(language, now.bytes)) failures.push(`${where}: ${file} parsed before --fix and not after`);
      }
      const second = await fixProject({ paths: [], cwd: copy }, { unsafe });
      const changed = [...second.outcome.written, ...second.outcome.created.map((c) => c.path), ...second.outcome.modesSet.filter((m) => m.changed).map((m) => m.path)];
      if (changed.length > 0) failures.push(`${where}: a second --fix${unsafe ? ' --unsafe-fixes' : ''} changed ${changed.map((file) => path.relative(copy, file)).join(', ')}`);
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  }
  // Other notes (a fix dropped for a syntax error, a creation skipped) are shown, not failed: mutants are odd input.
  t.diagnostic(`${fixedRuns} of ${COUNT} mutants had fixes applied`);
  if (notes.size > 0) t.diagnostic(`fix notes: ${[...notes].map(([key, count]) => `${key} x${count}`).join(', ')}`);
  assert.deepEqual(failures, []);
});
