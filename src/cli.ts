// Command line: `smoke-lint [check] [paths..]`, `smoke-lint rule CODE`, `smoke-lint rules`.
// Exit codes: 0 nothing at or above --fail-on, 1 findings, 2 usage, configuration or I/O error.
import path from 'node:path';
import { allRules, ruleCodes } from '../rules/index.js';
import { codeMatches, ConfigError } from './config.js';
import { lint, UsageError, type LintRequest } from './engine.js';
import type { Diagnostic, RuleDefinition, Severity } from './rule.js';
import { PLAIN_COLORS, plural, toolVersion, type Colors, type ReportInput } from './report/common.js';
import { checkedScope, formatConcise, formatPretty } from './report/text.js';
import { NativeLoadError } from './native.js';
import { explainUsageFailure } from './usage-errors.js';
import type { LintProgress, ProgressLine } from './report/progress.js';
import { suggestCode } from './near-miss.js';
import { checkArgsOf, PLAIN_CHECK_ARGS, plainPaths, type CheckArgs } from './plain-paths.js';
import { isTerminal, OutputError, standardWriter } from './terminal.js';

export const FORMATS = ['pretty', 'concise', 'json', 'json-lines', 'github', 'sarif', 'junit', 'gitlab', 'rdjson'] as const;
type Format = (typeof FORMATS)[number];

const SEVERITY_RANK: Record<Severity, number> = { info: 0, warning: 1, error: 2 };

export interface Io {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Is stdout a terminal (colours)? */
  isTTY: boolean;
  /** Is stderr a terminal (the progress line of a long run)? Off when not given. */
  stderrIsTTY?: boolean;
  /** Milliseconds, for the progress line's timing (tests inject a clock). */
  now?: () => number;
  /** The terminal's width, for the progress line. */
  columns?: number;
}

/** The process's own streams (src/terminal.ts: no stream objects unless one is a terminal). */
async function processIo(): Promise<Io> {
  const [stdoutIsTTY, stderrIsTTY] = await Promise.all([isTerminal(1), isTerminal(2)]);
  return {
    stdout: standardWriter(1, stdoutIsTTY),
    stderr: standardWriter(2, stderrIsTTY),
    cwd: process.cwd(),
    env: process.env,
    isTTY: stdoutIsTTY,
    stderrIsTTY,
    now: () => performance.now(),
    ...(stderrIsTTY && process.stderr.columns ? { columns: process.stderr.columns } : {}),
  };
}

/**
 * The report's colours. chalk is loaded only to colour: its colour detection loads node's tty module at
 * once, which a report to a pipe or a file has no use for.
 */
async function colorFor(io: Io, flag: boolean | undefined): Promise<Colors> {
  // --color/--no-color win; then NO_COLOR and FORCE_COLOR (https://no-color.org); then whether stdout is a terminal.
  const force = io.env.FORCE_COLOR;
  const level: 0 | 1 | 2 | 3 | 'detect' =
    flag === false ? 0
    : flag === true ? 1
    : io.env.NO_COLOR !== undefined && io.env.NO_COLOR !== '' ? 0
    : force !== undefined ? (force === '0' || force === 'false' ? 0 : force === '' ? 1 : (Math.min(3, Math.max(1, Number(force) || 1)) as 1 | 2 | 3))
    : io.isTTY ? 'detect'
    : 0;
  if (level === 0) return PLAIN_COLORS;
  const { Chalk, supportsColor } = await import('chalk');
  return new Chalk({ level: level === 'detect' ? (supportsColor ? supportsColor.level : 0) : level });
}

function splitCodes(value: string | string[] | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  const values = Array.isArray(value) ? value : [value];
  return values.flatMap((value) => value.split(',')).map((code) => code.trim()).filter(Boolean);
}

const CODE = /^SL\d{0,3}$/;

/** 2 for I/O errors; else 1 when a finding at or above `failOn` remains (info never fails) and `--exit-zero` is off. */
export function exitCodeFor(diagnostics: Diagnostic[], errors: string[], failOn: 'error' | 'warning', exitZero: boolean): number {
  if (errors.length > 0) return 2;
  const threshold = SEVERITY_RANK[failOn];
  const failing = diagnostics.some((d) => d.severity !== 'info' && SEVERITY_RANK[d.severity] >= threshold);
  return failing && !exitZero ? 1 : 0;
}

/** With `--fix`: 2 for I/O errors; 0 with `--exit-zero`; 1 when something was fixed and `--exit-non-zero-on-fix`; else by what remains. */
export function fixExitCode(remaining: Diagnostic[], errors: string[], failOn: 'error' | 'warning', exitZero: boolean, exitNonZeroOnFix: boolean, fixed: number): number {
  if (errors.length > 0) return 2;
  if (exitZero) return 0;
  if (exitNonZeroOnFix && fixed > 0) return 1;
  return exitCodeFor(remaining, [], failOn, false);
}

// A plain run loads only what it prints: the machine formats, the baseline, the fix report and the rule
// docs are imported when an option or a command asks for them (start-up cost of a pre-commit run).
type Formatter = (input: ReportInput) => string;
const FORMATTERS: Record<Format, () => Promise<Formatter>> = {
  pretty: async () => formatPretty,
  concise: async () => formatConcise,
  json: async () => (await import('./report/machine.js')).formatJson,
  github: async () => (await import('./report/machine.js')).formatGithub,
  sarif: async () => (await import('./report/machine.js')).formatSarif,
  'json-lines': async () => (await import('./report/json-lines.js')).formatJsonLines,
  junit: async () => (await import('./report/junit.js')).formatJunit,
  gitlab: async () => (await import('./report/gitlab.js')).formatGitlab,
  rdjson: async () => (await import('./report/rdjson.js')).formatRdjson,
};

/** Replaces the summary (the last line) of a pretty or concise report. */
function replaceSummary(text: string, summaryLine: string): string {
  const body = text.endsWith('\n') ? text.slice(0, -1) : text;
  const cut = body.lastIndexOf('\n');
  return `${cut < 0 ? '' : body.slice(0, cut + 1)}${summaryLine}\n`;
}

/** `rules` replaces the registered rules (tests of the fix machinery inject their own); `alwaysYargs` parses every argv with yargs and `onCheckArgs` is told the check command's arguments (tests compare the plain-paths path with yargs). */
export async function main(argv: string[], given?: Io, options: { rules?: RuleDefinition[]; alwaysYargs?: boolean; onCheckArgs?: (args: CheckArgs) => void } = {}): Promise<number> {
  const io = given ?? (await processIo());
  let exitCode = 0;
  let progress = null as ProgressLine | null;
  // Set once --baseline or --write-baseline loaded it: only then can a BaselineError be thrown.
  let baselineModule = null as typeof import('./baseline.js') | null;
  const fail = (message: string): number => {
    io.stderr(`smoke-lint: error: ${message}\n`);
    return 2;
  };
  // The rule registry, the fix engine and the scaffolder load when a command needs them, not at start-up.
  const loadRules = async (): Promise<RuleDefinition[]> => {
    try {
      return options.rules ?? (await allRules());
    } catch (error) {
      throw new UsageError(error instanceof Error ? error.message : String(error));
    }
  };

  /** The exit code and one line on stderr for an error that ended the run. */
  const failed = (error: unknown): number => {
    progress?.done();
    // A configuration error starts with its file (`file:line:col: ...`), shown relative to where the user is.
    if (error instanceof ConfigError) return fail(error.message.startsWith(io.cwd + path.sep) ? error.message.slice(io.cwd.length + 1) : error.message);
    if (error instanceof UsageError || error instanceof NativeLoadError || error instanceof OutputError || (baselineModule !== null && error instanceof baselineModule.BaselineError)) return fail(error.message);
    if (error instanceof Error && error.name === 'YError') return fail(error.message);
    return fail(`internal error: ${error instanceof Error ? error.message : String(error)} (please report this)`);
  };

  // The check command, as yargs parses it or as a plain-paths argv gives it (src/plain-paths.ts).
  const check = async (args: CheckArgs): Promise<void> => {
    options.onCheckArgs?.(args);
    // `-` conventionally means stdin (yargs drops it, which linted `.`); smoke-lint checks whole suites on disk.
    if (argv.includes('-')) throw new UsageError('`-` (stdin) is not supported: smoke-lint checks suites on disk; name files or directories');
    // An explicit --fail-on decides the exit code; --quiet alone means "errors only", for the exit code too.
    const failOn = args['fail-on'] ?? (args.quiet ? 'error' : 'warning');
    const select = splitCodes(args.select);
    const ignore = splitCodes(args.ignore);
    // A code that matches no rule would select or ignore nothing, silently: say so, with the likely code.
    const knownCodes = [...new Set([...ruleCodes(), ...(options.rules ?? []).map((rule) => rule.code)])];
    for (const [flag, codes] of [['--select', select], ['--ignore', ignore]] as const) {
      for (const code of codes ?? []) {
        const guess = suggestCode(code, knownCodes);
        const hint = guess ? `; did you mean ${guess}?` : '';
        if (!CODE.test(code)) throw new UsageError(`\`${code}\` is not a rule code or prefix (like SL1 or SL101)${hint}`);
        if (!knownCodes.some((known) => codeMatches(known, code))) throw new UsageError(`${flag} ${code} matches no rule${hint || ' (see `smoke-lint rules`)'}`);
      }
    }
    // A progress line on a terminal, for humans only: never in a machine format or when stderr is a file or pipe.
    const forHumans = args.format === 'pretty' || args.format === 'concise';
    progress = forHumans && io.stderrIsTTY ? new (await import('./report/progress.js')).ProgressLine({ write: io.stderr, now: io.now ?? (() => performance.now()), ...(io.columns ? { columns: io.columns } : {}) }) : null;
    const request: LintRequest = {
      paths: args.paths ?? [],
      cwd: io.cwd,
      ...(args.config ? { configFile: args.config } : {}),
      ...(select ? { select } : {}),
      ...(ignore ? { ignore } : {}),
      ...(options.rules ? { rules: options.rules } : {}),
      ...(progress ? { onProgress: (state: LintProgress) => progress?.update(state) } : {}),
    };
    if (args['write-baseline'] !== undefined && (args.baseline !== undefined || args.fix || args.diff)) throw new UsageError('--write-baseline records what a plain run finds: it cannot be combined with --baseline, --fix or --diff');
    const unsafe = args['unsafe-fixes'];
    if (args.diff) {
      const { formatNote, formatPlanDiff, formatUnwritable, isFailureNote, planChanges, unsafeHint } = await import('./fix/report.js');
      // What --fix would do, as a patch; nothing is written.
      const { planFixes } = await import('./fix/passes.js');
      const plan = await planFixes(request, { unsafe });
      progress?.done();
      io.stdout(formatPlanDiff(plan, io.cwd));
      for (const note of plan.notes) io.stderr(`smoke-lint: ${isFailureNote(note) ? 'error' : 'warning'}: ${formatNote(note, io.cwd)}\n`);
      for (const line of formatUnwritable(plan, io.cwd)) io.stderr(`smoke-lint: warning: ${line}\n`);
      const changes = planChanges(plan);
      const hidden = unsafeHint(plan.unsafeHidden);
      io.stderr(`${changes ? `Would fix ${plural(plan.applied.length, 'problem')}.` : 'No fixes available.'}${hidden ? ` ${hidden}` : ''}\n`);
      for (const error of plan.report.errors) io.stderr(`smoke-lint: error: ${error}\n`);
      exitCode = plan.report.errors.length > 0 || plan.notes.some(isFailureNote) ? 2 : changes && !args['exit-zero'] ? 1 : 0;
      return;
    }
    const fixRun = args.fix ? await (await import('./fix/passes.js')).fixProject(request, { unsafe }) : null;
    const report = fixRun ? fixRun.report : await lint(request);
    progress?.done();
    if (args['write-baseline'] !== undefined || args.baseline !== undefined) baselineModule = await import('./baseline.js');
    if (args['write-baseline'] !== undefined && baselineModule) {
      const { writeBaseline } = baselineModule;
      const failure = writeBaseline(path.resolve(io.cwd, args['write-baseline']), report.diagnostics);
      if (!failure) io.stdout(`Recorded ${plural(report.diagnostics.length, 'finding')} in ${args['write-baseline']}; \`--baseline ${args['write-baseline']}\` now reports only new ones.\n`);
      for (const error of [...report.errors, ...(failure ? [failure] : [])]) io.stderr(`smoke-lint: error: ${error}\n`);
      exitCode = failure || report.errors.length > 0 ? 2 : 0;
      return;
    }
    let baselineNote: string | null = null;
    if (args.baseline !== undefined && baselineModule) {
      const { applyBaseline, baselineSummary, readBaseline } = baselineModule;
      const file = path.resolve(io.cwd, args.baseline);
      const outcome = applyBaseline(file, readBaseline(file), report.diagnostics, report.checkedPaths);
      report.diagnostics = outcome.kept;
      baselineNote = baselineSummary(outcome);
    }
    const diagnostics = args.quiet ? report.diagnostics.filter((d) => d.severity !== 'info' && SEVERITY_RANK[d.severity] >= SEVERITY_RANK[failOn]) : report.diagnostics;
    const input: ReportInput = {
      diagnostics,
      // Only SARIF lists every rule; the others need just the rules that ran.
      rules: args.format === 'sarif' ? await loadRules() : report.rules,
      cwd: io.cwd,
      filesChecked: report.filesChecked,
      suitesChecked: report.suitesChecked,
      color: await colorFor(io, args.color),
    };
    const format = args.format as Format;
    let text = args.statistics ? (await import('./report/statistics.js')).formatStatistics(diagnostics, format === 'json') : (await FORMATTERS[format]())(input);
    const human = (format === 'pretty' || format === 'concise') && !args.statistics;
    // The fix report: after --fix, or for the hint about unsafe fixes when there are findings to hint at.
    const fixReport = fixRun || (human && diagnostics.length > 0) ? await import('./fix/report.js') : null;
    if (fixRun && fixReport) {
      const { fixSummary, formatFixedList } = fixReport;
      const fixed = fixRun.outcome.fixed;
      if (human) {
        if (fixed.length > 0) text = replaceSummary(text, fixSummary(fixed.length, diagnostics.length, checkedScope(input)));
        if (args['show-fixes']) text = formatFixedList(fixed, io.cwd) + text;
      } else if (args['show-fixes']) {
        io.stderr(formatFixedList(fixed, io.cwd));
      }
    }
    // One place says how many fixes wait for --unsafe-fixes, after a plain lint as after --fix.
    const hint = human && fixReport ? fixReport.unsafeHint(unsafe ? 0 : diagnostics.filter((d) => d.fix?.applicability === 'unsafe').length) : null;
    if (hint && diagnostics.length > 0) text += `${hint}\n`;
    if (baselineNote && human && !args.quiet) text += `${baselineNote}\n`;
    else if (baselineNote) io.stderr(`smoke-lint: ${baselineNote}\n`);
    const errors = [...report.errors];
    if (fixRun && fixReport) {
      const { formatNote, isFailureNote, outcomeMessages } = fixReport;
      for (const note of fixRun.plan.notes) {
        if (isFailureNote(note)) errors.push(formatNote(note, io.cwd));
        else io.stderr(`smoke-lint: warning: ${formatNote(note, io.cwd)}\n`);
      }
      for (const message of outcomeMessages(fixRun.outcome, io.cwd)) {
        if (message.level === 'error') errors.push(message.text);
        else io.stderr(`smoke-lint: ${message.level === 'warning' ? 'warning: ' : ''}${message.text}\n`);
      }
    }
    // A run that failed must not end in "All checks passed!".
    if (human && errors.length > 0 && diagnostics.length === 0 && !(fixRun && fixRun.outcome.fixed.length > 0)) text = replaceSummary(text, `No problems found in what was read, but the run failed: ${plural(errors.length, 'error')} (on stderr).`);
    if (args['output-file'] !== undefined) {
      const failure = (await import('./report/output-file.js')).writeOutputFile(path.resolve(io.cwd, args['output-file']), text);
      if (failure) errors.push(failure);
    } else if (!(args.quiet && diagnostics.length === 0 && human && errors.length === 0)) io.stdout(text);
    for (const error of errors) io.stderr(`smoke-lint: error: ${error}\n`);
    exitCode = fixRun
      ? fixExitCode(report.diagnostics, errors, failOn, args['exit-zero'], args['exit-non-zero-on-fix'], fixRun.outcome.fixed.length)
      : exitCodeFor(report.diagnostics, errors, failOn, args['exit-zero']);
  };

  // yargs (and its help layout) loads only for an argv that is more than plain paths.
  if (!options.alwaysYargs) {
    const paths = plainPaths(argv, io.cwd);
    if (paths) {
      try {
        await check({ ...PLAIN_CHECK_ARGS, paths: paths.length > 0 ? paths : undefined });
        return exitCode;
      } catch (error) {
        return failed(error);
      }
    }
  }
  const { default: yargs } = await import('yargs');
  const parser = yargs(argv)
    .scriptName('smoke-lint')
    .usage('$0 [check] [paths..]\n\nFind the silent mistakes of a FastAPI integration suite run against a throw-away PostgreSQL.')
    .version(toolVersion())
    .alias('V', 'version')
    .strict()
    .help()
    .alias('h', 'help')
    .wrap(Math.min(100, (io.isTTY ? process.stdout.columns : undefined) || 100))
    .exitProcess(false)
    .fail((message, error) => {
      if (!message) throw new UsageError((error ? error.message : 'invalid usage').replace(/\s*\n\s*/g, ' '));
      // The command's own options (yargs lists them at the time of the failure), for "did you mean --fix?".
      const known = Object.keys((parser as unknown as { getOptions(): { key: Record<string, unknown> } }).getOptions().key);
      throw new UsageError(explainUsageFailure(message, argv, { names: known }));
    })
    .command(
      ['check [paths..]', '$0 [paths..]'],
      'Lint integration suites under the given files and directories (default: .)',
      (command) =>
        command
          .positional('paths', { type: 'string', array: true, describe: 'Files or directories to check' })
          .option('format', { requiresArg: true, choices: FORMATS, default: PLAIN_CHECK_ARGS.format as Format, describe: 'Output format' })
          // One value each (comma-separated, or the option repeated): a greedy list would swallow the paths after it.
          .option('select', { requiresArg: true, type: 'string', describe: 'Only these rule codes or prefixes (comma-separated), replacing the configured selection' })
          .option('ignore', { requiresArg: true, type: 'string', describe: 'Also ignore these rule codes or prefixes (comma-separated)' })
          .option('config', { requiresArg: true, type: 'string', describe: 'Use this configuration file instead of the discovered one' })
          .option('fail-on', { requiresArg: true, choices: ['error', 'warning'] as const, describe: 'Lowest severity that makes the exit code 1 (info never does) [default: warning, or error with --quiet]' })
          .option('exit-zero', { type: 'boolean', default: PLAIN_CHECK_ARGS['exit-zero'], describe: 'Exit 0 even when there are findings' })
          .option('quiet', { alias: 'q', type: 'boolean', default: PLAIN_CHECK_ARGS['quiet'], describe: 'Report only what fails: errors, or what an explicit --fail-on names' })
          .option('color', { type: 'boolean', describe: 'Colour the output (--no-color to disable; NO_COLOR and FORCE_COLOR are honoured)' })
          .option('fix', { type: 'boolean', default: PLAIN_CHECK_ARGS['fix'], describe: 'Apply the safe fixes, then report what remains' })
          .option('unsafe-fixes', { type: 'boolean', default: PLAIN_CHECK_ARGS['unsafe-fixes'], describe: 'With --fix or --diff, apply the unsafe fixes too' })
          .option('diff', { type: 'boolean', default: PLAIN_CHECK_ARGS['diff'], describe: 'Print a unified diff of what --fix would change and change nothing (exit 1 when there is something to fix)' })
          .option('show-fixes', { type: 'boolean', default: PLAIN_CHECK_ARGS['show-fixes'], describe: 'With --fix, list the problems that were fixed' })
          .option('exit-non-zero-on-fix', { type: 'boolean', default: PLAIN_CHECK_ARGS['exit-non-zero-on-fix'], describe: 'With --fix, exit 1 when something was fixed, even if nothing remains' })
          .option('output-file', { requiresArg: true, alias: 'o', type: 'string', describe: 'Write the report to this file instead of stdout' })
          .option('statistics', { type: 'boolean', default: PLAIN_CHECK_ARGS['statistics'], describe: 'Print how many findings each code has instead of the findings (JSON with --format json)' })
          .option('baseline', { requiresArg: true, type: 'string', describe: 'Hide the findings recorded in this baseline file (report only new ones)' })
          .option('write-baseline', { requiresArg: true, type: 'string', describe: 'Record the current findings in this baseline file and exit 0' }),
      async (args) => check(checkArgsOf(args)),
    )
    .command(
      'rule <code>',
      'Explain a rule: what it does, why it matters, an example and what to write instead',
      (command) => command.positional('code', { type: 'string', demandOption: true }),
      async (args) => {
        const code = String(args.code).toUpperCase();
        const rule = (await loadRules()).find((candidate) => candidate.code === code || candidate.name === args.code);
        if (!rule) throw new UsageError(`no rule ${args.code} (see \`smoke-lint rules\`)`);
        io.stdout((await import('./report/docs.js')).formatRuleDocs(rule));
      },
    )
    .command(
      'init [path]',
      'Write the missing pieces of an integration suite (conftest, smoke test, DB script, runner) into a FastAPI project',
      (command) =>
        command
          .positional('path', { type: 'string', default: '.', describe: 'The project (or a folder in it)' })
          .option('dry-run', { type: 'boolean', default: false, describe: 'Print what would be written (paths and contents) and write nothing' })
          .option('dir', { requiresArg: true, type: 'string', describe: "The suite's folder (default: an integration folder in the app's existing tests folder)" }),
      async (args) => {
        const { formatInitResult, initProject, NoAppError } = await import('./scaffold/init.js');
        try {
          const result = await initProject(path.resolve(io.cwd, String(args.path)), { dryRun: args['dry-run'], ...(args.dir !== undefined ? { dir: path.resolve(io.cwd, args.dir) } : {}) });
          io.stdout(formatInitResult(result, io.cwd));
        } catch (error) {
          if (error instanceof NoAppError) throw new UsageError(error.message);
          throw error;
        }
      },
    )
    .command(
      'server',
      'Run the language server (LSP over stdio) for editors: diagnostics as you type, fixes as code actions',
      (command) => command.option('stdio', { type: 'boolean', default: true, describe: 'Talk LSP over stdin and stdout (the only transport; accepted because clients pass it)' }),
      async () => {
        const { runServer } = await import('./server/server.js');
        await runServer();
      },
    )
    .command(
      'suites [paths..]',
      'List the integration suites under these paths: why each is one, its test and fixture modules, its DB script and runner',
      (command) =>
        command
          .positional('paths', { type: 'string', array: true, default: [] as string[] })
          .option('format', { requiresArg: true, choices: ['text', 'json'] as const, default: 'text' as const })
          .option('config', { requiresArg: true, type: 'string', describe: 'Use this configuration file' }),
      async (args) => {
        const { formatSuites, listSuites } = await import('./suites-command.js');
        const listings = listSuites((args.paths ?? []).map(String), io.cwd, args.config);
        io.stdout(args.format === 'json' ? JSON.stringify(listings, null, 2) + '\n' : formatSuites(listings));
      },
    )
    .command(
      'rules',
      'List every rule with its severity and whether it can be fixed',
      (command) => command.option('format', { requiresArg: true, choices: ['text', 'json'] as const, default: 'text' as const }),
      async (args) => {
        const rules = await loadRules();
        io.stdout(args.format === 'json' ? JSON.stringify(rules.map(({ code, name, summary, severity, fix }) => ({ code, name, summary, severity, fix })), null, 2) + '\n' : (await import('./report/docs.js')).formatRuleTable(rules));
      },
    );

  try {
    let printed = '';
    await parser.parseAsync(argv, {}, (error, _argv, output) => {
      if (output) printed = output;
      if (error) throw error;
    });
    if (printed) io.stdout(printed.endsWith('\n') ? printed : `${printed}\n`);
    return exitCode;
  } catch (error) {
    return failed(error);
  }
}
