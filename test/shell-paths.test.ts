// The paths along which commands run (src/model/shell/paths.ts): functions followed from the top level,
// case arms, if branches, other functions, dispatch, self-invocations and EXIT traps; uncalled functions
// run nothing; recursion is cut. And a correct project written with functions stays as it is under --fix.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import path from 'node:path';
import { fromText } from '../src/source.js';
import { shellScript, type ShellCommand, type ShellScript } from '../src/model/shell.js';
import { planFixes } from '../src/fix/passes.js';
import { lint } from '../src/engine.js';
import { repoRoot } from './helpers.js';

function script(text: string): ShellScript {
  const model = shellScript(fromText('/proj/scripts/db.sh', 'shell', text));
  assert.ok(model);
  return model;
}

/** The command whose statement text starts with `prefix` (the nth one). */
function find(model: ShellScript, prefix: string, nth = 0): ShellCommand {
  const found = model.commands.filter((command) => command.statement.text.startsWith(prefix))[nth];
  assert.ok(found, `a command starting with ${prefix}`);
  return found;
}

function before(model: ShellScript, a: ShellCommand, b: ShellCommand): boolean {
  const later = model.runsOf(b);
  return model.runsOf(a).some((first) => later.some((second) => model.runsBefore(first, second)));
}

describe('runs of commands in functions', () => {
  it('orders commands inside one function called from a case arm', () => {
    const model = script('start() { docker rm -f db; docker run --name db pg; }\nstop() { docker rm -f db; }\ncase "$1" in start) start ;; stop) stop ;; esac\n');
    const rm = find(model, 'docker rm');
    const run = find(model, 'docker run');
    const rmInStop = find(model, 'docker rm', 1);
    assert.equal(before(model, rm, run), true);
    assert.equal(before(model, run, rm), false);
    // The stop arm excludes the start arm.
    assert.equal(before(model, rmInStop, run), false);
    assert.deepEqual(model.runsOf(run)[0]!.arms, ['start']);
    assert.deepEqual(model.runsOf(run)[0]!.via.map((call) => call.name), ['start']);
  });

  it('runs nothing from a function that is never called', () => {
    const model = script('purge() { docker rm -f db; }\nboot() { docker run --name db pg; }\nboot\n');
    assert.deepEqual(model.runsOf(find(model, 'docker rm')), []);
    assert.equal(model.runsOf(find(model, 'docker run')).length, 1);
  });

  it('follows a function called from another one defined later in the file, once both exist', () => {
    const model = script('main() { clean; up; }\nclean() { docker rm -f db; }\nup() { docker run --name db pg; }\nmain "$@"\n');
    assert.equal(before(model, find(model, 'docker rm'), find(model, 'docker run')), true);
    assert.deepEqual(model.runsOf(find(model, 'docker run'))[0]!.via.map((call) => call.name), ['main', 'up']);
  });

  it('does not call a function before its definition has run', () => {
    const model = script('up\nup() { docker run --name db pg; }\n');
    assert.deepEqual(model.runsOf(find(model, 'docker run')), []);
  });

  it('cuts recursion', () => {
    const model = script('a() { echo a; b; }\nb() { echo b; a; }\na\n');
    assert.equal(model.runsOf(find(model, 'echo a')).length, 1);
    assert.equal(model.runsOf(find(model, 'echo b')).length, 1);
  });

  it('keeps if and else branches apart', () => {
    const model = script('down() { docker rm -f db; }\nup() { docker run --name db pg; }\nif [ "$1" = down ]; then down; else up; fi\n');
    assert.equal(before(model, find(model, 'docker rm'), find(model, 'docker run')), false);
  });

  it('runs EXIT trap functions after everything else', () => {
    const model = script('cleanup() { docker rm -f db; }\ntrap cleanup EXIT\ndocker run --name db pg\n');
    const rm = find(model, 'docker rm');
    const run = find(model, 'docker run');
    assert.equal(model.runsOf(rm).length, 1);
    assert.equal(before(model, run, rm), true);
    assert.equal(before(model, rm, run), false);
  });

  it('follows a "$@" dispatch into every function, each apart from the others', () => {
    const model = script('start() { docker run --name db pg; }\nstop() { docker rm -f db; }\n"$@"\n');
    assert.equal(model.runsOf(find(model, 'docker run')).length, 1);
    assert.equal(before(model, find(model, 'docker rm'), find(model, 'docker run')), false);
  });

  it('follows "$0" ARM into that arm', () => {
    const model = script('case "$1" in\n start) docker run --name db pg ;;\n stop) docker rm -f db ;;\n restart) "$0" stop; "$0" start ;;\nesac\n');
    assert.equal(before(model, find(model, 'docker rm'), find(model, 'docker run')), true);
  });
});

describe('a correct project written with functions', () => {
  const project = path.join(repoRoot, 'fixtures/clean-functions/project');

  it('lints clean', async () => {
    const report = await lint({ paths: [project], cwd: project });
    assert.deepEqual(report.diagnostics.map((d) => `${d.code} ${d.message}`), []);
  });

  it('is left unchanged by --fix', async () => {
    const plan = await planFixes({ paths: [project], cwd: project }, { unsafe: true });
    assert.deepEqual(plan.applied, []);
    assert.equal(plan.texts.size, 0);
  });
});

describe('the cost of following functions', () => {
  /** Work the call graph does (calls followed) for a script. */
  function work(text: string): number {
    const model = script(text) as unknown as { callGraph(): { work: number } };
    return model.callGraph().work;
  }

  function chain(count: number): string {
    const lines: string[] = [];
    for (let i = 0; i < count; i++) lines.push(`f${i}() { echo ${i}; ${i + 1 < count ? `f${i + 1}` : 'true'}; }`);
    lines.push('f0');
    return lines.join('\n') + '\n';
  }

  function dense(count: number): string {
    const lines: string[] = [];
    for (let i = 0; i < count; i++) lines.push(`g${i}() { g${(i * 7 + 1) % count}; g${(i * 13 + 5) % count}; echo ${i}; }`);
    lines.push('g0', '"$@"');
    return lines.join('\n') + '\n';
  }

  it('grows linearly with a chain of functions calling each other', () => {
    const small = work(chain(1000));
    const large = work(chain(4000));
    assert.ok(small > 0);
    assert.ok(large <= small * 4.5, `work ${small} for 1000 functions, ${large} for 4000`);
  });

  it('grows linearly with a dense call graph and a dispatch into every function', () => {
    const small = work(dense(1000));
    const large = work(dense(4000));
    assert.ok(small > 0);
    assert.ok(large <= small * 4.5, `work ${small} for 1000 functions, ${large} for 4000`);
  });

  it('mirrors about as many nodes per line whatever the script size', () => {
    const size = (lines: number) => {
      const text = Array.from({ length: lines }, (_, i) => `echo "line ${i}" >/dev/null`).join('\n');
      return (script(text) as unknown as { light: { size: number } }).light.size;
    };
    const small = size(2000);
    const large = size(8000);
    assert.ok(large <= small * 4.2, `${small} nodes for 2000 lines, ${large} for 8000`);
  });
});
