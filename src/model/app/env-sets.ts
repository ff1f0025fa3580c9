// The environment variables a suite sets for the app's own settings, with the value and whether the
// set runs before the app's modules are imported (settings objects read the environment once, at import).
// Read from runners' exports to pytest, pytest-env entries, module-level `os.environ[...] = v` / `os.environ.setdefault(...)` /
// `starlette.config.environ[...] = v` in the fixture modules, and the same or `monkeypatch.setenv(...)`
// inside a fixture that imports the app itself afterwards.
import path from 'node:path';
import type Parser from 'tree-sitter';
import type { SourceFile } from '../../source.js';
import type { Suite } from '../suite.js';
import { callArguments, calleeName, pyModule, qualifiedName, sameNode, stringValue, type FunctionInfo, type PyModule } from '../python.js';
import { treeNodesOfType } from '../tree-nodes.js';
import { envSets, resolveUrl } from '../pyvalues.js';
import { loadedFixtureModules, suitePythonFiles } from '../suite-modules.js';
import { suiteRunners } from '../runners.js';
import { enclosingFunctionOf } from './helpers.js';
import { projectTopNames } from './project-facts.js';
import { suitePytest } from '../suite-pytest-config.js';

type Node = Parser.SyntaxNode;

export interface SuiteEnvSet {
  name: string;
  /** The value as a string, when it can be known statically. */
  value: string | null;
  /** `setdefault` only fills a variable the shell left unset. */
  kind: 'set' | 'setdefault';
  /** Where it is set; null for a pytest-env entry of the pytest configuration. */
  file: SourceFile | null;
  node: Node | null;
  /** The set runs before any of the app's modules is imported, so settings read at import time see it. */
  beforeApp: boolean;
  /** A runner's export to pytest: its label (`` `scripts/test.sh` ``), and whether it is a CI job (where port 5432 of the runner is the job's service, not a dev database). */
  runner?: { label: string; ci: boolean };
}

const ENVIRON = new Set(['os.environ', 'starlette.config.environ']);
const TEST_PARTS = new Set(['tests', 'test', 'testing', 'conftest']);
const DATABASE_SETTING = /(^|_)(DATABASE|DB|POSTGRES(QL)?|PG|SQLALCHEMY)(_|$)|(^|_)(URL|URI|DSN)$/i;

/** Imports of the project's own modules (not the test package, not conftest) outside any function, in source order. */
function moduleLevelProjectImports(module: PyModule, tops: Set<string>): Node[] {
  return treeNodesOfType(module.root.tree, ['import_statement', 'import_from_statement']).filter((statement) => {
    if (enclosingFunctionOf(module, statement)) return false;
    return importsProject(statement, tops);
  });
}

function importsProject(statement: Node, tops: Set<string>): boolean {
  const names: string[] = [];
  if (statement.type === 'import_from_statement') {
    const moduleNode = statement.childForFieldName('module_name');
    if (!moduleNode || moduleNode.type !== 'dotted_name') return false; // relative: the test package itself
    names.push(moduleNode.text);
  } else {
    for (const child of statement.namedChildren) {
      const nameNode = child.type === 'aliased_import' ? child.childForFieldName('name') : child.type === 'dotted_name' ? child : null;
      if (nameNode) names.push(nameNode.text);
    }
  }
  return names.some((dotted) => {
    const parts = dotted.split('.');
    // The suite's own helpers (`tests.factories`, `app.tests.utils`, `conftest`) are not the app.
    return tops.has(parts[0]!) && !parts.some((part) => TEST_PARTS.has(part));
  });
}

/** A set of a variable in one statement: `environ["X"] = v`, `environ.setdefault("X", v)`, `<monkeypatch>.setenv("X", v)`. */
function setOf(module: PyModule, node: Node): { name: string; value: Node; kind: 'set' | 'setdefault' } | null {
  if (node.type === 'assignment') {
    const left = node.childForFieldName('left');
    const right = node.childForFieldName('right');
    if (left?.type !== 'subscript' || !right) return null;
    if (!ENVIRON.has(qualifiedName(module, left.childForFieldName('value')) ?? '')) return null;
    const name = stringValue(module, left.childForFieldName('subscript'));
    return name ? { name, value: right, kind: 'set' } : null;
  }
  if (node.type !== 'call') return null;
  const callee = calleeName(module, node) ?? '';
  const args = callArguments(node);
  const name = args.positional[0] ? stringValue(module, args.positional[0]) : null;
  const value = args.positional[1] ?? args.keywords.get('value');
  if (!name || !value) return null;
  if ([...ENVIRON].some((environ) => callee === `${environ}.setdefault`)) return { name, value, kind: 'setdefault' };
  const fn = node.childForFieldName('function');
  if (fn?.type === 'attribute' && fn.childForFieldName('attribute')?.text === 'setenv' && !callee.startsWith('os.')) return { name, value, kind: 'set' };
  return null;
}

export function suiteEnvSets(suite: Suite): SuiteEnvSet[] {
  const project = suite.project;
  const found: SuiteEnvSet[] = [];
  // pytest-env sets its entries before any conftest is imported.
  for (const [name, value] of suitePytest(suite).env) found.push({ name, value, kind: 'set', file: null, node: null, beforeApp: true });
  // A runner's exports reach pytest before anything is imported (not when pytest runs in a container: its environment is the container's).
  for (const { runner, run } of suiteRunners(suite).runs) {
    if (run.container) continue;
    for (const [name, value] of run.env) {
      // Only database settings: a runner's other exports (`FASTAPI_ENV=development`, the gate) say nothing about the database.
      if (!DATABASE_SETTING.test(name)) continue;
      found.push({ name, value, kind: 'set', file: runner.file, node: null, beforeApp: true, runner: { label: runner.label, ci: runner.kind === 'ci' } });
    }
  }

  const tops = projectTopNames(project);
  const loaded = loadedFixtureModules(suite);
  const importsAnywhere = suitePythonFiles(suite).some((file) => {
    const module = pyModule(file);
    return module ? moduleLevelProjectImports(module, tops).length > 0 : false;
  });

  for (const entry of loaded) {
    const module = pyModule(entry.file);
    if (!module || !/environ|setenv/.test(entry.file.text)) continue;
    const ownImports = moduleLevelProjectImports(module, tops);
    // Conftests above this module (and the modules they load) run first; their imports come before its sets.
    const dir = path.dirname(entry.file.path);
    const earlier = loaded.filter((other) => {
      if (other.file.path === entry.file.path) return false;
      const outer = (file: SourceFile): boolean => path.basename(file.path) === 'conftest.py' && dir.startsWith(path.dirname(file.path) + path.sep);
      return outer(other.file) || (other.from !== null && outer(other.from));
    });
    const importedEarlier = earlier.some((other) => {
      const otherModule = pyModule(other.file);
      return otherModule ? moduleLevelProjectImports(otherModule, tops).length > 0 : false;
    });

    // Module level (and pytest_configure): what pyvalues reads, plus starlette's environ.
    const moduleSets = envSets(module);
    const seen = new Set<Node>();
    for (const set of moduleSets.values()) {
      seen.add(set.statement);
      // `pytest_configure` runs once the whole module has been imported.
      const inHook = enclosingFunctionOf(module, set.statement) !== null;
      const before = !importedEarlier && !ownImports.some((statement) => inHook || statement.startIndex < set.statement.startIndex);
      found.push({ name: set.name, value: resolveUrl(module, set.value, null, moduleSets).value, kind: set.kind, file: entry.file, node: set.statement, beforeApp: before });
    }
    for (const node of treeNodesOfType(module.root.tree, ['assignment', 'call'])) {
      const set = setOf(module, node);
      if (!set) continue;
      const statement = node.parent?.type === 'expression_statement' ? node.parent : node;
      if ([...seen].some((known) => sameNode(known, statement))) continue;
      const fn: FunctionInfo | null = enclosingFunctionOf(module, node);
      let before = false;
      if (!fn) {
        before = !importedEarlier && !ownImports.some((other) => other.startIndex < node.startIndex);
      } else if (!importsAnywhere) {
        // Inside a fixture: only when no module imports the app at import time and the fixture imports it after the set.
        const later = treeNodesOfType(module.root.tree, ['import_statement', 'import_from_statement']).filter(
          (statement) => statement.startIndex > node.endIndex && statement.endIndex <= fn.node.endIndex && importsProject(statement, tops),
        );
        before = later.length > 0;
      }
      found.push({ name: set.name, value: resolveUrl(module, set.value, fn, moduleSets).value, kind: set.kind, file: entry.file, node: statement, beforeApp: before });
    }
  }
  return found;
}
