// The parts of the project's pytest configuration that change what a plain `pytest` run collects.
import path from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { iniSection } from '../readers/ini.js';
import { readTextFile } from '../source.js';

export interface PytestConfig {
  /** Where the configuration was read from; null when the project has none. */
  source: string | null;
  testpaths: string[] | null;
  addopts: string;
  pythonpath: string[];
  /** `env` entries of pytest-env (`KEY=value`). */
  env: Map<string, string>;
}

function empty(): PytestConfig {
  return { source: null, testpaths: null, addopts: '', pythonpath: [], env: new Map() };
}

function asList(value: unknown): string[] {
  if (Array.isArray(value)) return value.filter((item): item is string => typeof item === 'string');
  if (typeof value === 'string') return value.split(/\s+/).filter(Boolean);
  return [];
}

function addEnv(config: PytestConfig, entries: string[]): void {
  for (const entry of entries) {
    const match = /^(?:[A-Z]:)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(entry.trim());
    if (match) config.env.set(match[1]!, match[2]!);
  }
}

/**
 * pytest's configuration in one folder, the way pytest picks it (docs.pytest.org, "Configuration file
 * formats"): a pytest.toml or .pytest.toml (pytest 9), then a pytest.ini or .pytest.ini, each even without
 * its [pytest] table or section; else a pyproject.toml with `[tool.pytest]` (pytest 9's native TOML) or
 * `[tool.pytest.ini_options]`, a tox.ini with [pytest], a setup.cfg with [tool:pytest]. Null when the
 * folder holds none. `textOf` gives a file's text, null when it is missing or unreadable.
 */
export function pytestConfigIn(dir: string, textOf: (file: string) => string | null): PytestConfig | null {
  const fromIni = (file: string, section: string, always: boolean): PytestConfig | null => {
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
    if (values.has('testpaths')) config.testpaths = asList(values.get('testpaths'));
    config.addopts = values.get('addopts')?.replace(/\n/g, ' ') ?? '';
    config.pythonpath = asList(values.get('pythonpath'));
    addEnv(config, (values.get('env') ?? '').split('\n'));
    return config;
  };
  // The table of a TOML file that holds pytest's options; `always`: the file is pytest's even without it.
  const fromToml = (file: string, table: (data: Record<string, any>) => unknown, always: boolean): PytestConfig | null => {
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
    if ('testpaths' in values) config.testpaths = asList(values.testpaths);
    config.addopts = asList(values.addopts).join(' ');
    config.pythonpath = asList(values.pythonpath);
    addEnv(config, asList(values.env));
    return config;
  };
  const own = (data: Record<string, any>) => data?.pytest;
  // In a pyproject.toml, pytest 9's native `[tool.pytest]` keys, else the older `[tool.pytest.ini_options]`.
  const inPyproject = (data: Record<string, any>) => {
    const table = data?.tool?.pytest;
    if (!table || typeof table !== 'object') return null;
    const native = Object.keys(table).some((key) => key !== 'ini_options');
    return native ? table : (table.ini_options ?? null);
  };
  return (
    fromToml(path.join(dir, 'pytest.toml'), own, true) ??
    fromToml(path.join(dir, '.pytest.toml'), own, true) ??
    fromIni(path.join(dir, 'pytest.ini'), 'pytest', true) ??
    fromIni(path.join(dir, '.pytest.ini'), 'pytest', true) ??
    fromToml(path.join(dir, 'pyproject.toml'), inPyproject, false) ??
    fromIni(path.join(dir, 'tox.ini'), 'pytest', false) ??
    fromIni(path.join(dir, 'setup.cfg'), 'tool:pytest', false)
  );
}

/** The project's own pytest configuration: the one in its root folder (see pytestConfigIn), else none. */
export function readPytestConfig(root: string): PytestConfig {
  return pytestConfigIn(root, readTextFile) ?? empty();
}
