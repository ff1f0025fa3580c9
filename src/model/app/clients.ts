// Which calls build an in-process client on the app.
import type Parser from 'tree-sitter';
import {
  callArguments,
  calleeName,
  unparenthesize,
  type PyModule,
} from '../python.js';

type Node = Parser.SyntaxNode;

/** `TestClient(app)` or `httpx.AsyncClient(transport=ASGITransport(app=app))`, with the app argument. */
export function clientOf(module: PyModule, call: Node): { kind: 'testclient' | 'asgi'; app: Node | null } | null {
  const name = calleeName(module, call);
  if (!name) return null;
  if (name === 'TestClient' || name.endsWith('.TestClient')) {
    const args = callArguments(call);
    return { kind: 'testclient', app: args.positional[0] ?? args.keywords.get('app') ?? null };
  }
  if (name === 'httpx.AsyncClient' || name === 'httpx.Client' || name === 'AsyncClient') {
    const args = callArguments(call);
    const transport = args.keywords.get('transport');
    if (transport) {
      const inner = unparenthesize(transport);
      const transportName = inner.type === 'call' ? calleeName(module, inner) : null;
      if (transportName && /(^|\.)(ASGITransport|WSGITransport)$/.test(transportName)) {
        const transportArgs = callArguments(inner);
        return { kind: 'asgi', app: transportArgs.keywords.get('app') ?? transportArgs.positional[0] ?? null };
      }
      return null;
    }
    const appArg = args.keywords.get('app');
    return appArg ? { kind: 'asgi', app: appArg } : null;
  }
  return null;
}
