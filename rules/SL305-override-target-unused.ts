import { defineRule } from '../src/rule.js';
import { nodeRange } from '../src/source.js';
import { unparenthesize } from '../src/model/python.js';
import { appModel, symbolKey } from '../src/model/app.js';

export default defineRule({
  code: 'SL305',
  name: 'override-target-unused',
  summary: 'The overridden function is not what the app\'s routes depend on',
  severity: 'warning',
  fix: 'none',
  get docs() {
    return {
      whatItDoes:
        'Resolves each `app.dependency_overrides[X]` key to the function it names (through imports and re-exports) and compares it with every `Depends(...)`/`Security(...)` in the app\'s package. Reports a key that no route depends on, and a key that is the right function imported under another module path (`app.database` vs `backend.app.database`): Python loads the file twice, as two modules with two distinct functions.',
      whyItMatters:
        'FastAPI matches overrides by identity. Overriding a function the routes do not use, or the same function loaded under a second module name, changes nothing: the routes keep opening sessions on their own database while the suite believes it is isolated.',
      example:
        '# routes: from backend.app.database import get_session\n# conftest, with backend/ on sys.path as well:\nfrom app.database import get_session\napp.dependency_overrides[get_session] = override_get_session',
      useInstead:
        'from backend.app.database import get_session  # the module path the app itself uses\napp.dependency_overrides[get_session] = override_get_session',
      exceptions:
        'Silent when the app or its routes cannot be found statically (no `Depends` in its package, or a router included with `include_router`/`mount` from a module that cannot be resolved or lies outside the app\'s package), when the key cannot be resolved, and when a `Depends(...)` argument that cannot be read (a call, a lambda) mentions the key\'s name.',
    };
  },
  check({ suite, report }) {
    const model = appModel(suite);
    // Routes that cannot be found statically may depend on anything: no verdict.
    if (!model.app || model.depends.length === 0 || model.routesIncomplete) return;
    const project = suite.project;
    const packageName = model.app.packageDotted || project.relative(model.app.packageDir ?? '') || 'the app';
    const reported = new Set<string>();
    for (const set of model.overrides) {
      const key = unparenthesize(set.key);
      if (key.type !== 'identifier' && key.type !== 'attribute') continue;
      const symbol = model.resolveName(set.file, key);
      if (!symbol || symbol.kind === 'module' || !symbol.name) continue;
      if (model.depends.some((use) => use.target && symbolKey(use.target) === symbolKey(symbol))) continue;
      const name = symbol.name;
      const wordPattern = new RegExp(`\\b${name}\\b`);
      if (model.depends.some((use) => !use.target && use.argument && wordPattern.test(use.argument.text))) continue;
      const dedupe = `${set.file.path}:${set.key.startIndex}`;
      if (reported.has(dedupe)) continue;
      reported.add(dedupe);
      const sameFile = model.depends.find((use) => use.target && use.target.name === name && symbol.filePath !== null && use.target.filePath === symbol.filePath);
      const sameName = model.depends.find((use) => use.target && use.target.name === name);
      const definedInSuite = symbol.filePath === set.file.path;
      let message: string;
      if (sameFile?.target) {
        const at = `${project.relative(sameFile.ref.filePath ?? sameFile.module.file.path)}:${sameFile.call.startPosition.row + 1}`;
        message = `\`${key.text}\` is imported as \`${symbol.dotted}.${name}\`, but the routes depend on \`${sameFile.target.dotted}.${name}\` (${at}): the same file loaded under two module paths is two modules with two different functions, so the override never matches`;
      } else if (definedInSuite) {
        message = `\`${key.text}\` is defined in ${project.relative(set.file.path)} itself: no route of \`${packageName}\` can depend on it, so the override changes nothing`;
      } else if (sameName?.target) {
        const at = `${project.relative(sameName.ref.filePath ?? sameName.module.file.path)}:${sameName.call.startPosition.row + 1}`;
        message = `\`${key.text}\` resolves to \`${symbol.dotted}.${name}\`, but the routes depend on another \`${name}\`, \`${sameName.target.dotted}.${name}\` (${at}): the override never matches and the routes keep their own database`;
      } else {
        message = `No route of \`${packageName}\` depends on \`${symbol.dotted}.${name}\` (no \`Depends(${name})\` in the package): overriding it changes nothing`;
      }
      report({
        file: set.file,
        range: nodeRange(key),
        message,
        hint: sameFile?.target || sameName?.target
          ? `Import the dependency from the module the routes use: \`from ${(sameFile ?? sameName)!.target!.dotted} import ${name}\`.`
          : 'Override the function the routes pass to `Depends(...)`.',
      });
    }
  },
});
