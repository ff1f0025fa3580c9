import type Parser from 'tree-sitter';
import { defineRule } from '../src/rule.js';
import { nodeRange } from '../src/source.js';
import { callArguments, qualifiedName, unparenthesize } from '../src/model/python.js';
import { appModel, handedOut, type AppModel } from '../src/model/app.js';

type Node = Parser.SyntaxNode;

/** Does the callee hand out a function (a factory), or cache its result (`@lru_cache`)? Then the call may be the key on purpose. */
function isFactoryOrCached(model: AppModel, file: Parameters<AppModel['resolveName']>[0], callee: Node): boolean | null {
  const symbol = model.resolveName(file, callee);
  if (!symbol || symbol.kind !== 'function' || !symbol.fn || !symbol.module) return null;
  const fn = symbol.fn;
  if (fn.decorators.some((decorator) => /(^|\.)(lru_cache|cache)$/.test(qualifiedName(symbol.module!, decorator.type === 'call' ? decorator.childForFieldName('function') : decorator) ?? ''))) return true;
  for (const value of handedOut(fn)) {
    const expression = unparenthesize(value);
    if (expression.type === 'lambda') return true;
    if (expression.type === 'identifier') {
      const body = fn.node.childForFieldName('body');
      if (body?.descendantsOfType('function_definition').some((inner) => inner.childForFieldName('name')?.text === expression.text)) return true;
    }
  }
  return false;
}

export default defineRule({
  code: 'SL303',
  name: 'override-key-called',
  summary: 'The dependency_overrides key is a call result, not the dependency',
  severity: 'error',
  fix: 'safe',
  get docs() {
    return {
      whatItDoes: 'Reports `app.dependency_overrides[get_session()] = ...`: a key that is the result of calling the dependency instead of the dependency itself.',
      whyItMatters:
        'FastAPI looks overrides up by the function the routes name in `Depends(...)`. A call result (a generator, a session) never matches, so the override does nothing and the routes keep their real database; the call itself may even open a connection to it while the conftest is imported.',
      example: 'app.dependency_overrides[get_session()] = override_get_session',
      useInstead: 'app.dependency_overrides[get_session] = override_get_session',
      exceptions: 'Silent when the callee is a factory that hands out a function, or is cached (`@lru_cache`), or when the app\'s routes depend on the same call (`Depends(get_repo())`).',
      fixSafety: 'Safe when the call has no arguments: the parentheses are dropped.',
    };
  },
  check({ suite, report }) {
    const model = appModel(suite);
    const dependsCalls = new Set(model.depends.map((use) => use.argument?.text.replace(/\s+/g, '') ?? ''));
    for (const set of model.overrides) {
      const key = unparenthesize(set.key);
      if (key.type !== 'call') continue;
      const callee = key.childForFieldName('function');
      if (!callee || (callee.type !== 'identifier' && callee.type !== 'attribute')) continue;
      if (dependsCalls.has(key.text.replace(/\s+/g, ''))) continue;
      const calleeName = qualifiedName(set.module, callee) ?? callee.text;
      const isDepends = /(^|\.)(Depends|Security)$/.test(calleeName);
      const args = callArguments(key);
      if (!isDepends) {
        const factory = isFactoryOrCached(model, set.file, callee);
        if (factory !== false && (factory === true || args.positional.length + args.keywords.size > 0)) continue;
      }
      const inner = isDepends ? args.positional[0] ?? null : callee;
      const empty = !isDepends && args.positional.length === 0 && args.keywords.size === 0 && !args.hasSplat;
      const canFix = (empty || (isDepends && inner && args.positional.length === 1 && args.keywords.size === 0)) && inner !== null;
      report({
        file: set.file,
        range: nodeRange(key),
        message: isDepends
          ? `The override key \`${key.text}\` is a \`Depends\` marker, not the dependency: FastAPI never matches it, so \`${inner?.text ?? 'the dependency'}\` is not overridden and the routes keep their own database`
          : `The override key \`${key.text}\` is the result of calling \`${callee.text}\`, not the function the routes depend on: FastAPI never matches it, the override does nothing, and the call may open a real session while the conftest loads`,
        hint: `Use the function itself as the key: \`${set.appNode.text}.dependency_overrides[${inner?.text ?? callee.text}]\`.`,
        fix: canFix
          ? {
              applicability: 'safe',
              message: `Use \`${inner!.text}\` as the key`,
              edits: [{ file: set.file, start: key.startIndex, end: key.endIndex, text: inner!.text }],
            }
          : null,
      });
    }
  },
});
