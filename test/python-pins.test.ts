// The versions a project pins (src/model/python-pins.ts) and the async advice SL203 builds on them.
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { atLeast, below, packageRange, parseSpecifier } from '../src/model/python-pins.js';
import { lint } from '../src/engine.js';
import { makeTempProject } from './project.js';

const made: string[] = [];
after(() => made.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

const range = (spec: string) => {
  const parsed = parseSpecifier(spec, 'x');
  assert.ok(parsed, spec);
  return parsed;
};

describe('parseSpecifier', () => {
  it('reads PEP 440 and Poetry specifiers as a [min, max) range', () => {
    assert.ok(below(range('^0.23.7'), [0, 24]) && atLeast(range('^0.23.7'), [0, 23]));
    assert.ok(below(range('~=0.21.1'), [0, 22]));
    assert.ok(below(range('>=0.21,<0.24'), [0, 24]) && !atLeast(range('>=0.21,<0.24'), [0, 24]));
    assert.ok(atLeast(range('>=1.3.0'), [0, 24]) && !below(range('>=1.3.0'), [9]));
    assert.ok(atLeast(range('==0.24.0'), [0, 24]) && below(range('==0.23.5'), [0, 24]));
    assert.ok(below(range('==0.23.*'), [0, 24]) && atLeast(range('==0.23.*'), [0, 23]));
    assert.ok(below(range('^0.0.3'), [0, 0, 4]));
    assert.ok(!atLeast(range('*'), [0]) && !below(range(''), [99]));
    assert.equal(parseSpecifier('latest', 'x'), null);
  });
});

describe('packageRange', () => {
  it('prefers a lock file to a declaration, and the folder nearest the suite', () => {
    const root = makeTempProject({
      'pyproject.toml': '[project]\nname = "x"\ndependencies = ["pytest-asyncio>=0.21"]\n',
      'svc/requirements-dev.txt': 'pytest==8.0\npytest_asyncio ~= 0.23.2  # loop\n',
      'svc/tests/x.py': '',
      'api/pyproject.toml': '[tool.poetry.group.dev.dependencies]\npytest-asyncio = { version = "^0.21" }\n',
      'api/poetry.lock': '[[package]]\nname = "pytest"\nversion = "8.0.0"\n\n[[package]]\nname = "pytest-asyncio"\nversion = "0.24.0"\n',
      'api/tests/x.py': '',
    });
    made.push(root);
    assert.equal(packageRange(root, path.join(root, 'svc/tests'), 'pytest-asyncio')?.spec, '~= 0.23.2');
    assert.equal(packageRange(root, path.join(root, 'api/tests'), 'pytest-asyncio')?.spec, '==0.24.0');
    assert.equal(packageRange(root, root, 'pytest-asyncio')?.spec, '>=0.21');
    assert.equal(packageRange(root, root, 'anyio'), null);
  });
});

const CONFTEST = `import pytest
from asgi_lifespan import LifespanManager
from httpx import ASGITransport, AsyncClient
from sqlalchemy.ext.asyncio import create_async_engine

from app.main import app

URL = "postgresql+asyncpg://t:t@localhost:5433/t"


@pytest.fixture
async def engine():
    engine = create_async_engine(URL)
    yield engine
    await engine.dispose()


@pytest.fixture
async def client(engine):
    async with LifespanManager(app):
        async with AsyncClient(transport=ASGITransport(app=app), base_url="http://t") as c:
            yield c
`;

async function hints(pin: string | null): Promise<string[]> {
  const root = makeTempProject({
    'pyproject.toml': `[project]\nname = "x"\ndependencies = [${pin === null ? '' : `"pytest-asyncio${pin}"`}]\n`,
    'app/__init__.py': '',
    'app/main.py': 'from fastapi import FastAPI\n\napp = FastAPI()\n',
    'tests/integration/conftest.py': CONFTEST,
    'tests/integration/test_x.py': 'async def test_x(client):\n    await client.get("/")\n',
  });
  made.push(root);
  const report = await lint({ paths: [root], cwd: root, select: ['SL203'] });
  return report.diagnostics.map((d) => `${d.severity} ${d.hint}`);
}

describe('SL203 advice for async fixtures follows the pinned pytest-asyncio', () => {
  it('names loop_scope only where the pin has it', async () => {
    for (const hint of await hints('>=0.24')) assert.match(hint, /^warning .*loop_scope="session"/);
    for (const hint of await hints('==0.23.8')) {
      assert.match(hint, /@pytest\.mark\.asyncio\(scope="session"\)/);
      assert.doesNotMatch(hint, /Use `scope="session", loop_scope/);
    }
    for (const hint of await hints('<0.23')) assert.match(hint, /session-scoped `event_loop`/);
    const unknown = await hints(null);
    assert.equal(unknown.length, 2);
    for (const hint of unknown) assert.match(hint, /0\.24 or later add `loop_scope="session"`; on 0\.23.*event_loop/);
  });
});
