import type Parser from 'tree-sitter';
import { defineRule, type Fix } from '../src/rule.js';
import { indentAt, nodeRange } from '../src/source.js';
import { appModel, sameNode, type ClientUse } from '../src/model/app.js';
import { isContextManaged } from '../src/model/fixtures.js';
import { fixtureUse, type FixtureDef, type FixtureUse } from '../src/model/fixture-use.js';
import { SuiteFixtures } from '../src/model/client/suite-fixtures.js';
import { lifespanRunsFor } from '../src/model/lifespan.js';

type Node = Parser.SyntaxNode;

/** `NAME = TestClient(...)` as a whole statement: the statement and the name. */
function assignedName(call: Node): { statement: Node; name: string } | null {
  const assignment = call.parent;
  if (assignment?.type !== 'assignment' || !sameNode(assignment.childForFieldName('right')!, call)) return null;
  const left = assignment.childForFieldName('left');
  if (left?.type !== 'identifier' || assignment.parent?.type !== 'expression_statement') return null;
  return { statement: assignment.parent, name: left.text };
}

/** Is the client entered later in the same scope: `with client:`, `with client as c:`, `client.__enter__()`? */
function enteredLater(scope: Node, name: string, after: number): boolean {
  for (const item of scope.descendantsOfType('with_item')) {
    if (item.startIndex < after) continue;
    const value = item.childForFieldName('value');
    const entered = value?.type === 'as_pattern' ? value.namedChild(0) : value;
    if (entered?.type === 'identifier' && entered.text === name) return true;
  }
  return scope.descendantsOfType('call').some((call) => call.startIndex > after && call.childForFieldName('function')?.text === `${name}.__enter__`);
}

/** `client = TestClient(app)` ... `yield client` in one block: wrap the statements up to the yield in a `with`. */
function wrapFix(use: ClientUse, statement: Node, name: string): Fix | null {
  const block = statement.parent;
  if (block?.type !== 'block') return null;
  const siblings = block.namedChildren;
  const index = siblings.findIndex((sibling) => sameNode(sibling, statement));
  const yieldIndex = siblings.findIndex(
    (sibling, i) => i > index && sibling.type === 'expression_statement' && sibling.namedChild(0)?.type === 'yield' && sibling.namedChild(0)?.namedChild(0)?.text === name,
  );
  if (index < 0 || yieldIndex < 0) return null;
  const file = use.file;
  const wrapped = siblings.slice(index + 1, yieldIndex + 1);
  // Re-indenting a multi-line string literal would change its value.
  if (wrapped.some((node) => node.descendantsOfType('string').some((string) => string.startPosition.row !== string.endPosition.row))) return null;
  const indent = indentAt(file, statement.startIndex);
  const unit = indent.includes('\t') ? '\t' : '    ';
  const edits = [{ file, start: statement.startIndex, end: statement.endIndex, text: `with ${use.call.text} as ${name}:` }];
  const firstRow = wrapped[0]!.startPosition.row;
  const lastRow = wrapped[wrapped.length - 1]!.endPosition.row;
  for (let row = firstRow; row <= lastRow; row++) {
    const start = file.lineStarts[row]!;
    const next = file.lineStarts[row + 1] ?? file.text.length;
    if (!file.text.slice(start, next).trim()) continue;
    edits.push({ file, start, end: start, text: unit });
  }
  return {
    applicability: 'unsafe',
    message: `Enter the client with \`with ${use.call.text} as ${name}:\` and yield inside it`,
    edits,
  };
}

/** The fixtures the client's function requests: a fixture's dependencies, or what a test's parameters name. */
function requestedFixtures(use: ClientUse, usage: FixtureUse, fixtures: SuiteFixtures): FixtureDef[] {
  const def = usage.definition(use.file, use.fn!);
  if (def) return usage.dependencies(def);
  const found: FixtureDef[] = [];
  for (const parameter of use.fn!.parameters) {
    const fixture = fixtures.lookup(use.file, parameter);
    const requested = fixture ? usage.definition(fixture.module.file, fixture.fn) : null;
    if (requested) found.push(requested);
  }
  return found;
}

export default defineRule({
  code: 'SL306',
  name: 'testclient-without-context',
  summary: '`TestClient(app)` used without `with`: lifespan and startup handlers do not run',
  severity: 'warning',
  fix: 'unsafe',
  get docs() {
    return {
      whatItDoes: 'Reports a `TestClient(app)` in the suite that is never entered as a context manager (`with TestClient(app) as c:`).',
      whyItMatters:
        'Starlette runs the app\'s lifespan (and `@app.on_event("startup")`/`"shutdown"` handlers) only when the TestClient is entered. Without `with`, tables created at startup, connection pools and caches are missing, shutdown never closes them, and each request runs in a new event loop, which breaks async engines and anything bound to a loop.',
      example: '@pytest.fixture(scope="session")\ndef client():\n    client = TestClient(app)\n    yield client',
      useInstead: '@pytest.fixture(scope="session")\ndef client():\n    with TestClient(app) as client:\n        yield client',
      exceptions:
        'Silent on `with TestClient(app) as c:` and on a client entered later (`with client:`, `client.__enter__()`), on a client whose app `asgi_lifespan.LifespanManager` starts (built inside `async with LifespanManager(app)`, or in a fixture or test that requests a fixture entering one: `with` would start the app twice), and on clients no test uses: a fixture no test requests (or one a nearer fixture of the same name shadows), or a test module\'s module-level client its code never refers to.',
      fixSafety:
        'Unsafe: the fix turns `client = TestClient(app)` ... `yield client` into `with TestClient(app) as client:` with the statements up to the yield inside it. Startup handlers then run, which can change what the tests see.',
    };
  },
  check({ suite, report }) {
    const model = appModel(suite);
    const usage = fixtureUse(suite);
    const fixtures = new SuiteFixtures(suite);
    for (const use of model.clients) {
      if (use.kind !== 'testclient' || isContextManaged(use.call)) continue;
      const assigned = assignedName(use.call);
      // A client no test reaches sends no request: a fixture no test uses (or one shadowed by a nearer
      // fixture of the same name), or a test module's module-level client its code never refers to.
      if (use.fn && usage.definition(use.file, use.fn) && !usage.isUsed(use.file, use.fn)) continue;
      if (!use.fn && assigned && suite.testModules.includes(use.file) && !usage.moduleNameUsed(use.file, assigned.name)) continue;
      const scope = use.fn?.node ?? use.module.root;
      if (assigned && enteredLater(scope, assigned.name, use.call.endIndex)) continue;
      // `async with LifespanManager(app)` around it, or in a fixture it uses, runs the lifespan already:
      // entering the client too would start the app a second time.
      if (lifespanRunsFor(use.module, use.call, usage, use.fn ? requestedFixtures(use, usage, fixtures) : [])) continue;
      report({
        file: use.file,
        range: nodeRange(use.call),
        message: `\`${use.call.text}\` is never entered with \`with\`: the app's lifespan and startup/shutdown handlers do not run, and each request gets a new event loop`,
        hint: `Write \`with ${use.call.text} as ${assigned?.name ?? 'client'}:\` and use (or yield) the client inside the block.`,
        fix: assigned && use.fn ? wrapFix(use, assigned.statement, assigned.name) : null,
      });
    }
  },
});
