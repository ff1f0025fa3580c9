// From the suite's conftest to the FastAPI app: which directories are on sys.path at test time,
// where the imported modules live, which app the suite's client wraps, which functions the app's
// routes depend on and which of them open a database session, and what the suite overrides.
// Shared by SL206 and SL301-SL306. Everything here answers "unknown" rather than guess.
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type Parser from 'tree-sitter';
import { parse as parseToml } from 'smol-toml';
import type { SourceFile } from '../source.js';
import type { DiscoveredFile } from '../discover.js';
import type { Project, Suite } from './suite.js';
import {
  callArguments,
  calleeName,
  fixtureDecorator,
  functionInfo,
  nodesOfType,
  pyModule,
  qualifiedName,
  stringValue,
  numberValue,
  treeNodesOfType,
  unparenthesize,
  type FunctionInfo,
  type ImportBinding,
  type PyModule,
  sameNode,
} from './python.js';

type Node = Parser.SyntaxNode;

/** How deep import chains, re-exports and name lookups are followed before giving up (cycles end there too). */
const MAX_DEPTH = 12;
/** Upper bound on the modules of an app package that are read. */
const MAX_PACKAGE_FILES = 2000;

// ---------------------------------------------------------------------------------------------
// Small helpers

const SCOPE_BOUNDARIES = new Set(['function_definition', 'class_definition', 'lambda', 'decorated_definition']);

/** Nodes of the given types under `root`, without entering nested functions, classes or lambdas. */
export function nodesInOwnScope(root: Node, types: ReadonlySet<string>): Node[] {
  const found: Node[] = [];
  const visit = (node: Node): void => {
    if (types.has(node.type)) found.push(node);
    for (const child of node.namedChildren) {
      if (SCOPE_BOUNDARIES.has(child.type)) continue;
      visit(child);
    }
  };
  visit(root);
  return found;
}

export { sameNode } from './python.js';

/** The innermost function definition around a node, as a FunctionInfo of the module. */
export function enclosingFunctionOf(module: PyModule, node: Node): FunctionInfo | null {
  for (let current: Node | null = node.parent; current; current = current.parent) {
    if (current.type !== 'function_definition') continue;
    const known = module.functions.find((fn) => sameNode(fn.node, current!));
    if (known) return known;
    const outer = current.parent?.type === 'decorated_definition' ? current.parent : current;
    return functionInfo(outer);
  }
  return null;
}

/** The chain of function definitions around a node, innermost first. */
function enclosingDefinitions(node: Node): Node[] {
  const found: Node[] = [];
  for (let current: Node | null = node.parent; current; current = current.parent) {
    if (current.type === 'function_definition') found.push(current);
  }
  return found;
}

function lastSegment(dotted: string): string {
  const index = dotted.lastIndexOf('.');
  return index < 0 ? dotted : dotted.slice(index + 1);
}

// ---------------------------------------------------------------------------------------------
// Evaluating path expressions: `Path(__file__).resolve().parents[2]`, `os.path.dirname(...)` chains

/** How a path expression climbs from the file: enough to rewrite the number of levels. */
export interface ParentChain {
  /** Directories climbed from the file (`.parent` once = 1, `parents[0]` = 1). */
  levels: number;
  kind: 'parent' | 'parents';
  /** The span to replace: the `.parent.parent` run, or the index of `parents[N]`. */
  start: number;
  end: number;
  file: SourceFile;
}

export interface PathValue {
  path: string;
  chain: ParentChain | null;
}

function isPathConstructor(name: string | null): boolean {
  return name === 'Path' || name === 'pathlib.Path' || name === 'PurePath' || name === 'pathlib.PurePath' || name === 'PosixPath' || name === 'pathlib.PosixPath';
}

/** Local single assignments of `name` inside the functions around `at`, innermost first; null when rebound. */
function localValue(at: Node, name: string): Node | null | undefined {
  for (const definition of enclosingDefinitions(at)) {
    const body = definition.childForFieldName('body');
    if (!body) continue;
    const bound: Node[] = [];
    for (const assignment of nodesInOwnScope(body, new Set(['assignment']))) {
      const left = assignment.childForFieldName('left');
      const right = assignment.childForFieldName('right');
      if (left?.type === 'identifier' && left.text === name && right) bound.push(right);
    }
    if (bound.length === 1) return bound[0]!;
    if (bound.length > 1) return null;
  }
  return undefined;
}

/**
 * The absolute path a path expression evaluates to, when it is built from `__file__` and constants.
 * `chain` is set when the expression is `Path(__file__)` (optionally resolved) followed by `.parent`s or `.parents[N]`.
 */
export function evaluatePath(module: PyModule, node: Node | null, depth = 0): PathValue | null {
  if (!node || depth > MAX_DEPTH) return null;
  const file = module.file;
  const expression = unparenthesize(node);
  switch (expression.type) {
    case 'identifier': {
      if (expression.text === '__file__') return { path: file.path, chain: null };
      const local = localValue(expression, expression.text);
      if (local === null) return null;
      if (local) return evaluatePath(module, local, depth + 1);
      const assigned = module.assignments.get(expression.text);
      return assigned ? evaluatePath(module, assigned.value, depth + 1) : null;
    }
    case 'string': {
      const text = stringValue(module, expression);
      return text === null ? null : { path: path.resolve(path.dirname(file.path), text), chain: null };
    }
    case 'attribute': {
      const attribute = expression.childForFieldName('attribute')?.text;
      const object = expression.childForFieldName('object');
      if (attribute !== 'parent' || !object) return null;
      const inner = evaluatePath(module, object, depth + 1);
      if (!inner) return null;
      const chain = parentChainOf(module, expression);
      return { path: path.dirname(inner.path), chain };
    }
    case 'subscript': {
      const value = expression.childForFieldName('value');
      const index = expression.childForFieldName('subscript');
      if (value?.type !== 'attribute' || value.childForFieldName('attribute')?.text !== 'parents') return null;
      const count = numberValue(module, index);
      const base = evaluatePath(module, value.childForFieldName('object'), depth + 1);
      if (count === null || !base) return null;
      let result = base.path;
      for (let i = 0; i <= count; i++) result = path.dirname(result);
      return { path: result, chain: parentChainOf(module, expression) };
    }
    case 'binary_operator': {
      if (expression.childForFieldName('operator')?.text !== '/') return null;
      const left = evaluatePath(module, expression.childForFieldName('left'), depth + 1);
      const right = stringValue(module, expression.childForFieldName('right'));
      return left && right !== null ? { path: path.resolve(left.path, right), chain: null } : null;
    }
    case 'call': {
      const fn = expression.childForFieldName('function');
      const args = callArguments(expression);
      if (args.hasSplat) return null;
      const name = calleeName(module, expression);
      if (fn?.type === 'attribute') {
        const method = fn.childForFieldName('attribute')?.text;
        const object = fn.childForFieldName('object');
        if ((method === 'resolve' || method === 'absolute' || method === 'expanduser') && args.positional.length === 0) {
          const inner = evaluatePath(module, object, depth + 1);
          return inner ? { path: inner.path, chain: null } : null;
        }
        if (method === 'joinpath') {
          const inner = evaluatePath(module, object, depth + 1);
          const parts = args.positional.map((arg) => stringValue(module, arg));
          if (!inner || parts.some((part) => part === null)) return null;
          return { path: path.resolve(inner.path, ...(parts as string[])), chain: null };
        }
      }
      if (name === 'str' || name === 'os.fspath' || name === 'os.path.abspath' || name === 'os.path.realpath' || name === 'os.path.normpath') {
        if (args.positional.length !== 1) return null;
        const inner = evaluatePath(module, args.positional[0]!, depth + 1);
        // `str(...)` keeps the chain: the fix edits the expression inside.
        return inner ? { path: path.normalize(inner.path), chain: name === 'str' || name === 'os.fspath' ? inner.chain : null } : null;
      }
      if (name === 'os.path.dirname') {
        if (args.positional.length !== 1) return null;
        const inner = evaluatePath(module, args.positional[0]!, depth + 1);
        return inner ? { path: path.dirname(inner.path), chain: null } : null;
      }
      if (name === 'os.path.join') {
        if (args.positional.length === 0) return null;
        const first = evaluatePath(module, args.positional[0]!, depth + 1);
        const rest = args.positional.slice(1).map((arg) => stringValue(module, arg));
        if (!first || rest.some((part) => part === null)) return null;
        return { path: path.resolve(first.path, ...(rest as string[])), chain: null };
      }
      if (isPathConstructor(name)) {
        if (args.positional.length === 0) return null;
        const first = evaluatePath(module, args.positional[0]!, depth + 1);
        const rest = args.positional.slice(1).map((arg) => stringValue(module, arg));
        if (!first || rest.some((part) => part === null)) return null;
        return { path: rest.length ? path.resolve(first.path, ...(rest as string[])) : first.path, chain: null };
      }
      return null;
    }
    default:
      return null;
  }
}

/** Is this `Path(__file__)`, `Path(__file__).resolve()` or `.absolute()`? */
function isFileBase(module: PyModule, node: Node): boolean {
  const expression = unparenthesize(node);
  if (expression.type !== 'call') return false;
  const fn = expression.childForFieldName('function');
  const args = callArguments(expression);
  if (fn?.type === 'attribute') {
    const method = fn.childForFieldName('attribute')?.text;
    if ((method === 'resolve' || method === 'absolute') && args.positional.length === 0) return isFileBase(module, fn.childForFieldName('object')!);
  }
  if (!isPathConstructor(calleeName(module, expression)) || args.positional.length !== 1) return false;
  const only = unparenthesize(args.positional[0]!);
  return only.type === 'identifier' && only.text === '__file__';
}

/** The `.parent` run or `parents[N]` of an expression climbing from `Path(__file__)`; null for any other shape. */
function parentChainOf(module: PyModule, expression: Node): ParentChain | null {
  if (expression.type === 'subscript') {
    const value = expression.childForFieldName('value')!;
    const index = expression.childForFieldName('subscript');
    const object = value.childForFieldName('object');
    if (!object || !index || index.type !== 'integer' || !isFileBase(module, object)) return null;
    return { levels: Number(index.text) + 1, kind: 'parents', start: index.startIndex, end: index.endIndex, file: module.file };
  }
  let levels = 0;
  let current: Node = expression;
  while (current.type === 'attribute' && current.childForFieldName('attribute')?.text === 'parent') {
    levels++;
    current = current.childForFieldName('object')!;
  }
  if (!isFileBase(module, current)) return null;
  return { levels, kind: 'parent', start: current.endIndex, end: expression.endIndex, file: module.file };
}

/** The replacement text that makes a chain climb `levels` directories. */
export function chainText(chain: ParentChain, levels: number): string {
  return chain.kind === 'parents' ? String(levels - 1) : '.parent'.repeat(levels);
}

// ---------------------------------------------------------------------------------------------
// sys.path at test time

export type EntryOrigin = 'conftest' | 'pytest' | 'pythonpath' | 'installed';

export interface PathEntry {
  dir: string;
  origin: EntryOrigin;
  /** For `conftest` entries: the file and the `sys.path.insert/append` call that adds it. */
  file?: SourceFile;
  call?: Node;
  chain?: ParentChain | null;
  /** What put it there, for messages. */
  description: string;
}

/** A conftest entry that cannot be evaluated: the path is then not fully known. */
export interface OpaqueEntry {
  file: SourceFile;
  call: Node;
}

const fsCache = new Map<string, 'file' | 'dir' | 'none'>();

function kindOf(target: string): 'file' | 'dir' | 'none' {
  let kind = fsCache.get(target);
  if (kind) return kind;
  try {
    const stat = statSync(target);
    kind = stat.isDirectory() ? 'dir' : stat.isFile() ? 'file' : 'none';
  } catch {
    kind = 'none';
  }
  fsCache.set(target, kind);
  return kind;
}

/** Forgets what the file system looked like (tests that create files call this). */
export function clearFileSystemCache(): void {
  fsCache.clear();
}

/**
 * The directory pytest puts on sys.path for a conftest or test module in the default `prepend` import
 * mode. pytest's docs ("pytest import mechanisms and sys.path/PYTHONPATH", docs.pytest.org/en/stable/
 * explanation/pythonpath.html) describe it: for a file in a package (its directory has `__init__.py`),
 * pytest "will search upwards until it can find the last folder which still contains an `__init__.py`
 * file in order to find the package root" and inserts that root's parent at the front of sys.path; for
 * a file outside any package it inserts the file's own directory. Both are "the first directory upward
 * from the file that has no `__init__.py`".
 */
export function pytestBasedir(file: string): string {
  let dir = path.dirname(file);
  for (let i = 0; i < 64; i++) {
    if (kindOf(path.join(dir, '__init__.py')) !== 'file') return dir;
    const parent = path.dirname(dir);
    if (parent === dir) return dir;
    dir = parent;
  }
  return dir;
}

function isSysPathCall(module: PyModule, call: Node): 'insert' | 'append' | null {
  const name = calleeName(module, call);
  if (name === 'sys.path.insert') return 'insert';
  if (name === 'sys.path.append') return 'append';
  return null;
}

/** `sys.path.insert(i, X)` / `sys.path.append(X)` calls of a file, evaluated when possible. */
export function sysPathAdditions(file: SourceFile): Array<{ call: Node; value: PathValue | null; how: 'insert' | 'append' }> {
  const module = pyModule(file);
  if (!module) return [];
  const found: Array<{ call: Node; value: PathValue | null; how: 'insert' | 'append' }> = [];
  // Every such call names `sys.path` in its text (a plain chain, or an imported `path` then `.insert`/`.append`).
  if (!file.text.includes('path')) return found;
  for (const call of nodesOfType(file, 'call')) {
    const how = isSysPathCall(module, call);
    if (!how) continue;
    const args = callArguments(call);
    const argument = how === 'insert' ? args.positional[1] : args.positional[0];
    found.push({ call, value: argument ? evaluatePath(module, argument) : null, how });
  }
  return found;
}

// ---------------------------------------------------------------------------------------------
// Packages a pyproject.toml declares (installed, importable from anywhere)

export interface Declared {
  names: Set<string>;
  /** Directories whose packages are all declared (setuptools `packages.find` without `include`). */
  everythingUnder: string[];
  source: string;
}

function normalizeDistName(name: string): string {
  return name.toLowerCase().replace(/[-.]+/g, '_');
}

function readDeclared(file: string): Declared | null {
  if (kindOf(file) !== 'file') return null;
  let data: Record<string, unknown>;
  try {
    data = parseToml(readFileSync(file, 'utf8')) as Record<string, unknown>;
  } catch {
    return null;
  }
  const names = new Set<string>();
  const everythingUnder: string[] = [];
  const dir = path.dirname(file);
  const table = (value: unknown): Record<string, unknown> | null =>
    value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : null;
  const project = table(data.project);
  if (typeof project?.name === 'string') names.add(normalizeDistName(project.name));
  const tool = table(data.tool);
  const setuptools = table(tool?.setuptools);
  if (Array.isArray(setuptools?.packages)) {
    for (const entry of setuptools!.packages as unknown[]) if (typeof entry === 'string') names.add(entry.split('.')[0]!);
  }
  const find = table(table(setuptools?.packages)?.find);
  if (find) {
    const where = Array.isArray(find.where) ? (find.where as unknown[]).filter((w): w is string => typeof w === 'string') : ['.'];
    const include = Array.isArray(find.include) ? (find.include as unknown[]).filter((w): w is string => typeof w === 'string') : null;
    if (include) for (const pattern of include) names.add(pattern.split('.')[0]!.replace(/\*+$/, '*'));
    else for (const w of where) everythingUnder.push(path.resolve(dir, w));
  }
  const poetry = table(tool?.poetry);
  if (typeof poetry?.name === 'string') names.add(normalizeDistName(poetry.name));
  if (Array.isArray(poetry?.packages)) {
    for (const entry of poetry!.packages as unknown[]) {
      const include = table(entry)?.include;
      if (typeof include === 'string') names.add(include.split('/')[0]!.split('.')[0]!);
    }
  }
  const wheel = table(table(table(table(tool?.hatch)?.build)?.targets)?.wheel);
  if (Array.isArray(wheel?.packages)) {
    for (const entry of wheel!.packages as unknown[]) if (typeof entry === 'string') names.add(path.basename(entry));
  }
  const flitModule = table(table(tool?.flit)?.module);
  if (typeof flitModule?.name === 'string') names.add(flitModule.name);
  return { names, everythingUnder, source: file };
}

/** Is the top-level package `top` (found at `location`, when known) declared by one of these pyprojects? */
function isDeclared(declared: Declared[], top: string, location: string | null): Declared | null {
  for (const entry of declared) {
    for (const name of entry.names) {
      if (name === top || (name.endsWith('*') && top.startsWith(name.slice(0, -1)))) return entry;
    }
    if (location && entry.everythingUnder.some((dir) => path.dirname(location) === dir)) return entry;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Module resolution, as Python's path finder does it

export interface ResolvedModule {
  dotted: string;
  /** The module's file; null for a namespace package. */
  file: string | null;
  /** The package's search directories; empty for a plain module. */
  dirs: string[];
  /** The sys.path entry the top-level package was found in. */
  entry: string;
}

function findIn(searchDirs: string[], name: string): { file: string | null; dirs: string[]; from: string } | null {
  const portions: string[] = [];
  let portionFrom: string | null = null;
  for (const dir of searchDirs) {
    const candidate = path.join(dir, name);
    const isDir = kindOf(candidate) === 'dir';
    if (isDir && kindOf(path.join(candidate, '__init__.py')) === 'file') {
      return { file: path.join(candidate, '__init__.py'), dirs: [candidate], from: dir };
    }
    if (kindOf(candidate + '.py') === 'file') return { file: candidate + '.py', dirs: [], from: dir };
    if (isDir) {
      portions.push(candidate);
      portionFrom ??= dir;
    }
  }
  return portions.length ? { file: null, dirs: portions, from: portionFrom! } : null;
}

/** Resolves a dotted module name against sys.path entries (in order); null when it is not found. */
export function resolveModule(entries: string[], dotted: string): ResolvedModule | null {
  const parts = dotted.split('.');
  if (parts.some((part) => !part)) return null;
  let search = entries;
  let current: ResolvedModule | null = null;
  for (const [index, part] of parts.entries()) {
    if (index > 0 && current!.dirs.length === 0) return null;
    const found = findIn(search, part);
    if (!found) return null;
    current = { dotted: parts.slice(0, index + 1).join('.'), file: found.file, dirs: found.dirs, entry: index === 0 ? found.from : current!.entry };
    search = found.dirs;
  }
  return current;
}

/** Resolves a relative import (`from ..x import y`) from a module with a known dotted name. */
function absoluteName(fromDotted: string, fromIsPackage: boolean, level: number, name: string): string | null {
  const parts = fromDotted.split('.');
  const packageParts = fromIsPackage ? parts : parts.slice(0, -1);
  const drop = level - 1;
  if (drop >= packageParts.length) return null;
  const base = packageParts.slice(0, packageParts.length - drop);
  return name ? [...base, name].join('.') : base.join('.');
}

// ---------------------------------------------------------------------------------------------
// The standard library's top-level names most likely to collide with a project folder

const STDLIB = new Set(
  ('abc argparse ast asyncio base64 bisect builtins calendar collections concurrent configparser contextlib contextvars copy csv ' +
    'ctypes dataclasses datetime decimal difflib email enum errno functools gc getpass glob gzip hashlib heapq hmac html http ' +
    'importlib inspect io ipaddress itertools json logging math mimetypes multiprocessing numbers operator os pathlib pickle ' +
    'platform pprint queue random re secrets select shlex shutil signal site socket sqlite3 ssl stat statistics string ' +
    'struct subprocess sys tempfile test textwrap threading time timeit token tokenize traceback types typing unittest ' +
    'urllib uuid warnings weakref xml zipfile zoneinfo __future__').split(/\s+/),
);

// ---------------------------------------------------------------------------------------------
// The model

export interface ModuleRef {
  dotted: string;
  /** null when the module's file is not part of the project (or not a file): its content is unknown. */
  source: SourceFile | null;
  filePath: string | null;
  isPackage: boolean;
}

/** What a name in some module stands for, followed through imports and re-exports. */
export interface SymbolRef {
  /** The module that defines it, by the dotted name it is imported under (two names = two module objects). */
  dotted: string;
  name: string;
  filePath: string | null;
  kind: 'function' | 'class' | 'value' | 'module';
  fn?: FunctionInfo;
  module?: PyModule;
}

export function symbolKey(symbol: SymbolRef): string {
  return `${symbol.dotted}:${symbol.name}`;
}

export interface ProjectImport {
  file: SourceFile;
  statement: Node;
  /** The node naming the module (for the report range). */
  moduleNode: Node;
  dotted: string;
  top: string;
  /** Where it resolves: null when nowhere on the path. */
  resolved: ResolvedModule | null;
  /** A pyproject.toml declares the package: installed, importable whatever sys.path says. */
  installed: Declared | null;
}

export interface DependsUse {
  module: PyModule;
  ref: ModuleRef;
  call: Node;
  argument: Node | null;
  /** What the argument resolves to; null when it cannot be followed (a call, a lambda, an unknown name). */
  target: SymbolRef | null;
}

export interface AppRef {
  /** Where the app (or the factory that builds it) is defined. */
  module: ModuleRef;
  name: string;
  /** `app = create_app(...)` in the suite: the call (arguments may change what the app does). */
  factoryCall: Node | null;
  /** The top-level package the app belongs to, and its directory. */
  packageDir: string | null;
  packageDotted: string | null;
}

export interface DbDependency {
  symbol: SymbolRef;
  /** Why it counts: "yields a Session", "returns a DB agent", "named in db-dependencies". */
  reason: string;
}

export interface ClientUse {
  file: SourceFile;
  module: PyModule;
  call: Node;
  kind: 'testclient' | 'asgi';
  /** The app argument. */
  appNode: Node | null;
  fn: FunctionInfo | null;
}

export interface OverrideSet {
  file: SourceFile;
  module: PyModule;
  /** The statement that sets it (the assignment or the `.update(...)` call). */
  node: Node;
  /** The app expression whose `dependency_overrides` is changed. */
  appNode: Node;
  key: Node;
  value: Node;
  fn: FunctionInfo | null;
}

export type ResetKind = 'clear' | 'assign' | 'pop' | 'del' | 'update';

export interface OverrideReset {
  file: SourceFile;
  node: Node;
  kind: ResetKind;
  /** For `pop`/`del`: the key. */
  key: Node | null;
  fn: FunctionInfo | null;
  inFinally: boolean;
}

export interface AppModel {
  suite: Suite;
  entries: PathEntry[];
  opaqueEntries: OpaqueEntry[];
  /** Something adds to sys.path in a way that cannot be read (PYTHONPATH in a script, `python -m pytest`). */
  pathUnknown: boolean;
  declared: Declared[];
  conftestImports: ProjectImport[];
  clients: ClientUse[];
  overrides: OverrideSet[];
  resets: OverrideReset[];
  /** `dependency_overrides` used in a way the model does not read: overrides may be set elsewhere. */
  overridesOpaque: boolean;
  app: AppRef | null;
  packageModules: ModuleRef[];
  depends: DependsUse[];
  dbDependencies: DbDependency[];
  /** Whether the DB dependencies come from the app (true) or from the configured names (false). */
  dbFromApp: boolean;
  /** Names of environment variables and settings attributes the suite sets. */
  settingsSet: Set<string>;
  resolveName(file: SourceFile, node: Node): SymbolRef | null;
  moduleRef(resolved: ResolvedModule): ModuleRef;
  entryDirs(): string[];
}

const models = new WeakMap<Suite, AppModel>();

export function appModel(suite: Suite): AppModel {
  const cached = models.get(suite);
  if (cached) return cached;
  const model = buildModel(suite);
  models.set(suite, model);
  return model;
}

function discoveredByPath(project: Project): Map<string, DiscoveredFile> {
  const map = new Map<string, DiscoveredFile>();
  for (const file of project.discovered) map.set(file.path, file);
  return map;
}

function uniqueFiles(files: SourceFile[]): SourceFile[] {
  const seen = new Set<string>();
  return files.filter((file) => (seen.has(file.path) ? false : (seen.add(file.path), true)));
}

function buildModel(suite: Suite): AppModel {
  const project = suite.project;
  const byPath = discoveredByPath(project);
  const conftests = uniqueFiles([...suite.conftests]);
  const allConftests = uniqueFiles([...suite.outerConftests, ...suite.conftests]);
  const suiteFiles = uniqueFiles([...allConftests, ...suite.testModules]);

  // --- sys.path
  const entries: PathEntry[] = [];
  const opaqueEntries: OpaqueEntry[] = [];
  const appended: PathEntry[] = [];
  for (const file of [...allConftests].reverse()) {
    for (const addition of sysPathAdditions(file).reverse()) {
      if (!addition.value) {
        opaqueEntries.push({ file, call: addition.call });
        continue;
      }
      const entry: PathEntry = {
        dir: addition.value.path,
        origin: 'conftest',
        file,
        call: addition.call,
        chain: addition.value.chain,
        description: `added by ${project.relative(file.path)}`,
      };
      (addition.how === 'insert' ? entries : appended).push(entry);
    }
  }
  const pytestDirs = new Set<string>();
  for (const file of [...suite.testModules, ...[...allConftests].reverse()]) {
    const dir = pytestBasedir(file.path);
    if (pytestDirs.has(dir)) continue;
    pytestDirs.add(dir);
    entries.push({ dir, origin: 'pytest', description: `put there by pytest for ${project.relative(file.path)}` });
  }
  for (const item of project.pytest.pythonpath) {
    entries.push({ dir: path.resolve(project.root, item), origin: 'pythonpath', description: `\`pythonpath\` in ${project.pytest.source ? path.basename(project.pytest.source) : 'the pytest configuration'}` });
  }
  entries.push(...appended);

  const declared: Declared[] = [];
  const seenPyproject = new Set<string>();
  const suiteRel = project.relative(suite.dir).split('/');
  for (let length = 0; length <= suiteRel.length; length++) {
    const candidate = path.join(project.root, ...suiteRel.slice(0, length), 'pyproject.toml');
    if (seenPyproject.has(candidate)) continue;
    seenPyproject.add(candidate);
    const read = readDeclared(candidate);
    if (read && (read.names.size || read.everythingUnder.length)) {
      declared.push(read);
      for (const dir of [path.dirname(candidate), path.join(path.dirname(candidate), 'src')]) {
        entries.push({ dir, origin: 'installed', description: `installed from ${project.relative(candidate)}` });
      }
    }
  }

  // A runner that sets PYTHONPATH or runs `python -m pytest` (which adds the working directory) adds what we cannot see.
  let pathUnknown = opaqueEntries.length > 0;
  for (const shell of project.shellFiles()) {
    if (/\bPYTHONPATH\b/.test(shell.text) || /\bpython[0-9.]*\s+-m\s+pytest\b/.test(shell.text)) pathUnknown = true;
  }
  if (project.pytest.env.has('PYTHONPATH') || /--import-mode[= ](append|importlib)/.test(project.pytest.addopts)) pathUnknown = true;
  if (/--rootdir|-p\s+no:python_path/.test(project.pytest.addopts)) pathUnknown = true;
  // A pytest configuration below the project root (`backend/pytest.ini`) may add its own `pythonpath`.
  for (let length = 1; length <= suiteRel.length; length++) {
    const dir = path.join(project.root, ...suiteRel.slice(0, length));
    for (const name of ['pytest.ini', 'pyproject.toml', 'tox.ini', 'setup.cfg']) {
      const candidate = path.join(dir, name);
      if (kindOf(candidate) !== 'file') continue;
      try {
        if (/pythonpath/.test(readFileSync(candidate, 'utf8'))) pathUnknown = true;
      } catch {
        pathUnknown = true;
      }
    }
  }

  const entryDirs = (): string[] => entries.map((entry) => entry.dir);
  // Installed entries are only for their declared packages: resolve others without them.
  const plainDirs = entries.filter((entry) => entry.origin !== 'installed').map((entry) => entry.dir);

  const projectTops = projectTopNames(project);

  const modules = new Map<string, ModuleRef>();
  const moduleRef = (resolved: ResolvedModule): ModuleRef => {
    const key = resolved.dotted;
    const known = modules.get(key);
    if (known) return known;
    const discovered = resolved.file ? byPath.get(resolved.file) : undefined;
    const source = discovered && discovered.language === 'python' ? project.load(discovered) : null;
    const ref: ModuleRef = { dotted: resolved.dotted, source, filePath: resolved.file, isPackage: resolved.dirs.length > 0 };
    modules.set(key, ref);
    return ref;
  };

  const resolveDotted = (dotted: string): ResolvedModule | null => {
    const top = dotted.split('.')[0]!;
    const plain = resolveModule(plainDirs, dotted);
    if (plain) return plain;
    if (isDeclared(declared, top, null)) return resolveModule(entryDirs(), dotted);
    return null;
  };

  // --- the conftests' imports of project modules
  const conftestImports: ProjectImport[] = [];
  for (const file of conftests) {
    const module = pyModule(file);
    if (!module) continue;
    for (const statement of treeNodesOfType(module.root.tree, ['import_statement', 'import_from_statement'])) {
      for (const imported of importedModules(statement)) {
        const top = imported.dotted.split('.')[0]!;
        if (STDLIB.has(top) || !projectTops.has(top)) continue;
        const resolved = resolveDotted(imported.dotted);
        const installed = isDeclared(declared, top, resolved?.file ?? null);
        conftestImports.push({ file, statement, moduleNode: imported.node, dotted: imported.dotted, top, resolved, installed });
      }
    }
  }

  // --- names: from a node in some file to the symbol it stands for
  const refOfFile = new Map<string, ModuleRef>();
  const symbolIn = (ref: ModuleRef, name: string, depth: number): SymbolRef | null => {
    if (depth > MAX_DEPTH) return null;
    const module = ref.source ? pyModule(ref.source) : null;
    if (!module) return null;
    const fn = module.functions.find((candidate) => !candidate.className && candidate.name === name);
    const binding = module.imports.get(name);
    const assigned = module.assignments.get(name);
    // The last top-level binding wins; a definition and an import of one name is rare: prefer the definition.
    if (fn) return { dotted: ref.dotted, name, filePath: ref.filePath, kind: 'function', fn, module };
    if (module.classes.has(name)) return { dotted: ref.dotted, name, filePath: ref.filePath, kind: 'class', module };
    if (assigned) {
      const value = unparenthesize(assigned.value);
      if (value.type === 'identifier' || value.type === 'attribute') {
        const followed = resolveIn(module, ref, value, depth + 1);
        if (followed) return followed;
      }
      return { dotted: ref.dotted, name, filePath: ref.filePath, kind: 'value', module };
    }
    if (binding) return followBinding(ref, binding, depth + 1);
    if (ref.isPackage) {
      const sub = resolveDotted(`${ref.dotted}.${name}`);
      if (sub) return { dotted: sub.dotted, name: '', filePath: sub.file, kind: 'module' };
    }
    return null;
  };
  const followBinding = (ref: ModuleRef | null, binding: ImportBinding, depth: number): SymbolRef | null => {
    if (depth > MAX_DEPTH) return null;
    let target: string | null = binding.module;
    if (binding.level > 0) {
      if (!ref) return null;
      target = absoluteName(ref.dotted, ref.isPackage, binding.level, binding.module);
      if (!target) return null;
    }
    if (!binding.name) {
      const resolved = resolveDotted(target);
      return resolved ? { dotted: resolved.dotted, name: '', filePath: resolved.file, kind: 'module' } : null;
    }
    const resolved = resolveDotted(target);
    if (!resolved) return null;
    const symbol = symbolIn(moduleRef(resolved), binding.name, depth + 1);
    if (symbol) return symbol;
    const sub = resolveDotted(`${target}.${binding.name}`);
    if (sub) return { dotted: sub.dotted, name: '', filePath: sub.file, kind: 'module' };
    return null;
  };
  const resolveIn = (module: PyModule, ref: ModuleRef | null, node: Node, depth: number): SymbolRef | null => {
    if (depth > MAX_DEPTH) return null;
    const expression = unparenthesize(node);
    if (expression.type === 'identifier') {
      const name = expression.text;
      const local = localImport(expression, name);
      if (local) return followBinding(ref, local, depth + 1);
      const fn = module.functions.find((candidate) => !candidate.className && candidate.name === name);
      if (fn) return { dotted: ref?.dotted ?? module.file.path, name, filePath: module.file.path, kind: 'function', fn, module };
      const binding = module.imports.get(name);
      if (binding) return followBinding(ref, binding, depth + 1);
      if (ref) return symbolIn(ref, name, depth + 1);
      return null;
    }
    if (expression.type === 'attribute') {
      const object = expression.childForFieldName('object');
      const attribute = expression.childForFieldName('attribute')?.text;
      if (!object || !attribute) return null;
      const base = resolveIn(module, ref, object, depth + 1);
      if (base?.kind === 'module') {
        const resolved = resolveDotted(base.dotted);
        if (!resolved) return null;
        return symbolIn(moduleRef(resolved), attribute, depth + 1);
      }
      // `import backend.database` then `backend.database.get_session`.
      const dotted = qualifiedName(module, expression);
      if (dotted && !base) {
        const parts = dotted.split('.');
        for (let cut = parts.length - 1; cut >= 1; cut--) {
          const resolved = resolveDotted(parts.slice(0, cut).join('.'));
          if (resolved && cut === parts.length - 1) return symbolIn(moduleRef(resolved), parts[cut]!, depth + 1);
        }
      }
      return null;
    }
    return null;
  };
  const resolveName = (file: SourceFile, node: Node): SymbolRef | null => {
    const module = pyModule(file);
    if (!module) return null;
    return resolveIn(module, refOfFile.get(file.path) ?? null, node, 0);
  };

  // --- clients, overrides, resets in the suite
  const clients: ClientUse[] = [];
  const overrides: OverrideSet[] = [];
  const resets: OverrideReset[] = [];
  let overridesOpaque = false;
  for (const file of suiteFiles) {
    const module = pyModule(file);
    if (!module) continue;
    const isSuiteFile = file.path.startsWith(suite.dir + path.sep);
    if (isSuiteFile) {
      for (const call of nodesOfType(file, 'call')) {
        const client = clientOf(module, call);
        if (client) clients.push({ file, module, call, kind: client.kind, appNode: client.app, fn: enclosingFunctionOf(module, call) });
      }
    }
    const read = readOverrides(module);
    overrides.push(...read.sets);
    resets.push(...read.resets);
    overridesOpaque ||= read.opaque;
  }

  // --- the app
  const app = findApp(suite, clients, overrides, resolveDotted, moduleRef);
  const packageModules: ModuleRef[] = [];
  const depends: DependsUse[] = [];
  if (app?.packageDir && app.packageDotted !== null) {
    let count = 0;
    const base = app.packageDotted ? path.dirname(app.packageDir) : app.packageDir;
    for (const discovered of project.discovered) {
      if (count >= MAX_PACKAGE_FILES) break;
      if (discovered.language !== 'python' || !discovered.path.startsWith(app.packageDir + path.sep)) continue;
      const relative = path.relative(base, discovered.path).split(path.sep);
      if (relative.some((part) => part === 'tests' || part === 'test') || isTestFileName(path.basename(discovered.path))) continue;
      if (discovered.path.startsWith(suite.dir + path.sep)) continue;
      if (!relative.every((part, index) => (index === relative.length - 1 ? /^[A-Za-z_]\w*\.py$/.test(part) : /^[A-Za-z_]\w*$/.test(part)))) continue;
      const source = project.load(discovered);
      if (!source) continue;
      count++;
      const isInit = path.basename(discovered.path) === '__init__.py';
      const dottedParts = relative.map((part) => part.replace(/\.py$/, ''));
      if (isInit) dottedParts.pop();
      const ref: ModuleRef = { dotted: dottedParts.join('.'), source, filePath: discovered.path, isPackage: isInit };
      if (!ref.dotted) continue;
      if (!modules.has(ref.dotted)) modules.set(ref.dotted, ref);
      refOfFile.set(discovered.path, modules.get(ref.dotted)!);
      packageModules.push(modules.get(ref.dotted)!);
    }
    for (const ref of packageModules) {
      const module = ref.source ? pyModule(ref.source) : null;
      if (!module) continue;
      for (const call of nodesOfType(module.file, 'call')) {
        const name = calleeName(module, call);
        if (!name || !/(^|\.)(Depends|Security)$/.test(name)) continue;
        const args = callArguments(call);
        const argument = args.positional[0] ?? args.keywords.get('dependency') ?? null;
        if (!argument) continue; // `Depends()` with a class annotation
        depends.push({ module, ref, call, argument, target: resolveIn(module, ref, argument, 0) });
      }
    }
  }

  // --- database dependencies
  const dbDependencies: DbDependency[] = [];
  const seen = new Set<string>();
  const factoryNames = sessionFactoryNames(packageModules);
  for (const use of depends) {
    const target = use.target;
    if (!target || target.kind !== 'function' || !target.fn || !target.module) continue;
    const key = symbolKey(target);
    if (seen.has(key)) continue;
    const reason = dbReason(target.module, target.fn, factoryNames) ?? (project.config.dbDependencies.includes(target.name) ? `is named in db-dependencies` : null);
    if (!reason) continue;
    seen.add(key);
    dbDependencies.push({ symbol: target, reason });
  }
  let dbFromApp = true;
  if (!app) {
    dbFromApp = false;
    for (const file of conftests) {
      const module = pyModule(file);
      if (!module) continue;
      for (const statement of treeNodesOfType(module.root.tree, 'import_from_statement')) {
        for (const child of statement.namedChildren) {
          const nameNode = child.type === 'aliased_import' ? child.childForFieldName('name') : child.type === 'dotted_name' && child !== statement.childForFieldName('module_name') ? child : null;
          if (!nameNode || sameNode(nameNode, statement.childForFieldName('module_name') ?? statement)) continue;
          const name = nameNode.text;
          if (!project.config.dbDependencies.includes(name) || seen.has(name)) continue;
          seen.add(name);
          const moduleName = statement.childForFieldName('module_name')?.text ?? '';
          dbDependencies.push({ symbol: { dotted: moduleName, name, filePath: null, kind: 'function' }, reason: 'is named in db-dependencies' });
        }
      }
    }
  }

  const settingsSet = settingsNames(suite, allConftests);

  return {
    suite,
    entries,
    opaqueEntries,
    pathUnknown,
    declared,
    conftestImports,
    clients,
    overrides,
    resets,
    overridesOpaque,
    app,
    packageModules,
    depends,
    dbDependencies,
    dbFromApp,
    settingsSet,
    resolveName,
    moduleRef,
    entryDirs,
  };
}

function isTestFileName(base: string): boolean {
  return base === 'conftest.py' || base.startsWith('test_') || base.endsWith('_test.py');
}

const topNames = new WeakMap<Project, Set<string>>();

/** Every folder and module name in the project: an import whose first part is none of them is third-party. */
function projectTopNames(project: Project): Set<string> {
  // The project's files do not change during a run: one answer for all its suites (read only).
  let names = topNames.get(project);
  if (!names) {
    names = readProjectTopNames(project);
    topNames.set(project, names);
  }
  return names;
}

function readProjectTopNames(project: Project): Set<string> {
  const names = new Set<string>();
  for (const file of project.discovered) {
    if (file.language !== 'python') continue;
    const parts = project.relative(file.path).split('/');
    if (parts[0] === '..') continue;
    for (const [index, part] of parts.entries()) names.add(index === parts.length - 1 ? part.replace(/\.py$/, '') : part);
  }
  return names;
}

/** The modules an import statement needs: `import a.b` -> a.b; `from a.b import c` -> a.b. Relative imports are skipped. */
function importedModules(statement: Node): Array<{ dotted: string; node: Node }> {
  if (statement.type === 'import_statement') {
    const found: Array<{ dotted: string; node: Node }> = [];
    for (const child of statement.namedChildren) {
      const nameNode = child.type === 'aliased_import' ? child.childForFieldName('name') : child.type === 'dotted_name' ? child : null;
      if (nameNode) found.push({ dotted: nameNode.text, node: nameNode });
    }
    return found;
  }
  const moduleNode = statement.childForFieldName('module_name');
  if (!moduleNode || moduleNode.type !== 'dotted_name') return [];
  return [{ dotted: moduleNode.text, node: moduleNode }];
}

/** An import of `name` inside the functions around `at` (fixtures import the app inside their body). */
function localImport(at: Node, name: string): ImportBinding | null {
  for (const definition of enclosingDefinitions(at)) {
    const body = definition.childForFieldName('body');
    if (!body) continue;
    for (const statement of nodesInOwnScope(body, new Set(['import_statement', 'import_from_statement']))) {
      const binding = bindingIn(statement, name);
      if (binding) return binding;
    }
  }
  return null;
}

function bindingIn(statement: Node, name: string): ImportBinding | null {
  if (statement.type === 'import_statement') {
    for (const child of statement.namedChildren) {
      if (child.type === 'dotted_name' && child.text.split('.')[0] === name) return { module: name, level: 0, node: statement };
      if (child.type === 'aliased_import' && child.childForFieldName('alias')?.text === name) {
        return { module: child.childForFieldName('name')!.text, level: 0, node: statement };
      }
    }
    return null;
  }
  const moduleNode = statement.childForFieldName('module_name');
  if (!moduleNode) return null;
  let level = 0;
  let moduleName = moduleNode.text;
  if (moduleNode.type === 'relative_import') {
    level = moduleNode.namedChildren.find((c) => c.type === 'import_prefix')?.text.length ?? 0;
    moduleName = moduleNode.namedChildren.find((c) => c.type === 'dotted_name')?.text ?? '';
  }
  for (const child of statement.namedChildren) {
    if (sameNode(child, moduleNode)) continue;
    if (child.type === 'dotted_name' && child.text === name) return { module: moduleName, name, level, node: statement };
    if (child.type === 'aliased_import' && child.childForFieldName('alias')?.text === name) {
      return { module: moduleName, name: child.childForFieldName('name')!.text, level, node: statement };
    }
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Clients

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

// ---------------------------------------------------------------------------------------------
// dependency_overrides

function insideFinally(node: Node): boolean {
  for (let current: Node | null = node.parent; current; current = current.parent) {
    if (current.type === 'finally_clause') return true;
    if (current.type === 'function_definition') return false;
  }
  return false;
}

function readOverrides(module: PyModule): { sets: OverrideSet[]; resets: OverrideReset[]; opaque: boolean } {
  const file = module.file;
  const sets: OverrideSet[] = [];
  const resets: OverrideReset[] = [];
  let opaque = false;
  // Only attributes named `dependency_overrides` matter, and their name is written in the file.
  if (!file.text.includes('dependency_overrides')) return { sets, resets, opaque };
  for (const attribute of module.root.descendantsOfType('attribute')) {
    if (attribute.childForFieldName('attribute')?.text !== 'dependency_overrides') continue;
    const appNode = attribute.childForFieldName('object')!;
    const parent = attribute.parent;
    const fn = enclosingFunctionOf(module, attribute);
    const reset = (node: Node, kind: ResetKind, key: Node | null): void => {
      resets.push({ file, node, kind, key, fn, inFinally: insideFinally(node) });
    };
    if (parent?.type === 'subscript' && sameNode(parent.childForFieldName('value')!, attribute)) {
      const key = parent.childForFieldName('subscript');
      const holder = parent.parent;
      if (holder?.type === 'assignment' && sameNode(holder.childForFieldName('left')!, parent) && key) {
        const value = holder.childForFieldName('right');
        if (value) sets.push({ file, module, node: holder, appNode, key, value, fn });
        continue;
      }
      if (holder?.type === 'delete_statement' || holder?.parent?.type === 'delete_statement') {
        reset(holder, 'del', key);
        continue;
      }
      continue; // a read: `app.dependency_overrides[x]`
    }
    if (parent?.type === 'assignment' && sameNode(parent.childForFieldName('left')!, attribute)) {
      const right = parent.childForFieldName('right');
      const value = right ? unparenthesize(right) : null;
      if (value?.type === 'dictionary') {
        const pairs = value.namedChildren.filter((child) => child.type === 'pair');
        if (pairs.length === 0) reset(parent, 'assign', null);
        for (const pair of pairs) {
          const key = pair.childForFieldName('key');
          const pairValue = pair.childForFieldName('value');
          if (key && pairValue) sets.push({ file, module, node: parent, appNode, key, value: pairValue, fn });
        }
        if (value.namedChildren.some((child) => child.type === 'dictionary_splat')) opaque = true;
      } else {
        // `= saved` restores; `= dict()` clears.
        reset(parent, 'assign', null);
      }
      continue;
    }
    if (parent?.type === 'attribute' && parent.parent?.type === 'call') {
      const method = parent.childForFieldName('attribute')?.text;
      const call = parent.parent;
      const args = callArguments(call);
      if (method === 'clear') reset(call, 'clear', null);
      else if (method === 'pop') reset(call, 'pop', args.positional[0] ?? null);
      else if (method === 'update') {
        const only = args.positional[0] ? unparenthesize(args.positional[0]) : null;
        if (only?.type === 'dictionary' && !args.hasSplat) {
          for (const pair of only.namedChildren.filter((child) => child.type === 'pair')) {
            const key = pair.childForFieldName('key');
            const pairValue = pair.childForFieldName('value');
            if (key && pairValue) sets.push({ file, module, node: call, appNode, key, value: pairValue, fn });
          }
          if (only.namedChildren.some((child) => child.type === 'dictionary_splat')) opaque = true;
        } else if (args.positional.length === 0 && args.keywords.size === 0 && !args.hasSplat) {
          // nothing
        } else {
          opaque = true;
          if (insideFinally(call)) reset(call, 'update', null);
        }
      } else if (method === 'get' || method === 'copy' || method === 'items' || method === 'keys' || method === 'values') {
        // reads
      } else {
        opaque = true;
      }
      continue;
    }
    // Passed around (`overrides = app.dependency_overrides`, `monkeypatch.setitem(app.dependency_overrides, ...)`): unknown.
    if (parent?.type === 'comparison_operator' || parent?.type === 'not_operator') continue;
    opaque = true;
  }
  return { sets, resets, opaque };
}

// ---------------------------------------------------------------------------------------------
// Finding the app

function fixturesNamed(files: SourceFile[], name: string): Array<{ module: PyModule; fn: FunctionInfo }> {
  const found: Array<{ module: PyModule; fn: FunctionInfo }> = [];
  for (const file of files) {
    const module = pyModule(file);
    if (!module) continue;
    for (const fn of module.functions) {
      if (fn.className || !fixtureDecorator(module, fn)) continue;
      if (fn.name === name) found.push({ module, fn });
    }
  }
  return found;
}

/** The values a function hands out (`return X`, `yield X`), not counting nested functions. */
export function handedOut(fn: FunctionInfo): Node[] {
  const body = fn.node.childForFieldName('body');
  if (!body) return [];
  const values: Node[] = [];
  for (const node of nodesInOwnScope(body, new Set(['return_statement', 'yield']))) {
    if (node.type === 'yield' && node.children.some((child) => child.type === 'from')) continue;
    const value = node.namedChild(0);
    if (value) values.push(value);
  }
  return values;
}

function findApp(
  suite: Suite,
  clients: ClientUse[],
  overrides: OverrideSet[],
  resolveDotted: (dotted: string) => ResolvedModule | null,
  moduleRef: (resolved: ResolvedModule) => ModuleRef,
): AppRef | null {
  const files = uniqueFiles([...suite.conftests, ...suite.outerConftests, ...suite.testModules]);
  const candidates: Array<{ module: PyModule; node: Node }> = [];
  for (const client of clients) if (client.appNode) candidates.push({ module: client.module, node: client.appNode });
  for (const set of overrides) candidates.push({ module: set.module, node: set.appNode });

  const follow = (module: PyModule, node: Node, depth: number): AppRef | null => {
    if (depth > MAX_DEPTH) return null;
    const expression = unparenthesize(node);
    if (expression.type === 'attribute' && expression.childForFieldName('attribute')?.text === 'app') {
      // `c.app.dependency_overrides` / `client.app`: the client's app; followed through its construction elsewhere.
      return null;
    }
    if (expression.type === 'call') {
      const fnNode = expression.childForFieldName('function');
      if (!fnNode) return null;
      const factory = follow(module, fnNode, depth + 1);
      return factory ? { ...factory, factoryCall: expression } : null;
    }
    if (expression.type !== 'identifier') return null;
    const name = expression.text;
    const local = localValue(expression, name);
    if (local) return follow(module, local, depth + 1);
    if (local === null) return null;
    const binding = localImport(expression, name) ?? null;
    const fn = enclosingFunctionOf(module, expression);
    if (!binding && fn?.parameters.includes(name)) {
      for (const fixture of fixturesNamed(files, name)) {
        for (const value of handedOut(fixture.fn)) {
          const found = follow(fixture.module, value, depth + 1);
          if (found) return found;
        }
      }
      return null;
    }
    const imported = binding ?? module.imports.get(name) ?? null;
    if (imported) {
      if (imported.level > 0 || !imported.name) return null;
      const resolved = resolveDotted(imported.module);
      if (!resolved) return null;
      return appIn(moduleRef(resolved), imported.name, resolveDotted, moduleRef, depth + 1);
    }
    const assigned = module.assignments.get(name);
    if (assigned) return follow(module, assigned.value, depth + 1);
    return null;
  };
  for (const candidate of candidates) {
    const found = follow(candidate.module, candidate.node, 0);
    if (found) return found;
  }
  return null;
}

/** Follows `name` in an app module through re-exports (`from .main import app`) to where it is defined. */
function appIn(
  ref: ModuleRef,
  name: string,
  resolveDotted: (dotted: string) => ResolvedModule | null,
  moduleRef: (resolved: ResolvedModule) => ModuleRef,
  depth: number,
): AppRef | null {
  if (depth > MAX_DEPTH) return null;
  const module = ref.source ? pyModule(ref.source) : null;
  if (module) {
    const binding = module.imports.get(name);
    if (binding?.name && !module.assignments.has(name) && !module.functions.some((fn) => fn.name === name && !fn.className)) {
      const target = binding.level > 0 ? absoluteName(ref.dotted, ref.isPackage, binding.level, binding.module) : binding.module;
      const resolved = target ? resolveDotted(target) : null;
      if (resolved) return appIn(moduleRef(resolved), binding.name, resolveDotted, moduleRef, depth + 1);
    }
  }
  if (!ref.filePath) return null;
  const top = ref.dotted.split('.')[0]!;
  const topResolved = resolveDotted(top);
  if (!topResolved) return null;
  if (ref.dotted.includes('.') || topResolved.dirs.length > 0) {
    return { module: ref, name, factoryCall: null, packageDir: topResolved.dirs[0] ?? null, packageDotted: top };
  }
  // A top-level module (`main.py` on the path): its folder is the app.
  return { module: ref, name, factoryCall: null, packageDir: path.dirname(ref.filePath), packageDotted: '' };
}

// ---------------------------------------------------------------------------------------------
// Which functions open a database session

const SESSION_CLASSES = new Set(['Session', 'AsyncSession', 'SQLModelSession', 'scoped_session']);
const FACTORY_MAKERS = new Set(['sessionmaker', 'async_sessionmaker', 'scoped_session']);

/** Module-level `SessionLocal = sessionmaker(...)` names across the app package. */
function sessionFactoryNames(modules: ModuleRef[]): Set<string> {
  const names = new Set<string>();
  for (const ref of modules) {
    const module = ref.source ? pyModule(ref.source) : null;
    if (!module) continue;
    for (const [name, { value }] of module.assignments) {
      const expression = unparenthesize(value);
      if (expression.type !== 'call') continue;
      const callee = calleeName(module, expression);
      if (callee && FACTORY_MAKERS.has(lastSegment(callee))) names.add(name);
    }
  }
  return names;
}

function isSessionCall(module: PyModule, node: Node, factories: Set<string>): boolean {
  const expression = unparenthesize(node.type === 'await' ? node.namedChild(0) ?? node : node);
  if (expression.type !== 'call') return false;
  const fnNode = expression.childForFieldName('function');
  if (fnNode?.type === 'call') {
    const inner = calleeName(module, fnNode);
    return inner !== null && FACTORY_MAKERS.has(lastSegment(inner));
  }
  const callee = calleeName(module, expression);
  if (!callee) return false;
  const last = lastSegment(callee);
  return SESSION_CLASSES.has(last) || factories.has(last) || factories.has(callee);
}

/** A DB agent: `DBAgent(...)`, `dbagent`, `db_agent`, `request.app.state.dbagent`, a bare `agent` (not `user_agent`). */
function isAgentExpression(node: Node): boolean {
  return (node.text.match(/[A-Za-z_]\w*/g) ?? []).some((word) => /^(db_?)?agent$/i.test(word) || /db_?agent/i.test(word));
}

/** Why this function is a database dependency, or null: it yields or returns a session or a DB agent. */
export function dbReason(module: PyModule, fn: FunctionInfo, factories: Set<string>): string | null {
  const body = fn.node.childForFieldName('body');
  if (!body) return null;
  const locals = new Map<string, Node[]>();
  for (const node of nodesInOwnScope(body, new Set(['assignment', 'as_pattern']))) {
    if (node.type === 'assignment') {
      const left = node.childForFieldName('left');
      const right = node.childForFieldName('right');
      if (left?.type === 'identifier' && right) locals.set(left.text, [...(locals.get(left.text) ?? []), right]);
    } else {
      const target = node.childForFieldName('alias')?.namedChild(0);
      const value = node.namedChild(0);
      if (target?.type === 'identifier' && value) locals.set(target.text, [...(locals.get(target.text) ?? []), value]);
    }
  }
  for (const statement of nodesInOwnScope(body, new Set(['return_statement', 'yield']))) {
    if (statement.type === 'yield' && statement.children.some((child) => child.type === 'from')) continue;
    const raw = statement.namedChild(0);
    if (!raw) continue;
    const value = unparenthesize(raw);
    const verb = statement.type === 'yield' ? 'yields' : 'returns';
    const values = value.type === 'identifier' ? locals.get(value.text) ?? [] : [value];
    if (values.some((candidate) => isSessionCall(module, candidate, factories))) return `${verb} a database session`;
    if (isAgentExpression(value) || values.some((candidate) => isAgentExpression(candidate))) return `${verb} a DB agent`;
  }
  return null;
}

// ---------------------------------------------------------------------------------------------
// Environment variables and settings the suite sets

function settingsNames(suite: Suite, conftests: SourceFile[]): Set<string> {
  const names = new Set<string>();
  for (const key of suite.project.pytest.env.keys()) names.add(key);
  for (const file of conftests) {
    const module = pyModule(file);
    if (!module) continue;
    for (const call of nodesOfType(file, 'call')) {
      const name = calleeName(module, call);
      if (name === null) continue;
      if (name === 'os.environ.setdefault' || name === 'os.putenv' || /(^|\.)setenv$/.test(name)) {
        const args = callArguments(call);
        const first = args.positional[0] ? stringValue(module, args.positional[0]) : null;
        if (first) names.add(first);
      } else if (name === 'os.environ.update') {
        for (const key of callArguments(call).keywords.keys()) names.add(key);
      }
    }
    for (const assignment of nodesOfType(file, 'assignment')) {
      const left = assignment.childForFieldName('left');
      if (left?.type === 'subscript' && qualifiedName(module, left.childForFieldName('value')) === 'os.environ') {
        const key = stringValue(module, left.childForFieldName('subscript'));
        if (key) names.add(key);
      }
      if (left?.type === 'attribute' && /settings|config/i.test(left.childForFieldName('object')?.text ?? '')) {
        names.add(left.childForFieldName('attribute')!.text);
      }
    }
  }
  return names;
}

/** Does the DB dependency (or the settings of its package) read one of the names the suite sets? */
export function readsSuiteSetting(model: AppModel, dependency: DbDependency): string | null {
  if (model.settingsSet.size === 0) return null;
  const texts: string[] = [];
  if (dependency.symbol.module) texts.push(dependency.symbol.module.file.text);
  for (const ref of model.packageModules) {
    if (ref.source && /(^|\.)(settings|config|core)(\.|$)/.test(ref.dotted)) texts.push(ref.source.text);
  }
  for (const name of model.settingsSet) {
    const pattern = new RegExp(`\\b${name.replace(/[^\w]/g, '')}\\b`, 'i');
    if (texts.some((text) => pattern.test(text))) return name;
  }
  return null;
}

