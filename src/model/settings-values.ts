// Following a database URL into the app's own code: what `settings.DATABASE_URL`, `get_settings().db_url`,
// `from app.config import DATABASE_URL` or `PREFIX + settings.POSTGRES_URI` hold when nothing in the
// environment replaces them, read off the app's modules (the settings class's field defaults, a
// `@property` that builds the URL from fields, `os.getenv("X", default)`, starlette/decouple
// `config("X", default=...)`, module constants, f-strings and `+` over those).
//
// Every settings field and every variable read on the way is a way to replace a piece from outside
// (pydantic reads a field's value from the variable of its name or alias): they are collected, so
// that a rule can tell whether the suite's runner or conftest sets one of them. Anything else
// (a validator, an `__init__` that assigns the field, a call we do not know) makes the value unknown.
import type Parser from 'tree-sitter';
import type { SourceFile } from '../source.js';
import { callArguments, calleeName, functionInfo, pyModule, stringValue, unparenthesize, type PyModule } from './python.js';
import { resolveDotted } from './fixture-modules.js';
import type { Project } from './suite.js';

type Node = Parser.SyntaxNode;

/** What the app's code makes of a URL expression when the environment does not replace it. */
export interface SettingDefault {
  value: string;
  /** Variables that would replace a piece of it (settings fields, names read with a default), upper-cased. */
  overriddenBy: Set<string>;
  /** Where the last literal piece of it is written (the field default), for a related location. */
  file: SourceFile;
  node: Node;
  /** A piece came from the app: a settings attribute or a name imported from an app module. */
  fromApp: boolean;
}

interface ClassRef {
  module: PyModule;
  node: Node;
}

interface Piece {
  value: string;
  env: Set<string>;
  file: SourceFile | null;
  node: Node | null;
}

const MAX_DEPTH = 24;
const PROPERTY_DECORATORS = new Set(['property', 'computed_field', 'cached_property', 'functools.cached_property']);

/**
 * The default value of a URL expression written in `module` (a conftest), followed into the app's
 * modules; null when any piece of it cannot be known.
 */
export function settingDefault(project: Project, module: PyModule, node: Node, origin: SourceFile = module.file): SettingDefault | null {
  const follower = new Follower(project, origin);
  const piece = follower.evaluate(module, node, null, 0);
  if (!piece || !piece.file || !piece.node) return null;
  return { value: piece.value, overriddenBy: piece.env, file: piece.file, node: piece.node, fromApp: follower.touchedApp };
}

class Follower {
  /** Set once a piece is read from the app: a settings attribute, an imported name. */
  touchedApp = false;

  /** `origin`: the suite module the expression was met in; the app's absolute imports are found on its path too. */
  constructor(
    private readonly project: Project,
    private readonly origin: SourceFile,
  ) {}

  evaluate(module: PyModule, node: Node, cls: ClassRef | null, depth: number): Piece | null {
    if (depth > MAX_DEPTH) return null;
    const expression = unparenthesize(node);
    switch (expression.type) {
      case 'string':
        return this.stringPiece(module, expression, cls, depth);
      case 'concatenated_string':
        return this.join(expression.namedChildren.map((part) => () => this.stringPiece(module, part, cls, depth)));
      case 'integer':
        return /^\d+$/.test(expression.text) ? { value: expression.text, env: new Set(), file: module.file, node: expression } : null;
      case 'binary_operator': {
        if (expression.childForFieldName('operator')?.text !== '+') return null;
        const left = expression.childForFieldName('left');
        const right = expression.childForFieldName('right');
        if (!left || !right) return null;
        return this.join([() => this.evaluate(module, left, cls, depth + 1), () => this.evaluate(module, right, cls, depth + 1)]);
      }
      case 'identifier':
        return this.name(module, expression.text, cls, depth + 1);
      case 'attribute': {
        const object = expression.childForFieldName('object');
        const attribute = expression.childForFieldName('attribute')?.text;
        if (!object || !attribute) return null;
        const owner = object.type === 'identifier' && object.text === 'self' ? cls : this.classOf(module, object, depth + 1);
        return owner ? this.attribute(owner, attribute, depth + 1) : null;
      }
      case 'call':
        return this.call(module, expression, cls, depth + 1);
      default:
        return null;
    }
  }

  /** Pieces one after the other (each evaluated only if the ones before are known). */
  private join(parts: Array<() => Piece | null>): Piece | null {
    const result: Piece = { value: '', env: new Set(), file: null, node: null };
    for (const part of parts) {
      const piece = part();
      if (!piece) return null;
      result.value += piece.value;
      for (const name of piece.env) result.env.add(name);
      if (piece.file && piece.node) {
        result.file = piece.file;
        result.node = piece.node;
      }
    }
    return result;
  }

  private stringPiece(module: PyModule, node: Node, cls: ClassRef | null, depth: number): Piece | null {
    if (node.type !== 'string') return null;
    const start = node.namedChildren.find((child) => child.type === 'string_start')?.text ?? '"';
    if (/[bB]/.test(start.replace(/["']+$/, ''))) return null;
    const hasInterpolation = node.namedChildren.some((child) => child.type === 'interpolation');
    if (!hasInterpolation) {
      const value = stringValue(module, node);
      return value === null ? null : { value, env: new Set(), file: module.file, node };
    }
    const parts: Array<() => Piece | null> = [];
    for (const part of node.namedChildren) {
      if (part.type === 'string_start' || part.type === 'string_end') continue;
      if (part.type === 'string_content') {
        if (part.text.includes('\\')) return null;
        parts.push(() => ({ value: part.text, env: new Set(), file: null, node: null }));
      } else if (part.type === 'interpolation') {
        if (part.namedChildren.some((child) => child.type === 'format_specifier' || child.type === 'type_conversion')) return null;
        const inner = part.namedChild(0);
        if (!inner) return null;
        parts.push(() => this.evaluate(module, inner, cls, depth + 1));
      } else {
        return null; // escape sequences and anything unusual
      }
    }
    const joined = this.join(parts);
    return joined && { ...joined, file: joined.file ?? module.file, node: joined.node ?? node };
  }

  /** A bare name: a class-body name (inside a settings class), a module constant, or an imported one. */
  private name(module: PyModule, name: string, cls: ClassRef | null, depth: number): Piece | null {
    if (cls && cls.module === module) {
      const value = classBodyValue(cls.node, name);
      if (value !== undefined) return value ? this.evaluate(module, value, cls, depth + 1) : null;
    }
    const assigned = module.assignments.get(name);
    if (assigned) return this.evaluate(module, assigned.value, null, depth + 1);
    const target = this.imported(module, name);
    if (!target) return null;
    this.touchedApp = true;
    return this.name(target.module, target.name, null, depth + 1);
  }

  /** The module and name an imported name stands for (`from app.config import settings`), inside the project. */
  private imported(module: PyModule, name: string): { module: PyModule; name: string } | null {
    const binding = module.imports.get(name);
    if (!binding || binding.name === undefined) return null;
    const file = importedFile(this.project, module, binding.module, binding.level, this.origin);
    const target = file ? pyModule(file) : null;
    if (!target || target.file.path === module.file.path) return null;
    return { module: target, name: binding.name };
  }

  private call(module: PyModule, call: Node, cls: ClassRef | null, depth: number): Piece | null {
    const callee = calleeName(module, call) ?? '';
    const args = callArguments(call);
    if (callee === 'os.getenv' || callee === 'os.environ.get' || callee === 'config' || callee.endsWith('.config')) {
      // os.getenv("X", default), starlette's / decouple's config("X", default=...): the variable replaces the default.
      const nameNode = args.positional[0] ?? args.keywords.get('key') ?? null;
      const variable = nameNode ? stringValue(module, nameNode) : null;
      const fallback = args.keywords.get('default') ?? (callee.startsWith('os.') ? args.positional[1] : undefined) ?? null;
      if (!variable || !fallback) return null;
      const piece = this.evaluate(module, fallback, cls, depth + 1);
      if (!piece) return null;
      piece.env.add(variable.toUpperCase());
      return piece;
    }
    if (callee === 'str' && args.positional.length === 1) return this.evaluate(module, args.positional[0]!, cls, depth + 1);
    const last = callee.split('.').pop();
    if (last === 'Field' && /^(pydantic|pydantic_settings|sqlmodel)?(\.|$)/.test(callee === 'Field' ? '' : callee)) {
      const fallback = args.keywords.get('default') ?? args.positional[0] ?? null;
      return fallback && fallback.type !== 'ellipsis' ? this.evaluate(module, fallback, cls, depth + 1) : null;
    }
    return null;
  }

  /** A settings attribute: a field default or a property, in the class or its bases. */
  private attribute(cls: ClassRef, name: string, depth: number): Piece | null {
    if (depth > MAX_DEPTH) return null;
    this.touchedApp = true;
    if (assignsSelf(cls.node, name)) return null; // set in __init__ or a validator: not the default
    const value = classBodyValue(cls.node, name);
    if (value !== undefined) {
      if (!value) return null; // a required field: whatever the environment holds
      const piece = this.evaluate(cls.module, value, cls, depth + 1);
      if (!piece) return null;
      piece.env.add(name.toUpperCase());
      const alias = fieldAlias(cls.module, value);
      if (alias) piece.env.add(alias.toUpperCase());
      return piece;
    }
    const property = classMethod(cls.node, name);
    if (property) {
      if (!property.decorators.some((decorator) => PROPERTY_DECORATORS.has(decoratorName(decorator)))) return null;
      const guards = new Set<string>();
      const returned = this.propertyReturn(cls, property.node, guards, depth + 1);
      const piece = returned ? this.evaluate(cls.module, returned, cls, depth + 1) : null;
      // Setting a skipped guard's field (`DB_URL=...`) takes the other branch: it replaces the value too.
      for (const field of guards) piece?.env.add(field.toUpperCase());
      return piece;
    }
    for (const base of this.bases(cls, depth + 1)) {
      const found = this.attribute(base, name, depth + 1);
      if (found) return found;
      if (classBodyValue(base.node, name) !== undefined || classMethod(base.node, name)) return null;
    }
    return null;
  }

  /**
   * The one value a property returns when the settings hold their defaults: returns inside
   * `if self.field:` with a field that defaults to None (or another false value) are skipped, and
   * that field joins what overrides it.
   */
  private propertyReturn(cls: ClassRef, fn: Node, guards: Set<string>, depth: number): Node | null {
    const body = fn.childForFieldName('body');
    if (!body) return null;
    const returns = ownReturns(body);
    const kept = returns.filter((ret) => !this.underFalseGuard(cls, ret, body, guards, depth));
    if (kept.length !== 1) return null;
    return kept[0]!.namedChild(0);
  }

  private underFalseGuard(cls: ClassRef, node: Node, body: Node, guards: Set<string>, depth: number): boolean {
    for (let current: Node | null = node.parent; current && current.id !== body.id; current = current.parent) {
      const parent = current.parent;
      if (parent?.type !== 'if_statement' || parent.childForFieldName('consequence')?.id !== current.id) continue;
      const condition = unparenthesize(parent.childForFieldName('condition')!);
      if (condition.type !== 'attribute' || condition.childForFieldName('object')?.text !== 'self') continue;
      const field = condition.childForFieldName('attribute')?.text ?? '';
      const value = this.fieldDefaultNode(cls, field, depth + 1);
      if (value && isFalseLiteral(value)) {
        guards.add(field);
        return true;
      }
    }
    return false;
  }

  private fieldDefaultNode(cls: ClassRef, name: string, depth: number): Node | null {
    if (depth > MAX_DEPTH || assignsSelf(cls.node, name)) return null;
    const value = classBodyValue(cls.node, name);
    if (value !== undefined) {
      if (!value) return null;
      const inner = unparenthesize(value);
      if (inner.type === 'call' && calleeName(cls.module, inner)?.split('.').pop() === 'Field') {
        const args = callArguments(inner);
        return args.keywords.get('default') ?? args.positional[0] ?? null;
      }
      return inner;
    }
    for (const base of this.bases(cls, depth + 1)) {
      const found = this.fieldDefaultNode(base, name, depth + 1);
      if (found) return found;
    }
    return null;
  }

  private bases(cls: ClassRef, depth: number): ClassRef[] {
    const list = cls.node.childForFieldName('superclasses');
    const found: ClassRef[] = [];
    for (const base of list?.namedChildren ?? []) {
      if (base.type !== 'identifier') continue;
      const ref = this.classByName(cls.module, base.text, depth + 1);
      if (ref) found.push(ref);
    }
    return found;
  }

  private classByName(module: PyModule, name: string, depth: number): ClassRef | null {
    if (depth > MAX_DEPTH) return null;
    const node = module.classes.get(name);
    if (node) return { module, node };
    const target = this.imported(module, name);
    return target ? this.classByName(target.module, target.name, depth + 1) : null;
  }

  /** The settings class an object expression is an instance of: `settings`, `get_settings()`, `_SETTINGS`. */
  private classOf(module: PyModule, node: Node, depth: number): ClassRef | null {
    if (depth > MAX_DEPTH) return null;
    const expression = unparenthesize(node);
    if (expression.type === 'identifier') {
      const assigned = module.assignments.get(expression.text);
      if (assigned) return this.classOf(module, assigned.value, depth + 1);
      const target = this.imported(module, expression.text);
      if (!target) return null;
      const value = target.module.assignments.get(target.name);
      return value ? this.classOf(target.module, value.value, depth + 1) : null;
    }
    if (expression.type !== 'call') return null;
    // Arguments (`Settings(_env_file=...)`, `get_settings(env="test")`) change what the instance holds: not followed.
    if (expression.childForFieldName('arguments')?.namedChildren.some((child) => child.type !== 'comment')) return null;
    const fn = expression.childForFieldName('function');
    if (fn?.type !== 'identifier') return null;
    const cls = this.classByName(module, fn.text, depth + 1);
    if (cls) return cls;
    const factory = this.functionByName(module, fn.text, depth + 1);
    if (!factory) return null;
    const body = factory.fn.childForFieldName('body');
    const returns = body ? ownReturns(body) : [];
    if (returns.length !== 1 || !returns[0]!.namedChild(0)) return null;
    return this.classOf(factory.module, returns[0]!.namedChild(0)!, depth + 1);
  }

  private functionByName(module: PyModule, name: string, depth: number): { module: PyModule; fn: Node } | null {
    if (depth > MAX_DEPTH) return null;
    const local = module.functions.find((fn) => !fn.className && fn.name === name);
    if (local) return { module, fn: local.node };
    const target = this.imported(module, name);
    return target ? this.functionByName(target.module, target.name, depth + 1) : null;
  }
}

/** `name: T = value` / `name = value` in a class body: the value; null for `name: T` (required); undefined when absent. */
function classBodyValue(cls: Node, name: string): Node | null | undefined {
  let found: Node | null | undefined;
  for (const statement of cls.childForFieldName('body')?.namedChildren ?? []) {
    if (statement.type !== 'expression_statement') continue;
    const inner = statement.namedChild(0);
    if (inner?.type !== 'assignment') continue;
    const left = inner.childForFieldName('left');
    if (left?.type !== 'identifier' || left.text !== name) continue;
    found = inner.childForFieldName('right');
  }
  return found;
}

function classMethod(cls: Node, name: string): { node: Node; decorators: Node[] } | null {
  for (const statement of cls.childForFieldName('body')?.namedChildren ?? []) {
    const info = functionInfo(statement);
    if (info && info.name === name) return { node: info.node, decorators: info.decorators };
  }
  return null;
}

function decoratorName(decorator: Node): string {
  const expression = decorator.type === 'call' ? decorator.childForFieldName('function') : decorator;
  return expression?.text ?? '';
}

/** Does a method of the class assign `self.name` (an `__init__`, a validator)? Then the default is not what it holds. */
function assignsSelf(cls: Node, name: string): boolean {
  for (const assignment of cls.descendantsOfType(['assignment', 'augmented_assignment'])) {
    const left = assignment.childForFieldName('left');
    if (left?.type === 'attribute' && left.childForFieldName('object')?.text === 'self' && left.childForFieldName('attribute')?.text === name) return true;
  }
  return false;
}

function fieldAlias(module: PyModule, value: Node): string | null {
  const inner = unparenthesize(value);
  if (inner.type !== 'call' || calleeName(module, inner)?.split('.').pop() !== 'Field') return null;
  const args = callArguments(inner);
  const alias = args.keywords.get('alias') ?? args.keywords.get('validation_alias') ?? null;
  return alias ? stringValue(module, alias) : null;
}

function isFalseLiteral(node: Node): boolean {
  const inner = unparenthesize(node);
  if (inner.type === 'none' || inner.type === 'false') return true;
  if (inner.type === 'integer') return inner.text === '0';
  return inner.type === 'string' && inner.namedChildren.every((child) => child.type === 'string_start' || child.type === 'string_end');
}

/** The return statements of a function body, not those of nested functions or classes. */
export function ownReturns(body: Node): Node[] {
  const found: Node[] = [];
  const visit = (node: Node): void => {
    for (const child of node.namedChildren) {
      if (child.type === 'function_definition' || child.type === 'class_definition' || child.type === 'lambda') continue;
      if (child.type === 'return_statement') found.push(child);
      else visit(child);
    }
  };
  visit(body);
  return found;
}

/**
 * Does the settings object of an expression (`settings.DATABASE_URL`, `get_settings().db_url`, an
 * imported constant) come from a module of the project? False for an installed package or a module
 * that cannot be found: then nothing is known about what it holds.
 */
export function settingsInProject(project: Project, module: PyModule, node: Node, origin: SourceFile = module.file, depth = 0): boolean {
  if (depth > MAX_DEPTH) return false;
  let head: Node | null = unparenthesize(node);
  while (head && (head.type === 'attribute' || head.type === 'call')) {
    head = head.type === 'attribute' ? head.childForFieldName('object') : head.childForFieldName('function');
  }
  if (head?.type !== 'identifier') return false;
  const binding = module.imports.get(head.text);
  if (binding) return importedFile(project, module, binding.module, binding.level, origin) !== null;
  const assigned = module.assignments.get(head.text);
  return assigned ? settingsInProject(project, module, assigned.value, origin, depth + 1) : false;
}

/**
 * The project file a module's import names: found from the module itself, or (for an absolute import
 * in an app module) on the path of the suite module that led there, which is the path it runs with.
 */
export function importedFile(project: Project, module: PyModule, dotted: string, level: number, origin: SourceFile): SourceFile | null {
  const bare = dotted.replace(/^\.+/, '');
  return resolveDotted(project, module.file, bare, level) ?? (level === 0 && origin.path !== module.file.path ? resolveDotted(project, origin, bare, 0) : null);
}
