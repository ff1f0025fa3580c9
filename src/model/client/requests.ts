// How tests make requests through a client object: every `X.get/post/.../request/stream(...)` call in a
// module's functions with its URL argument and the function's scope, and those whose receiver is an
// in-process client.
import type Parser from 'tree-sitter';
import { perFile, type SourceFile } from '../../source.js';
import { callArguments, dottedText, pyModule, type FunctionInfo, type PyModule } from '../python.js';
import { FunctionScope, nodesInScope } from '../function-scope.js';
import { CLIENT_METHODS, type InProcessClient } from './constructions.js';
import type { SuiteFixtures } from './suite-fixtures.js';

type Node = Parser.SyntaxNode;

export interface ClientRequest {
  call: Node;
  /** `client` in `client.get(...)`. */
  receiver: Node;
  method: string;
  url: Node | null;
  fn: FunctionInfo;
  scope: FunctionScope;
}

/** Calls of `X.get/post/.../request/stream(...)` inside the module's functions, with their URL argument. */
export function methodRequests(module: PyModule): ClientRequest[] {
  // Read once per module (SL401, SL402 and SL403 all ask); callers get their own array and objects.
  let requests = requestsCache.get(module.file);
  if (!requests) {
    requests = readMethodRequests(module);
    requestsCache.set(module.file, requests);
  }
  return requests.map((request) => ({ ...request }));
}

const requestsCache = perFile<ClientRequest[]>();

function readMethodRequests(module: PyModule): ClientRequest[] {
  const requests: ClientRequest[] = [];
  for (const fn of module.functions) {
    const body = fn.node.childForFieldName('body');
    if (!body) continue;
    // Read on the function's first request: most functions make none, and reading a function's bindings costs a walk.
    let scope: FunctionScope | null = null;
    for (const call of nodesInScope(body, CALLS)) {
      const callee = call.childForFieldName('function');
      if (callee?.type !== 'attribute') continue;
      const dotted = dottedText(callee);
      const method = dotted !== null ? dotted.slice(dotted.lastIndexOf('.') + 1) : callee.childForFieldName('attribute')?.text ?? '';
      if (!CLIENT_METHODS.has(method)) continue;
      const receiver = callee.childForFieldName('object');
      if (!receiver) continue;
      const args = callArguments(call);
      const url = method === 'request' || method === 'stream' ? args.positional[1] ?? args.keywords.get('url') ?? null : args.positional[0] ?? args.keywords.get('url') ?? null;
      scope ??= new FunctionScope(module, fn);
      requests.push({ call, receiver, method, url, fn, scope });
    }
  }
  return requests;
}

const CALLS = new Set(['call']);

export interface InProcessRequest extends ClientRequest {
  client: InProcessClient;
}

/** Requests made on in-process clients in one file of the suite. */
export function inProcessRequests(fixtures: SuiteFixtures, file: SourceFile): InProcessRequest[] {
  const module = pyModule(file);
  if (!module) return [];
  const found: InProcessRequest[] = [];
  for (const request of methodRequests(module)) {
    const client = fixtures.clientIn(request.scope, request.receiver);
    if (client) found.push({ ...request, client });
  }
  return found;
}
