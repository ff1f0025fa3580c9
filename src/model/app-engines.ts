// The app's own engine used by a suite: `from app.core.db import engine` (or `SessionLocal`, or a
// helper like `get_engine()`) imported into a test or fixture module and used there. The suite then
// talks to whatever database the app's module builds that engine on, whatever URL the conftest's own
// engine has. This model finds such uses and the URL expression the app's module gives the engine,
// resolved where it is written (module constants, `getenv` defaults, the app's settings).
import type Parser from 'tree-sitter';
import type { SourceFile } from '../source.js';
import { callArguments, pyModule, unparenthesize, type FunctionInfo, type PyModule } from './python.js';
import { identifiersNamed } from './tree-nodes.js';
import { engineCallKind, urlArgument } from './dburl.js';
import { resolveDotted } from './fixture-modules.js';
import { envSets, resolveUrl, type ResolvedUrl } from './pyvalues.js';
import { importedFile, ownReturns, settingDefault, type SettingDefault } from './settings-values.js';
import { suitePythonFiles } from './suite-modules.js';
import type { Project, Suite } from './suite.js';
import { perSuite } from './suite-caches.js';

type Node = Parser.SyntaxNode;

export interface AppEngineUse {
  /** The suite module that imports and uses it. */
  file: SourceFile;
  /** The imported name as written in the import statement (where findings go). */
  nameNode: Node;
  /** `app.core.db` */
  fromModule: string;
  /** What the name is: the engine, a session factory bound to it, or a function that returns it. */
  kind: 'engine' | 'session-factory' | 'helper';
  /** The app module that builds the engine, and the engine call there. */
  appModule: PyModule;
  call: Node;
  /** The URL the app gives the engine, resolved in the app's module. */
  resolved: ResolvedUrl;
  /** For a URL from the app's settings: their defaults, when they can be read. */
  followed: SettingDefault | null;
  /** The app module's expression the settings come from (for `settingsInProject`). */
  appSettings: Node | null;
}

const MAX_DEPTH = 8;
const TEST_MODULE_HEAD = new Set(['tests', 'test', 'conftest', 'testing']);
const cache = perSuite<AppEngineUse[]>();

/** Every app engine (or session factory bound to one) a suite module imports from the project's app and uses. */
export function suiteAppEngines(suite: Suite): AppEngineUse[] {
  const cached = cache.get(suite);
  if (cached) return cached;
  const result: AppEngineUse[] = [];
  for (const file of suitePythonFiles(suite)) {
    const module = pyModule(file);
    if (!module) continue;
    const candidates = [...module.imports].filter(([, binding]) => binding.name !== undefined && binding.level === 0 && !TEST_MODULE_HEAD.has(binding.module.split('.')[0]!));
    if (candidates.length === 0) continue;
    const used = namesUsedOutsideImports(module, new Set(candidates.map(([local]) => local)));
    for (const [local, binding] of candidates) {
      if (binding.name === undefined || !used.has(local)) continue;
      const target = resolveDotted(suite.project, file, binding.module, 0);
      const targetModule = target ? pyModule(target) : null;
      if (!targetModule || target!.path === file.path) continue;
      const engine = engineOf(suite.project, targetModule, binding.name, file, 0);
      if (!engine) continue;
      const nameNode = importedNameNode(binding.node, local);
      if (!nameNode) continue;
      const argument = urlArgument(engine.call, engineCallKind(engine.module, engine.call)!);
      if (!argument) continue;
      const resolved = resolveUrl(engine.module, argument, engine.fn, envSets(engine.module));
      const followed = resolved.origin === 'settings' ? settingDefault(suite.project, engine.module, resolved.source ?? argument, file) : null;
      result.push({ file, nameNode, fromModule: binding.module, kind: engine.kind, appModule: engine.module, call: engine.call, resolved, followed, appSettings: resolved.settings });
    }
  }
  cache.set(suite, result);
  return result;
}

interface EngineSite {
  module: PyModule;
  call: Node;
  fn: FunctionInfo | null;
  kind: AppEngineUse['kind'];
}

/**
 * The engine call behind a name of an app module: `engine = create_engine(...)`, `SessionLocal =
 * sessionmaker(bind=engine)`, `def get_engine(): return create_engine(...)` (or `return engine`), or
 * the same name imported there from another app module.
 */
function engineOf(project: Project, module: PyModule, name: string, origin: SourceFile, depth: number): EngineSite | null {
  if (depth > MAX_DEPTH) return null;
  const assigned = module.assignments.get(name);
  if (assigned) return engineOfValue(project, module, assigned.value, null, origin, depth + 1);
  const fn = module.functions.find((candidate) => !candidate.className && candidate.name === name);
  if (fn) {
    const body = fn.node.childForFieldName('body');
    const returns = body ? ownReturns(body) : [];
    if (returns.length !== 1) return null;
    const value = returns[0]!.namedChild(0);
    const site = value ? engineOfValue(project, module, value, fn, origin, depth + 1) : null;
    return site && { ...site, kind: 'helper' };
  }
  const binding = module.imports.get(name);
  if (!binding || binding.name === undefined) return null;
  const file = importedFile(project, module, binding.module, binding.level, origin);
  const target = file ? pyModule(file) : null;
  return target && target.file.path !== module.file.path ? engineOf(project, target, binding.name, origin, depth + 1) : null;
}

function engineOfValue(project: Project, module: PyModule, node: Node, fn: FunctionInfo | null, origin: SourceFile, depth: number): EngineSite | null {
  if (depth > MAX_DEPTH) return null;
  const value = unparenthesize(node);
  if (value.type === 'call') {
    if (engineCallKind(module, value) && engineCallKind(module, value) !== 'agent') return { module, call: value, fn, kind: 'engine' };
    const callee = value.childForFieldName('function')?.text.split('.').pop() ?? '';
    if (callee === 'sessionmaker' || callee === 'async_sessionmaker' || callee === 'Session' || callee === 'AsyncSession') {
      const args = callArguments(value);
      const bind = args.keywords.get('bind') ?? (callee.endsWith('sessionmaker') ? args.positional[0] : undefined);
      const site = bind ? engineOfValue(project, module, bind, fn, origin, depth + 1) : null;
      return site && { ...site, kind: 'session-factory' };
    }
    return null;
  }
  if (value.type === 'identifier') {
    if (fn && (fn.parameters.includes(value.text) || assignsLocally(fn, value.text))) return null;
    return engineOf(project, module, value.text, origin, depth + 1);
  }
  return null;
}

function assignsLocally(fn: FunctionInfo, name: string): boolean {
  return fn.node.descendantsOfType('assignment').some((assignment) => assignment.childForFieldName('left')?.text === name);
}

/**
 * Which of the `wanted` names the module refers to anywhere but in its import statements (attribute names
 * and keywords excluded). Only identifiers spelled like a wanted name are looked at, found through the
 * text: climbing to the parents of every identifier of the module cost more than the rest of the model,
 * and fetching every identifier only to read its text cost most of what was left.
 */
function namesUsedOutsideImports(module: PyModule, wanted: ReadonlySet<string>): Set<string> {
  const names = new Set<string>();
  for (const name of wanted) {
    for (const identifier of identifiersNamed(module.file, name)) {
      if (isDefinitionName(identifier) || inImport(identifier)) continue;
      names.add(name);
      break;
    }
  }
  return names;
}

function inImport(identifier: Node): boolean {
  let node: Node | null = identifier.parent;
  for (let level = 0; node && level < 3; level++, node = node.parent) {
    if (node.type === 'import_statement' || node.type === 'import_from_statement') return true;
  }
  return false;
}

function isDefinitionName(identifier: Node): boolean {
  const parent = identifier.parent;
  if (!parent) return false;
  if (parent.type === 'keyword_argument' && parent.childForFieldName('name')?.id === identifier.id) return true;
  if (parent.type === 'attribute' && parent.childForFieldName('attribute')?.id === identifier.id) return true;
  return false;
}

function importedNameNode(statement: Node, local: string): Node | null {
  let found: Node | null = null;
  for (const identifier of statement.descendantsOfType('identifier')) {
    if (identifier.text === local) found = identifier;
  }
  return found;
}
