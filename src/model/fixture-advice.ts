// What widening a per-test engine or client fixture would take, so SL203 only gives advice that works
// (whether a fixture starts the app is src/model/lifespan.ts): which narrower fixture pins it to its
// scope (a per-test session or transaction: `scope="session"` would raise ScopeMismatch), whether it hands out per-test state built on the
// engine, and what the project's pinned pytest-asyncio (or anyio) needs for a session-scoped async fixture.
import path from 'node:path';
import type Parser from 'tree-sitter';
import type { Suite } from './suite.js';
import type { FunctionInfo } from './python.js';
import { ownNodes } from './function-scope.js';
import type { FixtureDef, FixtureUse } from './fixture-use.js';
import { atLeast, below, packageRange } from './python-pins.js';

type Node = Parser.SyntaxNode;

const SCOPE_ORDER = ['function', 'class', 'module', 'package', 'session'];

/** pytest's and common plugins' fixtures that exist per test only. */
const PER_TEST_BUILTINS = new Set(['monkeypatch', 'tmp_path', 'tmpdir', 'capsys', 'capfd', 'caplog', 'recwarn', 'mocker']);

/**
 * A fixture it uses whose scope is narrower than session (so `scope="session"` on it would raise
 * ScopeMismatch), other than those `widenable` says the advice widens too. Null when there is none.
 */
export function pinningDependency(usage: FixtureUse, def: FixtureDef, widenable: (dep: FixtureDef) => boolean): { name: string; scope: string } | null {
  const deps = usage.dependencies(def);
  const narrower = deps
    .filter((dep) => dep.scope !== null && SCOPE_ORDER.includes(dep.scope) && dep.scope !== 'session' && !widenable(dep))
    .map((dep) => ({ name: dep.name, scope: dep.scope! }));
  for (const parameter of def.fn.parameters) {
    if (PER_TEST_BUILTINS.has(parameter) && !deps.some((dep) => dep.name === parameter)) narrower.push({ name: parameter, scope: 'function' });
  }
  narrower.sort((a, b) => SCOPE_ORDER.indexOf(a.scope) - SCOPE_ORDER.indexOf(b.scope));
  return narrower[0] ?? null;
}

/**
 * The name an engine fixture hands out when that is not the engine itself (`yield session`,
 * `yield conn` on a per-test engine): per-test state that session scope would share. Null when it
 * hands out the engine, nothing, or something that cannot be read.
 */
export function perTestState(fn: FunctionInfo, engineCall: Node, boundName: string | null): string | null {
  const handed = ownNodes(fn, ['yield', 'return_statement'])
    .map((node) => node.namedChild(0))
    .filter((value): value is Node => value !== null && value.type !== 'none');
  if (handed.length === 0) return null;
  const isEngine = (value: Node) => (boundName !== null && value.text === boundName) || value.startIndex === engineCall.startIndex;
  if (handed.some(isEngine)) return null;
  const first = handed[0]!;
  return first.type === 'identifier' ? first.text : null;
}

/** Does the suite use anyio's pytest plugin (an `anyio_backend` fixture or `pytest.mark.anyio`)? */
function usesAnyio(suite: Suite): boolean {
  const files = [...suite.fixtureModules.map((entry) => entry.file), ...suite.testModules];
  return files.some((file) => /\banyio_backend\b|mark\.anyio\b/.test(file.text));
}

/** The advice for an async fixture that should be session-scoped, in the API the project's pinned plugin has. */
export function asyncSessionScopeHint(suite: Suite, asyncioFixture: boolean): string {
  if (!asyncioFixture && usesAnyio(suite)) return 'Use `scope="session"`; with anyio the `anyio_backend` fixture must be session-scoped too.';
  const range = packageRange(suite.project.root, suite.dir, 'pytest-asyncio');
  const pinned = range ? ` (${path.relative(suite.project.root, range.source) || range.source} pins pytest-asyncio \`${range.spec || 'unversioned'}\`)` : '';
  if (range && atLeast(range, [0, 24])) {
    return `Use \`scope="session", loop_scope="session"\` and run its tests in that loop (\`@pytest.mark.asyncio(loop_scope="session")\`)${pinned}.`;
  }
  if (range && atLeast(range, [0, 23]) && below(range, [0, 24])) {
    return `Use \`scope="session"\` (the fixture then runs in the session's loop) and mark its tests \`@pytest.mark.asyncio(scope="session")\`; \`loop_scope=\` needs pytest-asyncio 0.24${pinned}.`;
  }
  if (range && below(range, [0, 23])) {
    return `Use \`scope="session"\` with a session-scoped \`event_loop\` fixture; \`loop_scope=\` needs pytest-asyncio 0.24${pinned}.`;
  }
  return 'Use `scope="session"`: with pytest-asyncio 0.24 or later add `loop_scope="session"`; on 0.23, mark the tests `@pytest.mark.asyncio(scope="session")`; before that, make `event_loop` session-scoped.';
}
