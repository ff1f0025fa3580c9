// Readiness in a shell: which commands check that PostgreSQL accepts connections (`pg_isready`, `psql`, a
// health status, a connect), and which of them wait, that is repeat (a loop around them or around every
// call of their function, a tool that waits by itself), rather than look once.
import type Parser from 'tree-sitter';
import type { ShellCommand, ShellScript } from './shell.js';
import { parseDockerCommand } from './docker.js';

type Node = Parser.SyntaxNode;

const READINESS_TEXT =
  /\bpg_isready\b|\bpsql\b|\.State\.Health|\bHealth\.Status\b|\bhealthy\b|wait-for-it|\bdockerize\b|ready to accept connections|\bpg_ctl\b|\bnc\b[^\n]*\s-z|\bpsycopg\b|\basyncpg\b|\bsqlalchemy\b/;

/** Does this command check that the database accepts connections (pg_isready, psql, health status, a connect)? */
export function isReadinessCommand(_script: ShellScript, command: ShellCommand): boolean {
  // The text test first: it is cheap, and most commands fail it (the docker parse reads every argument).
  if (!READINESS_TEXT.test(command.statementText)) return false;
  const docker = parseDockerCommand(command);
  if (docker && (docker.subcommand === 'run' || docker.subcommand === 'create')) return false;
  // `docker compose exec db pg_isready` checks; `docker compose up/run ...` starts things.
  return !(docker && docker.subcommand === 'compose' && !docker.args.some((word) => word.value === 'exec'));
}

/** Tools that themselves wait until a port or service answers. */
const WAITING_TOOL = /\bwait-for-it\b|\bwait-for\b|\bdockerize\b[^\n]*-wait\b/;
const LOOP_TEXT = /\b(until|while|for)\b[^\n]*;\s*do\b/;

/**
 * Does this command wait for the database, not merely look once? A readiness check counts when it
 * repeats: inside a loop (its own, or around every call of the function that holds it), a loop inside
 * `bash -c '...'`, or a tool that waits by itself (`wait-for-it`, `dockerize -wait`). A single `psql`
 * or `pg_isready` right after `docker run`, or a `sleep`, races the server's start-up.
 */
export function isReadinessWait(script: ShellScript, command: ShellCommand): boolean {
  if (!isReadinessCommand(script, command)) return false;
  const text = command.statementText;
  if (WAITING_TOOL.test(text) || LOOP_TEXT.test(text)) return true;
  return repeats(script, command);
}

/** Is the command in a loop, or does every path that runs it go through a call in a loop? */
function repeats(script: ShellScript, command: ShellCommand): boolean {
  if (enclosingLoop(command.node)) return true;
  const paths = script.runsOf(command);
  return paths.length > 0 && paths.every((run) => run.via.some((call) => enclosingLoop(call.node) !== null));
}

/** The innermost loop (`for`, `while`, `until`) around a node, or null. */
export function enclosingLoop(node: Node, stop: Node | null = null): Node | null {
  for (let current = node.parent; current && current !== stop; current = current.parent) {
    if (current.type === 'for_statement' || current.type === 'c_style_for_statement' || current.type === 'while_statement') return current;
    if (current.type === 'function_definition') return null;
  }
  return null;
}

