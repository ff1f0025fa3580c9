import type Parser from 'tree-sitter';
import { defineRule, type Edit, type Fix } from '../src/rule.js';
import { nodeRange, type SourceFile } from '../src/source.js';
import type { InProcessClient } from '../src/model/client/constructions.js';
import { where } from '../src/model/client/places.js';
import { inProcessRequests, type InProcessRequest } from '../src/model/client/requests.js';
import { SuiteFixtures } from '../src/model/client/suite-fixtures.js';
import { urlShape } from '../src/model/client/urls.js';
import { addKeywordEdit } from '../src/model/gate.js';
import { nodesOfType } from '../src/model/tree-nodes.js';

type Node = Parser.SyntaxNode;

const DEFAULT_BASE_URL = '"http://test"';

/** Does the module set `<something>.base_url = ...` anywhere (a client given its base URL after construction)? */
function setsBaseUrlLater(client: InProcessClient): boolean {
  return nodesOfType(client.module.file, 'assignment').some((assignment) => {
    const left = assignment.childForFieldName('left');
    return left?.type === 'attribute' && left.childForFieldName('attribute')?.text === 'base_url';
  });
}

/** `base_url="http://test"` added as the call's last keyword argument, in the call's own layout. */
function addBaseUrl(file: SourceFile, call: Node): Fix | null {
  const text = `base_url=${DEFAULT_BASE_URL}`;
  const list = call.childForFieldName('arguments');
  if (!list || list.type !== 'argument_list') return null;
  // An empty argument list is the one shape the shared keyword edit leaves to its caller.
  const empty = list.namedChildren.every((child) => child.type === 'comment');
  const edit: Edit | null = empty ? { file, start: list.startIndex + 1, end: list.startIndex + 1, text } : addKeywordEdit(file, call, text);
  return edit ? { applicability: 'safe', message: `Add \`${text}\``, edits: [edit] } : null;
}

export default defineRule({
  code: 'SL403',
  name: 'async-client-without-base-url',
  summary: 'An httpx client on an ASGI transport has no `base_url` but is given relative URLs',
  severity: 'error',
  fix: 'safe',
  get docs() {
    return {
      whatItDoes:
        'Reports `httpx.AsyncClient(transport=ASGITransport(app=app))` (or `httpx.AsyncClient(app=app)`) built without `base_url` when the suite then sends relative URLs through it (`await ac.get("/health")`). The client is reported where it is built: in a test function, in a fixture of any module pytest loads for the suite (its conftests, outer conftests, `pytest_plugins` modules), or in a helper function of the project that returns it (`make_client()`, called by a fixture or a test).',
      whyItMatters:
        'Unlike the TestClient, which defaults to `http://testserver`, an httpx client without `base_url` cannot resolve `"/health"`: every such request raises `httpx.UnsupportedProtocol` ("Request URL is missing an \'http://\' or \'https://\' protocol") before reaching the app.',
      example:
        '@pytest_asyncio.fixture\nasync def async_client():\n    async with AsyncClient(transport=ASGITransport(app=app)) as ac:\n        yield ac\n\nasync def test_health(async_client):\n    response = await async_client.get("/health")',
      useInstead:
        '@pytest_asyncio.fixture\nasync def async_client():\n    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://test") as ac:\n        yield ac',
      exceptions:
        'Silent when `base_url` is given (also through `**kwargs` or a later `client.base_url = ...`), and when the client is only used with absolute URLs.',
      fixSafety: 'Safe: `base_url="http://test"` only gives relative URLs a scheme and host; the ASGI transport ignores the host.',
    };
  },
  check({ suite, report }) {
    const fixtures = new SuiteFixtures(suite);
    const uses = new Map<string, { client: InProcessClient; request: InProcessRequest; file: SourceFile }>();
    for (const file of fixtures.files) {
      const fixtureValue = fixtures.fixtureValueFor(file);
      for (const request of inProcessRequests(fixtures, file)) {
        const { client } = request;
        if (client.kind !== 'asgi' || client.baseUrlNode || client.hasSplat || !request.url) continue;
        if (urlShape(request.scope, request.url, fixtureValue).kind !== 'relative') continue;
        const key = `${client.module.file.path}:${client.call.startIndex}`;
        if (!uses.has(key)) uses.set(key, { client, request, file });
      }
    }
    for (const { client, request, file } of uses.values()) {
      if (setsBaseUrlLater(client)) continue;
      const clientFile = client.module.file;
      const callee = client.call.childForFieldName('function') ?? client.call;
      report({
        file: clientFile,
        range: nodeRange(callee),
        message: `\`${callee.text}(...)\` on an ASGI transport has no \`base_url\`, yet relative URLs are sent through it: httpx cannot resolve them and raises \`UnsupportedProtocol\` before the request reaches the app`,
        hint: `Add \`base_url=${DEFAULT_BASE_URL}\` to the client.`,
        related: [{ file, range: nodeRange(request.url!), message: `relative URL sent here (${where(suite, file, request.url!)})` }],
        fix: addBaseUrl(clientFile, client.call),
      });
    }
  },
});
