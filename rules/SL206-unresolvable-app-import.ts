import path from 'node:path';
import type Parser from 'tree-sitter';
import { defineRule, type Fix } from '../src/rule.js';
import { nodeRange, type SourceFile } from '../src/source.js';
import { pyModule } from '../src/model/python.js';
import { appModel, chainText, resolveModule, type AppModel, type PathEntry, type ProjectImport } from '../src/model/app.js';
import type { Project, Suite } from '../src/model/suite.js';
import { suitePytest } from '../src/model/suite-pytest-config.js';
import { treeNodesOfType } from '../src/model/tree-nodes.js';
import { pytestRootdir } from '../src/model/pytest-config.js';

type Node = Parser.SyntaxNode;

/** How far up from a conftest a corrected entry may point. */
const MAX_LEVELS = 12;

function showDir(project: Project, dir: string): string {
  const relative = project.relative(dir);
  if (relative === '') return 'the project root';
  return relative.startsWith('..') ? `\`${relative}\` (outside the project)` : `\`${relative}\``;
}

function describeEntry(project: Project, entry: PathEntry): string {
  const line = entry.call ? `:${entry.call.startPosition.row + 1}` : '';
  const by = entry.origin === 'conftest' && entry.file ? `added at ${project.relative(entry.file.path)}${line}` : entry.description;
  return `${showDir(project, entry.dir)} (${by})`;
}

/** The directory `levels` folders above the conftest file (1 = its own folder). */
function climb(file: string, levels: number): string {
  let dir = file;
  for (let i = 0; i < levels; i++) dir = path.dirname(dir);
  return dir;
}

/** The number of levels (closest to `current`) from which every module resolves; null when none does. */
function levelsThatResolve(file: string, dotted: string[], current: number): number | null {
  let best: number | null = null;
  for (let levels = 1; levels <= MAX_LEVELS; levels++) {
    const dir = climb(file, levels);
    if (dir === path.dirname(dir) && levels > 1) break;
    if (dotted.every((name) => resolveModule([dir], name) !== null)) {
      if (best === null || Math.abs(levels - current) < Math.abs(best - current)) best = levels;
    }
  }
  return best;
}

function chainFix(entry: PathEntry, levels: number, project: Project): Fix | null {
  const chain = entry.chain;
  if (!chain || chain.levels === levels) return null;
  return {
    applicability: 'safe',
    message: `Point the sys.path entry at ${showDir(project, climb(entry.file!.path, levels))} (${chain.kind === 'parents' ? `\`parents[${levels - 1}]\`` : chain.kind === 'dirname' ? `${levels} × \`${chain.callee}\`` : `${levels} × \`.parent\``})`,
    edits: [{ file: chain.file, start: chain.start, end: chain.end, text: chainText(chain, levels) }],
  };
}

/** Where in the project a module's file sits, when it exists at all: `backend/main.py`. */
function locate(project: Project, dotted: string): string | null {
  const tail = dotted.split('.').join('/');
  for (const file of project.discovered) {
    const relative = project.relative(file.path);
    if (relative.endsWith(`${tail}.py`) || relative.endsWith(`${tail}/__init__.py`)) {
      if (relative === `${tail}.py` || relative === `${tail}/__init__.py` || relative.endsWith(`/${tail}.py`) || relative.endsWith(`/${tail}/__init__.py`)) return relative;
    }
  }
  return null;
}

/** Top-level names imported (absolutely) by the suite's test modules and the app's modules. */
function otherImportTops(model: AppModel): Set<string> {
  const tops = new Set<string>();
  const files: SourceFile[] = [...model.suite.testModules];
  for (const ref of model.packageModules) if (ref.source) files.push(ref.source);
  for (const file of files) {
    const module = pyModule(file);
    if (!module) continue;
    for (const statement of treeNodesOfType(module.root.tree, ['import_statement', 'import_from_statement'])) {
      const moduleNode = statement.childForFieldName('module_name');
      if (statement.type === 'import_from_statement') {
        if (moduleNode?.type === 'dotted_name') tops.add(moduleNode.text.split('.')[0]!);
      } else {
        for (const child of statement.namedChildren) {
          const nameNode = child.type === 'aliased_import' ? child.childForFieldName('name') : child;
          if (nameNode?.type === 'dotted_name') tops.add(nameNode.text.split('.')[0]!);
        }
      }
    }
  }
  return tops;
}

export default defineRule({
  code: 'SL206',
  name: 'unresolvable-app-import',
  summary: 'The conftest imports the app from a module that is not on sys.path at test time',
  severity: 'error',
  fix: 'safe',
  get docs() {
    return {
      whatItDoes:
        'Works out the directories on `sys.path` when pytest imports the suite\'s conftest: the entries the conftest adds itself (`sys.path.insert(0, str(Path(__file__).parent...))`, `parents[N]`, `os.path.dirname` chains), the one pytest adds in its default `prepend` import mode (the first directory above the conftest without an `__init__.py`), `pythonpath` from the pytest configuration, and packages a `pyproject.toml` declares. Reports an import of a project module (the app, its database module) that none of them can find. An entry the conftest adds that points at the wrong directory, while the import still works through another entry, is reported as a warning.',
      whyItMatters:
        'A conftest that cannot import the app fails at collection with `ModuleNotFoundError`, so the whole suite errors out, usually only in CI or from another working directory. A wrong `sys.path` entry that happens to be harmless today (pytest\'s own entry saves it) misleads the next reader and breaks as soon as an `__init__.py` is added or the file moves.',
      example:
        '# backend/tests/integration/conftest.py: five `.parent`s climb above the project\nproject_root = Path(__file__).parent.parent.parent.parent.parent\nsys.path.insert(0, str(project_root))\n\nfrom backend.main import app',
      useInstead:
        '# four `.parent`s: integration -> tests -> backend -> project root\nproject_root = Path(__file__).parent.parent.parent.parent\nsys.path.insert(0, str(project_root))\n\nfrom backend.main import app\n\n# or, without touching sys.path, in pyproject.toml:\n# [tool.pytest.ini_options]\n# pythonpath = ["."]',
      exceptions:
        'Silent on third-party and standard-library imports: a module counts as the project\'s only when its top-level name is a folder or module directly in a directory that is or could be on sys.path (the project root, the pytest configuration\'s folder, the entries above, and the folders above a conftest that adds its own entry); a same-named module deeper in the tree (`app/models/tortoise.py`) does not shadow the installed `tortoise`, nor does a folder without `__init__.py` (a namespace portion) unless it has the imported module. Also silent on packages a `pyproject.toml` declares (`[project] name`, `[tool.setuptools] packages`, `[tool.poetry] packages`...: installed in the environment), on relative imports, and whenever the path cannot be known: a `sys.path` entry that cannot be evaluated, a script that sets `PYTHONPATH` or runs `python -m pytest` (which adds the working directory), another `--import-mode`.',
      fixSafety:
        'Safe: when the entry is `Path(__file__)` followed by `.parent`s or `.parents[N]`, or `os.path.dirname` calls nested around `__file__` (or its `abspath`), the fix sets the number of levels to the directory from which the imports resolve (the closest one to the current value).',
    };
  },
  check({ suite, report }) {
    const model = appModel(suite);
    if (model.pathUnknown) return;
    const project = suite.project;
    const byConftest = new Map<string, ProjectImport[]>();
    for (const imported of model.conftestImports) {
      if (imported.installed) continue;
      byConftest.set(imported.file.path, [...(byConftest.get(imported.file.path) ?? []), imported]);
    }
    let otherTops: Set<string> | null = null;
    for (const conftest of suite.conftests) {
      const imports = byConftest.get(conftest.path) ?? [];
      if (imports.length === 0) continue;
      const ownEntries = model.entries.filter((entry) => entry.origin === 'conftest' && entry.file?.path === conftest.path);
      const chained = ownEntries.find((entry) => entry.chain);
      const unresolved = imports.filter((imported) => !imported.resolved);
      if (unresolved.length > 0) {
        const names = [...new Set(unresolved.map((imported) => imported.dotted))];
        let fix: Fix | null = null;
        if (chained) {
          const levels = levelsThatResolve(conftest.path, names, chained.chain!.levels);
          if (levels !== null) fix = chainFix(chained, levels, project);
        }
        const searched = model.entries.filter((entry) => entry.origin !== 'installed').map((entry) => describeEntry(project, entry));
        let fixAttached = false;
        const reported = new Set<string>();
        for (const imported of unresolved) {
          const key = `${imported.dotted}@${imported.statement.startIndex}`;
          if (reported.has(key)) continue;
          reported.add(key);
          const found = locate(project, imported.dotted);
          const related = chained?.call
            ? [{ file: conftest, range: nodeRange(chained.call), message: `this entry adds ${showDir(project, chained.dir)}` }]
            : [];
          report({
            file: conftest,
            range: nodeRange(imported.moduleNode as Node),
            message: `\`${imported.dotted}\` cannot be imported at test time: no directory on sys.path has \`${imported.dotted.split('.').join('/')}\` (searched ${searched.join(', ')}), so the conftest fails with ModuleNotFoundError`,
            hint: chained
              ? `Point the sys.path entry at the directory that contains the \`${imported.top}\` package${found ? ` (the module is \`${found}\`)` : ''}, or set \`pythonpath\` in the pytest configuration.`
              : `Add the directory that contains \`${imported.top}\` to \`pythonpath\` in ${pythonpathExample(suite)}.`,
            related,
            fix: fixAttached ? null : fix,
          });
          if (fix) fixAttached = true;
        }
        continue;
      }
      // Every import resolves: is one of the conftest's own entries dead?
      const dotted = [...new Set(imports.map((imported) => imported.dotted))];
      for (const entry of ownEntries) {
        if (dotted.some((name) => resolveModule([entry.dir], name) !== null)) continue;
        otherTops ??= otherImportTops(model);
        if ([...otherTops].some((top) => resolveModule([entry.dir], top) !== null)) continue;
        const through = imports[0]!.resolved!;
        const via = model.entries.find((candidate) => candidate.dir === through.entry && candidate.origin !== 'conftest') ?? model.entries.find((candidate) => candidate.dir === through.entry);
        const levels = entry.chain ? levelsThatResolve(conftest.path, dotted, entry.chain.levels) : null;
        report({
          file: conftest,
          range: nodeRange(entry.call!),
          severity: 'warning',
          message: `this sys.path entry adds ${showDir(project, entry.dir)}, where none of the conftest's imports (${dotted.map((name) => `\`${name}\``).join(', ')}) are found; they work only through ${via ? describeEntry(project, via) : showDir(project, through.entry)}: a dead, misleading entry`,
          hint: levels !== null ? `Point it at ${showDir(project, climb(conftest.path, levels))}, or remove it.` : 'Remove it, or point it at the directory that contains the app package.',
          fix: levels !== null ? chainFix(entry, levels, project) : null,
        });
      }
    }
  },
});

/**
 * Where a `pythonpath` entry goes, with the entry for the project root: in the suite's own configuration
 * below the root (`backend/pytest.ini`), entries are relative to that file's folder.
 */
function pythonpathExample(suite: Suite): string {
  const pytest = suitePytest(suite);
  const source = pytest.source;
  const dir = pytestRootdir(pytest, suite.project.root);
  if (!source || dir === suite.project.root) return 'the pytest configuration (e.g. `pythonpath = ["."]` for the project root)';
  const up = path.relative(dir, suite.project.root).split(path.sep).join('/');
  const entry = source.endsWith('.toml') ? `pythonpath = ["${up}"]` : `pythonpath = ${up}`;
  return `${suite.project.relative(source)}, the configuration this suite runs with (entries are relative to its folder: \`${entry}\` for the project root)`;
}
