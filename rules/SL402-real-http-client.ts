import type Parser from 'tree-sitter';
import { defineRule, type Edit, type Fix, type Finding } from '../src/rule.js';
import { nodeRange, type SourceFile } from '../src/source.js';
import { callArguments, isTestFunction, pyModule, type FunctionInfo, type PyModule } from '../src/model/python.js';
import { nodesOfType } from '../src/model/tree-nodes.js';
import { HTTP_VERBS } from '../src/model/client/constructions.js';
import { inProcessServer, liveCall } from '../src/model/client/live.js';
import { enclosingFunction, where } from '../src/model/client/places.js';
import { methodRequests } from '../src/model/client/requests.js';
import { relativeRewrite } from '../src/model/client/rewrite.js';
import { SuiteFixtures } from '../src/model/client/suite-fixtures.js';
import { LOCAL_HOSTS, isBaseUrlName, parseAbsolute } from '../src/model/client/urls.js';
import { FunctionScope } from '../src/model/function-scope.js';
import type { Suite } from '../src/model/suite.js';
import { fixtureUse } from '../src/model/fixture-use.js';

type Node = Parser.SyntaxNode;

/** Libraries that intercept requests/httpx calls: with them, a call reaches a mock, not a server. */
const MOCKING_MODULES = new Set(['responses', 'requests_mock', 'respx', 'pytest_httpx', 'httpretty', 'vcr', 'pytest_recording']);
/** Fixtures of those libraries. */
const MOCKING_FIXTURES = new Set(['requests_mock', 'httpx_mock', 'respx_mock', 'responses', 'mocked_responses', 'vcr', 'vcr_cassette']);

function usesMocking(module: PyModule, fn: FunctionInfo | null): boolean {
  for (const binding of module.imports.values()) {
    if (MOCKING_MODULES.has(binding.module.split('.')[0]!)) return true;
  }
  return fn !== null && fn.parameters.some((name) => MOCKING_FIXTURES.has(name));
}

/** Keyword arguments that mean the same to requests/httpx and to the TestClient. */
const PLAIN_KEYWORDS = new Set(['json', 'data', 'params', 'headers', 'cookies', 'files']);

interface FixContext {
  suite: Suite;
  fixtures: SuiteFixtures;
  file: SourceFile;
}

/**
 * The migration the practice describes, for the plain shape only: `requests.get(f"{api_base_url}/x")` or
 * `api_client.get(...)` in a test, with one URL argument and plain keywords, rewritten to
 * `client.get("/x")`, `client` added to the test's parameters; only when the suite's `client` fixture builds a TestClient.
 */
function migrationFix(context: FixContext, call: Node, verb: string, fn: FunctionInfo | null): Fix | null {
  if (!fn || !isTestFunction(fn) || !HTTP_VERBS.has(verb)) return null;
  if (call.parent?.type === 'await') return null;
  const client = context.fixtures.lookup(context.file, 'client');
  if (!client || context.fixtures.clientOf(client)?.kind !== 'testclient') return null;
  const args = callArguments(call);
  if (args.hasSplat || args.positional.length !== 1) return null;
  if ([...args.keywords.keys()].some((key) => !PLAIN_KEYWORDS.has(key))) return null;
  const module = pyModule(context.file)!;
  const scope = new FunctionScope(module, fn);
  if (scope.locals.has('client')) return null;
  const url = args.positional[0]!;
  const rewrite = relativeRewrite(scope, url, context.fixtures.fixtureValueFor(context.file));
  if (!rewrite) return null;
  if (rewrite.from === 'literal' && !LOCAL_HOSTS.has(rewrite.host ?? '')) return null;
  const callee = call.childForFieldName('function');
  if (!callee) return null;
  const edits: Edit[] = [
    { file: context.file, start: callee.startIndex, end: callee.endIndex, text: `client.${verb}` },
    { file: context.file, start: url.startIndex, end: url.endIndex, text: rewrite.text },
  ];
  if (!fn.parameters.includes('client')) {
    const parameters = fn.node.childForFieldName('parameters');
    if (!parameters) return null;
    const named = parameters.namedChildren.filter((child) => child.type !== 'comment');
    const last = named[named.length - 1];
    if (!last) {
      edits.push({ file: context.file, start: parameters.startIndex + 1, end: parameters.startIndex + 1, text: 'client' });
    } else {
      // After `*args`, `**kwargs`, a bare `*` or a parameter with a default, a plain parameter would change meaning or not parse.
      const blocking = ['list_splat_pattern', 'dictionary_splat_pattern', 'keyword_separator', 'positional_separator', 'default_parameter', 'typed_default_parameter'];
      if (named.some((child) => blocking.includes(child.type))) return null;
      edits.push({ file: context.file, start: last.endIndex, end: last.endIndex, text: ', client' });
    }
  }
  return {
    applicability: 'unsafe',
    message: `Send the request through the \`client\` fixture with the relative URL ${rewrite.text}`,
    edits,
  };
}

export default defineRule({
  code: 'SL402',
  name: 'real-http-client',
  summary: 'An integration test talks to a live server over the network',
  severity: 'error',
  fix: 'unsafe',
  get docs() {
    return {
      whatItDoes:
        'Reports, in the test modules and fixture modules of an integration suite (conftests above and inside it, `pytest_plugins` modules, imported fixture modules), HTTP clients that open real connections: `requests.get/post/...`, `requests.Session()`, `httpx.get/post/...`, `httpx.Client()`/`httpx.AsyncClient()` without an ASGI transport, `urllib.request.urlopen`, requests made through fixtures that hand out such sessions, and fixtures such as `api_base_url` that hand out a server URL.',
      whyItMatters:
        'Such tests need a backend already running on some port: they fail when none is, test whatever version happens to be running, and reach its database (often the development one) instead of the throw-away test database the suite\'s dependency overrides point at. A `TestClient` runs the app in-process, with the overrides applied.',
      example:
        'import requests\n\ndef test_health(api_base_url, api_client):\n    response = api_client.get(f"{api_base_url}/health")\n    assert response.status_code == 200',
      useInstead: 'def test_health(client):\n    response = client.get("/health")\n    assert response.status_code == 200',
      exceptions:
        'Silent on `httpx.AsyncClient(transport=ASGITransport(app=app), base_url=...)` and other in-process transports, and on transports that cannot be resolved statically; on calls in modules that import a request-mocking library (`responses`, `requests_mock`, `respx`, `pytest_httpx`, `httpretty`, `vcr`) or in tests that take its fixture (`requests_mock`, `httpx_mock`, `respx_mock`). When the suite starts the server itself in-process (uvicorn run in a thread by a fixture), the findings are only `info`. Silent on a network client built by a fixture that no test of the suite requests (it never runs); a computed `request.getfixturevalue(name)` requests only the names it can be read to take (a loop over literal names, a `parametrize` list, a fixture\'s `params`), and none when the name cannot be read. Unit tests outside the suite are not checked.',
      fixSafety:
        'Unsafe, and only for the plain shape inside a test function: `requests.get(f"{api_base_url}/health")` or `api_client.get(f"{api_base_url}/health")` with one URL argument and keyword arguments the TestClient reads the same way (`json`, `data`, `params`, `headers`, `cookies`, `files`) becomes `client.get("/health")`, and `client` is added to the test\'s parameters. Offered only when the suite defines a `client` fixture that builds a TestClient; the test then runs against the app in-process, which can change what it observes.',
    };
  },
  check({ suite, report }) {
    const fixtures = new SuiteFixtures(suite);
    const usage = fixtureUse(suite);
    const server = inProcessServer(fixtures.files);
    const serverNote = server ? ` The suite starts a server itself (uvicorn in a thread at ${where(suite, server.file, server.node)}), so this may be deliberate; the TestClient would still be simpler.` : '';
    const emit = (finding: Finding): void => {
      if (server) report({ ...finding, severity: 'info', message: finding.message + serverNote, fix: null });
      else report(finding);
    };

    for (const file of fixtures.files) {
      const module = pyModule(file);
      if (!module) continue;
      const context: FixContext = { suite, fixtures, file };
      const clientFixture = fixtures.lookup(file, 'client');
      const hint = clientFixture && fixtures.clientOf(clientFixture)?.kind === 'testclient'
        ? 'Use the suite\'s `client` fixture (a TestClient on the app) with relative URLs such as `client.get("/health")`.'
        : 'Add a session-scoped `client` fixture to the suite\'s conftest (`with TestClient(app) as c: yield c`) and request relative URLs such as `client.get("/health")`.';

      const scopes = new Map<FunctionInfo | null, FunctionScope>();
      for (const call of nodesOfType(file, 'call')) {
        const fn = enclosingFunction(module, call);
        let scope = scopes.get(fn);
        if (!scope) scopes.set(fn, (scope = new FunctionScope(module, fn)));
        const live = liveCall(module, call, scope);
        if (!live || usesMocking(module, fn)) continue;
        // A fixture no test of the suite requests never runs (a shared conftest's leftover client).
        if (fn && usage.definition(file, fn) && !usage.isUsed(file, fn)) continue;
        const callee = call.childForFieldName('function') ?? call;
        let message: string;
        if (live.isClientConstruction) {
          message = `\`${callee.text}(...)\` builds a client that sends requests over the network to a running server, not to the app under test`;
        } else {
          const target = live.url ? ` to \`${live.url.text}\`` : '';
          message = `\`${callee.text}\` sends a real HTTP request${target}: the test needs a live server and bypasses the suite's test database`;
        }
        emit({
          file,
          range: nodeRange(callee),
          message,
          hint,
          fix: live.verb ? migrationFix(context, call, live.verb, fn) : null,
        });
      }

      // Requests through a fixture that hands out a requests session or a network httpx client.
      for (const request of methodRequests(module)) {
        if (request.receiver.type !== 'identifier' || !request.scope.isParameter(request.receiver.text)) continue;
        const construction = fixtures.liveClientIn(request.scope, request.receiver);
        if (!construction || usesMocking(module, request.fn)) continue;
        const fixture = fixtures.lookup(file, request.receiver.text);
        const origin = fixture ? ` (fixture \`${fixture.name}\` at ${where(suite, fixture.module.file, fixture.fn.node)} hands out \`${construction.text.split('(')[0]}(...)\`)` : '';
        emit({
          file,
          range: nodeRange(request.call.childForFieldName('function') ?? request.call),
          message: `\`${request.receiver.text}.${request.method}\` goes over the network to a running server${origin}, not to the app under test`,
          hint,
          fix: migrationFix(context, request.call, request.method, request.fn),
        });
      }

      // Fixtures that hand out a server's base URL.
      for (const fixture of fixtures.definedIn(file)) {
        if (!isBaseUrlName(fixture.name)) continue;
        const value = fixtures.valueOf(fixture);
        const parsed = value ? parseAbsolute(value) : null;
        if (!parsed || (parsed.scheme !== 'http' && parsed.scheme !== 'https')) continue;
        const nameNode = fixture.fn.node.childForFieldName('name') ?? fixture.fn.node;
        emit({
          file,
          range: nodeRange(nameNode),
          message: `fixture \`${fixture.name}\` hands out the server URL \`${value}\`: tests built on it need a live server at ${parsed.authority}`,
          hint: 'Drop the URL fixture; request relative paths on a `client` fixture (a TestClient on the app).',
        });
      }
    }
  },
});
