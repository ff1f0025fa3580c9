// What `smoke-lint init` needs to know about a FastAPI project before it writes a suite: the app
// (a module-level `X = FastAPI(...)`), the directory from which its package imports, the database
// dependency its routes use (`Depends(...)` targets that yield a session or a DB agent), the ORM
// flavour (SQLModel or SQLAlchemy, and the metadata to create tables from), and the project's name.
import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type Parser from 'tree-sitter';
import { parse as parseToml } from 'smol-toml';
import type { Config } from '../config.js';
import { dbReason } from '../model/app.js';
import { callArguments, calleeName, pyModule, stringValue, unparenthesize, type FunctionInfo, type PyModule } from '../model/python.js';
import { isTestModuleName, type Project } from '../model/suite.js';
import type { SourceFile } from '../source.js';
import { nodesOfType } from '../model/tree-nodes.js';

type Node = Parser.SyntaxNode;

export interface AppFacts {
  /** The module that defines the app, and its file. */
  file: string;
  /** The app's variable name (`app`). */
  name: string;
  /** Dotted module name the app is imported from (`backend.main`). */
  dotted: string;
  /** The directory from which `import <dotted>` resolves (what sys.path must hold). */
  importRoot: string;
  /** The folder that holds the app's code: the top-level package, or the module's own folder. */
  packageDir: string;
  /** GET routes of the app module a bare request should get a 200 from (`/health`, `/`), in source order. */
  plainGetRoutes: string[];
  /** Every plain GET route with the dependencies it takes (filtered into plainGetRoutes once the DB dependency is known). */
  routeCandidates: Array<{ route: string; dependsOn: string[] }>;
  /** False when `FastAPI(openapi_url=None)` turns the schema off. */
  openapi: boolean;
}

export interface DependencyFacts {
  /** Module the app imports it from (`backend.database`) and its name (`get_session`). */
  dotted: string;
  name: string;
  kind: 'session' | 'agent';
  isAsync: boolean;
  /** How many `Depends(...)` name it. */
  uses: number;
}

export interface AgentFacts {
  dotted: string;
  className: string;
  /** The first parameter of `__init__` after `self` (the URL is passed by this keyword); null to pass it positionally. */
  urlParameter: string | null;
}

export interface OrmFacts {
  flavour: 'sqlmodel' | 'sqlalchemy';
  /** Where the declarative base lives (`backend.models`, `Base`), when the app uses plain SQLAlchemy. */
  base: { dotted: string; name: string } | null;
}

export interface ProjectFacts {
  root: string;
  /** Lowercased project name, for the container (`notes`) and database (`notes`) names. */
  containerStem: string;
  databaseStem: string;
  /** A human name for docstrings (`Notes`). */
  title: string;
  app: AppFacts;
  dependency: DependencyFacts | null;
  agent: AgentFacts | null;
  orm: OrmFacts;
}

const TEST_DIRS = new Set(['tests', 'test']);

/** Python files of the project that are application code: no tests, no conftests, nothing under a tests folder. */
function appSources(project: Project): SourceFile[] {
  const files: SourceFile[] = [];
  for (const discovered of project.discovered) {
    if (discovered.language !== 'python') continue;
    const relative = project.relative(discovered.path);
    const parts = relative.split('/');
    const base = parts[parts.length - 1]!;
    if (base === 'conftest.py' || isTestModuleName(base) || parts.slice(0, -1).some((part) => TEST_DIRS.has(part))) continue;
    const file = project.load(discovered);
    if (file) files.push(file);
  }
  return files;
}

function isFastApiCall(module: PyModule, node: Node): boolean {
  const expression = unparenthesize(node);
  if (expression.type !== 'call') return false;
  const name = calleeName(module, expression);
  return name === 'FastAPI' || name === 'fastapi.FastAPI' || name === 'fastapi.applications.FastAPI';
}

/** `X = FastAPI(...)`, or `X = create_app()` where `create_app` is a function of the module that calls `FastAPI(...)`. */
function appAssignments(module: PyModule): Array<{ name: string; call: Node; statement: Node }> {
  const found: Array<{ name: string; call: Node; statement: Node }> = [];
  const factories = new Map<string, Node>();
  for (const fn of module.functions) {
    if (fn.className) continue;
    const call = fn.node.descendantsOfType('call').find((candidate) => isFastApiCall(module, candidate));
    if (call) factories.set(fn.name, call);
  }
  for (const [name, { value, statement }] of module.assignments) {
    const expression = unparenthesize(value);
    if (expression.type !== 'call') continue;
    if (isFastApiCall(module, expression)) {
      found.push({ name, call: expression, statement });
      continue;
    }
    const callee = expression.childForFieldName('function');
    const factoryCall = callee?.type === 'identifier' ? factories.get(callee.text) : undefined;
    if (factoryCall) found.push({ name, call: factoryCall, statement });
  }
  return found;
}

function isFile(target: string): boolean {
  try {
    return statSync(target).isFile();
  } catch {
    return false;
  }
}

/** The directory `import <dotted>` resolves from, and the dotted name, for a module file. */
function importLocation(file: string, root: string, module: PyModule): { importRoot: string; dotted: string } {
  let dir = path.dirname(file);
  let climbed = false;
  // A regular package: climb while the folder has an __init__.py.
  while (isFile(path.join(dir, '__init__.py')) && dir !== root && dir.startsWith(root)) {
    dir = path.dirname(dir);
    climbed = true;
  }
  if (climbed && isFile(path.join(dir, '__init__.py')) && dir === root) {
    // The project root itself is a package: import from its parent.
    dir = path.dirname(dir);
  }
  if (!climbed) {
    // Not a regular package: the module's own imports tell whether it is part of a namespace package (`from app.db import x`).
    const tops = new Set([...module.imports.values()].filter((binding) => binding.level === 0).map((binding) => binding.module.split('.')[0]!));
    for (let candidate = path.dirname(file); candidate.startsWith(root) && candidate !== root; candidate = path.dirname(candidate)) {
      if (tops.has(path.basename(candidate))) {
        dir = path.dirname(candidate);
        break;
      }
    }
  }
  const relative = path.relative(dir, file).replace(/\.py$/, '').split(path.sep);
  if (relative[relative.length - 1] === '__init__') relative.pop();
  return { importRoot: dir, dotted: relative.join('.') };
}

const PATH_PARAMETER = /\{[^}]*\}/;

const INJECTED_TYPES = /^(Request|Response|BackgroundTasks|WebSocket|HTTPConnection)$/;

/**
 * GET routes of the app module that a bare `client.get(path)` should answer with 200: no path parameters,
 * no `status_code` of their own, no required parameter, and no dependency but the ones in `dependsOk`
 * (an auth dependency would answer 401). `dependsOn` lists each route's `Depends(...)` targets.
 */
function routesOf(module: PyModule, appName: string): Array<{ route: string; dependsOn: string[] }> {
  const routes: Array<{ route: string; dependsOn: string[] }> = [];
  for (const fn of module.functions) {
    if (fn.className) continue;
    for (const decorator of fn.decorators) {
      if (decorator.type !== 'call') continue;
      const callee = decorator.childForFieldName('function');
      if (callee?.type !== 'attribute' || callee.childForFieldName('attribute')?.text !== 'get') continue;
      if (callee.childForFieldName('object')?.text !== appName) continue;
      const args = callArguments(decorator);
      const first = args.positional[0] ?? args.keywords.get('path');
      const route = first ? stringValue(module, first) : null;
      if (route === null || !route.startsWith('/') || PATH_PARAMETER.test(route) || args.keywords.has('status_code')) continue;
      const parameters = fn.node.childForFieldName('parameters')?.namedChildren ?? [];
      const dependsOn: string[] = [];
      let required = false;
      for (const parameter of parameters) {
        const depends = parameter.descendantsOfType('call').filter((call) => /(^|\.)Depends$/.test(calleeName(module, call) ?? ''));
        for (const call of depends) dependsOn.push(callArguments(call).positional[0]?.text ?? '?');
        const hasDefault = parameter.type === 'default_parameter' || parameter.type === 'typed_default_parameter';
        const type = parameter.childForFieldName('type')?.text ?? '';
        if (!hasDefault && depends.length === 0 && !INJECTED_TYPES.test(type)) required = true;
        if (parameter.type === 'list_splat_pattern' || parameter.type === 'dictionary_splat_pattern') required = true;
      }
      if (!required) routes.push({ route, dependsOn });
    }
  }
  return routes;
}

function openapiEnabled(call: Node): boolean {
  const value = callArguments(call).keywords.get('openapi_url');
  return !value || unparenthesize(value).type !== 'none';
}

function rankApp(project: Project, file: string, name: string): number[] {
  const relative = project.relative(file);
  const base = path.basename(file);
  return [name === 'app' ? 0 : 1, relative.split('/').length, base === 'main.py' ? 0 : base === 'app.py' ? 1 : 2];
}

function compareRanks(a: number[], b: number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

export function findApp(project: Project, sources: SourceFile[] = appSources(project)): AppFacts | null {
  const candidates: Array<{ file: SourceFile; module: PyModule; name: string; call: Node; rank: number[] }> = [];
  for (const file of sources) {
    const module = pyModule(file);
    if (!module || !/FastAPI/.test(file.text)) continue;
    for (const { name, call } of appAssignments(module)) candidates.push({ file, module, name, call, rank: rankApp(project, file.path, name) });
  }
  candidates.sort((a, b) => compareRanks(a.rank, b.rank) || (a.file.path < b.file.path ? -1 : 1));
  const best = candidates[0];
  if (!best) return null;
  const { importRoot, dotted } = importLocation(best.file.path, project.root, best.module);
  const top = dotted.split('.')[0]!;
  const packageDir = dotted.includes('.') && existsSync(path.join(importRoot, top)) ? path.join(importRoot, top) : path.dirname(best.file.path);
  return {
    file: best.file.path,
    name: best.name,
    dotted,
    importRoot,
    packageDir,
    plainGetRoutes: [],
    routeCandidates: routesOf(best.module, best.name),
    openapi: openapiEnabled(best.call),
  };
}

// ---------------------------------------------------------------------------------------------
// The database dependency

function lastSegment(dotted: string): string {
  return dotted.slice(dotted.lastIndexOf('.') + 1);
}

/** The absolute dotted name of a relative import, from the dotted name of the importing module. */
function absoluteModule(from: string, isPackage: boolean, level: number, name: string): string | null {
  const parts = from.split('.');
  const base = isPackage ? parts : parts.slice(0, -1);
  if (level - 1 > base.length) return null;
  const kept = base.slice(0, base.length - (level - 1));
  const joined = [...kept, ...(name ? [name] : [])].join('.');
  return joined || null;
}

interface ModuleEntry {
  file: SourceFile;
  module: PyModule;
  dotted: string;
  isPackage: boolean;
}

function sessionFactories(entries: ModuleEntry[]): Set<string> {
  const names = new Set<string>();
  for (const { module } of entries) {
    for (const [name, { value }] of module.assignments) {
      const expression = unparenthesize(value);
      if (expression.type !== 'call') continue;
      const callee = calleeName(module, expression);
      if (callee && /^(async_)?sessionmaker$|^scoped_session$/.test(lastSegment(callee))) names.add(name);
    }
  }
  return names;
}

function moduleEntries(sources: SourceFile[], importRoot: string): ModuleEntry[] {
  const entries: ModuleEntry[] = [];
  for (const file of sources) {
    const module = pyModule(file);
    if (!module) continue;
    const relative = path.relative(importRoot, file.path);
    if (relative.startsWith('..') || path.isAbsolute(relative)) continue;
    const parts = relative.replace(/\.py$/, '').split(path.sep);
    const isPackage = parts[parts.length - 1] === '__init__';
    if (isPackage) parts.pop();
    if (parts.length === 0 || parts.some((part) => !/^[A-Za-z_]\w*$/.test(part))) continue;
    entries.push({ file, module, dotted: parts.join('.'), isPackage });
  }
  return entries;
}

/** Follows a name in a module to the function it stands for: a local `def`, or an import (re-exports followed). */
function resolveFunction(
  byDotted: Map<string, ModuleEntry>,
  entry: ModuleEntry,
  name: string,
  depth = 0,
): { entry: ModuleEntry; fn: FunctionInfo } | null {
  if (depth > 8) return null;
  const fn = entry.module.functions.find((candidate) => !candidate.className && candidate.name === name);
  if (fn) return { entry, fn };
  const binding = entry.module.imports.get(name);
  if (!binding?.name) return null;
  const target = binding.level > 0 ? absoluteModule(entry.dotted, entry.isPackage, binding.level, binding.module) : binding.module;
  const next = target ? byDotted.get(target) : undefined;
  return next ? resolveFunction(byDotted, next, binding.name, depth + 1) : null;
}

/** The dotted module a name is imported from in a module (as the app sees it), or the module itself for a local def. */
function importedFrom(entry: ModuleEntry, name: string): string | null {
  if (entry.module.functions.some((fn) => !fn.className && fn.name === name)) return entry.dotted;
  const binding = entry.module.imports.get(name);
  if (!binding?.name) return null;
  return binding.level > 0 ? absoluteModule(entry.dotted, entry.isPackage, binding.level, binding.module) : binding.module;
}

export function findDependency(sources: SourceFile[], app: AppFacts, config: Config): DependencyFacts | null {
  const entries = moduleEntries(sources, app.importRoot);
  const byDotted = new Map(entries.map((entry) => [entry.dotted, entry]));
  const factories = sessionFactories(entries);
  const found = new Map<string, DependencyFacts>();
  for (const entry of entries) {
    if (!/Depends/.test(entry.file.text)) continue;
    for (const call of nodesOfType(entry.module.file, 'call')) {
      const callee = calleeName(entry.module, call);
      if (callee !== 'Depends' && callee !== 'fastapi.Depends' && callee !== 'fastapi.params.Depends') continue;
      const argument = callArguments(call).positional[0] ?? callArguments(call).keywords.get('dependency');
      const target = argument ? unparenthesize(argument) : null;
      if (target?.type !== 'identifier') continue;
      const resolved = resolveFunction(byDotted, entry, target.text);
      const from = importedFrom(entry, target.text);
      if (!resolved || !from) continue;
      const reason = dbReason(resolved.entry.module, resolved.fn, factories);
      const named = config.dbDependencies.includes(resolved.fn.name);
      if (!reason && !named) continue;
      const kind: DependencyFacts['kind'] = reason?.includes('agent') || (!reason && /agent/i.test(resolved.fn.name)) ? 'agent' : 'session';
      const key = `${from}:${target.text}`;
      const known = found.get(key);
      if (known) known.uses++;
      else found.set(key, { dotted: from, name: target.text, kind, isAsync: resolved.fn.isAsync, uses: 1 });
    }
  }
  const ranked = [...found.values()].sort((a, b) => b.uses - a.uses || (a.dotted + a.name < b.dotted + b.name ? -1 : 1));
  return ranked[0] ?? null;
}

/** A class named like a DB agent in the app's code, and how its constructor takes the URL. */
export function findAgent(sources: SourceFile[], app: AppFacts): AgentFacts | null {
  for (const entry of moduleEntries(sources, app.importRoot)) {
    for (const [className, node] of entry.module.classes) {
      if (!/db_?agent/i.test(className)) continue;
      const init = entry.module.functions.find((fn) => fn.className === className && fn.name === '__init__');
      const parameter = init?.parameters.find((name) => name !== 'self' && !name.startsWith('*')) ?? null;
      void node;
      return { dotted: entry.dotted, className, urlParameter: parameter };
    }
  }
  return null;
}

export function findOrm(sources: SourceFile[], app: AppFacts): OrmFacts {
  const entries = moduleEntries(sources, app.importRoot);
  const usesSqlModel = entries.some(({ module }) => [...module.imports.values()].some((binding) => binding.module.split('.')[0] === 'sqlmodel'));
  if (usesSqlModel) return { flavour: 'sqlmodel', base: null };
  for (const entry of entries) {
    for (const [name, { value }] of entry.module.assignments) {
      const expression = unparenthesize(value);
      if (expression.type !== 'call') continue;
      const callee = calleeName(entry.module, expression);
      if (callee && /(^|\.)declarative_base$/.test(callee)) return { flavour: 'sqlalchemy', base: { dotted: entry.dotted, name } };
    }
    for (const [name, node] of entry.module.classes) {
      const bases = node.childForFieldName('superclasses')?.text ?? '';
      if (/\bDeclarativeBase\b/.test(bases)) return { flavour: 'sqlalchemy', base: { dotted: entry.dotted, name } };
    }
  }
  return { flavour: 'sqlalchemy', base: null };
}

// ---------------------------------------------------------------------------------------------
// Names

/** `[project] name` (or `[tool.poetry] name`) of the root pyproject.toml; else the directory's name. */
export function projectName(root: string): string {
  const file = path.join(root, 'pyproject.toml');
  try {
    const data = parseToml(readFileSync(file, 'utf8')) as Record<string, unknown>;
    const project = data.project as Record<string, unknown> | undefined;
    if (typeof project?.name === 'string' && project.name.trim()) return project.name;
    const poetry = (data.tool as Record<string, unknown> | undefined)?.poetry as Record<string, unknown> | undefined;
    if (typeof poetry?.name === 'string' && poetry.name.trim()) return poetry.name;
  } catch {
    // no pyproject, or not TOML: the directory's name
  }
  return path.basename(root);
}

/** Lowercased, each run of characters outside [a-z0-9] replaced by `separator`, trimmed; `app` when nothing is left. */
export function slug(name: string, separator: '-' | '_'): string {
  const cleaned = name.toLowerCase().replace(/[^a-z0-9]+/g, separator).replace(new RegExp(`^\\${separator}+|\\${separator}+$`, 'g'), '');
  return cleaned || 'app';
}

function titleOf(name: string): string {
  const words = name.split(/[^A-Za-z0-9]+/).filter(Boolean);
  return words.length ? words.map((word) => word[0]!.toUpperCase() + word.slice(1)).join(' ') : 'App';
}

export function projectFacts(project: Project): ProjectFacts | null {
  const sources = appSources(project);
  const app = findApp(project, sources);
  if (!app) return null;
  const name = projectName(project.root);
  const dependency = findDependency(sources, app, project.config);
  // Routes whose only dependency is the database's answer 200 to a bare request; `/health` first.
  app.plainGetRoutes = app.routeCandidates
    .filter((candidate) => candidate.dependsOn.every((name) => name === dependency?.name))
    .map((candidate) => candidate.route)
    .sort((a, b) => Number(b === '/health') - Number(a === '/health'));
  return {
    root: project.root,
    containerStem: slug(name, '-'),
    databaseStem: slug(name, '_'),
    title: titleOf(name),
    app,
    dependency,
    agent: dependency?.kind === 'agent' ? findAgent(sources, app) : null,
    orm: findOrm(sources, app),
  };
}

