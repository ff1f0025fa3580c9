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
 * formats"): a pytest.ini (or .pytest.ini), even with no [pytest] section, else a pyproject.toml with
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
  // pytest takes a pytest.ini as its configuration even when it has no [pytest] section.
  const ini = fromIni(path.join(dir, 'pytest.ini'), 'pytest', true) ?? fromIni(path.join(dir, '.pytest.ini'), 'pytest', true);
  if (ini) return ini;
  const pyproject = path.join(dir, 'pyproject.toml');
  const text = textOf(pyproject);
  if (text !== null) {
    try {
      const data = parseToml(text) as Record<string, any>;
      const options = data?.tool?.pytest?.ini_options;
      if (options && typeof options === 'object') {
        const config = empty();
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
  return fromIni(path.join(dir, 'tox.ini'), 'pytest', false) ?? fromIni(path.join(dir, 'setup.cfg'), 'tool:pytest', false);
}

/** The project's own pytest configuration: the one in its root folder (see pytestConfigIn), else none. */
export function readPytestConfig(root: string): PytestConfig {
  return pytestConfigIn(root, readTextFile) ?? empty();
}
