// One harness over every rule. Each case under fixtures/ is a folder with expected.txt, project/ and
// optionally fixed/; test/fixture-case.ts says what each holds, and how a case names a base project
// (`# base: <name>`, fixtures/bases/<name>/) that its own files are laid over, so that a case holds only
// what it is about. In short:
//   project/       the sample project (it must have a pyproject.toml, which makes it a project root), or with
//                  a base only the case's own files
//   expected.txt   the findings, one `path:line:col: CODE` per line, paths relative to the project; optional
//                  first lines `# select: SL101, SL102`, `# base: <name>`, `# without: <base file>`
//   fixed/         (optional) files of the project as they must read once every fix of the run is applied;
//                  a file of fixed/ that the project lacks is one a fix creates (SL704), with that text
// Cases under fixtures/rules/<CODE>/ are named fires-* or silent-*; every rule needs one of each.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { lint } from '../src/engine.js';
import { allRules } from '../rules/index.js';
import { planFixes } from '../src/fix/passes.js';
import { planChanges } from '../src/fix/report.js';
import { basesRoot, caseProject, findCases, listFiles, type FixtureCase } from './fixture-case.js';
import { tempDir } from './temp-dir.js';

const cases = findCases();

for (const fixture of cases) {
  test(`fixture ${fixture.name}`, async () => {
    const { project, dispose } = caseProject(fixture);
    try {
      await checkCase(fixture, project);
    } finally {
      dispose();
    }
  });
}

async function checkCase(fixture: FixtureCase, project: string): Promise<void> {
  assert.ok(existsSync(path.join(project, 'pyproject.toml')), `${fixture.name}: the project needs a pyproject.toml`);
  const report = await lint({ paths: [project], cwd: project, select: fixture.select });
  assert.deepEqual(report.errors, []);
  const actual = report.diagnostics
    .map((d) => `${path.relative(project, d.file.path).split(path.sep).join('/')}:${d.range.start.line}:${d.range.start.column}: ${d.code}`)
    .sort();
  assert.deepEqual(actual, fixture.expected, `findings of ${fixture.name}:\n${report.diagnostics.map((d) => `  ${d.code} ${d.message}`).join('\n')}`);

  const fixedDir = path.join(fixture.dir, 'fixed');
  if (!existsSync(fixedDir)) {
    // A project that lints clean is one --fix leaves alone (a fix on a silent finding would be a bug).
    if (fixture.expected.length > 0) return;
    const plan = await planFixes({ paths: [project], cwd: project, select: fixture.select }, { unsafe: true });
    assert.equal(planChanges(plan), false, `--fix --unsafe-fixes would change the clean ${fixture.name}`);
    return;
  }
  // Through the real fix machinery (the passes `--fix --unsafe-fixes` runs), in memory.
  const plan = await planFixes({ paths: [project], cwd: project, select: fixture.select }, { unsafe: true });
  for (const relative of listFiles(fixedDir)) {
    const target = path.join(project, relative);
    // A file no fix touches must read as it does in project/ (the no-fix cases show that).
    const planned = plan.texts.get(target)?.text ?? plan.creates.get(target)?.text ?? (existsSync(target) ? readFileSync(target, 'utf8') : undefined);
    assert.ok(planned !== undefined, `fixed/${relative} of ${fixture.name}: not in project/, and no fix creates it`);
    assert.equal(planned, readFileSync(path.join(fixedDir, relative), 'utf8'), `fixed ${relative} of ${fixture.name}`);
  }
  assert.deepEqual(plan.notes, [], `fix notes of ${fixture.name}`);

  // fixed/ shows every file the fixes change or create.
  const shown = new Set(listFiles(fixedDir));
  const changed = [...[...plan.texts.values()].filter((planned) => planned.text !== planned.original).map((planned) => planned.path), ...plan.creates.keys()];
  assert.deepEqual(changed.map((file) => path.relative(project, file).split(path.sep).join('/')).filter((relative) => !shown.has(relative)), [], `files changed by the fixes of ${fixture.name} but missing from fixed/`);

  // The fixed project lints clean for every rule whose findings all carried a fix, no finding is new,
  // and a second --fix changes nothing.
  const fullyFixed = new Set(report.diagnostics.filter((d) => d.fix).map((d) => d.code));
  for (const d of report.diagnostics) if (!d.fix) fullyFixed.delete(d.code);
  const copy = tempDir('smoke-lint-fixed-');
  try {
    cpSync(project, copy, { recursive: true });
    for (const relative of listFiles(fixedDir)) {
      mkdirSync(path.dirname(path.join(copy, relative)), { recursive: true });
      writeFileSync(path.join(copy, relative), readFileSync(path.join(fixedDir, relative)));
    }
    const after = await lint({ paths: [copy], cwd: copy, select: fixture.select });
    const left = after.diagnostics.filter((d) => fullyFixed.has(d.code)).map((d) => `${path.relative(copy, d.file.path)}:${d.range.start.line}: ${d.code} ${d.message}`);
    assert.deepEqual(left, [], `after its fixes, ${fixture.name} still reports`);
    const countsOf = (diagnostics: typeof after.diagnostics, root: string) => {
      const counts = new Map<string, number>();
      for (const d of diagnostics) {
        const key = `${path.relative(root, d.file.path).split(path.sep).join('/')} ${d.code}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      return counts;
    };
    const before = countsOf(report.diagnostics, project);
    const added = [...countsOf(after.diagnostics, copy)].filter(([key, count]) => count > (before.get(key) ?? 0)).map(([key]) => key);
    assert.deepEqual(added, [], `the fixes of ${fixture.name} add findings`);
    const second = await planFixes({ paths: [copy], cwd: copy, select: fixture.select }, { unsafe: true });
    const again = [...second.texts.values()].filter((planned) => planned.text !== planned.original).map((planned) => path.relative(copy, planned.path));
    assert.deepEqual([...again, ...[...second.creates.keys()].map((file) => path.relative(copy, file))], [], `a second --fix of ${fixture.name} changes more`);
  } finally {
    rmSync(copy, { recursive: true, force: true });
  }
}

test('every base in fixtures/bases/ is the base of some case', () => {
  const used = new Set(cases.map((c) => c.base));
  assert.deepEqual(readdirSync(basesRoot).filter((name) => !used.has(name)), [], 'bases no case names');
});

test('every rule has a case where it fires and a near-miss where it stays silent', async () => {
  const rules = await allRules();
  const problems: string[] = [];
  for (const rule of rules) {
    const own = cases.filter((c) => c.name.startsWith(`rules/${rule.code}/`));
    const fires = own.some((c) => c.expected.some((line) => line.endsWith(` ${rule.code}`)));
    const silent = own.some((c) => c.name.includes('/silent-') && !c.expected.some((line) => line.endsWith(` ${rule.code}`)));
    if (!fires) problems.push(`${rule.code}: no fixtures/rules/${rule.code}/fires-* case reports it`);
    const showsFix = own.some((c) => existsSync(path.join(c.dir, 'fixed')));
    const textFix = rule.fix !== 'none' && rule.code !== 'SL701'; // SL701's fix changes the mode, tested in test/fix.test.ts
    if (textFix && !showsFix) problems.push(`${rule.code}: fixable, but no case has a fixed/ folder showing the fixed file`);
    if (!silent) problems.push(`${rule.code}: no fixtures/rules/${rule.code}/silent-* near-miss`);
  }
  assert.deepEqual(problems, []);
});
