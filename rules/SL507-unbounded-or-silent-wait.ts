import type Parser from 'tree-sitter';
import { defineRule } from '../src/rule.js';
import { parseDockerCommand } from '../src/model/docker.js';
import type { ShellCommand, ShellScript } from '../src/model/shell.js';
import { dbScriptsOf, runnersOf, runs } from '../src/model/dbscript.js';
import { enclosingLoop, isReadinessCommand } from '../src/model/readiness.js';
import { scriptShell, suiteRunners, type RunnerShell } from '../src/model/runners.js';

type Node = Parser.SyntaxNode;

/** A loop condition or body that counts or times: `-lt 30`, `(( i < 30 ))`, `$SECONDS`, `timeout`, `[ "$n" = 30 ]`. */
const BOUND = /\s-(?:lt|le|gt|ge|eq|ne)\s|\(\([^)]*(?:<|>|==|!=)|\bSECONDS\b|\btimeout\b|\$\{?\w+\}?"?\s*!?==?\s*"?\d+"?\s*\]/;

function isBounded(loop: Node): boolean {
  if (loop.type === 'for_statement') return true;
  if (loop.type === 'c_style_for_statement') return !/^for\s*\(\([^;]*;\s*;/.test(loop.text);
  return BOUND.test(loop.text);
}

/** The stretch of script a give-up path may continue into: the case arm, function or whole script around the loop. */
function scopeOf(loop: Node): Node {
  for (let current = loop.parent; current; current = current.parent) {
    if (current.type === 'case_item' || current.type === 'function_definition' || current.type === 'program') return current;
  }
  return loop;
}

/** `exit N`/`return N` with N not 0 (or unknown), or a call of a function of the script that does so. */
function exitsNonZero(script: ShellScript, command: ShellCommand, depth = 0): boolean {
  if (command.name === 'exit' || command.name === 'return') {
    const status = command.args[0];
    if (!status) return false;
    return status.value === null || status.value !== '0';
  }
  if (command.name !== null && script.functions.has(command.name) && depth < 3) {
    return script.commandsIn(command.name).some((inner) => inner.name === 'exit' && exitsNonZero(script, inner, depth + 1));
  }
  return false;
}

function isLogs(command: ShellCommand): boolean {
  return parseDockerCommand(command)?.subcommand === 'logs';
}

export default defineRule({
  code: 'SL507',
  name: 'unbounded-or-silent-wait',
  summary: 'The readiness wait never gives up, or gives up without failing',
  severity: 'warning',
  fix: 'none',
  docs: {
    whatItDoes:
      'Reports a loop in a suite\'s DB script, runner script, or a step (`run:`) of a GitHub Actions job that runs the suite, that waits for the database (`pg_isready`, `psql`, a health status) when it has no bound (`while true`, `until pg_isready`), or when it gives up without a non-zero exit: the loop runs out and the script goes on, or ends with status 0.',
    whyItMatters:
      'When PostgreSQL never becomes ready — a bad image tag, the port taken, a crash at start-up (see SL504) — an unbounded loop hangs until CI kills the job an hour later, with no clue why. A loop that gives up quietly is worse: the script reports success, pytest starts against no database, and the failures point at the tests instead of the container. Give up after a bound, show `docker logs` (the reason is almost always there), and exit 1.',
    example:
      'until docker exec shop-postgres-test pg_isready -h 127.0.0.1; do\n    sleep 1\ndone',
    useInstead:
      'for i in {1..30}; do\n    if docker exec shop-postgres-test pg_isready -h 127.0.0.1 >/dev/null 2>&1; then\n        exit 0\n    fi\n    sleep 1\ndone\necho "Test database did not become ready in 30 seconds" >&2\ndocker logs shop-postgres-test >&2\nexit 1',
    exceptions:
      'Silent for `for` loops and loops with a counter or `$SECONDS` check that exit (or `return`, in a function) with a non-zero status when they run out, and for waits wrapped in `timeout`. A bounded loop that exits 1 without showing the logs is not reported (the message of other findings suggests `docker logs`). Silent for a wait inside a function the script never calls (it never runs). A compose `healthcheck` or a CI service\'s `--health-cmd` is not such a wait and is not reported, even without `retries`/`--health-retries`: Docker bounds it by default (3 retries), and `compose up --wait`, `depends_on: condition: service_healthy` and the CI runner fail when the service turns unhealthy, so it neither hangs nor gives up silently.',
  },
  check({ suite, report }) {
    const seen = new Set<ShellScript>();
    // The DB scripts and runner scripts, and the steps of the CI jobs that run the suite (a wait for a job's service).
    const shells: RunnerShell[] = [...dbScriptsOf(suite), ...runnersOf(suite)].map(scriptShell);
    for (const runner of suiteRunners(suite).runners) if (runner.kind === 'ci') shells.push(...runner.shells);
    for (const shell of shells) {
      const script = shell.script;
      if (seen.has(script)) continue;
      seen.add(script);
      const loops = new Map<number, Node>();
      for (const command of script.commands) {
        if (!isReadinessCommand(script, command) || !runs(script, command)) continue;
        const loop = enclosingLoop(command.node);
        if (loop) loops.set(loop.startIndex, loop);
      }
      for (const loop of loops.values()) {
        const keyword = loop.child(0) ?? loop;
        const kind = keyword.type === 'until' ? 'until' : keyword.type === 'while' ? 'while' : 'for';
        if (!isBounded(loop)) {
          report({
            file: shell.file,
            range: shell.range(keyword),
            message: `This \`${kind}\` loop waits for the database with no bound: if PostgreSQL never becomes ready (bad image, port taken, crash at start-up) the script hangs until CI kills it`,
            hint: 'Bound the wait (`for i in {1..30}`), then show `docker logs` and `exit 1`.',
          });
          continue;
        }
        const scope = scopeOf(loop);
        const after = script.commands.filter(
          (command) => command.node.startIndex >= loop.startIndex && command.node.endIndex <= scope.endIndex,
        );
        const fails =
          after.some((command) => exitsNonZero(script, command)) ||
          after.some(
            (command) =>
              command.node.startIndex >= loop.endIndex && command.errexit && !command.inCondition && isReadinessCommand(script, command),
          );
        if (fails) continue;
        const logs = after.some(isLogs);
        report({
          file: shell.file,
          range: shell.range(keyword),
          message: `When this wait runs out, the script goes on with status 0${logs ? '' : ' and shows no container logs'}: the tests then start against a database that is not there, and fail far from the cause`,
          hint: `After the loop, ${logs ? '' : 'show `docker logs <container>` and '}\`exit 1\` (or \`return 1\` in a function).`,
        });
      }
    }
  },
});
