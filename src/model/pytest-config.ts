// The parts of the project's pytest configuration that change what a plain `pytest` run collects.
import path from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { iniSection } from '../readers/ini.js';
import { readTextFile } from '../read-text.js';

export interface PytestConfig {
  /** Where the configuration was read from; null when the project has none. */
  source: string | null;
  testpaths: string[] | null;
  addopts: string;
  pythonpath: string[];
  /** What pytest-env sets: the `env` entries (`KEY=value`), or its own TOML table when there is one (see nativeEnvIn). */
  env: Map<string, string>;
  /** The names of `env` that pytest-env sets only when the variable is unset (`D:`, `skip_if_set`); it overwrites the others. */
  envDefaults: Set<string>;
  /** Where `env` is written: the configuration itself, or the file of pytest-env's own table. */
  envSource: string | null;
}

function empty(): PytestConfig {
  return { source: null, testpaths: null, addopts: '', pythonpath: [], env: new Map(), envDefaults: new Set(), envSource: null };
}

function asList(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === 'string');
  if (typeof value === 'string') return value.split(/\s+/).filter(Boolean);
  return [];
}

function addEnv(config: PytestConfig, entries: string[]): void {
  for (const entry of entries) {
    // Flags before the name: `D:` (only when unset), `R:` (raw), in any order and case.
    const match = /^((?:[A-Za-z]:)*)([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(entry.trim());
    if (!match) continue;
    config.env.set(match[2]!, match[3]!);
    if (/(^|:)d:/i.test(match[1]!)) config.envDefaults.add(match[2]!);
  }
}

/** pytest's section of an ini file; `always`: the file is pytest's even without it. */
function fromIni(file: string, section: string, always: boolean, textOf: (file: string) => string | null): PytestConfig | null {
  const text = textOf(file);
  if (text === null) return null;
  let values: Map<string, string> | null;
  try {
    values = iniSection(text, section);
  } catch {
    values = null;
  }
  if (!values && !always) return null;
  const config = empty();
  config.source = file;
  if (!values) return config;
  config.envSource = file;
  if (values.has('testpaths')) config.testpaths = asList(values.get('testpaths'));
  config.addopts = values.get('addopts')?.replace(/\n/g, ' ') ?? '';
  config.pythonpath = asList(values.get('pythonpath'));
  addEnv(config, (values.get('env') ?? '').split('\n'));
  return config;
}

/** The table of a TOML file that holds pytest's options; `always`: the file is pytest's even without it. */
function fromToml(file: string, table: (data: Record<string, any>) => unknown, always: boolean, textOf: (file: string) => string | null): PytestConfig | null {
  const text = textOf(file);
  if (text === null) return null;
  let options: unknown = null;
  try {
    options = table(parseToml(text) as Record<string, any>);
  } catch {
    // A broken pyproject.toml is reported by the configuration loader; here it just has no pytest options.
  }
  const found = options !== null && typeof options === 'object';
  if (!found && !always) return null;
  const config = empty();
  config.source = file;
  if (!found) return config;
  const values = options as Record<string, unknown>;
  config.envSource = file;
  if ('testpaths' in values) config.testpaths = asList(values.testpaths);
  config.addopts = asList(values.addopts).join(' ');
  config.pythonpath = asList(values.pythonpath);
  addEnv(config, asList(values.env));
  return config;
}

/** pytest's table in a pytest.toml. */
function ownTable(data: Record<string, any>): unknown {
  return data?.pytest;
}

/** In a pyproject.toml, pytest 9's native `[tool.pytest]` keys, else the older `[tool.pytest.ini_options]`. */
function pyprojectTable(data: Record<string, any>): unknown {
  const table = data?.tool?.pytest;
  if (!table || typeof table !== 'object') return null;
  const native = Object.keys(table).some((key) => key !== 'ini_options');
  return native ? table : (table.ini_options ?? null);
}

/** The files pytestConfigIn looks for in a folder (a folder holding none of them has no configuration). */
export const PYTEST_CONFIG_FILES = ['pytest.toml', '.pytest.toml', 'pytest.ini', '.pytest.ini', 'pyproject.toml', 'tox.ini', 'setup.cfg'] as const;

/**
 * pytest's configuration in one folder, the way pytest picks it (docs.pytest.org, "Configuration file
 * formats"): a pytest.toml or .pytest.toml (pytest 9), then a pytest.ini or .pytest.ini, each even without
 * its [pytest] table or section; else a pyproject.toml with `[tool.pytest]` (pytest 9's native TOML) or
 * `[tool.pytest.ini_options]`, a tox.ini with [pytest], a setup.cfg with [tool:pytest]. Null when the
 * folder holds none. `textOf` gives a file's text, null when it is missing or unreadable.
 */
export function pytestConfigIn(dir: string, textOf: (file: string) => string | null): PytestConfig | null {
  return (
    fromToml(path.join(dir, 'pytest.toml'), ownTable, true, textOf) ??
    fromToml(path.join(dir, '.pytest.toml'), ownTable, true, textOf) ??
    fromIni(path.join(dir, 'pytest.ini'), 'pytest', true, textOf) ??
    fromIni(path.join(dir, '.pytest.ini'), 'pytest', true, textOf) ??
    fromToml(path.join(dir, 'pyproject.toml'), pyprojectTable, false, textOf) ??
    fromIni(path.join(dir, 'tox.ini'), 'pytest', false, textOf) ??
    fromIni(path.join(dir, 'setup.cfg'), 'tool:pytest', false, textOf)
  );
}

/**
 * The configuration in a file a run names (`pytest -c FILE`): pytest takes it whatever it holds, reading a
 * `.toml` as a pytest.toml or a pyproject.toml by its name, a `.cfg` for [tool:pytest], any other for
 * [pytest]. Null when it cannot be read.
 */
export function pytestConfigFile(file: string, textOf: (file: string) => string | null): PytestConfig | null {
  const base = path.basename(file);
  if (base.endsWith('.toml')) return fromToml(file, /^\.?pytest\.toml$/.test(base) ? ownTable : pyprojectTable, true, textOf);
  return fromIni(file, base.endsWith('.cfg') ? 'tool:pytest' : 'pytest', true, textOf);
}

/**
 * pytest-env's own TOML table for a configuration whose folder is `dir` (pytest's rootdir), looked for from
 * there upward to `top`: in the first folder holding a pytest.toml, .pytest.toml or pyproject.toml, its
 * `[pytest_env]` (the first two) or `[tool.pytest_env]` table. When there is one, pytest-env sets what it
 * holds instead of the `env` entries. Null when there is none. Each value is set as Python's `str` of it
 * (`true` is `True`), an inline table's `value` likewise; one that unsets the variable sets nothing.
 */
export function nativeEnvIn(dir: string, top: string, textOf: (file: string) => string | null): Pick<PytestConfig, 'env' | 'envDefaults' | 'envSource'> | null {
  for (let folder = dir; ; folder = path.dirname(folder)) {
    let seen = false;
    for (const [name, table] of [['pytest.toml', (data: any) => data?.pytest_env], ['.pytest.toml', (data: any) => data?.pytest_env], ['pyproject.toml', (data: any) => data?.tool?.pytest_env]] as const) {
      const file = path.join(folder, name);
      const text = textOf(file);
      if (text === null) continue;
      seen = true;
      let values: unknown;
      try {
        values = table(parseToml(text));
      } catch {
        continue;
      }
      if (!values || typeof values !== 'object') continue;
      const env = new Map<string, string>();
      const envDefaults = new Set<string>();
      for (const [key, entry] of Object.entries(values as Record<string, unknown>)) {
        const value = entry !== null && typeof entry === 'object' && !Array.isArray(entry) ? (entry as Record<string, unknown>) : { value: entry };
        if (value.unset === true || value.value === undefined) continue;
        env.set(key, pythonStr(value.value));
        if (value.skip_if_set === true) envDefaults.add(key);
      }
      return { env, envDefaults, envSource: file };
    }
    if (seen || folder === top || path.dirname(folder) === folder) return null;
  }
}

/** Python's `str` of a TOML scalar, as pytest-env sets it. */
function pythonStr(value: unknown): string {
  if (typeof value === 'boolean') return value ? 'True' : 'False';
  return String(value);
}

/** A configuration with pytest-env's own table (see nativeEnvIn) in place of its `env` entries, when there is one. */
export function withNativeEnv(config: PytestConfig, dir: string, top: string, textOf: (file: string) => string | null): PytestConfig {
  const native = nativeEnvIn(pytestRootdir(config, dir), top, textOf);
  return native ? { ...config, ...native } : config;
}

/**
 * The folder pytest takes as rootdir with this configuration: the configuration's own folder, against which
 * its `pythonpath` and `testpaths` are relative; `fallback` (the project root, or the folder a search
 * started from) when there is none.
 */
export function pytestRootdir(config: PytestConfig, fallback: string): string {
  return config.source ? path.dirname(config.source) : fallback;
}

/** The project's own pytest configuration: the one in its root folder (see pytestConfigIn), else none. */
export function readPytestConfig(root: string): PytestConfig {
  return withNativeEnv(pytestConfigIn(root, readTextFile) ?? empty(), root, root, readTextFile);
}
