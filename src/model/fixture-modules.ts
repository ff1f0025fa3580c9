// The modules pytest loads fixtures from, besides the test module itself: conftests, the modules a
// conftest's `pytest_plugins` names, and project modules a conftest or test module imports fixtures
// from (`from tests.fixtures import *`, `from .fixtures import client`). Read off the Python model.
import path from 'node:path';
import type Parser from 'tree-sitter';
import { perFile, type SourceFile } from '../source.js';
import { fixtureDecorator, pyModule, stringValue, unparenthesize, type FunctionInfo, type PyModule } from './python.js';
import { pytestBasedir } from './app/sys-path.js';
import { resolveModule } from './app/resolve.js';
import type { Project } from './suite.js';
import { pytestConfigFor } from './suite-pytest-config.js';
import { pytestRootdir } from './pytest-config.js';

type Node = Parser.SyntaxNode;

/** How a fixture module came to be loaded. */
export type LoadedVia = 'conftest' | 'pytest_plugins' | 'star-import' | 'import';

export interface FixtureModule {
  file: SourceFile;
  via: LoadedVia;
  /** The module that names it (null for a conftest, which pytest finds by itself). */
  from: SourceFile | null;
  /**
   * Which tests see its fixtures: those at or below this absolute path (a conftest's folder; the
   * project root for a `pytest_plugins` module, which pytest registers for the whole session; the
   * importing test module's own path for a module imported by a test module).
   */
  scope: string;
}

/** The project's Python file at an absolute path, loaded; null when the project has none there. */
export function projectPythonFile(project: Project, absolute: string): SourceFile | null {
  const found = project.files.get(absolute);
  return found?.language === 'python' ? project.load(found) : null;
}

/**
 * The project's Python file at an absolute path, loaded only when its text passes `mayHold`: a caller that
 * looks for what some words must spell does not parse the modules that spell none. A file that cannot be
 * read is loaded, which reports it.
 */
function projectPythonFileHolding(project: Project, absolute: string, mayHold: (text: string) => boolean): SourceFile | null {
  const text = project.peekText(absolute);
  return text !== null && !mayHold(text) ? null : projectPythonFile(project, absolute);
}

/** `pytest_plugins = "a.b"` or `pytest_plugins = ["a.b", ...]`: the dotted names given. */
export function pytestPluginNames(module: PyModule): string[] {
  const assigned = module.assignments.get('pytest_plugins');
  if (!assigned) return [];
  const value = unparenthesize(assigned.value);
  const items = value.type === 'list' || value.type === 'tuple' ? value.namedChildren : [value];
  return items.map((item) => stringValue(module, item)).filter((name): name is string => name !== null && name.length > 0);
}

interface ImportedModule {
  dotted: string;
  level: number;
  star: boolean;
  /** For `from m import name`: the name, which may itself be a submodule. */
  names: string[];
}

const fromImportsCache = perFile<ImportedModule[]>();

/** The module-level `from ... import ...` statements of a module (star imports included), read once per module. */
function fromImports(module: PyModule): ImportedModule[] {
  let found = fromImportsCache.get(module.file);
  if (!found) {
    found = readFromImports(module);
    fromImportsCache.set(module.file, found);
  }
  return found;
}

function readFromImports(module: PyModule): ImportedModule[] {
  const found: ImportedModule[] = [];
  for (const statement of module.root.namedChildren) {
    if (statement.type !== 'import_from_statement') continue;
    const moduleNode = statement.childForFieldName('module_name');
    if (!moduleNode) continue;
    let level = 0;
    let dotted = moduleNode.text;
    if (moduleNode.type === 'relative_import') {
      level = moduleNode.namedChildren.find((child) => child.type === 'import_prefix')?.text.length ?? 0;
      dotted = moduleNode.namedChildren.find((child) => child.type === 'dotted_name')?.text ?? '';
    }
    const others = statement.namedChildren.filter((child) => child.startIndex !== moduleNode.startIndex);
    const star = others.some((child: Node) => child.type === 'wildcard_import');
    const names = others
      .map((child) => (child.type === 'aliased_import' ? child.childForFieldName('name')?.text : child.type === 'dotted_name' ? child.text : undefined))
      .filter((name): name is string => Boolean(name));
    found.push({ dotted, level, star, names });
  }
  return found;
}

const entriesByFile = perFile<string[]>();

/** Where a module imported from `file` is searched: pytest's rootdir insertion, the project root, `pythonpath` (once per file; do not modify). */
function searchEntries(project: Project, file: SourceFile): string[] {
  let entries = entriesByFile.get(file);
  if (!entries) {
    entries = searchEntriesAt(project, file.path);
    entriesByFile.set(file, entries);
  }
  return entries;
}

function searchEntriesAt(project: Project, filePath: string): string[] {
  const pytest = pytestConfigFor(project, path.dirname(filePath));
  const configDir = pytestRootdir(pytest, project.root);
  return [...new Set([pytestBasedir(filePath), project.root, ...pytest.pythonpath.map((entry) => path.resolve(configDir, entry))])];
}

/**
 * Where each import of a file leads (`level:dotted` → the module's path, null when it has no file), kept
 * with the file: the fixture-module closures, the DB readers and the app engines each resolve the same
 * imports of the same modules again, and the answer depends only on the file and the folders.
 */
const resolvedPaths = perFile<Map<string, string | null>>();

/** The project file a module imported from `file` stands for (as pytest's sys.path finds it); null when outside the project. */
export function resolveDotted(project: Project, file: SourceFile, dotted: string, level: number): SourceFile | null {
  const target = resolveDottedPath(project, file, dotted, level);
  return target === null ? null : projectPythonFile(project, target);
}

/** The path of the file resolveDotted stands for, without loading it. */
function resolveDottedPath(project: Project, file: SourceFile, dotted: string, level: number): string | null {
  let known = resolvedPaths.get(file);
  if (!known) {
    known = new Map();
    resolvedPaths.set(file, known);
  }
  const key = `${level}:${dotted}`;
  let target = known.get(key);
  if (target === undefined) {
    target = resolvedPath(project, file, dotted, level);
    known.set(key, target);
  }
  return target;
}

function resolvedPath(project: Project, file: SourceFile, dotted: string, level: number): string | null {
  return resolvedPathFrom(file.path, dotted, level, () => searchEntries(project, file));
}

function resolvedPathFrom(filePath: string, dotted: string, level: number, entries: () => string[]): string | null {
  if (level > 0) {
    let base = path.dirname(filePath);
    for (let i = 1; i < level; i++) base = path.dirname(base);
    if (!dotted) return path.join(base, '__init__.py');
    return resolveModule([base], dotted)?.file ?? null;
  }
  return resolveModule(entries(), dotted)?.file ?? null;
}

function isConftest(file: SourceFile): boolean {
  return path.basename(file.path) === 'conftest.py';
}

/**
 * The project files a `from ... import ...` may load fixtures from: the module, and each name as a submodule
 * (`from tests import fixtures`) unless it imports `*`; not the importing file itself.
 */
function importedPaths(imported: ImportedModule, importer: string, resolve: (dotted: string, level: number) => string | null): string[] {
  const dotteds = [imported.dotted];
  if (!imported.star) for (const name of imported.names) dotteds.push(imported.dotted ? `${imported.dotted}.${name}` : name);
  const found: string[] = [];
  for (const dotted of dotteds) {
    const target = resolve(dotted, imported.level);
    if (target !== null && target !== importer) found.push(target);
  }
  return found;
}

/**
 * Can a module with this text define a fixture or name plugins (see definesFixtures)? It spells `fixture`
 * in a fixture's decorator or in the import of one under another name, or `pytest_plugins`. The modules a
 * test imports are mostly the app's (its models, its settings): told from the text, they are not parsed.
 */
function mayDefineFixtures(text: string): boolean {
  return text.includes('fixture') || text.includes('pytest_plugins');
}

function definesFixtures(module: PyModule): boolean {
  return module.functions.some((fn) => !fn.className && fixtureDecorator(module, fn) !== null) || pytestPluginNames(module).length > 0;
}

/**
 * The fixture modules one file makes pytest load (one step: its plugins and the modules it imports
 * fixtures from). Imported modules get `scope` (default: what the importing file's tests see).
 */
export function directFixtureModules(project: Project, file: SourceFile, scope: string = isConftest(file) ? path.dirname(file.path) : file.path): FixtureModule[] {
  const module = pyModule(file);
  if (!module) return [];
  const found: FixtureModule[] = [];
  for (const dotted of pytestPluginNames(module)) {
    const target = resolveDotted(project, file, dotted, 0);
    if (target) found.push({ file: target, via: 'pytest_plugins', from: file, scope: project.root });
  }
  for (const imported of fromImports(module)) {
    for (const candidate of importedPaths(imported, file.path, (dotted, level) => resolveDottedPath(project, file, dotted, level))) {
      const target = projectPythonFileHolding(project, candidate, mayDefineFixtures);
      const targetModule = target ? pyModule(target) : null;
      if (!target || !targetModule || !definesFixtures(targetModule)) continue;
      found.push({ file: target, via: imported.star ? 'star-import' : 'import', from: file, scope });
    }
  }
  return found;
}

/**
 * Can a module with this text (at `filePath`, not parsed) import fixtures from a project module, as
 * `directFixtureModules` finds them? Every `from ... import ...` the text spells is taken, wherever it stands
 * (in a function, a string, a comment: more than the module's own statements), with each word after
 * `import` as a possible submodule; yes when one leads to a project module whose text may define fixtures
 * or name plugins, or to one that cannot be read. It may say yes for nothing, never no for an import.
 */
export function mayImportFixtureModules(project: Project, filePath: string, text: string): boolean {
  let entries: string[] | null = null;
  const searched = () => (entries ??= searchEntriesAt(project, filePath));
  const ascii = ASCII_ONLY.test(text);
  const pattern = ascii ? FROM_IMPORT_ASCII : (fromImport ??= new RegExp(FROM_IMPORT, 'gu'));
  pattern.lastIndex = 0;
  for (let match = pattern.exec(text); match; match = pattern.exec(text)) {
    // A list of names longer than the pattern reads, or a parenthesized one it did not see closed: not read, so yes.
    if (match[2]!.length >= IMPORT_NAMES_READ || (match[2]!.startsWith('(') && !match[2]!.endsWith(')'))) return true;
    const spec = match[1]!.replace(/[ \t]+/g, '');
    const level = spec.length - spec.replace(/^\.+/, '').length;
    // Every word after `import` is taken as a name (a `*` is no word: then there are none).
    const imported: ImportedModule = { dotted: spec.slice(level), level, star: false, names: match[2]!.split(ascii ? /[^\w.]+/ : (importedNames ??= new RegExp(String.raw`[^\p{L}\p{N}_.]+`, 'u'))).filter(Boolean) };
    for (const target of importedPaths(imported, filePath, (dotted, at) => resolvedPathFrom(filePath, dotted, at, searched))) {
      const found = project.files.get(target);
      if (found?.language !== 'python') continue;
      const targetText = project.peekText(target);
      if (targetText === null || mayDefineFixtures(targetText)) return true;
    }
  }
  return false;
}

/**
 * The source of a pattern for `from MODULE import NAMES` as a text spells it: the module (leading dots, then names joined by dots, with
 * spaces beside the dots; line continuations after `from` and before `import`) and what follows `import` (a
 * parenthesized list over lines, or the rest of the line with its continuations), read up to
 * IMPORT_NAMES_READ characters. Each part can match in one way only, so a long line of text that is no
 * import costs one pass.
 */
const FROM_IMPORT = String.raw`\bfrom(?=[\s.\\])(?:[ \t]|\\\r?\n)*((?:\.[ \t]*)*(?:[\p{L}\p{N}_]+(?:[ \t]*\.[ \t]*[\p{L}\p{N}_]+)*)?)(?:[ \t]|\\\r?\n)*\bimport\b[ \t]*(\([^)]{0,4094}\)|(?:[^\n\\]|\\\r?\n|\\){0,4096})`;
const IMPORT_NAMES_READ = 4096;
/**
 * FROM_IMPORT for a text of ASCII characters only, where a name's characters are `\w`'s: the same matches,
 * without the cost per character of a Unicode pattern, nor that of compiling one (most modules are ASCII).
 */
const FROM_IMPORT_ASCII = new RegExp(FROM_IMPORT.replaceAll('[\\p{L}\\p{N}_]', '\\w'), 'g');
/**
 * FROM_IMPORT and the split of its names for a text beyond ASCII, made when such a text is first read.
 * They are kept as text until then: V8 parses a pattern when the expression that spells it is compiled
 * and again when it is made, and parsing `\p{L}` expands it into hundreds of ranges (about 5 M
 * instructions in a whole one-suite run of 330 M, where every text is ASCII).
 */
let fromImport: RegExp | undefined;
let importedNames: RegExp | undefined;
const ASCII_ONLY = /^[\x00-\x7f]*$/;

/**
 * Every fixture module the given files make pytest load, followed through plugins and imports of
 * plugins (a plugin module may name more plugins), the given files first, each file once.
 */
export function fixtureModuleClosure(project: Project, roots: FixtureModule[]): FixtureModule[] {
  const seen = new Set<string>();
  const result: FixtureModule[] = [];
  const queue = [...roots];
  while (queue.length > 0) {
    const next = queue.shift()!;
    if (seen.has(next.file.path)) continue;
    seen.add(next.file.path);
    result.push(next);
    queue.push(...directFixtureModules(project, next.file, next.scope));
  }
  return result;
}

/**
 * The project function a module's name stands for when it was imported with `from m import name`
 * (`from tests.utils.docker_utils import start_database_container`), or defined in the module itself.
 * Null for names from outside the project.
 */
export function projectFunction(project: Project, module: PyModule, name: string): { module: PyModule; fn: FunctionInfo } | null {
  const local = module.functions.find((fn) => !fn.className && fn.name === name);
  if (local) return { module, fn: local };
  const binding = module.imports.get(name);
  if (!binding || binding.name === undefined) return null;
  const target = resolveDotted(project, module.file, binding.module.replace(/^\.+/, ''), binding.level);
  const targetModule = target ? pyModule(target) : null;
  const fn = targetModule?.functions.find((candidate) => !candidate.className && candidate.name === binding.name);
  return targetModule && fn ? { module: targetModule, fn } : null;
}

/**
 * The project modules a module imports from (`from m import ...`, resolved as pytest would): helpers its
 * fixtures call. Only those whose text passes `mayHold` are loaded (a file that cannot be read is loaded,
 * which reports it): the caller's words tell which modules can hold what it looks for without parsing the others.
 */
export function importedProjectModules(project: Project, file: SourceFile, mayHold: (text: string) => boolean = () => true): SourceFile[] {
  const module = pyModule(file);
  if (!module) return [];
  const found: SourceFile[] = [];
  for (const imported of fromImports(module)) {
    const targetPath = resolveDottedPath(project, file, imported.dotted, imported.level);
    if (targetPath === null || targetPath === file.path) continue;
    const target = projectPythonFileHolding(project, targetPath, mayHold);
    if (target) found.push(target);
  }
  return found;
}
