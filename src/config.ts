// Ruff-style configuration: `[tool.smoke-lint]` in the nearest pyproject.toml, or a `.smoke-lint.toml`.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseToml, TomlError } from 'smol-toml';
import { ruleCodes } from '../rules/index.js';
import { closest, suggestCode } from './near-miss.js';
import { describeIoError } from './source.js';
import { lookupTable } from './lookup-table.js';

export interface Config {
  select: string[] | null;
  ignore: string[];
  perFileIgnores: Array<{ pattern: string; codes: string[] }>;
  /** Directory globs (relative to the project root) naming the integration suites; null = the default rule. */
  suites: string[] | null;
  /** The first of `gateVariables`: the one messages name and fixes insert. */
  gateVariable: string;
  /** Every variable that gates a suite of the project (`gate-variable` may list several). */
  gateVariables: string[];
  gateValue: string;
  testPort: number;
  devPort: number;
  dbDependencies: string[];
  allowCompose: boolean;
  /** Where the configuration came from, for messages; null when defaults are used. */
  source: string | null;
}

export const DEFAULT_DB_DEPENDENCIES = ['get_session', 'get_dbagent', 'get_db', 'get_db_session', 'get_async_session'];

export function defaultConfig(): Config {
  return {
    select: null,
    ignore: [],
    perFileIgnores: [],
    suites: null,
    gateVariable: 'RUN_INTEGRATION_TESTS',
    gateVariables: ['RUN_INTEGRATION_TESTS'],
    gateValue: 'true',
    testPort: 5433,
    devPort: 5432,
    dbDependencies: [...DEFAULT_DB_DEPENDENCIES],
    allowCompose: false,
    source: null,
  };
}

/** Is this one of the project's gate variables? */
export function isGateVariable(config: Config, name: string | null | undefined): boolean {
  return name !== null && name !== undefined && (name === config.gateVariable || config.gateVariables.includes(name));
}

/**
 * A gate variable that carries a connection URL (`IT_DATABASE_URL`, `TEST_DSN`): the suite runs when
 * it is set to a URL, so "set and non-empty" is its gate, and a fixed value like "true" would break it.
 */
export function carriesUrl(name: string): boolean {
  return /(^|_)(URL|URI|DSN)$/i.test(name);
}

/** How a human turns the gate on: `X=true`, or `X=<database URL>` for a URL-valued variable. */
export function gateSetting(config: Config, variable = config.gateVariable): string {
  return carriesUrl(variable) ? `${variable}=<test database URL>` : `${variable}=${config.gateValue}`;
}

export class ConfigError extends Error {}

type Checker = (value: unknown) => boolean;
const isString: Checker = (value) => typeof value === 'string';
const isStringList: Checker = (value) => Array.isArray(value) && value.every((item) => typeof item === 'string');
const isPort: Checker = (value) => typeof value === 'number' && Number.isInteger(value) && value > 0 && value < 65536;
const isBoolean: Checker = (value) => typeof value === 'boolean';
const isCodeMap: Checker = (value) =>
  typeof value === 'object' && value !== null && !Array.isArray(value) && Object.values(value).every(isStringList);

const KEYS = lookupTable<{ check: Checker; expected: string }>({
  select: { check: isStringList, expected: 'a list of rule codes' },
  ignore: { check: isStringList, expected: 'a list of rule codes' },
  'per-file-ignores': { check: isCodeMap, expected: 'a table of glob = [codes]' },
  suites: { check: isStringList, expected: 'a list of directory globs' },
  'gate-variable': { check: (value) => isString(value) || (isStringList(value) && (value as string[]).length > 0), expected: 'a string or a non-empty list of strings' },
  'gate-value': { check: isString, expected: 'a string' },
  'test-port': { check: isPort, expected: 'a port number' },
  'dev-port': { check: isPort, expected: 'a port number' },
  'db-dependencies': { check: isStringList, expected: 'a list of function names' },
  'allow-compose': { check: isBoolean, expected: 'true or false' },
});

const CODE_PATTERN = /^SL\d{0,3}$/;

/** Where a configuration came from: the file, its text and the table's header (null: the file's top level). */
export interface ConfigSource {
  file: string;
  text: string;
  table: string | null;
}

/**
 * `file:line:col` of a key of the configuration table (or of `value`, quoted, written after the key), so
 * that an editor or terminal jumps to it; the bare file when the text does not show it plainly.
 */
export function configLocation(source: ConfigSource | string, key: string, value?: string): string {
  if (typeof source === 'string') return source;
  const lines = source.text.split(/\r?\n/);
  let table: string | null = null;
  let offset = 0;
  for (const [index, line] of lines.entries()) {
    const header = /^\s*\[([^\[\]]+)\]\s*(#.*)?$/.exec(line);
    if (header) table = header[1]!.replace(/["'\s]/g, '');
    else if (table === source.table) {
      const keyMatch = new RegExp(`^(\\s*)(["']?)${key.replace(/[-]/g, '\\-')}\\2\\s*=`).exec(line);
      if (keyMatch) {
        if (value === undefined) return `${source.file}:${index + 1}:${keyMatch[1]!.length + 1}`;
        // The value may sit on a later line of a multi-line array or inline table.
        const rest = source.text.slice(offset);
        const found = new RegExp(`(["'])${value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\1`).exec(rest);
        if (!found) return `${source.file}:${index + 1}:${keyMatch[1]!.length + 1}`;
        const at = offset + found.index;
        const before = source.text.slice(0, at);
        return `${source.file}:${before.split('\n').length}:${at - before.lastIndexOf('\n')}`;
      }
    }
    offset += line.length + (source.text[offset + line.length] === '\r' ? 2 : 1);
  }
  return source.file;
}

/** Validates a `[tool.smoke-lint]` table and merges it over the defaults; `source` is the file name, or where to find the keys for messages. */
export function configFromTable(table: Record<string, unknown>, source: string | ConfigSource): Config {
  const config = defaultConfig();
  const file = typeof source === 'string' ? source : source.file;
  config.source = file;
  for (const [key, value] of Object.entries(table)) {
    const spec = KEYS[key];
    if (!spec) {
      const guess = closest(key, Object.keys(KEYS), 2);
      throw new ConfigError(`${configLocation(source, key)}: unknown key \`${key}\`${guess ? ` (did you mean \`${guess}\`?)` : ''} (known: ${Object.keys(KEYS).join(', ')})`);
    }
    if (!spec.check(value)) throw new ConfigError(`${configLocation(source, key)}: \`${key}\` must be ${spec.expected}`);
  }
  const known = ruleCodes();
  const checkCode = (key: string, code: string): void => {
    const where = configLocation(source, key, code);
    const guess = suggestCode(code, known);
    const hint = guess ? `; did you mean ${guess}?` : '';
    if (!CODE_PATTERN.test(code)) throw new ConfigError(`${where}: \`${key}\` has \`${code}\`, which is not a rule code or prefix like SL1 or SL101${hint}`);
    if (!known.some((rule) => codeMatches(rule, code))) throw new ConfigError(`${where}: \`${key}\` has \`${code}\`, which matches no rule${hint || ' (see `smoke-lint rules`)'}`);
  };
  const codes = (key: string): string[] => {
    const list = table[key] as string[];
    for (const code of list) checkCode(key, code);
    return list;
  };
  if ('select' in table) config.select = codes('select');
  if ('ignore' in table) config.ignore = codes('ignore');
  if ('per-file-ignores' in table) {
    const map = table['per-file-ignores'] as Record<string, string[]>;
    config.perFileIgnores = Object.entries(map).map(([pattern, list]) => {
      for (const code of list) checkCode('per-file-ignores', code);
      return { pattern, codes: list };
    });
  }
  if ('suites' in table) config.suites = table.suites as string[];
  if ('gate-variable' in table) {
    const value = table['gate-variable'] as string | string[];
    config.gateVariables = typeof value === 'string' ? [value] : [...new Set(value)];
    config.gateVariable = config.gateVariables[0]!;
  }
  if ('gate-value' in table) config.gateValue = table['gate-value'] as string;
  if ('test-port' in table) config.testPort = table['test-port'] as number;
  if ('dev-port' in table) config.devPort = table['dev-port'] as number;
  if ('db-dependencies' in table) config.dbDependencies = table['db-dependencies'] as string[];
  if ('allow-compose' in table) config.allowCompose = table['allow-compose'] as boolean;
  return config;
}

/** A TOML file's data and text; a syntax error is one line, `file:line:col: invalid TOML: what`. */
function readToml(file: string): { data: Record<string, unknown>; text: string } {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`cannot read ${file}: ${describeIoError(error)}`);
  }
  try {
    return { data: parseToml(text) as Record<string, unknown>, text };
  } catch (error) {
    if (error instanceof TomlError) {
      const detail = error.message.replace(/^Invalid TOML document:\s*/, '').split('\n')[0];
      throw new ConfigError(`${file}:${error.line}:${error.column}: invalid TOML: ${detail}`);
    }
    const detail = error instanceof Error ? error.message.split('\n')[0] : String(error);
    throw new ConfigError(`${file}: invalid TOML: ${detail}`);
  }
}

/** Loads an explicit `--config` file: a pyproject.toml (its tool table) or a smoke-lint TOML file. */
export function loadConfigFile(file: string): Config {
  if (!existsSync(file)) throw new ConfigError(`config file ${file} does not exist`);
  const { data, text } = readToml(file);
  if (path.basename(file) === 'pyproject.toml') {
    const table = toolTable(data, file);
    return table ? configFromTable(table, { file, text, table: 'tool.smoke-lint' }) : { ...defaultConfig(), source: file };
  }
  return configFromTable(data, { file, text, table: null });
}

function toolTable(data: Record<string, unknown>, file: string): Record<string, unknown> | null {
  const tool = data.tool;
  if (typeof tool !== 'object' || tool === null) return null;
  const table = (tool as Record<string, unknown>)['smoke-lint'];
  if (table === undefined) return null;
  if (typeof table !== 'object' || table === null || Array.isArray(table)) {
    throw new ConfigError(`${file}: [tool.smoke-lint] must be a table`);
  }
  return table as Record<string, unknown>;
}

/** Finds the configuration that applies to `directory`: the nearest `.smoke-lint.toml` or configured pyproject. */
export function discoverConfig(directory: string): Config {
  let current = path.resolve(directory);
  for (;;) {
    const dotfile = path.join(current, '.smoke-lint.toml');
    if (existsSync(dotfile)) {
      const { data, text } = readToml(dotfile);
      return configFromTable(data, { file: dotfile, text, table: null });
    }
    const pyproject = path.join(current, 'pyproject.toml');
    if (existsSync(pyproject)) {
      const { data, text } = readToml(pyproject);
      const table = toolTable(data, pyproject);
      if (table) return configFromTable(table, { file: pyproject, text, table: 'tool.smoke-lint' });
    }
    const parent = path.dirname(current);
    if (parent === current) return defaultConfig();
    current = parent;
  }
}

/** Does `code` match a selector (a full code or a prefix such as `SL1`)? */
export function codeMatches(code: string, selector: string): boolean {
  return code.startsWith(selector);
}
