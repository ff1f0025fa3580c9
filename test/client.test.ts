// The client models (src/model/client/ and src/model/function-scope.ts): in-process and network
// clients, names bound in a function, URL shapes and their relative rewrites, and what a suite's
// fixtures hand out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type Parser from 'tree-sitter';
import { fromText, type SourceFile } from '../src/source.js';
import { pyModule, type PyModule } from '../src/model/python.js';
import { clientConstruction, httpxClientCall } from '../src/model/client/constructions.js';
import { inProcessServer, liveCall } from '../src/model/client/live.js';
import { inProcessRequests } from '../src/model/client/requests.js';
import { relativeRewrite } from '../src/model/client/rewrite.js';
import { SuiteFixtures } from '../src/model/client/suite-fixtures.js';
import { isBaseUrlName, parseAbsolute, urlShape } from '../src/model/client/urls.js';
import { FunctionScope } from '../src/model/function-scope.js';
import { lint } from '../src/engine.js';
import { repoRoot } from './helpers.js';

type Node = Parser.SyntaxNode;

function source(text: string, file = '/p/tests/integration/test_x.py'): SourceFile {
  return fromText(file, 'python', text);
}

function module(text: string, file?: string): PyModule {
  const parsed = pyModule(source(text, file));
  assert.ok(parsed);
  return parsed;
}

/** The first call whose text starts with `prefix`. */
function callStarting(mod: PyModule, prefix: string): Node {
  const call = mod.root.descendantsOfType('call').find((node) => node.text.startsWith(prefix));
  assert.ok(call, `no call starting with ${prefix}`);
  return call;
}

/** The scope of the module's only (or named) function and the first argument of the call starting with `prefix`. */
function argumentOf(text: string, prefix: string, fnName?: string): { scope: FunctionScope; url: Node } {
  const mod = module(text);
  const fn = fnName ? mod.functions.find((f) => f.name === fnName)! : mod.functions[0]!;
  const call = callStarting(mod, prefix);
  const url = call.childForFieldName('arguments')!.namedChildren[0]!;
  return { scope: new FunctionScope(mod, fn), url };
}

test('TestClient and httpx clients: which are in-process', () => {
  const mod = module(`from fastapi.testclient import TestClient
import httpx
from httpx import ASGITransport, AsyncClient
transport = ASGITransport(app=app)
a = TestClient(app)
b = TestClient(app, base_url="http://testserver/api")
c = AsyncClient(transport=ASGITransport(app=app), base_url="http://test")
d = httpx.AsyncClient(transport=transport)
e = httpx.Client()
f = httpx.Client(transport=httpx.HTTPTransport(retries=2))
g = httpx.AsyncClient(transport=make_transport())
h = httpx.AsyncClient(app=app)
i = httpx.Client(**options)
`);
  const value = (name: string) => mod.assignments.get(name)!.value;
  assert.deepEqual(
    ['a', 'b', 'c', 'd', 'h'].map((name) => {
      const client = clientConstruction(mod, value(name));
      return client && [client.kind, client.baseUrl];
    }),
    [
      ['testclient', 'http://testserver'],
      ['testclient', 'http://testserver/api'],
      ['asgi', 'http://test'],
      ['asgi', null],
      ['asgi', null],
    ],
  );
  assert.deepEqual(
    ['e', 'f', 'g', 'i'].map((name) => httpxClientCall(mod, value(name))?.inProcess),
    ['no', 'no', 'unknown', 'unknown'],
  );
  assert.equal(clientConstruction(mod, value('e')), null);
});

test('live calls: requests, httpx, urllib, sessions; not names that only share the spelling', () => {
  const mod = module(`import requests
import urllib.request
from requests import Session
import httpx

def test_a(requests_fixture):
    requests.get("http://x/health")
    requests.request("GET", "http://x/a")
    httpx.post("http://x/b", json={})
    urllib.request.urlopen("http://x/c")
    Session()
    httpx.AsyncClient()

def test_b(requests):
    requests.get("/shadowed")

def test_c():
    httpx = object()
    httpx.get("/shadowed")
`);
  const seen: string[] = [];
  for (const call of mod.root.descendantsOfType('call')) {
    const fn = mod.functions.find((f) => call.startIndex >= f.node.startIndex && call.endIndex <= f.node.endIndex) ?? null;
    const live = liveCall(mod, call, new FunctionScope(mod, fn));
    if (live) seen.push(`${live.callee}|${live.verb}|${live.url?.text ?? ''}|${live.isClientConstruction}`);
  }
  assert.deepEqual(seen, [
    'requests.get|get|"http://x/health"|false',
    'requests.request|null|"http://x/a"|false',
    'httpx.post|post|"http://x/b"|false',
    'urllib.request.urlopen|null|"http://x/c"|false',
    'requests.Session|null||true',
    'httpx.AsyncClient|null||true',
  ]);
});

test('FunctionScope: names bound once stand for their value; rebinding and loops make them unknown', () => {
  const mod = module(`BASE = "http://localhost:8000"

def test_x(client):
    once = "/health"
    twice = "/a"
    twice = "/b"
    with TestClient(app) as c:
        pass
    for item in items:
        pass
    total = 0
    total += 1
    client = other
`);
  const scope = new FunctionScope(mod, mod.functions[0]!);
  assert.equal(scope.locals.get('once')?.text, '"/health"');
  assert.equal(scope.locals.get('twice'), null);
  assert.equal(scope.locals.get('c')?.text, 'TestClient(app)');
  assert.equal(scope.locals.get('item'), null);
  assert.equal(scope.locals.get('total'), null);
  // A parameter rebound in the body cannot be followed either.
  assert.equal(scope.locals.get('client'), null);
  assert.ok(scope.isParameter('client'));
});

test('urlShape: absolute, relative and unknown URLs in their usual spellings', () => {
  const text = `BASE_URL = "http://localhost:8000"
PREFIX = "/api/v1"

def test_x(client, base_url, target, settings):
    path = "/health"
    client.get("http://localhost:8000/health")
    client.get("/health")
    client.get("health")
    client.get(f"/items/{item_id}")
    client.get(f"{base_url}/health")
    client.get(f"{BASE_URL}/health")
    client.get(BASE_URL + "/health")
    client.get(PREFIX + "/users")
    client.get(f"{PREFIX}/users")
    client.get(path)
    client.get(target)
    client.get(f"{target}/x")
    client.get(f"{settings.base_url}/x")
    client.get(f"http://localhost:{port}/x")
    client.get(b"/bytes")
`;
  const mod = module(text);
  const scope = new FunctionScope(mod, mod.functions[0]!);
  const shapes = mod.root
    .descendantsOfType('call')
    .filter((call) => call.text.startsWith('client.get'))
    .map((call) => `${call.childForFieldName('arguments')!.namedChildren[0]!.text} ${urlShape(scope, call.childForFieldName('arguments')!.namedChildren[0]!).kind}`);
  assert.deepEqual(shapes, [
    '"http://localhost:8000/health" absolute',
    '"/health" relative',
    '"health" relative',
    'f"/items/{item_id}" relative',
    'f"{base_url}/health" absolute',
    'f"{BASE_URL}/health" absolute',
    'BASE_URL + "/health" absolute',
    'PREFIX + "/users" relative',
    'f"{PREFIX}/users" relative',
    'path relative',
    'target unknown',
    'f"{target}/x" unknown',
    'f"{settings.base_url}/x" absolute',
    'f"http://localhost:{port}/x" absolute',
    'b"/bytes" unknown',
  ]);
  // A fixture's value resolves a parameter.
  const call = mod.root.descendantsOfType('call').find((c) => c.text.startsWith('client.get(target)'))!;
  const target = call.childForFieldName('arguments')!.namedChildren[0]!;
  assert.equal(urlShape(scope, target, (name) => (name === 'target' ? 'http://127.0.0.1:9000/x' : null)).kind, 'absolute');
  assert.equal(urlShape(scope, target, (name) => (name === 'target' ? '/x' : null)).kind, 'relative');
});

test('relativeRewrite keeps quotes and prefixes, drops `f` when nothing is interpolated any more', () => {
  const rewrite = (expression: string, extra = '') => {
    const { scope, url } = argumentOf(`BASE_URL = "http://localhost:8000"\nAPI = "http://localhost:8000/api"\n\ndef test_x(client, base_url):\n    ${extra}client.get(${expression})\n`, 'client.get');
    const result = relativeRewrite(scope, url);
    return result && `${result.text} ${result.from} ${result.host ?? ''}`.trim();
  };
  assert.equal(rewrite('"http://localhost:8000/health"'), '"/health" literal localhost');
  assert.equal(rewrite("'http://127.0.0.1:8000/items/?q=1'"), "'/items/?q=1' literal 127.0.0.1");
  assert.equal(rewrite('"http://testserver"'), '"/" literal testserver');
  assert.equal(rewrite('"http://testserver?x=1"'), '"/?x=1" literal testserver');
  assert.equal(rewrite('r"http://localhost/a\\d"'), 'r"/a\\d" literal localhost');
  assert.equal(rewrite('f"http://localhost:8000/items/{item_id}"'), 'f"/items/{item_id}" literal localhost');
  assert.equal(rewrite('f"{base_url}/health"'), '"/health" base');
  assert.equal(rewrite('f"{base_url}/items/{item_id}"'), 'f"/items/{item_id}" base');
  assert.equal(rewrite("f'{BASE_URL}/health'"), "'/health' base");
  assert.equal(rewrite('f"{API}/health"'), '"/api/health" base');
  assert.equal(rewrite('f"{base_url}/a/{{literal}}"'), 'f"/a/{{literal}}" base');
  assert.equal(rewrite('BASE_URL + "/health"'), '"/health" base');
  // Shapes with no plain rewrite.
  assert.equal(rewrite('API + "/health"'), null);
  assert.equal(rewrite('f"{base_url}health"'), null);
  assert.equal(rewrite('"/health"'), null);
  assert.equal(rewrite('f"http://{host}/x"'), null);
});

test('parseAbsolute splits scheme, host and the rest', () => {
  assert.deepEqual(parseAbsolute('http://user:pw@localhost:8000/a?b#c'), {
    scheme: 'http',
    authority: 'localhost:8000',
    host: 'localhost',
    rest: '/a?b#c',
    prefixLength: 'http://user:pw@localhost:8000'.length,
  });
  assert.equal(parseAbsolute('http://[::1]:8000/x')?.host, '[::1]');
  assert.equal(parseAbsolute('/relative'), null);
  assert.ok(isBaseUrlName('api_base_url') && isBaseUrlName('BASE_URL') && isBaseUrlName('server_url'));
  assert.ok(!isBaseUrlName('database_url') && !isBaseUrlName('redirect_url') && !isBaseUrlName('prefix'));
});

test('SuiteFixtures: visibility follows the conftest tree; clients, live clients and values are read through chains', () => {
  const root = '/p/tests';
  const outer = source(
    `import pytest
from fastapi.testclient import TestClient

@pytest.fixture
def client():
    return make()
`,
    `${root}/conftest.py`,
  );
  const suiteConftest = source(
    `import os
import pytest
import requests
from fastapi.testclient import TestClient
from httpx import ASGITransport, AsyncClient

@pytest.fixture(scope="session")
def client():
    with TestClient(app) as c:
        yield c

@pytest.fixture
def authed(client):
    client.headers["Authorization"] = "Bearer x"
    return client

@pytest.fixture(name="ac")
async def _async_client():
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://test") as ac:
        yield ac

@pytest.fixture
def api_base_url():
    return os.getenv("API_BASE_URL", "http://localhost:8000")

@pytest.fixture
def session():
    s = requests.Session()
    yield s
    s.close()

@pytest.fixture
def mixed(flag):
    if flag:
        return TestClient(app)
    return requests.Session()
`,
    `${root}/integration/conftest.py`,
  );
  const sibling = source(
    `import pytest

@pytest.fixture
def only_in_api():
    return TestClient(app)
`,
    `${root}/integration/api/conftest.py`,
  );
  const testModule = source(
    `def test_x(client, authed, ac, session, api_base_url):
    client.get("/a")
    authed.get("/b")
    ac.get("/c")
    session.get("/d")
`,
    `${root}/integration/db/test_x.py`,
  );
  const fixtures = new SuiteFixtures({ testModules: [testModule], conftests: [suiteConftest, sibling], outerConftests: [outer] });
  const lookup = (name: string) => fixtures.lookup(testModule, name);
  // The nearest conftest wins over the outer one; a sibling directory's conftest is not visible.
  assert.equal(path.dirname(lookup('client')!.module.file.path), `${root}/integration`);
  assert.equal(lookup('only_in_api'), null);
  assert.equal(fixtures.clientOf(lookup('client')!)?.kind, 'testclient');
  assert.equal(fixtures.clientOf(lookup('authed')!)?.kind, 'testclient');
  assert.equal(fixtures.clientOf(lookup('ac')!)?.baseUrl, 'http://test');
  assert.equal(fixtures.clientOf(lookup('session')!), null);
  assert.equal(fixtures.liveClientOf(lookup('session')!)?.text, 'requests.Session()');
  assert.equal(fixtures.clientOf(lookup('mixed')!), null);
  assert.equal(fixtures.liveClientOf(lookup('mixed')!), null);
  assert.equal(fixtures.valueOf(lookup('api_base_url')!), 'http://localhost:8000');
  assert.equal(fixtures.clientOf(fixtures.lookup(outer, 'client')!), null);
  assert.deepEqual(
    inProcessRequests(fixtures, testModule).map((request) => `${request.receiver.text}.${request.method} ${request.client.kind}`),
    ['client.get testclient', 'authed.get testclient', 'ac.get asgi'],
  );
});

test('inProcessServer: uvicorn started in a thread', () => {
  const withThread = source(`import threading\nimport uvicorn\n\ndef serve():\n    server = uvicorn.Server(uvicorn.Config(app))\n    threading.Thread(target=server.run).start()\n`, '/p/tests/integration/conftest.py');
  const withoutThread = source(`import uvicorn\n\ndef serve():\n    uvicorn.run(app)\n`, '/p/tests/integration/conftest.py');
  assert.ok(inProcessServer([withThread]));
  assert.equal(inProcessServer([withoutThread]), null);
});

test('SL402 is only info, without a fix, when the suite runs uvicorn in a thread itself', async () => {
  const project = path.join(repoRoot, 'fixtures/rules/SL402/fires-info-server-in-thread/project');
  const report = await lint({ paths: [project], cwd: project, select: ['SL402'] });
  assert.equal(report.diagnostics.length, 1);
  assert.equal(report.diagnostics[0]!.severity, 'info');
  assert.equal(report.diagnostics[0]!.fix, null);
  assert.match(report.diagnostics[0]!.message, /uvicorn in a thread at tests\/integration\/conftest\.py:13/);
});

test('SL401 fixes: safe for local literal hosts, unsafe for base-URL names', async () => {
  const literal = path.join(repoRoot, 'fixtures/rules/SL401/fires-literal-localhost/project');
  const names = path.join(repoRoot, 'fixtures/rules/SL401/fires-base-url-names/project');
  const a = await lint({ paths: [literal], cwd: literal, select: ['SL401'] });
  const b = await lint({ paths: [names], cwd: names, select: ['SL401'] });
  assert.deepEqual(a.diagnostics.map((d) => d.fix?.applicability), ['safe', 'safe', 'safe', 'safe']);
  assert.deepEqual(b.diagnostics.map((d) => d.fix?.applicability), ['unsafe', 'unsafe', 'unsafe', 'unsafe']);
});
