import { defineRule, type Fix } from '../src/rule.js';
import { nodeRange } from '../src/source.js';
import { inProcessRequests, type InProcessRequest } from '../src/model/client/requests.js';
import { relativeRewrite } from '../src/model/client/rewrite.js';
import { SuiteFixtures } from '../src/model/client/suite-fixtures.js';
import { LOCAL_HOSTS, parseAbsolute, urlShape } from '../src/model/client/urls.js';

function clientDescription(request: InProcessRequest): string {
  return request.client.kind === 'testclient' ? 'TestClient' : 'ASGI client';
}

/** The path of a client's base URL, '' when it has none; null when unknown. */
function basePathOf(baseUrl: string | null): string | null {
  if (baseUrl === null) return null;
  const parsed = parseAbsolute(baseUrl);
  if (!parsed || /[?#]/.test(parsed.rest)) return null;
  return parsed.rest.replace(/\/+$/, '');
}

export default defineRule({
  code: 'SL401',
  name: 'absolute-client-url',
  summary: 'An in-process client is called with an absolute URL',
  severity: 'warning',
  fix: 'safe',
  get docs() {
    return {
      whatItDoes:
        'Reports requests made on a `TestClient` or on an httpx client with an ASGI transport (`client.get/post/put/patch/delete/head/options/request/stream`) whose URL names a host: a literal `http://localhost:8000/health`, an f-string `f"{base_url}/health"`, or `BASE_URL + "/health"`.',
      whyItMatters:
        'The in-process client never opens a socket: whatever the host, the request goes to the app. An absolute URL reads as if the test needed a live server on that port, keeps a dead `base_url` fixture alive, and breaks when the base URL changes (a path in it is prepended to every route).',
      example: 'def test_health(client):\n    response = client.get("http://localhost:8000/health")\n    assert response.status_code == 200',
      useInstead: 'def test_health(client):\n    response = client.get("/health")\n    assert response.status_code == 200',
      exceptions:
        'Silent on relative paths (`"/health"`, `"health"`, `f"/items/{item_id}"`); on calls on objects that are not known to be in-process clients; on httpx clients with an ASGI transport and no `base_url`, which need absolute URLs (SL403 covers them).',
      fixSafety:
        'Safe for literal URLs on `localhost`, `127.0.0.1` or `testserver` (or the host of the client\'s own `base_url`) with the client\'s scheme, when the client\'s base URL has no path: the string keeps its quotes and prefix and loses `scheme://host:port`. Unsafe when the host comes from a name (`f"{base_url}/health"` becomes `"/health"`): the name may have carried a path or another scheme.',
    };
  },
  check({ suite, report }) {
    const fixtures = new SuiteFixtures(suite);
    for (const file of fixtures.files) {
      const fixtureValue = fixtures.fixtureValueFor(file);
      for (const request of inProcessRequests(fixtures, file)) {
        if (!request.url) continue;
        const shape = urlShape(request.scope, request.url, fixtureValue);
        if (shape.kind !== 'absolute') continue;
        const { client } = request;
        // Without a base URL, an httpx client needs absolute URLs: that is SL403's concern, not this rule's.
        if (client.kind === 'asgi' && !client.baseUrlNode) continue;
        const receiver = request.receiver.text;
        const shown = shape.value ?? request.url.text;
        const source = shape.base && shape.value === null ? ` (the host comes from \`${shape.base.text}\`)` : '';
        const rewrite = relativeRewrite(request.scope, request.url, fixtureValue);
        // `client.request("GET", url)` and `client.stream("GET", url)` take the method first.
        const firstArgument = request.call.childForFieldName('arguments')?.namedChildren[0];
        const methodArgument = firstArgument && firstArgument.startIndex < request.url.startIndex ? `${firstArgument.text}, ` : '';
        let fix: Fix | null = null;
        const basePath = basePathOf(client.baseUrl);
        if (rewrite && basePath === '' && !client.hasSplat) {
          const base = parseAbsolute(client.baseUrl!);
          let applicability: 'safe' | 'unsafe' = 'unsafe';
          if (rewrite.from === 'literal' && base && rewrite.scheme === base.scheme && (LOCAL_HOSTS.has(rewrite.host ?? '') || rewrite.host === base.host)) {
            applicability = 'safe';
          }
          fix = {
            applicability,
            message: `Replace the URL with the path: ${rewrite.text}`,
            edits: [{ file, start: request.url.startIndex, end: request.url.endIndex, text: rewrite.text }],
          };
        }
        report({
          file,
          range: nodeRange(request.url),
          message: `\`${receiver}.${request.method}\` on the ${clientDescription(request)} \`${receiver}\` is given the absolute URL \`${shown}\`${source}: the client serves it in-process whatever the host, so the host only misleads and breaks when the base URL changes`,
          hint: rewrite ? `Pass the path alone: \`${receiver}.${request.method}(${methodArgument}${rewrite.text})\`.` : 'Pass the path alone (e.g. "/health"); the client resolves it against its own base URL.',
          fix,
        });
      }
    }
  },
});
