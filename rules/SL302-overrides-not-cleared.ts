import type Parser from 'tree-sitter';
import { defineRule, type Fix } from '../src/rule.js';
import { indentAt, lineEnding, nodeRange } from '../src/source.js';
import { fixtureDecorator } from '../src/model/python.js';
import { appModel, nodesInOwnScope, overridesOnOwnApp, sameNode, type OverrideReset, type OverrideSet } from '../src/model/app.js';
import { fixtureScope } from '../src/model/fixtures.js';

type Node = Parser.SyntaxNode;

/** The statement directly in `body` that contains `node`. */
function statementIn(body: Node, node: Node): Node | null {
  let current: Node | null = node;
  while (current && current.parent && !sameNode(current.parent, body)) current = current.parent;
  return current && current.parent && sameNode(current.parent, body) ? current : null;
}

function keyText(node: Node | null): string {
  return node ? node.text.replace(/\s+/g, '') : '';
}

/** Does another function of the suite set overrides on the same app expression? */
function sharedWithOtherFixtures(set: OverrideSet, all: OverrideSet[]): boolean {
  const appText = set.appNode.text.replace(/\s+/g, '');
  return all.some((other) => other.fn && set.fn && !sameNode(other.fn.node, set.fn.node) && other.appNode.text.replace(/\s+/g, '') === appText);
}

export default defineRule({
  code: 'SL302',
  name: 'overrides-not-cleared',
  summary: 'A fixture sets `app.dependency_overrides` and never clears them after its yield',
  severity: 'warning',
  fix: 'safe',
  get docs() {
    return {
      whatItDoes:
        'Reports a fixture that sets `app.dependency_overrides[...]` and, after its `yield`, neither clears them (`.clear()`, `= {}`) nor pops each key it set. The keys left behind are named.',
      whyItMatters:
        'The app object is a module global shared by the whole test session. Overrides left on it leak into every later test, including unit tests that import the same app and expect their own database, or none: they then run against a closed test session or a container that is gone, and fail far from the cause.',
      example:
        'app.dependency_overrides[get_session] = override_get_session\nwith TestClient(app) as c:\n    yield c',
      useInstead:
        'app.dependency_overrides[get_session] = override_get_session\nwith TestClient(app) as c:\n    yield c\napp.dependency_overrides.clear()',
      exceptions:
        'Silent when the overrides are restored in a `finally`, when another fixture or hook of the suite clears them, for fixtures that do not yield, for a session-scoped fixture that is the only one setting overrides on its app (its teardown runs after the last test, so nothing is left to leak into), and when the fixture builds its own app (`app = create_app()` in its body): no other test can reach that object.',
      fixSafety:
        'Safe: inserts `app.dependency_overrides.clear()` after the client\'s `with` block (or after the `yield`); when the fixture already pops some keys, it pops the ones left instead.',
    };
  },
  check({ suite, report }) {
    const model = appModel(suite);
    if (model.overridesOpaque) return;
    // Group the sets by the fixture that makes them.
    const byFunction = new Map<string, OverrideSet[]>();
    for (const set of model.overrides) {
      if (!set.fn || !fixtureDecorator(set.module, set.fn)) continue;
      // An app the fixture builds for itself is dropped with it: nothing can leak.
      if (overridesOnOwnApp(set)) continue;
      // A session-scoped fixture tears down after the last test: no later test sees what it leaves,
      // unless other fixtures change the same app's overrides in between (then the order of tests decides).
      if (fixtureScope(set.module, set.fn)?.scope === 'session' && !sharedWithOtherFixtures(set, model.overrides)) continue;
      const key = `${set.file.path}@${set.fn.node.startIndex}`;
      byFunction.set(key, [...(byFunction.get(key) ?? []), set]);
    }
    for (const sets of byFunction.values()) {
      const { fn, file } = sets[0]!;
      const body = fn!.node.childForFieldName('body');
      if (!body) continue;
      const yields = nodesInOwnScope(body, new Set(['yield']));
      if (yields.length === 0) continue;
      const firstYield = yields[0]!;
      const inThisFunction = (reset: OverrideReset): boolean => reset.file.path === file.path && reset.fn !== null && sameNode(reset.fn.node, fn!.node);
      const resets = model.resets.filter(inThisFunction);
      if (resets.some((reset) => reset.inFinally)) continue;
      const after = resets.filter((reset) => reset.node.startIndex > firstYield.startIndex);
      if (after.some((reset) => reset.kind === 'clear' || reset.kind === 'assign' || reset.kind === 'update')) continue;
      // Another fixture or hook clearing them all.
      if (model.resets.some((reset) => !inThisFunction(reset) && (reset.kind === 'clear' || reset.kind === 'assign'))) continue;
      const popped = new Set(after.filter((reset) => reset.kind === 'pop' || reset.kind === 'del').map((reset) => keyText(reset.key)));
      const left: OverrideSet[] = [];
      const seen = new Set<string>();
      for (const set of sets) {
        const text = keyText(set.key);
        if (popped.has(text) || seen.has(text)) continue;
        seen.add(text);
        left.push(set);
      }
      if (left.length === 0) continue;
      const appText = sets[0]!.appNode.text;
      const names = left.map((set) => `\`${set.key.text}\``).join(', ');
      // Where the cleanup goes: after the `with` block holding the yield, or after the yield statement.
      // Pops go after the fixture's last pop; a clear after the block that holds the yield.
      const lastPop = after.filter((reset) => reset.kind === 'pop' || reset.kind === 'del').at(-1);
      const statement = popped.size > 0 && lastPop ? statementIn(body, lastPop.node) : statementIn(body, firstYield);
      let fix: Fix | null = null;
      if (statement && (statement.type === 'with_statement' || statement.type === 'expression_statement' || statement.type === 'delete_statement')) {
        const eol = lineEnding(file);
        const indent = indentAt(file, statement.startIndex);
        const lines = popped.size === 0 ? [`${appText}.dependency_overrides.clear()`] : left.map((set) => `${appText}.dependency_overrides.pop(${set.key.text}, None)`);
        const blank = statement.type === 'with_statement' && popped.size === 0 ? eol : '';
        fix = {
          applicability: 'safe',
          message: popped.size === 0 ? `Clear \`${appText}.dependency_overrides\` after the client is done` : `Pop ${names} after the client is done`,
          edits: [{ file, start: statement.endIndex, end: statement.endIndex, text: `${eol}${blank}${lines.map((line) => indent + line).join(eol)}` }],
        };
      }
      report({
        file,
        range: nodeRange(left[0]!.node),
        message: `Fixture \`${fn!.name}\` sets \`${appText}.dependency_overrides\` and leaves ${names} behind after its yield: the override outlives the fixture and leaks into every later test that uses the same app`,
        hint: `After the yield: \`${appText}.dependency_overrides.clear()\` (or \`.pop(key)\` for each key set), ideally in a \`finally\`.`,
        fix,
      });
    }
  },
});
