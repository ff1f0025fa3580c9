// `npm run bench [-- --scales 100,500,1000 | --quick] [--rounds N]` (N rounds per scale, default 3, and
// twice as many for the start-up rows): what smoke-lint costs next to the
// least a tree-sitter linter must do (the parse floor: read and parse every .py/.sh once), next to an
// ast-grep pack of six single-pattern checks, and next to starting node at all (`node -e 0`), all measured
// in this run on trees the bench builds itself (src/tools/bench/tree.ts). Every case runs as its own
// process under GNU time (wall time, peak RSS) and bash's `times` (CPU, user+sys, to the millisecond).
// Ratios compare across machines; seconds do not. Nothing here is a test: the numbers are printed, never
// asserted.
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildTree, writeAstGrepPack } from './bench/tree.js';

const TIME = '/usr/bin/time';
const CLI = fileURLToPath(new URL('../../../bin/smoke-lint.js', import.meta.url));
const FLOOR = fileURLToPath(new URL('./bench/floor.js', import.meta.url));
const AST_GREP = fileURLToPath(new URL('../../../node_modules/.bin/ast-grep', import.meta.url));

interface Measure {
  cpu: number;
  wall: number;
  rssMiB: number;
  output: string;
}

function option(name: string): string | undefined {
  const index = process.argv.indexOf(name);
  return index >= 0 ? process.argv[index + 1] : undefined;
}

const scales = process.argv.includes('--quick') ? [10, 50, 100] : (option('--scales') ?? '100,500,1000').split(',').map(Number);
const rounds = Number(option('--rounds') ?? 3);
if (scales.some((scale) => !Number.isInteger(scale) || scale < 1) || !Number.isInteger(rounds) || rounds < 1) {
  console.error('bench: --scales takes whole numbers (100,500,1000) and --rounds a whole number');
  process.exit(2);
}
if (!existsSync(TIME)) {
  console.error(`bench: needs GNU time at ${TIME} to read CPU time and peak RSS of each case`);
  process.exit(2);
}

const work = mkdtempSync(path.join(tmpdir(), 'smoke-lint-bench-'));

/**
 * Variables that change what every node process does at start, whichever command it runs, and are no
 * part of either: removed from the environment of every measured command. NODE_EXTRA_CA_CERTS makes node
 * parse a certificate bundle before it runs anything (on the machine these targets were set on, a 214 KiB
 * bundle took `node -e 0` from 43 to 85 ms of CPU), which adds the same to `node -e 0` and to smoke-lint and
 * brings every start-up ratio closer to 1; NODE_OPTIONS and NODE_V8_COVERAGE add flags, preloads or coverage.
 */
const NODE_START_VARIABLES = ['NODE_EXTRA_CA_CERTS', 'NODE_OPTIONS', 'NODE_V8_COVERAGE'];
const removedVariables = NODE_START_VARIABLES.filter((name) => process.env[name] !== undefined);
const measuredEnv: NodeJS.ProcessEnv = { ...process.env };
for (const name of removedVariables) delete measuredEnv[name];

/**
 * Runs one command under GNU time (wall time, peak RSS), inside a bash that reads the command's CPU time
 * with its `times` builtin: GNU time prints CPU seconds to two decimals, a tenth of `node -e 0`, where
 * `times` gives milliseconds.
 */
function runOnce(command: string[], cwd: string): Measure {
  const timing = path.join(work, 'time.txt');
  const cpuFile = path.join(work, 'cpu.txt');
  const outFile = path.join(work, 'out.txt');
  const out = openSync(outFile, 'w');
  const inBash = ['bash', '-c', '"$@"; status=$?; times > "$BENCH_TIMES"; exit $status', 'bench', ...command];
  const run = spawnSync(TIME, ['-f', '%e %M', '-o', timing, ...inBash], { cwd, stdio: ['ignore', out, 'ignore'], env: { ...measuredEnv, BENCH_TIMES: cpuFile } });
  closeSync(out);
  if (run.error) throw run.error;
  const [wall, rssKiB] = readFileSync(timing, 'utf8').trim().split('\n').pop()!.split(' ').map(Number);
  return { cpu: childCpu(readFileSync(cpuFile, 'utf8')), wall: wall!, rssMiB: rssKiB! / 1024, output: readFileSync(outFile, 'utf8') };
}

const median = (results: Measure[]): Measure => [...results].sort((a, b) => a.cpu - b.cpu)[Math.floor(results.length / 2)]!;

/**
 * The median round of each command, run in turn (one of each per round): a ratio between them is then not
 * skewed by the machine getting busier or quieter between one command's rounds and the next's.
 */
function measureInTurn(commands: Array<{ command: string[]; cwd: string }>, times: number): Measure[] {
  const results = commands.map((): Measure[] => []);
  for (let round = 0; round < times; round++) commands.forEach(({ command, cwd }, index) => results[index]!.push(runOnce(command, cwd)));
  return results.map(median);
}

/** User plus system seconds of the shell's children, from bash's `times` (its second line: `0m0.073s 0m0.035s`). */
function childCpu(output: string): number {
  const line = output.trim().split('\n')[1] ?? '';
  // bash writes the seconds with the locale's decimal mark (`0m0,073s` under a German LC_NUMERIC).
  const seconds = [...line.matchAll(/(\d+)m(\d+[.,]?\d*)s/g)].map((match) => Number(match[1]) * 60 + Number(match[2]!.replace(',', '.')));
  if (seconds.length !== 2 || seconds.some(Number.isNaN)) throw new Error(`bench: cannot read CPU time from bash's times: ${JSON.stringify(output)}`);
  return seconds[0]! + seconds[1]!;
}

const lintCommand = (paths: string[]) => [process.execPath, CLI, '--format', 'concise', '--no-color', ...paths];
/** As pre-commit calls it: the staged paths alone (pretty format, no colour on a pipe). */
const hookCommand = (paths: string[]) => [process.execPath, CLI, ...paths];
const findings = (result: Measure) => result.output.split('\n').filter((line) => /: SL\d{3} |^(error|warning|info)\[SL\d{3}\]/.test(line)).length;
const row = (label: string, result: Measure, extra = '') =>
  console.log(`  ${label.padEnd(34)} ${result.cpu.toFixed(3).padStart(7)} ${result.wall.toFixed(2).padStart(7)} ${result.rssMiB.toFixed(0).padStart(8)}  ${extra}`);
const header = () => console.log(`  ${''.padEnd(34)} ${'CPU s'.padStart(7)} ${'wall s'.padStart(7)} ${'peak MiB'.padStart(8)}  ratios`);
const verdict = (met: boolean) => (met ? 'met' : 'MISSED');

try {
  if (removedVariables.length > 0) console.log(`(${removedVariables.join(', ')} removed from every measured command's environment: each adds the same start-up work to every node process)`);
  const config = writeAstGrepPack(path.join(work, 'ast-grep'));

  const byScale = new Map<number, Measure>();
  for (const scale of scales) {
    const root = path.join(work, `tree-${scale}`);
    const copies = buildTree(root, scale);
    // In turn, round after round: on a shared machine one run of each moved a ratio by a tenth or more.
    const [floor, one, perCopy, astGrep] = measureInTurn(
      [
        { command: [process.execPath, FLOOR, root], cwd: root },
        { command: lintCommand(['.']), cwd: root },
        { command: lintCommand(copies.map((dir) => path.relative(root, dir))), cwd: root },
        { command: [AST_GREP, 'scan', '--config', config, root], cwd: root },
      ],
      rounds,
    ) as [Measure, Measure, Measure, Measure];
    byScale.set(scale, one);
    console.log(`\n${scale} suites, ${floor.output.trim()} .py/.sh files${rounds > 1 ? ` (median of ${rounds}, the four run in turn)` : ''}`);
    header();
    row('parse floor', floor);
    row('ast-grep pack (6 checks)', astGrep);
    row('smoke-lint, one project', one, `CPU ${(one.cpu / floor.cpu).toFixed(2)}x floor, ${(one.cpu / astGrep.wall).toFixed(2)}x ast-grep wall; ${findings(one)} findings`);
    row('smoke-lint, one project per copy', perCopy, `CPU ${(perCopy.cpu / floor.cpu).toFixed(2)}x floor, ${(perCopy.cpu / astGrep.wall).toFixed(2)}x ast-grep wall; ${findings(perCopy)} findings`);
    if (scale === 500) {
      console.log(`  target CPU <= 2x floor: ${verdict(one.cpu <= 2 * floor.cpu)}; CPU <= ast-grep wall: ${verdict(one.cpu <= astGrep.wall)}; peak RSS <= 250 MiB: ${verdict(one.rssMiB <= 250)}`);
    }
    rmSync(root, { recursive: true, force: true });
  }

  const smallest = Math.min(...scales);
  const largest = Math.max(...scales);
  if (largest > smallest) {
    const low = byScale.get(smallest)!;
    const high = byScale.get(largest)!;
    const factor = largest / smallest;
    const cpuGrowth = high.cpu / low.cpu;
    const rssGrowth = high.rssMiB / low.rssMiB;
    console.log(`\ngrowth ${smallest} -> ${largest} suites (${factor}x): CPU ${cpuGrowth.toFixed(2)}x, peak RSS ${rssGrowth.toFixed(2)}x; target <= ${(factor * 1.1).toFixed(1)}x: ${verdict(cpuGrowth <= factor * 1.1 && rssGrowth <= factor * 1.1)}`);
  }

  // The pre-commit cases, in one copy (its own project): a staged file outside any suite, and one whole suite.
  // pre-commit runs in a git repository, with the files staged: so is the copy, when git is installed
  // (SL701 then reads the exec bits of the suite's scripts from the git index).
  const single = path.join(work, 'single');
  const [copy] = buildTree(single, 1);
  const staging = ['init -q', 'add -A'].every((args) => spawnSync('git', args.split(' '), { cwd: copy!, stdio: 'ignore' }).status === 0);
  const [nodeZero, staged, suite] = measureInTurn(
    [
      { command: [process.execPath, '-e', '0'], cwd: copy! },
      { command: hookCommand(['backend/services/service_0.py']), cwd: copy! },
      { command: hookCommand(['backend/tests/integration']), cwd: copy! },
    ],
    rounds * 2,
  ) as [Measure, Measure, Measure];
  console.log(`\none copy, run as pre-commit runs it (\`smoke-lint PATH\`${staging ? ', in a git repository with every file staged' : ', no git: not in a repository'}; median of ${rounds * 2}, the three run in turn)`);
  header();
  row('node -e 0', nodeZero);
  row('one staged file outside any suite', staged, `${(staged.cpu / nodeZero.cpu).toFixed(2)}x node -e 0 CPU (target <= 2x: ${verdict(staged.cpu <= 2 * nodeZero.cpu)})`);
  row('one whole suite', suite, `${(suite.cpu / nodeZero.cpu).toFixed(2)}x node -e 0 CPU (target <= 3x: ${verdict(suite.cpu <= 3 * nodeZero.cpu)}); ${findings(suite)} findings`);
} finally {
  rmSync(work, { recursive: true, force: true });
}
