// `npm run corpus [-- CORPUS_DIR] [--write]`: the regression check over a corpus of real projects.
//
// Each sub-folder of CORPUS_DIR (default ../shared/corpus/repos, beside the project) is one real
// repository. It is copied to a temporary folder, given a git index (so the exec bits count, as on a
// user's clone) and linted with no configuration, as a new user would. Every finding is compared with
// test/corpus-expected.txt, which holds one judged line per finding:
//
//   <repo> <path>:<line> <CODE> <verdict> [note]
//
// verdict TP (true), DEB (debatable: kept, the note gives both sides) or ART (true only of the partial
// copy) must be reported; FP (false) must not be. A finding the file does not list is new and has to
// be judged. The check prints every difference and exits 1 when there is one, 0 when none, 2 when the
// corpus cannot be read. `--write` rewrites the file from this run, keeping the verdicts and notes of
// the findings it still lists (new ones get `NEW`, to be judged by hand; FP lines are kept).
//
// Not part of `npm test`: the corpus is third-party code that lives outside the repository.
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { lint } from '../engine.js';

const projectRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const expectedFile = path.join(projectRoot, 'test', 'corpus-expected.txt');
const verdicts = new Set(['TP', 'DEB', 'ART', 'FP', 'NEW']);

interface Judged {
  repo: string;
  key: string;
  verdict: string;
  note: string;
}

/** `path:line CODE`, the identity of a finding (the column and the wording may change freely). */
function keyOf(location: string, code: string): string {
  return `${location} ${code}`;
}

export function parseExpected(text: string): Judged[] {
  const judged: Judged[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const [repo, location, code, verdict, ...note] = line.split(/\s+/);
    if (!repo || !location || !code || !verdict || !verdicts.has(verdict)) {
      throw new Error(`${path.relative(projectRoot, expectedFile)}:${index + 1}: expected "<repo> <path>:<line> <CODE> <TP|DEB|ART|FP|NEW> [note]"`);
    }
    judged.push({ repo, key: keyOf(location, code), verdict, note: note.join(' ') });
  });
  return judged;
}

async function findingsOf(repoDir: string): Promise<string[]> {
  const work = mkdtempSync(path.join(tmpdir(), 'smoke-lint-corpus-'));
  try {
    const copy = path.join(work, path.basename(repoDir));
    cpSync(repoDir, copy, { recursive: true, verbatimSymlinks: true });
    execFileSync('git', ['init', '-q'], { cwd: copy });
    execFileSync('git', ['add', '-A'], { cwd: copy });
    const report = await lint({ paths: [copy], cwd: copy });
    const keys = report.diagnostics.map((d) => keyOf(`${path.relative(copy, d.file.path).split(path.sep).join('/')}:${d.range.start.line}`, d.code));
    for (const error of report.errors) keys.push(keyOf(`(error):0`, error.replace(/\s+/g, '_')));
    return [...new Set(keys)].sort();
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

async function main(argv: string[]): Promise<number> {
  const write = argv.includes('--write');
  const corpusArg = argv.find((arg) => !arg.startsWith('--'));
  const corpus = path.resolve(corpusArg ?? path.join(projectRoot, '..', 'shared', 'corpus', 'repos'));
  if (!existsSync(corpus) || !statSync(corpus).isDirectory()) {
    process.stderr.write(`corpus-check: no corpus at ${corpus} (give its repos/ folder as the argument)\n`);
    return 2;
  }
  let judged: Judged[];
  try {
    judged = existsSync(expectedFile) ? parseExpected(readFileSync(expectedFile, 'utf8')) : [];
  } catch (error) {
    process.stderr.write(`corpus-check: ${(error as Error).message}\n`);
    return 2;
  }
  const repos = readdirSync(corpus, { withFileTypes: true }).filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort();
  const differences: string[] = [];
  const written: string[] = [];
  let counts = { TP: 0, DEB: 0, ART: 0, FP: 0, NEW: 0 } as Record<string, number>;
  for (const repo of repos) {
    const found = await findingsOf(path.join(corpus, repo));
    const mine = new Map(judged.filter((entry) => entry.repo === repo).map((entry) => [entry.key, entry]));
    for (const key of found) {
      const entry = mine.get(key);
      if (!entry) differences.push(`new      ${repo} ${key}: judge it`);
      else if (entry.verdict === 'FP') differences.push(`false    ${repo} ${key}: judged false, reported again${entry.note ? ` (${entry.note})` : ''}`);
      else if (entry.verdict === 'NEW') differences.push(`unjudged ${repo} ${key}`);
      const verdict = entry?.verdict ?? 'NEW';
      counts[verdict] = (counts[verdict] ?? 0) + 1;
      written.push(`${repo} ${key} ${verdict}${entry?.note ? ` ${entry.note}` : ''}`);
    }
    for (const entry of mine.values()) {
      if (found.includes(entry.key)) continue;
      if (entry.verdict === 'FP') {
        written.push(`${repo} ${entry.key} FP${entry.note ? ` ${entry.note}` : ''}`);
      } else if (entry.verdict !== 'NEW') {
        differences.push(`lost     ${repo} ${entry.key}: judged ${entry.verdict}, no longer reported${entry.note ? ` (${entry.note})` : ''}`);
      }
    }
  }
  for (const line of differences) process.stdout.write(`${line}\n`);
  const summary = `corpus-check: ${repos.length} repositories; reported ${counts.TP} TP, ${counts.DEB} DEB, ${counts.ART} ART, ${counts.NEW} not judged; ${counts.FP} judged false reported again; ${differences.length} differences`;
  process.stdout.write(`${summary}\n`);
  if (write) {
    const header = existsSync(expectedFile) ? readFileSync(expectedFile, 'utf8').split('\n').filter((line) => line.startsWith('#')) : [];
    writeFileSync(expectedFile, `${[...header, ...written].join('\n')}\n`);
    process.stdout.write(`corpus-check: wrote ${path.relative(projectRoot, expectedFile)}\n`);
  }
  return differences.length > 0 ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`corpus-check: ${(error as Error).message}\n`);
    process.exitCode = 2;
  },
);
