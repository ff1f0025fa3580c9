// What reaches a live server over the network: one-shot requests (`requests.get`, `httpx.post`,
// `urlopen`), sessions and network clients built to send them, and the server a suite may start itself
// in-process (uvicorn in a thread), which makes such requests deliberate.
import type Parser from 'tree-sitter';
import type { SourceFile } from '../../source.js';
import { callArguments, calleeName, dottedText, pyModule, type PyModule } from '../python.js';
import { nodesOfType } from '../tree-nodes.js';
import type { FunctionScope } from '../function-scope.js';
import { HTTP_VERBS, httpxClientCall } from './constructions.js';

type Node = Parser.SyntaxNode;

/** Calls that reach the network: `requests.get(...)`, `requests.Session()`, `httpx.post(...)`, `urlopen(...)`. */
export interface LiveCall {
  call: Node;
  /** The callee as written resolved through imports: `requests.get`. */
  callee: string;
  /** `get`, `post`, ... for one-shot requests; null for session/client constructions and `urlopen`. */
  verb: string | null;
  /** The URL argument of one-shot requests. */
  url: Node | null;
  /** A client or session object that will send requests later. */
  isClientConstruction: boolean;
}

const REQUESTS_SESSION = new Set(['requests.Session', 'requests.session', 'requests.sessions.Session']);
const OTHER_LIVE_CONSTRUCTORS = new Set(['aiohttp.ClientSession', 'http.client.HTTPConnection', 'http.client.HTTPSConnection']);

/** The text of `a` in `a.b.c`. */
function headIdentifier(node: Node | null): string | null {
  if (!node) return null;
  const dotted = dottedText(node);
  if (dotted !== null) return dotted.split('.', 1)[0]!;
  let current: Node | null = node;
  while (current?.type === 'attribute') current = current.childForFieldName('object');
  return current?.type === 'identifier' ? current.text : null;
}

export function liveCall(module: PyModule, node: Node, scope?: FunctionScope): LiveCall | null {
  if (node.type !== 'call') return null;
  const callee = calleeName(module, node);
  if (!callee) return null;
  // `requests.get` only when `requests` is the imported module, not a local or a parameter of that name.
  const head = headIdentifier(node.childForFieldName('function'));
  if (!head || !module.imports.has(head) || module.imports.get(head)!.level !== 0) return null;
  if (scope && (scope.isParameter(head) || scope.locals.has(head))) return null;
  const parts = callee.split('.');
  const last = parts[parts.length - 1]!;
  const owner = parts.slice(0, -1).join('.');
  if ((owner === 'requests' || owner === 'requests.api' || owner === 'httpx') && (HTTP_VERBS.has(last) || last === 'request' || (owner === 'httpx' && last === 'stream'))) {
    const args = callArguments(node);
    const url = last === 'request' || last === 'stream' ? args.positional[1] ?? args.keywords.get('url') ?? null : args.positional[0] ?? args.keywords.get('url') ?? null;
    return { call: node, callee, verb: HTTP_VERBS.has(last) ? last : null, url, isClientConstruction: false };
  }
  if (REQUESTS_SESSION.has(callee) || OTHER_LIVE_CONSTRUCTORS.has(callee)) {
    return { call: node, callee, verb: null, url: null, isClientConstruction: true };
  }
  if (callee === 'urllib.request.urlopen' || callee === 'urllib2.urlopen') {
    const args = callArguments(node);
    return { call: node, callee, verb: null, url: args.positional[0] ?? args.keywords.get('url') ?? null, isClientConstruction: false };
  }
  const httpx = httpxClientCall(module, node, scope);
  if (httpx && httpx.inProcess === 'no') return { call: node, callee, verb: null, url: null, isClientConstruction: true };
  return null;
}

/**
 * A server the suite starts itself, in-process: a `uvicorn.run(...)`/`uvicorn.Server(...)` call in a file
 * that also starts a `threading.Thread`. Requests to it are deliberate, not a forgotten live server.
 */
export function inProcessServer(files: SourceFile[]): { file: SourceFile; node: Node } | null {
  for (const file of files) {
    const module = pyModule(file);
    if (!module) continue;
    let server: Node | null = null;
    let thread = false;
    for (const call of nodesOfType(file, 'call')) {
      const name = calleeName(module, call);
      if (name === 'uvicorn.run' || name === 'uvicorn.Server' || name === 'uvicorn.server.Server') server ??= call;
      else if (name === 'threading.Thread') thread = true;
    }
    if (server && thread) return { file, node: server };
  }
  return null;
}
