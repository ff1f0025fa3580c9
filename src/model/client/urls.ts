// What the URL passed to a request looks like: a string's value when it can be known in a function
// (names, fixtures, `os.getenv` defaults), absolute URLs split into their parts, and the shape of a URL
// argument (absolute with a known or named base, relative, or unknown).
import type Parser from 'tree-sitter';
import { callArguments, calleeName, sameNode, stringValue, unparenthesize, type PyModule } from '../python.js';
import type { FunctionScope } from '../function-scope.js';

type Node = Parser.SyntaxNode;

/** Hosts that a test suite means when it writes an absolute URL to its own app. */
export const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', 'testserver', '0.0.0.0', '[::1]']);

/** Names that, when nothing else is known of them, are read as "the server's base URL". */
const BASE_URL_NAME = /(^|_)base_?ur[li]|^(api|server|backend|service|live|host|app)_?url$/i;

/** `os.getenv("X", "d")`, `os.environ.get("X", "d")`: the default node. */
export function envDefault(module: PyModule, node: Node): Node | null {
  if (node.type !== 'call') return null;
  const name = calleeName(module, node);
  if (name !== 'os.getenv' && name !== 'os.environ.get') return null;
  const args = callArguments(node);
  return args.positional[1] ?? args.keywords.get('default') ?? null;
}

/**
 * A string's value when it can be known: what `stringValue` knows, plus names bound in the function,
 * fixtures the function receives (through `fixtureValue`), and `os.getenv` defaults.
 */
export function evalString(scope: FunctionScope, node: Node | null, fixtureValue?: (name: string) => string | null, depth = 0): string | null {
  if (!node || depth > 20) return null;
  const expression = unparenthesize(node);
  const known = stringValue(scope.module, expression);
  if (known !== null) return known;
  switch (expression.type) {
    case 'identifier': {
      if (scope.isParameter(expression.text)) return fixtureValue ? fixtureValue(expression.text) : null;
      const resolved = scope.resolve(expression);
      return sameNode(resolved, expression) ? null : evalString(scope, resolved, fixtureValue, depth + 1);
    }
    case 'binary_operator': {
      if (expression.childForFieldName('operator')?.text !== '+') return null;
      const left = evalString(scope, expression.childForFieldName('left'), fixtureValue, depth + 1);
      const right = evalString(scope, expression.childForFieldName('right'), fixtureValue, depth + 1);
      return left === null || right === null ? null : left + right;
    }
    case 'call': {
      const fallback = envDefault(scope.module, expression);
      return fallback ? evalString(scope, fallback, fixtureValue, depth + 1) : null;
    }
    case 'string': {
      const start = expression.namedChildren.find((c) => c.type === 'string_start')?.text ?? '"';
      if (/[bB]/.test(start)) return null;
      let text = '';
      for (const part of expression.namedChildren) {
        if (part.type === 'string_content') text += part.text;
        else if (part.type === 'escape_sequence') return null;
        else if (part.type === 'interpolation') {
          if (part.namedChildren.some((c) => c.type === 'format_specifier' || c.type === 'type_conversion')) return null;
          const value = evalString(scope, part.namedChild(0), fixtureValue, depth + 1);
          if (value === null) return null;
          text += value;
        }
      }
      return text;
    }
    default:
      return null;
  }
}

const ABSOLUTE = /^([a-z][a-z0-9+.-]*):\/\/([^/?#]*)/i;

export interface ParsedAbsolute {
  scheme: string;
  /** `host[:port]`, without user info. */
  authority: string;
  host: string;
  /** Everything after the authority: path, query and fragment (may be empty). */
  rest: string;
  /** Length of `scheme://authority` in the text. */
  prefixLength: number;
}

/** Splits `http://host:port/path?q` into its parts; null when the text is not an absolute URL. */
export function parseAbsolute(text: string): ParsedAbsolute | null {
  const match = ABSOLUTE.exec(text);
  if (!match) return null;
  const authority = match[2]!.replace(/^.*@/, '');
  const host = authority.startsWith('[') ? authority.replace(/\].*$/, ']') : authority.replace(/:\d*$/, '');
  return { scheme: match[1]!.toLowerCase(), authority, host: host.toLowerCase(), rest: text.slice(match[0].length), prefixLength: match[0].length };
}

export type UrlShape =
  | {
      kind: 'absolute';
      /** The URL's value when known entirely. */
      value: string | null;
      /** The expression the absolute part comes from when it is a name (`base_url`, `BASE_URL`, `settings.base_url`). */
      base: Node | null;
      /** Its value, when known. */
      baseValue: string | null;
    }
  | { kind: 'relative' }
  | { kind: 'unknown' };

/** Does this name read as a server's base URL (`base_url`, `API_BASE_URL`, `server_url`)? */
export function isBaseUrlName(name: string): boolean {
  return BASE_URL_NAME.test(name);
}

function looksLikeBaseUrlName(node: Node): boolean {
  const expression = unparenthesize(node);
  if (expression.type === 'identifier') return BASE_URL_NAME.test(expression.text);
  if (expression.type === 'attribute') return BASE_URL_NAME.test(expression.childForFieldName('attribute')?.text ?? '');
  return false;
}

function shapeOfText(text: string): 'absolute' | 'relative' | 'unknown' {
  if (ABSOLUTE.test(text)) return 'absolute';
  if (text.includes('://') || /^[a-z][a-z0-9+.-]*:/i.test(text) || text.startsWith('//')) return 'unknown';
  return 'relative';
}

/** Shape of what a base expression stands for, when it begins a URL. */
export function baseShape(scope: FunctionScope, node: Node, fixtureValue?: (name: string) => string | null): UrlShape {
  const value = evalString(scope, node, fixtureValue);
  if (value !== null) {
    const kind = shapeOfText(value);
    return kind === 'absolute' ? { kind, value, base: node, baseValue: value } : kind === 'relative' && value !== '' ? { kind } : { kind: 'unknown' };
  }
  if (looksLikeBaseUrlName(node)) return { kind: 'absolute', value: null, base: node, baseValue: null };
  return { kind: 'unknown' };
}

/**
 * What a URL argument is: absolute (names a host), relative (a path resolved against the client's base),
 * or unknown. Reads literals, f-strings and `+` from their first part, and follows names.
 */
export function urlShape(scope: FunctionScope, node: Node, fixtureValue?: (name: string) => string | null, depth = 0): UrlShape {
  if (depth > 10) return { kind: 'unknown' };
  const expression = unparenthesize(node);
  const whole = evalString(scope, expression, fixtureValue);
  if (whole !== null) {
    const kind = shapeOfText(whole);
    return kind === 'absolute' ? { kind, value: whole, base: null, baseValue: null } : { kind };
  }
  switch (expression.type) {
    case 'string': {
      let leading = '';
      for (const part of expression.namedChildren) {
        if (part.type === 'string_start') {
          if (/[bB]/.test(part.text)) return { kind: 'unknown' };
          continue;
        }
        if (part.type === 'string_content' || part.type === 'escape_sequence') {
          leading += part.text;
          continue;
        }
        if (part.type === 'interpolation') {
          if (leading !== '') {
            const kind = shapeOfText(leading);
            if (kind === 'absolute') return { kind, value: null, base: null, baseValue: null };
            // `f"/items/{id}"` is relative; `f"http{s}://..."` cannot be told.
            return kind === 'relative' && /^[/?#]|^[\w.~-]+\//.test(leading) ? { kind } : { kind: 'unknown' };
          }
          const inner = part.namedChild(0);
          if (!inner || part.namedChildren.some((c) => c.type === 'format_specifier' || c.type === 'type_conversion')) return { kind: 'unknown' };
          return baseShape(scope, inner, fixtureValue);
        }
      }
      return { kind: 'unknown' };
    }
    case 'concatenated_string': {
      const first = expression.namedChild(0);
      return first ? urlShape(scope, first, fixtureValue, depth + 1) : { kind: 'unknown' };
    }
    case 'binary_operator': {
      if (expression.childForFieldName('operator')?.text !== '+') return { kind: 'unknown' };
      const left = expression.childForFieldName('left');
      if (!left) return { kind: 'unknown' };
      const leftShape = urlShape(scope, left, fixtureValue, depth + 1);
      if (leftShape.kind === 'absolute') return { kind: 'absolute', value: null, base: leftShape.value !== null || leftShape.base ? left : null, baseValue: leftShape.value ?? leftShape.baseValue };
      return leftShape;
    }
    case 'identifier': {
      const resolved = scope.resolve(expression);
      if (!sameNode(resolved, expression)) return urlShape(scope, resolved, fixtureValue, depth + 1);
      return baseShape(scope, expression, fixtureValue);
    }
    case 'attribute':
      return baseShape(scope, expression, fixtureValue);
    default:
      return { kind: 'unknown' };
  }
}
