// Which functions open a database session: the app's DB dependencies.
import type Parser from 'tree-sitter';
import {
  calleeName,
  pyModule,
  unparenthesize,
  type FunctionInfo,
  type PyModule,
} from '../python.js';
import { lastSegment, nodesInOwnScope } from './helpers.js';
import type { ModuleRef } from './types.js';
import { isWholeName } from '../name-text.js';

type Node = Parser.SyntaxNode;

const SESSION_CLASSES = new Set(['Session', 'AsyncSession', 'SQLModelSession', 'scoped_session']);
const FACTORY_MAKERS = new Set(['sessionmaker', 'async_sessionmaker', 'scoped_session']);
const FACTORY_WORDS = /sessionmaker|scoped_session/;

/** Module-level `SessionLocal = sessionmaker(...)` names across the app package. */
export function sessionFactoryNames(modules: ModuleRef[]): Set<string> {
  const names = new Set<string>();
  for (const ref of modules) {
    // A factory's maker is named in the text (an alias is imported under its own name): no tree needed otherwise.
    if (!FACTORY_WORDS.test(ref.text() ?? '')) continue;
    const module = ref.source ? pyModule(ref.source) : null;
    if (!module) continue;
    for (const [name, { value }] of module.assignments) {
      const expression = unparenthesize(value);
      if (expression.type !== 'call') continue;
      const callee = calleeName(module, expression);
      if (callee && FACTORY_MAKERS.has(lastSegment(callee))) names.add(name);
    }
  }
  return names;
}

function isSessionCall(module: PyModule, node: Node, factories: Set<string>): boolean {
  const expression = unparenthesize(node.type === 'await' ? node.namedChild(0) ?? node : node);
  if (expression.type !== 'call') return false;
  const fnNode = expression.childForFieldName('function');
  if (fnNode?.type === 'call') {
    const inner = calleeName(module, fnNode);
    return inner !== null && FACTORY_MAKERS.has(lastSegment(inner));
  }
  const callee = calleeName(module, expression);
  if (!callee) return false;
  const last = lastSegment(callee);
  return SESSION_CLASSES.has(last) || factories.has(last) || factories.has(callee);
}

/** A DB agent: `DBAgent(...)`, `dbagent`, `db_agent`, `request.app.state.dbagent`, a bare `agent` (not `user_agent`). */
function isAgentExpression(node: Node): boolean {
  return (node.text.match(/[A-Za-z_]\w*/g) ?? []).some((word) => /^(db_?)?agent$/i.test(word) || /db_?agent/i.test(word));
}

/** Why this function is a database dependency, or null: it yields or returns a session or a DB agent. */
export function dbReason(module: PyModule, fn: FunctionInfo, factories: Set<string>): string | null {
  const body = fn.node.childForFieldName('body');
  if (!body) return null;
  const locals = new Map<string, Node[]>();
  for (const node of nodesInOwnScope(body, new Set(['assignment', 'as_pattern']))) {
    if (node.type === 'assignment') {
      const left = node.childForFieldName('left');
      const right = node.childForFieldName('right');
      if (left?.type === 'identifier' && right) locals.set(left.text, [...(locals.get(left.text) ?? []), right]);
    } else {
      const target = node.childForFieldName('alias')?.namedChild(0);
      const value = node.namedChild(0);
      if (target?.type === 'identifier' && value) locals.set(target.text, [...(locals.get(target.text) ?? []), value]);
    }
  }
  for (const statement of nodesInOwnScope(body, new Set(['return_statement', 'yield']))) {
    if (statement.type === 'yield' && statement.children.some((child) => child.type === 'from')) continue;
    const raw = statement.namedChild(0);
    if (!raw) continue;
    const value = unparenthesize(raw);
    const verb = statement.type === 'yield' ? 'yields' : 'returns';
    const values = value.type === 'identifier' ? locals.get(value.text) ?? [] : [value];
    // `maker = SessionLocal` then `async with maker() as db`: the local name is the factory.
    const aliases = new Set([...locals].filter(([, bound]) => bound.length === 1 && bound[0]!.type === 'identifier' && factories.has(bound[0]!.text)).map(([name]) => name));
    const withAliases = aliases.size > 0 ? new Set([...factories, ...aliases]) : factories;
    if (values.some((candidate) => isSessionCall(module, candidate, withAliases))) return `${verb} a database session`;
    if (isAgentExpression(value) || values.some((candidate) => isAgentExpression(candidate))) return `${verb} a DB agent`;
  }
  return null;
}

/** What may stand before a name on its line for the name to be a function's: `def`, `async def`, an indent. */
const DEF_BEFORE = /^([ \t]*)(?:async[ \t]+)?def[ \t]+$/;

/**
 * True when a module with this text cannot make `name` a database dependency (see dbReason): the name is
 * not one of the configured `db-dependencies`, the text spells neither `session` nor `agent` (in any case)
 * nor any session factory's name, so no function in it returns or yields a session or an agent; and every
 * place the text spells the name is a `def` of it, one of them at the start of a line, so the name is
 * bound to a function of this module, never imported or assigned from elsewhere. False when unsure.
 */
export function textRulesOutDbReason(text: string | null, name: string, factories: ReadonlySet<string>, configured: readonly string[]): boolean {
  if (text === null || name === '' || configured.includes(name)) return false;
  if (/session|agent/i.test(text)) return false;
  for (const factory of factories) if (text.includes(factory)) return false;
  let topLevel = false;
  for (let at = text.indexOf(name); at >= 0; at = text.indexOf(name, at + 1)) {
    // A longer name that holds this one is no use of it.
    if (!isWholeName(text, at, name.length)) continue;
    const lineStart = text.lastIndexOf('\n', at - 1) + 1;
    const before = DEF_BEFORE.exec(text.slice(lineStart, at));
    if (!before) return false;
    if (before[1] === '') topLevel = true;
  }
  return topLevel;
}
