// The parts of the project's pytest configuration that change what a plain `pytest` run collects.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse as parseToml } from 'smol-toml';
import { iniSection } from '../readers/ini.js';

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

/** Reads pytest's configuration the way pytest picks it: pytest.ini, then pyproject.toml, tox.ini, setup.cfg. */
export function readPytestConfig(root: string): PytestConfig {
  const config = empty();
  const fromIni = (file: string, section: string): boolean => {
    if (!existsSync(file)) return false;
    let values: Map<string, string> | null;
    try {
      values = iniSection(readFileSync(file, 'utf8'), section);
    } catch {
      return false;
    }
    if (!values) return false;
    config.source = file;
    if (values.has('testpaths')) config.testpaths = asList(values.get('testpaths'));
    config.addopts = values.get('addopts')?.replace(/\n/g, ' ') ?? '';
    config.pythonpath = asList(values.get('pythonpath'));
    addEnv(config, (values.get('env') ?? '').split('\n'));
    return true;
  };
  // pytest takes a pytest.ini as its configuration even when it has no [pytest] section.
  const pytestIni = path.join(root, 'pytest.ini');
  if (existsSync(pytestIni)) {
    fromIni(pytestIni, 'pytest');
    config.source = pytestIni;
    return config;
  }
  const pyproject = path.join(root, 'pyproject.toml');
  if (existsSync(pyproject)) {
    try {
      const data = parseToml(readFileSync(pyproject, 'utf8')) as Record<string, any>;
      const options = data?.tool?.pytest?.ini_options;
      if (options && typeof options === 'object') {
        config.source = pyproject;
        if ('testpaths' in options) config.testpaths = asList(options.testpaths);
        config.addopts = asList(options.addopts).join(' ');
        config.pythonpath = asList(options.pythonpath);
        addEnv(config, asList(options.env));
        return config;
      }
    } catch {
      // A broken pyproject.toml is reported by the configuration loader; here it just has no pytest options.
    }
  }
  if (fromIni(path.join(root, 'tox.ini'), 'pytest')) return config;
  fromIni(path.join(root, 'setup.cfg'), 'tool:pytest');
  return config;
}
