// Building the app model of a suite: sys.path, the imports of its conftests, its clients and
// overrides, the app they run and the dependencies its routes use, followed through imports.
import path from 'node:path';
import type Parser from 'tree-sitter';
import type { SourceFile } from '../../source.js';
import { relativePath, type DiscoveredFile } from '../../discover.js';
import type { Suite } from '../suite.js';
import {
  callArguments,
  calleeName,
  pyModule,
  qualifiedName,
  unparenthesize,
  type ImportBinding,
  type PyModule,
  sameNode,
} from '../python.js';
import { nodesOfType, treeNodesOfType } from '../tree-nodes.js';
import { MAX_DEPTH, MAX_PACKAGE_FILES, enclosingFunctionOf, localImport, uniqueFiles } from './helpers.js';
import { pytestBasedir, sysPathAdditions, type OpaqueEntry, type PathEntry } from './sys-path.js';
import { STDLIB, absoluteName, isDeclared, readDeclared, resolveModule, type Declared, type ResolvedModule } from './resolve.js';
import { symbolKey, type AppModel, type ClientUse, type DbDependency, type DependsUse, type ModuleRef, type OverrideReset, type OverrideSet, type ProjectImport, type SymbolRef } from './types.js';
import { clientOf } from './clients.js';
import { helperClients } from './helper-clients.js';
import { readOverrides } from './overrides.js';
import { findApp } from './find-app.js';
import { dbReason, sessionFactoryNames, textRulesOutDbReason } from './db-dependency.js';
import { settingsNames } from './settings.js';
import { suiteEnvSets } from './env-sets.js';
import { projectTopNames, scriptsSetPythonPath } from './project-facts.js';
import { isProjectImport, projectImportDirs } from './project-import.js';
import { fixtureModuleFiles, suitePythonFiles } from '../suite-modules.js';
import { pytestConfigFor, suitePytest } from '../suite-pytest-config.js';
import { pytestRootdir } from '../pytest-config.js';
import { perSuite } from '../suite-caches.js';

type Node = Parser.SyntaxNode;
const models = perSuite<AppModel>();

export function appModel(suite: Suite): AppModel {
  const cached = models.get(suite);
  if (cached) return cached;
  const model = buildModel(suite);
  models.set(suite, model);
  return model;
}


function buildModel(suite: Suite): AppModel {
  const project = suite.project;
  const conftests = uniqueFiles([...suite.conftests]);
  const allConftests = uniqueFiles([...suite.outerConftests, ...suite.conftests]);
  // Every module the suite's tests load: clients, overrides and resets count wherever they are written.
  const suiteFiles = suitePythonFiles(suite);

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
  const pytest = suitePytest(suite);
  const configDir = pytestRootdir(pytest, project.root);
  for (const item of pytest.pythonpath) {
    entries.push({ dir: path.resolve(configDir, item), origin: 'pythonpath', description: `\`pythonpath\` in ${pytest.source ? project.relative(pytest.source) : 'the pytest configuration'}` });
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
  let pathUnknown = opaqueEntries.length > 0 || scriptsSetPythonPath(project);
  // The suite's configuration, and any other one a run started higher up reads instead (the project
  // root's, when the suite's is a `backend/pytest.ini`): a path it changes may be the one the tests get.
  for (let length = suiteRel.length; length >= 0; length--) {
    const other = pytestConfigFor(project, path.join(project.root, ...suiteRel.slice(0, length)));
    if (other !== pytest && other.pythonpath.length > 0) pathUnknown = true;
    if (other.env.has('PYTHONPATH') || /--import-mode[= ](append|importlib)/.test(other.addopts)) pathUnknown = true;
    if (/--rootdir|-p\s+no:python_path/.test(other.addopts)) pathUnknown = true;
  }

  const entryDirs = (): string[] => entries.map((entry) => entry.dir);
  // Installed entries are only for their declared packages: resolve others without them.
  const plainDirs = entries.filter((entry) => entry.origin !== 'installed').map((entry) => entry.dir);

  const projectTops = projectTopNames(project);
  const importDirs = projectImportDirs(
    project.root,
    pytest.source,
    entryDirs(),
    entries.filter((entry) => entry.origin === 'conftest' && entry.file).map((entry) => entry.file!.path),
  );

  const modules = new Map<string, ModuleRef>();
  const moduleRef = (resolved: ResolvedModule): ModuleRef => {
    const key = resolved.dotted;
    const known = modules.get(key);
    if (known) return known;
    const discovered = resolved.file ? project.files.get(resolved.file) : undefined;
    const source = discovered && discovered.language === 'python' ? project.load(discovered) : null;
    const ref: ModuleRef = { dotted: resolved.dotted, source, filePath: resolved.file, isPackage: resolved.dirs.length > 0, text: () => source?.text ?? null };
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
        if (STDLIB.has(top) || !projectTops.has(top) || !isProjectImport(importDirs, imported.dotted, imported.names)) continue;
        const resolved = resolveDotted(imported.dotted);
        const installed = isDeclared(declared, top, resolved?.file ?? null);
        conftestImports.push({ file, statement, moduleNode: imported.node, dotted: imported.dotted, top, resolved, installed });
      }
    }
  }

  // --- names: from a node in some file to the symbol it stands for
  const refOfFile = new Map<string, ModuleRef>();
  // `judge`, when given, may answer for the name a chain ends at, in a module (not a package), from the
  // module's text alone: it is no database dependency there (see textRulesOutDbReason). Then the symbol
  // comes back as a function without its tree (no `fn`, no `module`), and the module is not parsed for it.
  const symbolIn = (ref: ModuleRef, name: string, depth: number, judge?: Judge): SymbolRef | null => {
    if (depth > MAX_DEPTH) return null;
    if (judge && !ref.isPackage && judge(ref, name)) return { dotted: ref.dotted, name, filePath: ref.filePath, kind: 'function' };
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
        const followed = resolveIn(module, ref, value, depth + 1, judge);
        if (followed) return followed;
      }
      return { dotted: ref.dotted, name, filePath: ref.filePath, kind: 'value', module };
    }
    if (binding) return followBinding(ref, binding, depth + 1, judge);
    if (ref.isPackage) {
      const sub = resolveDotted(`${ref.dotted}.${name}`);
      if (sub) return { dotted: sub.dotted, name: '', filePath: sub.file, kind: 'module' };
    }
    return null;
  };
  const followBinding = (ref: ModuleRef | null, binding: ImportBinding, depth: number, judge?: Judge): SymbolRef | null => {
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
    const symbol = symbolIn(moduleRef(resolved), binding.name, depth + 1, judge);
    if (symbol) return symbol;
    const sub = resolveDotted(`${target}.${binding.name}`);
    if (sub) return { dotted: sub.dotted, name: '', filePath: sub.file, kind: 'module' };
    return null;
  };
  const resolveIn = (module: PyModule, ref: ModuleRef | null, node: Node, depth: number, judge?: Judge): SymbolRef | null => {
    if (depth > MAX_DEPTH) return null;
    const expression = unparenthesize(node);
    if (expression.type === 'identifier') {
      const name = expression.text;
      const local = localImport(expression, name);
      if (local) return followBinding(ref, local, depth + 1, judge);
      const fn = module.functions.find((candidate) => !candidate.className && candidate.name === name);
      if (fn) return { dotted: ref?.dotted ?? module.file.path, name, filePath: module.file.path, kind: 'function', fn, module };
      const binding = module.imports.get(name);
      if (binding) return followBinding(ref, binding, depth + 1, judge);
      if (ref) return symbolIn(ref, name, depth + 1, judge);
      return null;
    }
    if (expression.type === 'attribute') {
      const object = expression.childForFieldName('object');
      const attribute = expression.childForFieldName('attribute')?.text;
      if (!object || !attribute) return null;
      // The object is followed in full: `judge` answers only for the name a chain ends at.
      const base = resolveIn(module, ref, object, depth + 1);
      if (base?.kind === 'module') {
        const resolved = resolveDotted(base.dotted);
        if (!resolved) return null;
        return symbolIn(moduleRef(resolved), attribute, depth + 1, judge);
      }
      // `import backend.database` then `backend.database.get_session`.
      const dotted = qualifiedName(module, expression);
      if (dotted && !base) {
        const parts = dotted.split('.');
        for (let cut = parts.length - 1; cut >= 1; cut--) {
          const resolved = resolveDotted(parts.slice(0, cut).join('.'));
          if (resolved && cut === parts.length - 1) return symbolIn(moduleRef(resolved), parts[cut]!, depth + 1, judge);
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
    for (const call of nodesOfType(file, 'call')) {
      const client = clientOf(module, call);
      if (client) clients.push({ file, module, call, kind: client.kind, appNode: client.app, fn: enclosingFunctionOf(module, call) });
    }
    const read = readOverrides(module);
    overrides.push(...read.sets);
    resets.push(...read.resets);
    overridesOpaque ||= read.opaque;
  }

  // --- the app
  // Clients a project helper builds for the suite (`make_client()` in tests/utils.py).
  const builtByHelpers = helperClients(suiteFiles, projectTops, resolveName);
  const app = findApp(suite, [...clients, ...builtByHelpers], overrides, resolveDotted, moduleRef);
  const packageModules: ModuleRef[] = [];
  const depends: DependsUse[] = [];
  let routesIncomplete = false;
  if (app?.packageDir && app.packageDotted !== null) {
    let count = 0;
    const base = app.packageDotted ? path.dirname(app.packageDir) : app.packageDir;
    for (const discovered of project.files.under(app.packageDir)) {
      if (count >= MAX_PACKAGE_FILES) break;
      if (discovered.language !== 'python') continue;
      const relative = relativePath(base, discovered.path).split('/');
      if (relative.some((part) => part === 'tests' || part === 'test') || isTestFileName(path.basename(discovered.path))) continue;
      if (discovered.path.startsWith(suite.dir + path.sep)) continue;
      if (!relative.every((part, index) => (index === relative.length - 1 ? /^[A-Za-z_]\w*\.py$/.test(part) : /^[A-Za-z_]\w*$/.test(part)))) continue;
      count++;
      const isInit = path.basename(discovered.path) === '__init__.py';
      const dottedParts = relative.map((part) => part.replace(/\.py$/, ''));
      if (isInit) dottedParts.pop();
      const ref = packageModuleRef(project, discovered, dottedParts.join('.'), isInit);
      if (!ref.dotted) continue;
      if (!modules.has(ref.dotted)) modules.set(ref.dotted, ref);
      refOfFile.set(discovered.path, modules.get(ref.dotted)!);
      packageModules.push(modules.get(ref.dotted)!);
    }
    for (const ref of packageModules) {
      // Most of a package's modules (models, schemas, queries) have neither: their trees are not needed.
      if (!DEPENDS_OR_ROUTERS.test(ref.text() ?? '')) continue;
      const module = ref.source ? pyModule(ref.source) : null;
      if (!module) continue;
      for (const call of nodesOfType(module.file, 'call')) {
        const name = calleeName(module, call);
        if (!name || !/(^|\.)(Depends|Security)$/.test(name)) continue;
        const args = callArguments(call);
        const argument = args.positional[0] ?? args.keywords.get('dependency') ?? null;
        if (!argument) continue; // `Depends()` with a class annotation
        depends.push(dependsUse(module, ref, call, argument, resolveIn));
      }
      // Routers included from where the package's files are not read: its routes are not all known.
      for (const call of nodesOfType(module.file, 'call')) {
        const callee = call.childForFieldName('function');
        const method = callee?.type === 'attribute' ? callee.childForFieldName('attribute')?.text : undefined;
        if (method !== 'include_router' && method !== 'mount') continue;
        const args = callArguments(call);
        const argument = (method === 'mount' ? args.positional[1] : args.positional[0]) ?? args.keywords.get(method === 'mount' ? 'app' : 'router') ?? null;
        if (!argument) continue;
        const target = resolveIn(module, ref, argument, 0);
        const inPackage = target?.filePath ? target.filePath.startsWith(app.packageDir + path.sep) || target.filePath === app.packageDir : false;
        if (!target || !inPackage) routesIncomplete = true;
      }
    }
  }

  // --- database dependencies
  const dbDependencies: DbDependency[] = [];
  // Each dependency is judged once, found or not: an app's routes name the same few (`get_current_user`)
  // in dozens of `Depends`, and judging one walks its body.
  const judged = new Set<string>();
  const factoryNames = sessionFactoryNames(packageModules);
  const dbNames = project.config.dbDependencies;
  // A dependency whose module's text shows it cannot be one is passed over without parsing that module
  // (an auth module's `get_current_user`); `use.target` would parse it.
  const ruledOut = new Map<string, boolean>();
  const judge: Judge = (ref, name) => {
    const key = `${ref.dotted}:${name}`;
    let answer = ruledOut.get(key);
    if (answer === undefined) ruledOut.set(key, (answer = textRulesOutDbReason(ref.text(), name, factoryNames, dbNames)));
    return answer;
  };
  for (const use of depends) {
    if (!use.argument) continue;
    // Followed with `judge`: a target the text rules out comes back without a tree (no `fn`) and is passed
    // over; any other comes back as `use.target` would (judge answers only where it rules a name out).
    const target = resolveIn(use.module, use.ref, use.argument, 0, judge);
    if (!target || target.kind !== 'function' || !target.fn || !target.module) continue;
    const key = symbolKey(target);
    if (judged.has(key)) continue;
    judged.add(key);
    const reason = dbReason(target.module, target.fn, factoryNames) ?? (dbNames.includes(target.name) ? `is named in db-dependencies` : null);
    if (!reason) continue;
    dbDependencies.push({ symbol: target, reason });
  }
  let dbFromApp = true;
  if (!app) {
    dbFromApp = false;
    const seen = new Set<string>();
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

  const envSets = suiteEnvSets(suite);
  const settingsSet = settingsNames(suite, fixtureModuleFiles(suite));
  for (const set of envSets) settingsSet.add(set.name);

  return {
    suite,
    entries,
    opaqueEntries,
    pathUnknown,
    declared,
    conftestImports,
    clients,
    helperClients: builtByHelpers,
    overrides,
    resets,
    overridesOpaque,
    app,
    packageModules,
    depends,
    routesIncomplete,
    dbDependencies,
    dbFromApp,
    settingsSet,
    envSets,
    resolveName,
    moduleRef,
    entryDirs,
  };
}

/** May a name of a module be answered from its text alone (see symbolIn)? */
type Judge = (ref: ModuleRef, name: string) => boolean;

type Resolve = (module: PyModule, ref: ModuleRef | null, node: Node, depth: number) => SymbolRef | null;

/** A `Depends(argument)` of the app, its target followed when first asked for (most rules never ask). */
function dependsUse(module: PyModule, ref: ModuleRef, call: Node, argument: Node, resolveIn: Resolve): DependsUse {
  let target: SymbolRef | null | undefined;
  return {
    module,
    ref,
    call,
    argument,
    get target() {
      if (target === undefined) target = resolveIn(module, ref, argument, 0);
      return target;
    },
  };
}

function isTestFileName(base: string): boolean {
  return base === 'conftest.py' || base.startsWith('test_') || base.endsWith('_test.py');
}

/** The modules an import statement needs: `import a.b` -> a.b; `from a.b import c` -> a.b. Relative imports are skipped. */
function importedModules(statement: Node): Array<{ dotted: string; node: Node; names: string[] }> {
  if (statement.type === 'import_statement') {
    const found: Array<{ dotted: string; node: Node; names: string[] }> = [];
    for (const child of statement.namedChildren) {
      const nameNode = child.type === 'aliased_import' ? child.childForFieldName('name') : child.type === 'dotted_name' ? child : null;
      if (nameNode) found.push({ dotted: nameNode.text, node: nameNode, names: [] });
    }
    return found;
  }
  const moduleNode = statement.childForFieldName('module_name');
  if (!moduleNode || moduleNode.type !== 'dotted_name') return [];
  const names: string[] = [];
  for (const child of statement.childrenForFieldName('name')) {
    const nameNode = child.type === 'aliased_import' ? child.childForFieldName('name') : child;
    if (nameNode?.type === 'dotted_name') names.push(nameNode.text);
  }
  return [{ dotted: moduleNode.text, node: moduleNode, names }];
}

/** Words a module's text holds when it has a `Depends`/`Security` call or includes a router or mounts an app. */
const DEPENDS_OR_ROUTERS = /Depends|Security|include_router|mount/;

/**
 * A module of the app's package, read and parsed only when its tree is asked for: the package's modules
 * are each asked whether their text holds a few words, and an app of hundreds of modules has few that do.
 */
function packageModuleRef(project: Suite['project'], discovered: DiscoveredFile, dotted: string, isPackage: boolean): ModuleRef {
  let loaded: SourceFile | null | undefined;
  let peeked: string | null | undefined;
  return {
    dotted,
    filePath: discovered.path,
    isPackage,
    get source() {
      if (loaded === undefined) loaded = project.load(discovered);
      return loaded;
    },
    // The loaded file's text, else the project's text for it (an overlay's, else the disk's), read once.
    text: () => {
      if (loaded !== undefined) return loaded?.text ?? null;
      if (peeked === undefined) peeked = project.peekText(discovered.path);
      return peeked;
    },
  };
}
