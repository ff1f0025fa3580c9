// What the app model says about a suite: the shapes shared by its builder and the rules.
import type { SuiteEnvSet } from './env-sets.js';
import type Parser from 'tree-sitter';
import type { SourceFile } from '../../source.js';
import type { Suite } from '../suite.js';
import {
  type FunctionInfo,
  type PyModule,
} from '../python.js';
import type { OpaqueEntry, PathEntry } from './sys-path.js';
import type { Declared, ResolvedModule } from './resolve.js';

type Node = Parser.SyntaxNode;

export interface ModuleRef {
  dotted: string;
  /**
   * null when the module's file is not part of the project (or not a file): its content is unknown. A
   * module of the app's package is read and parsed on first use of this: ask `text()` first when a word
   * its text must hold tells whether the tree is needed at all.
   */
  readonly source: SourceFile | null;
  /** The module's text (null when unknown), without parsing it when it was not parsed yet. */
  text(): string | null;
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
  /** Clients built by project helper functions (not fixtures) the suite's modules call: `make_client()` in tests/utils.py. */
  helperClients: ClientUse[];
  overrides: OverrideSet[];
  resets: OverrideReset[];
  /** `dependency_overrides` used in a way the model does not read: overrides may be set elsewhere. */
  overridesOpaque: boolean;
  app: AppRef | null;
  packageModules: ModuleRef[];
  depends: DependsUse[];
  /**
   * Some router the app includes (`include_router`, `mount`) comes from a module that cannot be
   * resolved or lies outside the app's package: routes exist that `depends` does not list.
   */
  routesIncomplete: boolean;
  dbDependencies: DbDependency[];
  /** Whether the DB dependencies come from the app (true) or from the configured names (false). */
  dbFromApp: boolean;
  /** Names of environment variables and settings attributes the suite sets. */
  settingsSet: Set<string>;
  /** The environment variables the suite sets, with their values and whether they come before the app's import. */
  envSets: SuiteEnvSet[];
  resolveName(file: SourceFile, node: Node): SymbolRef | null;
  moduleRef(resolved: ResolvedModule): ModuleRef;
  entryDirs(): string[];
}
