// Rewriting an absolute URL as the path an in-process client should be given: the replacement text for
// a literal URL, an f-string starting with a base, or `BASE + "/x"`, and where its host came from.
import type Parser from 'tree-sitter';
import { unparenthesize } from '../python.js';
import type { FunctionScope } from '../function-scope.js';
import { baseShape, parseAbsolute } from './urls.js';

type Node = Parser.SyntaxNode;

export interface RelativeRewrite {
  /** The replacement source text for the URL expression. */
  text: string;
  /**
   * 'literal': a literal URL whose host and scheme are known (`"http://localhost:8000/health"`);
   * 'base': the host comes from a base-URL name whose value may not be what was assumed.
   */
  from: 'literal' | 'base';
  /** The literal's host, for 'literal' rewrites. */
  host: string | null;
  scheme: string | null;
}

function stringParts(node: Node): { start: Node; end: Node; middle: Node[] } | null {
  if (node.type !== 'string') return null;
  const children = node.namedChildren;
  const start = children.find((c) => c.type === 'string_start');
  const end = children.find((c) => c.type === 'string_end');
  if (!start || !end) return null;
  return { start, end, middle: children.filter((c) => c.type !== 'string_start' && c.type !== 'string_end') };
}

/** The path part of a base URL's value (`http://h:1/api` -> `/api`), '' when none or unknown. */
function basePath(value: string | null): string | null {
  if (value === null) return '';
  const parsed = parseAbsolute(value);
  if (!parsed) return null;
  if (/[?#]/.test(parsed.rest)) return null;
  return parsed.rest.replace(/\/+$/, '');
}

/** A string literal with `text` as its content, in the quote style and prefix of `like` (minus `f` when asked). */
function literalLike(start: Node, end: Node, content: string, keepF: boolean): string {
  let opening = start.text;
  if (!keepF) opening = opening.replace(/[fF]/, '');
  return `${opening}${content}${end.text}`;
}

/**
 * The expression to put in place of an absolute URL so that only its path (and query) remains, or null
 * when the shape is not one of: a literal (`"http://localhost:8000/x?q=1"`, also an f-string whose host
 * part is literal), an f-string starting with a base (`f"{base_url}/x/{id}"`), `BASE + "/x"`.
 */
export function relativeRewrite(scope: FunctionScope, node: Node, fixtureValue?: (name: string) => string | null): RelativeRewrite | null {
  const file = scope.module.file;
  const expression = unparenthesize(node);
  if (expression.type === 'string') {
    const parts = stringParts(expression);
    if (!parts || /[bB]/.test(parts.start.text)) return null;
    const first = parts.middle[0];
    if (!first) return null;
    const contentStart = first.startIndex;
    const contentEnd = parts.end.startIndex;
    const raw = file.text.slice(contentStart, contentEnd);
    if (first.type === 'string_content') {
      // Host written literally: it must be whole before any interpolation or escape.
      const literalEnd = parts.middle.find((p) => p.type !== 'string_content')?.startIndex ?? contentEnd;
      const literal = file.text.slice(contentStart, literalEnd);
      const parsed = parseAbsolute(literal);
      if (!parsed) return null;
      const authorityClosed = parsed.rest !== '' || literalEnd === contentEnd;
      if (!authorityClosed) return null;
      let rest = raw.slice(parsed.prefixLength);
      if (rest === '' || rest.startsWith('?') || rest.startsWith('#')) rest = `/${rest}`;
      if (!rest.startsWith('/') && !rest.startsWith('{')) return null;
      const hasInterpolation = parts.middle.some((p) => p.type === 'interpolation');
      return { text: literalLike(parts.start, parts.end, rest, hasInterpolation || /\{\{|\}\}/.test(rest)), from: 'literal', host: parsed.host, scheme: parsed.scheme };
    }
    if (first.type === 'interpolation') {
      const inner = first.namedChild(0);
      if (!inner) return null;
      const shape = baseShape(scope, inner, fixtureValue);
      if (shape.kind !== 'absolute') return null;
      const prefixPath = basePath(shape.baseValue);
      if (prefixPath === null) return null;
      let rest = prefixPath + file.text.slice(first.endIndex, contentEnd);
      if (rest === '' || rest.startsWith('?')) rest = `/${rest}`;
      if (!rest.startsWith('/')) return null;
      const hasInterpolation = parts.middle.slice(1).some((p) => p.type === 'interpolation');
      return { text: literalLike(parts.start, parts.end, rest, hasInterpolation || /\{\{|\}\}/.test(rest)), from: 'base', host: null, scheme: null };
    }
    return null;
  }
  if (expression.type === 'binary_operator' && expression.childForFieldName('operator')?.text === '+') {
    const left = expression.childForFieldName('left');
    const right = expression.childForFieldName('right');
    if (!left || !right) return null;
    const leftShape = baseShape(scope, left, fixtureValue);
    if (leftShape.kind !== 'absolute') return null;
    if (basePath(leftShape.baseValue) !== '') return null;
    const rightExpression = unparenthesize(right);
    const parts = stringParts(rightExpression);
    if (!parts) return null;
    const rightValue = file.text.slice(parts.middle[0]?.startIndex ?? parts.end.startIndex, parts.end.startIndex);
    if (!rightValue.startsWith('/')) return null;
    return { text: rightExpression.text, from: 'base', host: null, scheme: null };
  }
  return null;
}
