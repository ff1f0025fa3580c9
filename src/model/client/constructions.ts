// Which calls build an HTTP client, and what kind: an in-process client on the app (a FastAPI/Starlette
// `TestClient`, an httpx client on an ASGI/WSGI transport) with the base URL relative URLs resolve
// against, or an httpx client whose transport reaches the network.
import type Parser from 'tree-sitter';
import { callArguments, calleeName, type PyModule } from '../python.js';
import { FunctionScope, resolveModuleName } from '../function-scope.js';
import { evalString } from './urls.js';

type Node = Parser.SyntaxNode;

/** The request methods every client (TestClient, httpx, requests) shares, with the URL first. */
export const HTTP_VERBS = new Set(['get', 'post', 'put', 'patch', 'delete', 'head', 'options']);
/** Request methods of an httpx-style client; `request` and `stream` take the method first and the URL second. */
export const CLIENT_METHODS = new Set([...HTTP_VERBS, 'request', 'stream']);

/** The base URL a TestClient resolves relative URLs against when given none. */
export const TESTCLIENT_DEFAULT_BASE_URL = 'http://testserver';

export type ClientKind = 'testclient' | 'asgi';

/** An in-process client built in the code: `TestClient(app)` or `httpx.AsyncClient(transport=ASGITransport(app=app))`. */
export interface InProcessClient {
  kind: ClientKind;
  call: Node;
  module: PyModule;
  /** The `base_url=` argument, when one is given. */
  baseUrlNode: Node | null;
  /** What relative URLs resolve against: the argument's value, TestClient's default, or null when unknown or absent. */
  baseUrl: string | null;
  /** `*args`/`**kwargs` in the call: its arguments cannot all be read. */
  hasSplat: boolean;
}

/** Is this a call of Starlette's/FastAPI's `TestClient`? */
export function isTestClientCall(module: PyModule, node: Node): boolean {
  if (node.type !== 'call') return false;
  const name = calleeName(module, node);
  return name === 'TestClient' || (name !== null && name.endsWith('.TestClient'));
}

export type Presence = 'yes' | 'no' | 'unknown';

export interface HttpxClientCall {
  call: Node;
  isAsync: boolean;
  /** Does the client talk to an app in-process (ASGI/WSGI transport, or the old `app=` argument)? */
  inProcess: Presence;
  baseUrlNode: Node | null;
  hasSplat: boolean;
}

/** `httpx.Client(...)` / `httpx.AsyncClient(...)` (however imported), with what its transport says. */
export function httpxClientCall(module: PyModule, node: Node, scope?: FunctionScope): HttpxClientCall | null {
  if (node.type !== 'call') return null;
  const name = calleeName(module, node);
  if (name !== 'httpx.Client' && name !== 'httpx.AsyncClient') return null;
  const args = callArguments(node);
  const baseUrlNode = args.keywords.get('base_url') ?? null;
  let inProcess: Presence = 'no';
  if (args.keywords.has('app')) inProcess = 'yes';
  else if (args.keywords.has('transport')) inProcess = transportKind(module, args.keywords.get('transport')!, scope);
  else if (args.hasSplat) inProcess = 'unknown';
  return { call: node, isAsync: name === 'httpx.AsyncClient', inProcess, baseUrlNode, hasSplat: args.hasSplat };
}

/** Is this transport one that serves an app in-process? 'unknown' when it cannot be told. */
function transportKind(module: PyModule, value: Node, scope?: FunctionScope): Presence {
  const resolved = scope ? scope.resolve(value) : resolveModuleName(module, value);
  if (resolved.type !== 'call') return 'unknown';
  const name = calleeName(module, resolved) ?? '';
  const last = name.split('.').pop() ?? '';
  if (last === 'ASGITransport' || last === 'WSGITransport' || last === 'MockTransport') return 'yes';
  if (last === 'HTTPTransport' || last === 'AsyncHTTPTransport') return 'no';
  return 'unknown';
}

/** The in-process client a call builds, or null when it builds none (or one that talks to the network). */
export function clientConstruction(module: PyModule, node: Node, scope?: FunctionScope): InProcessClient | null {
  if (node.type !== 'call') return null;
  if (isTestClientCall(module, node)) {
    const args = callArguments(node);
    const baseUrlNode = args.keywords.get('base_url') ?? null;
    const baseUrl = baseUrlNode ? evalString(scope ?? new FunctionScope(module, null), baseUrlNode) : TESTCLIENT_DEFAULT_BASE_URL;
    return { kind: 'testclient', call: node, module, baseUrlNode, baseUrl, hasSplat: args.hasSplat };
  }
  const httpx = httpxClientCall(module, node, scope);
  if (httpx && httpx.inProcess === 'yes') {
    const baseUrl = httpx.baseUrlNode ? evalString(scope ?? new FunctionScope(module, null), httpx.baseUrlNode) : null;
    return { kind: 'asgi', call: node, module, baseUrlNode: httpx.baseUrlNode, baseUrl, hasSplat: httpx.hasSplat };
  }
  return null;
}
