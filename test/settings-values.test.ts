// Following a URL into the app's settings: what is known (defaults, the variables that replace them)
// and what is not (a field an __init__ or validator assigns, a property with several live returns).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { openProject } from '../src/engine.js';
import { pyModule } from '../src/model/python.js';
import { settingDefault, settingsInProject } from '../src/model/settings-values.js';
import { makeTempProject } from './project.js';

const CONFTEST_HEAD = 'import pytest\nfrom sqlalchemy import create_engine\n\nfrom shop.config import settings, get_settings\n\n';

/** The default of the expression on the conftest's last line, in a project with this `shop/config.py`. */
function defaultOf(config: string, expression: string): ReturnType<typeof settingDefault> {
  const root = makeTempProject({
    'shop/__init__.py': '',
    'shop/config.py': config,
    'tests/integration/conftest.py': `${CONFTEST_HEAD}URL = ${expression}\n`,
  });
  const project = openProject(root);
  const file = project.load(project.files.get(path.join(root, 'tests/integration/conftest.py'))!)!;
  const module = pyModule(file)!;
  return settingDefault(project, module, module.assignments.get('URL')!.value);
}

const BASE = 'from pydantic import Field\nfrom pydantic_settings import BaseSettings\n\n';

test('a field default, with the field and its alias as what replaces it', () => {
  const found = defaultOf(`${BASE}class Settings(BaseSettings):\n    db_url: str = Field(default="postgresql://a:b@localhost:5432/shop", alias="DATABASE_URL")\n\nsettings = Settings()\n`, 'settings.db_url');
  assert.equal(found?.value, 'postgresql://a:b@localhost:5432/shop');
  assert.deepEqual([...found!.overriddenBy].sort(), ['DATABASE_URL', 'DB_URL']);
});

test('a property built from fields, skipping the branch of an unset optional URL', () => {
  const config = `${BASE}class Settings(BaseSettings):
    host: str = "localhost"
    port: int = 5433
    url: str | None = None

    @property
    def dsn(self) -> str:
        if self.url:
            return self.url
        return f"postgresql://shop:shop@{self.host}:{self.port}/shop"


def get_settings() -> Settings:
    return Settings()
`;
  const found = defaultOf(config, 'get_settings().dsn');
  assert.equal(found?.value, 'postgresql://shop:shop@localhost:5433/shop');
  assert.ok(found!.overriddenBy.has('PORT') && found!.overriddenBy.has('URL'));
});

test('a base class field and a getenv default', () => {
  const config = `import os\n${BASE}class Db(BaseSettings):\n    DATABASE_URL: str = os.getenv("APP_DB", "postgresql://x@localhost/shop")\n\nclass Settings(Db):\n    DEBUG: bool = False\n\nsettings = Settings()\n`;
  const found = defaultOf(config, 'settings.DATABASE_URL');
  assert.equal(found?.value, 'postgresql://x@localhost/shop');
  assert.ok(found!.overriddenBy.has('APP_DB') && found!.overriddenBy.has('DATABASE_URL'));
});

test('unknown: a field assigned in __init__, a required field, a property with two live returns, an unknown call', () => {
  const init = `${BASE}class Settings(BaseSettings):\n    HOST: str = "localhost"\n    DATABASE_URL: str = "postgresql://x@localhost:5432/a"\n\n    def __init__(self, **kw):\n        super().__init__(**kw)\n        self.DATABASE_URL = f"postgresql://x@{self.HOST}/b"\n\nsettings = Settings()\n`;
  assert.equal(defaultOf(init, 'settings.DATABASE_URL'), null);
  assert.equal(defaultOf(`${BASE}class Settings(BaseSettings):\n    DATABASE_URL: str\n\nsettings = Settings()\n`, 'settings.DATABASE_URL'), null);
  const twoReturns = `${BASE}class Settings(BaseSettings):\n    debug: bool = True\n\n    @property\n    def url(self) -> str:\n        if self.debug:\n            return "postgresql://x@localhost:5432/a"\n        return "postgresql://x@localhost:5433/b"\n\nsettings = Settings()\n`;
  assert.equal(defaultOf(twoReturns, 'settings.url'), null);
  const built = `${BASE}class Settings(BaseSettings):\n    port: int = 5432\n\n    @property\n    def url(self) -> str:\n        return build_url(self.port)\n\nsettings = Settings()\n`;
  assert.equal(defaultOf(built, 'settings.url'), null);
});

test('settings from a module outside the project are not the app\'s', () => {
  const root = makeTempProject({
    'shop/__init__.py': '',
    'shop/config.py': 'settings = object()\n',
    'tests/integration/conftest.py': 'from shop.config import settings\nfrom vendor_platform.config import settings as vendor\n\nA = settings.DATABASE_URL\nB = vendor.DATABASE_URL\n',
  });
  const project = openProject(root);
  const module = pyModule(project.load(project.files.get(path.join(root, 'tests/integration/conftest.py'))!)!)!;
  assert.equal(settingsInProject(project, module, module.assignments.get('A')!.value), true);
  assert.equal(settingsInProject(project, module, module.assignments.get('B')!.value), false);
});
