// The readiness checks and waits of a suite's shells, read into the DB model (DbContainerCheck,
// DbWaitLoop in src/model/database.ts): which `docker exec <container> pg_isready` run and whom they ask
// (the Unix socket or TCP), and which loops wait for the database, whether they are bounded, and what
// happens when they run out. The shells are the suite's DB scripts and runner scripts, and for the loops
// also the steps of the CI jobs that run the suite (a wait for a job's service).
import path from 'node:path';
import type Parser from 'tree-sitter';
import type { DbContainerCheck, DbWaitLoop } from '../model/database.js';
import { dockerExecs, parseDockerCommand } from '../model/docker.js';
import { dbScriptsOf, execEnv, isKnown, rawText, runnersOf, runs } from '../model/dbscript.js';
import { enclosingLoop, isReadinessCommand } from '../model/readiness.js';
import { scriptShell, suiteRunners, type RunnerShell } from '../model/runners.js';
import type { ShellCommand, ShellScript, ShellWord } from '../model/shell.js';
import type { Suite } from '../model/suite.js';
import { nodeRange } from '../source.js';

type Node = Parser.SyntaxNode;

// ---------------------------------------------------------------------------------------------
// pg_isready inside the container

type HostState = { kind: 'none' } | { kind: 'unknown' } | { kind: 'host'; value: string; word: ShellWord };

/** The `-h`/`--host` given to pg_isready (or a host inside `-d` connection info). */
function hostOf(args: ShellWord[], known: (word: ShellWord) => boolean): HostState {
  for (let i = 0; i < args.length; i++) {
    const word = args[i]!;
    if (!known(word)) {
      // A word that may stand for several (an unknown array or unquoted expansion) may hold `-h`.
      if (word.multi) return { kind: 'unknown' };
      continue;
    }
    const value = word.value!;
    if (value === '-h' || value === '--host') {
      const next = args[i + 1];
      if (!next || !known(next)) return { kind: 'unknown' };
      return { kind: 'host', value: next.value!, word: next };
    }
    if (value.startsWith('--host=')) return { kind: 'host', value: value.slice('--host='.length), word };
    if (/^-h./.test(value)) return { kind: 'host', value: value.slice(2), word };
    if (value === '-d' || value === '--dbname') {
      const next = args[i + 1];
      if (!next || !known(next) || /host=|:\/\//.test(next.value!)) return { kind: 'unknown' };
      i++;
      continue;
    }
    if (/^(--dbname=|-d.)/.test(value) && /host=|:\/\//.test(value)) return { kind: 'unknown' };
  }
  return { kind: 'none' };
}

/** The `docker exec ... pg_isready` of the suite's DB scripts and runner scripts that run (not in a function nothing calls). */
export function containerChecks(suite: Suite): DbContainerCheck[] {
  const result: DbContainerCheck[] = [];
  const seen = new Set<string>();
  for (const script of [...dbScriptsOf(suite), ...runnersOf(suite)]) {
    if (seen.has(script.file.path)) continue;
    seen.add(script.file.path);
    const known = (word: ShellWord) => isKnown(script, word);
    for (const exec of dockerExecs(script)) {
      if (!runs(script, exec.command)) continue;
      const program = exec.argv[0];
      if (!program || !known(program) || path.posix.basename(program.value!) !== 'pg_isready') continue;
      const env = execEnv(exec);
      const host = env.unknown || env.env.has('PGHOST') ? null : hostOf(exec.argv.slice(1), known);
      const asks = host === null ? (env.unknown ? 'unknown' : 'tcp') : host.kind === 'unknown' ? 'unknown' : host.kind === 'host' && !host.value.startsWith('/') ? 'tcp' : 'socket';
      const container = exec.container ? (exec.container.value ?? exec.container.text) : 'the container';
      const literal = host?.kind === 'none' && rawText(script.file, program) === 'pg_isready';
      result.push({
        file: script.file,
        range: nodeRange(program.node),
        command: `\`${exec.engine} exec ${container} pg_isready\``,
        asks,
        socketDir: asks === 'socket' && host?.kind === 'host' ? host.value : null,
        askTcp: literal ? { start: program.node.endIndex, end: program.node.endIndex, text: ' -h 127.0.0.1' } : null,
      });
    }
  }
  return result;
}

// ---------------------------------------------------------------------------------------------
// Wait loops

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

/** The loops around the readiness checks that run in one shell. */
function loopsOf(shell: RunnerShell): DbWaitLoop[] {
  const script = shell.script;
  const loops = new Map<number, Node>();
  for (const command of script.commands) {
    if (!isReadinessCommand(script, command) || !runs(script, command)) continue;
    const loop = enclosingLoop(command.node);
    if (loop) loops.set(loop.startIndex, loop);
  }
  return [...loops.values()].map((loop) => {
    const keyword = loop.child(0) ?? loop;
    const scope = scopeOf(loop);
    const after = script.commands.filter((command) => command.start >= loop.startIndex && command.end <= scope.endIndex);
    const failsWhenOut =
      after.some((command) => exitsNonZero(script, command)) ||
      after.some((command) => command.start >= loop.endIndex && command.errexit && !command.inCondition && isReadinessCommand(script, command));
    return {
      file: shell.file,
      range: shell.range(keyword),
      keyword: keyword.type === 'until' ? 'until' : keyword.type === 'while' ? 'while' : 'for',
      bounded: isBounded(loop),
      failsWhenOut,
      showsLogs: after.some(isLogs),
    };
  });
}

/** The loops that wait for the database in the suite's DB scripts, runner scripts, and the steps of the CI jobs that run it. */
export function waitLoops(suite: Suite): DbWaitLoop[] {
  const shells: RunnerShell[] = [...dbScriptsOf(suite), ...runnersOf(suite)].map(scriptShell);
  for (const runner of suiteRunners(suite).runners) if (runner.kind === 'ci') shells.push(...runner.shells);
  const seen = new Set<ShellScript>();
  return shells.flatMap((shell) => {
    if (seen.has(shell.script)) return [];
    seen.add(shell.script);
    return loopsOf(shell);
  });
}
