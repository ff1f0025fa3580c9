// The shell model: commands, values, options, cwd, traps, on the skill's own scripts and on the
// spellings real scripts use.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromText } from '../src/source.js';
import { effectiveCommand, HOLE, resolvePath, shellScript, type ShellCommand, type ShellScript } from '../src/model/shell.js';
import { SKILL_TEST_DB, SKILL_RUNNER } from './skill-scripts.js';



export function script(text: string, file = '/proj/scripts/x.sh'): ShellScript {
  const model = shellScript(fromText(file, 'shell', text));
  assert.ok(model, 'the script has a model');
  return model;
}

/** The first command with this name (after the given one). */
function named(model: ShellScript, name: string, nth = 0): ShellCommand {
  const found = model.commands.filter((command) => command.name === name)[nth];
  assert.ok(found, `a command named ${name} (#${nth})`);
  return found;
}

function values(command: ShellCommand): Array<string | null> {
  return command.args.map((arg) => arg.value);
}

/** The value of a variable at the end of the script. */
function at(model: ShellScript, marker: string): number {
  const offset = model.file.text.indexOf(marker);
  assert.ok(offset >= 0, `marker ${marker}`);
  return offset;
}

describe('the skill test-db.sh', () => {
  const model = script(SKILL_TEST_DB, '/proj/backend/tests/integration/scripts/test-db.sh');

  it('reads the shebang', () => {
    assert.equal(model.shebang, '#!/bin/bash');
    assert.equal(model.interpreter, 'bash');
    assert.equal(model.dir, '/proj/backend/tests/integration/scripts');
  });

  it('lists every command with its case arm', () => {
    const rm = named(model, 'docker', 0);
    assert.deepEqual(values(rm), ['rm', '-f', 'shop-postgres-test']);
    assert.deepEqual(rm.caseArms, ['start']);
    assert.equal(rm.caseArm?.subject, '"$1"');
    assert.equal(rm.statement.type, 'redirected_statement');
    assert.equal(rm.redirects[0]?.text, '2>/dev/null');
    const stopRm = model.commands.find((command) => command.name === 'docker' && command.caseArms?.[0] === 'stop');
    assert.deepEqual(stopRm && values(stopRm), ['rm', '-f', 'shop-postgres-test']);
    const arms = new Set(model.commands.map((command) => command.caseArms?.join('|')));
    assert.deepEqual([...arms], ['start', 'stop', 'restart', 'status', 'logs', '*']);
  });

  it('expands the docker run across line continuations', () => {
    const run = named(model, 'docker', 1);
    assert.deepEqual(values(run), [
      'run', '-d', '--name', 'shop-postgres-test', '-e', 'POSTGRES_USER=testuser', '-e', 'POSTGRES_PASSWORD=testpass',
      '-e', 'POSTGRES_DB=shop_test', '-p', '5433:5432', '--tmpfs', '/var/lib/postgresql/data', 'postgres:17',
    ]);
    assert.equal(run.errexit, false);
  });

  it('marks the readiness probe as a condition', () => {
    const exec = named(model, 'docker', 2);
    assert.deepEqual(values(exec).slice(0, 3), ['exec', 'shop-postgres-test', 'pg_isready']);
    assert.equal(exec.inCondition, true);
    assert.equal(named(model, 'sleep').inCondition, false);
  });

  it('resolves $0 to the script itself', () => {
    const restart = model.commands.filter((command) => command.caseArms?.[0] === 'restart');
    assert.deepEqual(restart.map((command) => [command.name, ...values(command)]), [
      ['/proj/backend/tests/integration/scripts/test-db.sh', 'stop'],
      ['/proj/backend/tests/integration/scripts/test-db.sh', 'start'],
    ]);
  });

  it('knows the variables everywhere', () => {
    assert.equal(model.valueOf('CONTAINER_NAME', model.file.text.length), 'shop-postgres-test');
    assert.equal(model.valueOf('DB_PORT', at(model, 'docker run')), '5433');
    assert.equal(model.valueOf('DB_PORT', 0), null);
    assert.equal(model.valueOf('i', at(model, 'sleep 1')), null, 'a loop variable is unknown');
  });
});

describe('the skill test-integration.sh', () => {
  const model = script(SKILL_RUNNER, '/proj/scripts/test-integration.sh');

  it('resolves SCRIPT_DIR and PROJECT_ROOT', () => {
    const end = model.file.text.length;
    assert.equal(model.valueOf('SCRIPT_DIR', end), '/proj/scripts');
    assert.equal(model.valueOf('PROJECT_ROOT', end), '/proj/scripts/..');
  });

  it('follows cd', () => {
    const pytest = named(model, 'pytest');
    assert.equal(model.cwdAt(pytest.node.startIndex), '/proj/backend');
    assert.equal(model.cwdAt(0), null);
    assert.equal(resolvePath(model, 'tests/integration/', pytest.node.startIndex), '/proj/backend/tests/integration');
    assert.equal(resolvePath(model, 'x.sh'), '/proj/scripts/x.sh');
  });

  it('runs pytest under errexit with the gate as a prefix', () => {
    const pytest = named(model, 'pytest');
    assert.equal(pytest.errexit, true);
    assert.equal(pytest.pipefail, false);
    assert.equal(pytest.inCondition, false);
    assert.equal(pytest.prefixEnv.get('RUN_INTEGRATION_TESTS')?.value, 'true');
    assert.deepEqual(values(pytest), ['tests/integration/', '-v']);
    assert.equal(named(model, 'set').errexit, false, 'set -e itself runs before errexit is on');
  });

  it('names the DB script calls by their resolved path', () => {
    const calls = model.commands.filter((command) => command.name?.endsWith('test-db.sh'));
    assert.deepEqual(calls.map((command) => [command.name, ...values(command)]), [
      ['/proj/scripts/../backend/tests/integration/scripts/test-db.sh', 'start'],
      ['/proj/scripts/../backend/tests/integration/scripts/test-db.sh', 'stop'],
    ]);
  });

  it('records assignments such as TEST_EXIT_CODE=$?', () => {
    const assignment = model.assignments.find((entry) => entry.name === 'TEST_EXIT_CODE');
    assert.equal(assignment?.valueNode?.text, '$?');
    assert.equal(assignment?.kind, 'plain');
    assert.equal(model.optionsAt(assignment!.node.startIndex).errexit, true);
    assert.deepEqual(values(named(model, 'exit')), [null]);
  });

  it('marks the commands inside command substitutions', () => {
    const dirname = named(model, 'dirname');
    assert.equal(dirname.inSubstitution, true);
    assert.equal(dirname.inSubshell, true);
    assert.equal(named(model, 'pytest').inSubstitution, false);
  });
});

describe('values', () => {
  it('takes defaults when the variable is never assigned', () => {
    const model = script('PORT=${PORT:-5433}\nHOST=${DB_HOST-localhost}\necho "$PORT" ${OTHER:-x}\n');
    const end = model.file.text.length;
    assert.equal(model.valueOf('PORT', end), '5433');
    assert.equal(model.valueOf('HOST', end), 'localhost');
    assert.deepEqual(values(named(model, 'echo')), ['5433', 'x']);
  });

  it('uses the assigned value over the default', () => {
    const model = script('PORT=6000\nP2=${PORT:-5433}\nEMPTY=\nP3=${EMPTY:-a}\nP4=${EMPTY-b}\n');
    const end = model.file.text.length;
    assert.equal(model.valueOf('P2', end), '6000');
    assert.equal(model.valueOf('P3', end), 'a');
    assert.equal(model.valueOf('P4', end), '');
  });

  it('assigns with ${VAR:=default}', () => {
    const model = script(': "${PORT:=5434}"\necho $PORT\n');
    assert.deepEqual(values(named(model, 'echo')), ['5434']);
  });

  it('handles ${VAR:+alt}, ${#VAR}, trimming', () => {
    const model = script('A=x\nF=/a/b/c.sh\necho ${A:+yes} ${B:+no} ${F%/*} ${F##*/} ${F%.sh} ${#A}\n');
    assert.deepEqual(values(named(model, 'echo')), ['yes', null, '/a/b', 'c.sh', '/a/b/c', null], 'B is the caller\'s: ${B:+no} is unknown');
  });

  it('joins quoting and concatenation', () => {
    const model = script(`A=one\nB="x"'y'$'\\tz'"$A"\necho pre"$A"'$A'post \\$A\n`);
    assert.equal(model.valueOf('B', model.file.text.length), 'xy\tzone');
    assert.deepEqual(values(named(model, 'echo')), ['preone$Apost', '$A']);
  });

  it('reads export, readonly, declare and local', () => {
    const model = script('export A=1 B\nreadonly R=r\ndeclare -x D=d\ntypeset T=t\nf() {\n  local L=l\n  echo "$L"\n}\necho "$L"\n');
    const end = model.file.text.length;
    assert.equal(model.valueOf('A', end), '1');
    assert.equal(model.valueOf('R', end), 'r');
    assert.equal(model.valueOf('D', end), 'd');
    assert.equal(model.valueOf('T', end), 't');
    assert.deepEqual(values(named(model, 'echo', 0)), ['l']);
    assert.deepEqual(values(named(model, 'echo', 1)), [null], 'a local does not leak out of its function: L is the caller\'s');
  });

  it('leaves command substitutions and reads unknown', () => {
    const model = script('A=$(date)\nread -r B\nC=`hostname`\nD="x-$(uname)"\n');
    const end = model.file.text.length;
    assert.equal(model.valueOf('A', end), null);
    assert.equal(model.valueOf('B', end), null);
    assert.equal(model.valueOf('C', end), null);
    assert.equal(model.valueOf('D', end), null);
    assert.equal(model.templateOf('D', end), `x-${HOLE}`);
  });

  it('resolves the script-directory idioms', () => {
    const model = script(
      [
        'A="$(dirname "$0")"',
        'B=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)',
        'C="$( cd -- "$( dirname -- "${BASH_SOURCE[0]}" )" &> /dev/null && pwd )"',
        'D=`dirname $0`',
        'E="$(cd "$(dirname "$0")/.." && pwd)"',
        'F=$(realpath "$(dirname "$0")/../backend")',
        'G=$(basename "$0" .sh)',
        'H=$(git rev-parse --show-toplevel)',
      ].join('\n') + '\n',
      '/proj/scripts/run.sh',
    );
    const end = model.file.text.length;
    assert.equal(model.valueOf('A', end), '/proj/scripts');
    assert.equal(model.valueOf('B', end), '/proj/scripts');
    assert.equal(model.valueOf('C', end), '/proj/scripts');
    assert.equal(model.valueOf('D', end), '/proj/scripts');
    assert.equal(model.valueOf('E', end), '/proj');
    assert.equal(model.valueOf('F', end), '/proj/backend');
    assert.equal(model.valueOf('G', end), 'run');
    assert.equal(model.valueOf('H', end), null);
  });

  it('makes a value assigned in only one branch unknown after it', () => {
    const model = script('PORT=5433\nif [ -n "$CI" ]; then\n  PORT=5432\n  echo in $PORT\nfi\necho after $PORT\n');
    assert.deepEqual(values(named(model, 'echo', 0)), ['in', '5432']);
    assert.deepEqual(values(named(model, 'echo', 1)), ['after', null]);
  });

  it('keeps a value that every branch agrees on', () => {
    const model = script('PORT=5433\nif [ -n "$CI" ]; then PORT=5433; else PORT=5433; fi\necho $PORT\n');
    assert.deepEqual(values(named(model, 'echo')), ['5433']);
  });

  it('does not let the then-branch leak into the else-branch', () => {
    const model = script('PORT=5433\nif x; then PORT=5432; else echo $PORT; fi\n');
    assert.deepEqual(values(named(model, 'echo')), ['5433']);
  });

  it('does not let subshells, pipelines or background jobs leak', () => {
    const model = script('A=1\n(A=2)\necho x | A=3\nA=4 &\necho $A\n');
    assert.deepEqual(values(named(model, 'echo', 1)), ['1']);
  });

  it('treats the right side of && as conditional', () => {
    const model = script('A=1\ntest -f x && A=2\necho $A\n');
    assert.deepEqual(values(named(model, 'echo')), [null]);
  });

  it('sees a global assigned once after a function that reads it', () => {
    const model = script('start() {\n  docker run -p "$PORT:5432" postgres:17\n}\nPORT=5433\nstart\n');
    assert.deepEqual(values(named(model, 'docker')).slice(1, 3), ['-p', '5433:5432']);
  });

  it('does not see a global assigned conditionally after the function', () => {
    const model = script('start() {\n  echo "$PORT"\n}\nif x; then PORT=5433; fi\nstart\n');
    assert.deepEqual(values(named(model, 'echo')), [null]);
  });

  it('unsets and appends', () => {
    const model = script('A=1\nunset A\necho "${A:-gone}" "$A"\nB=x\nB+=y\necho $B\n');
    assert.deepEqual(values(named(model, 'echo', 0)), ['gone', '']);
    assert.deepEqual(values(named(model, 'echo', 1)), ['xy']);
  });

  it('makes arithmetic assignments unknown', () => {
    const model = script('N=1\n((N++))\necho $N\nM=1\nlet M=M+1\necho $M\n');
    assert.deepEqual(values(named(model, 'echo', 0)), [null]);
    assert.deepEqual(values(named(model, 'echo', 1)), [null]);
  });

  it('leaves positional parameters and $@ unknown', () => {
    const model = script('echo "$1" "$@"\n');
    const echo = named(model, 'echo');
    assert.equal(echo.args[0]?.value, null);
    assert.equal(echo.args[0]?.multi, false);
    assert.equal(echo.args[1]?.multi, true);
  });

  it('takes a variable the script never assigns as the caller\'s: unknown, but defaults apply', () => {
    const model = script('docker run -p "$PORT:5432" -p "${PORT:-5433}:5432" -e "X=${X:+y}" postgres\n');
    assert.deepEqual(values(named(model, 'docker')), ['run', '-p', null, '-p', '5433:5432', '-e', null, 'postgres']);
    assert.equal(named(model, 'docker').args[2]?.template, `${HOLE}:5432`);
  });

  it('resolves $PWD after a known cd only', () => {
    const model = script('echo $PWD\ncd /srv/app\necho "$PWD" $(pwd)\n');
    assert.deepEqual(values(named(model, 'echo', 0)), [null]);
    assert.deepEqual(values(named(model, 'echo', 1)), ['/srv/app', '/srv/app']);
  });
});

describe('arrays and splitting', () => {
  it('splices a known array', () => {
    const model = script('args=(-d -p 5433:5432)\nargs+=(--rm)\ndocker run "${args[@]}" postgres:17\n');
    assert.deepEqual(values(named(model, 'docker')), ['run', '-d', '-p', '5433:5432', '--rm', 'postgres:17']);
    assert.deepEqual(model.arrayOf('args', model.file.text.length), ['-d', '-p', '5433:5432', '--rm']);
  });

  it('splices declare -a and line-continued arrays, and indexes them', () => {
    const model = script('declare -a opts=(\n  -e "A=b c"\n  --rm\n)\necho "${opts[1]}" "${opts[*]}"\ncmd ${opts[@]}\n');
    assert.deepEqual(values(named(model, 'echo')), ['A=b c', '-e A=b c --rm']);
    assert.deepEqual(values(named(model, 'cmd')), ['-e', 'A=b', 'c', '--rm'], 'unquoted splices split');
  });

  it('splits a known unquoted variable and keeps a quoted one whole', () => {
    const model = script('OPTS="-d -p 5433:5432"\ndocker run $OPTS "$OPTS" postgres\n');
    assert.deepEqual(values(named(model, 'docker')), ['run', '-d', '-p', '5433:5432', '-d -p 5433:5432', 'postgres']);
  });

  it('drops an empty unquoted expansion but keeps ""', () => {
    const model = script('E=\ncmd $E "" "$E" x\n');
    assert.deepEqual(values(named(model, 'cmd')), ['', '', 'x']);
  });

  it('marks unknown unquoted expansions and unknown arrays as multi', () => {
    const model = script('docker run $EXTRA "${more[@]}" "$NAME" postgres\n');
    const args = named(model, 'docker').args;
    assert.deepEqual(args.map((arg) => [arg.value, arg.multi]), [['run', false], [null, true], [null, true], [null, false], ['postgres', false]]);
  });

  it('leaves globs and brace expansions unknown', () => {
    const model = script('ls *.py {a,b} {1..3} "*"\n');
    assert.deepEqual(values(named(model, 'ls')), [null, null, null, '*']);
  });

  it('expands the command name too', () => {
    const model = script('DOCKER="sudo docker"\n$DOCKER ps\n');
    const command = model.commands[0]!;
    assert.equal(command.name, 'sudo');
    assert.deepEqual(values(command), ['docker', 'ps']);
  });
});

describe('options', () => {
  it('follows set -e, set +e and set -o in document order', () => {
    const model = script('a\nset -e\nb\nset +e\nc\nset -o errexit\nd\nset +o errexit\ne\nset -euo pipefail\nf\n');
    const state = (name: string): [boolean, boolean] => [named(model, name).errexit, named(model, name).pipefail];
    assert.deepEqual(state('a'), [false, false]);
    assert.deepEqual(state('b'), [true, false]);
    assert.deepEqual(state('c'), [false, false]);
    assert.deepEqual(state('d'), [true, false]);
    assert.deepEqual(state('e'), [false, false]);
    assert.deepEqual(state('f'), [true, true]);
  });

  it('reads -e from the shebang', () => {
    assert.equal(named(script('#!/bin/bash -e\na\n'), 'a').errexit, true);
    assert.equal(named(script('#!/usr/bin/env -S bash -eu\na\n'), 'a').errexit, true);
    assert.equal(script('#!/usr/bin/env bash\n').interpreter, 'bash');
    assert.equal(script('#!/bin/sh\n').interpreter, 'sh');
    assert.equal(script('echo\n').shebang, null);
  });

  it('keeps set inside a subshell there', () => {
    const model = script('set -e\n(set +e; a)\nb\n');
    assert.equal(named(model, 'a').errexit, false);
    assert.equal(named(model, 'b').errexit, true);
    assert.equal(named(model, 'a').inSubshell, true);
  });

  it('runs function bodies with the options of their call sites', () => {
    const model = script('cleanup() {\n  docker rm -f db\n}\nset -e\ntrap cleanup EXIT\nhelper() { h; }\nhelper\n');
    assert.equal(named(model, 'docker').errexit, true);
    assert.equal(named(model, 'h').errexit, true);
    assert.equal(named(model, 'docker').functionName, 'cleanup');
  });

  it('knows what errexit does not apply to', () => {
    const model = script('set -e\na && b || c\n! d\nif e; then f; fi\nwhile g; do h; done\nuntil i; do j; done\nk || true\n');
    const conditions = Object.fromEntries(model.commands.slice(1).map((command) => [command.name, command.inCondition]));
    assert.deepEqual(conditions, { a: true, b: true, c: false, d: true, e: true, f: false, g: true, h: false, i: true, j: false, k: true, true: false });
  });

  it('gives pipeline positions', () => {
    const model = script('set -o pipefail\npytest -x 2>&1 | tee log.txt\nsolo\n');
    assert.deepEqual(named(model, 'pytest').pipelinePosition, { index: 0, length: 2 });
    assert.deepEqual(named(model, 'tee').pipelinePosition, { index: 1, length: 2 });
    assert.equal(named(model, 'pytest').pipefail, true);
    assert.equal(named(model, 'solo').pipelinePosition, null);
  });

  it('marks background commands', () => {
    const model = script('server &\nfg\n');
    assert.equal(named(model, 'server').background, true);
    assert.equal(named(model, 'fg').background, false);
  });
});

describe('functions, arms and traps', () => {
  const text = `#!/usr/bin/env bash
set -e
NAME=db
cleanup() {
  docker rm -f "$NAME" >/dev/null 2>&1 || true
}
start_db() {
  docker run -d --name "$NAME" postgres:17
}
trap cleanup EXIT
trap 'docker logs db; cleanup' ERR
trap "echo bye" SIGINT 0 TERM
trap - INT
case "\${1:-}" in
  start|up) start_db ;;
  stop) cleanup ;;
esac
`;
  const model = script(text);

  it('lists functions and their commands', () => {
    assert.deepEqual([...model.functions.keys()], ['cleanup', 'start_db']);
    assert.deepEqual(model.commandsIn('cleanup').map((command) => command.name), ['docker', 'true']);
    assert.deepEqual(model.callsOf('start_db').map((command) => command.caseArms), [['start', 'up']]);
  });

  it('finds the arms a function runs from', () => {
    const run = model.commands.find((command) => command.args[0]?.value === 'run')!;
    assert.equal(run.caseArms, null);
    assert.deepEqual(model.armsOf(run), ['start', 'up']);
    assert.equal(run.args.find((arg) => arg.value === 'db')?.value, 'db');
  });

  it('reads traps', () => {
    assert.deepEqual(model.traps.map((trap) => [trap.action, trap.signals, trap.functions]), [
      ['cleanup', ['EXIT'], ['cleanup']],
      ['docker logs db; cleanup', ['ERR'], ['cleanup']],
      ['echo bye', ['INT', 'EXIT', 'TERM'], []],
      ['-', ['INT'], []],
    ]);
    const inline = model.traps[1]!;
    assert.equal(model.file.text.slice(inline.inlineOffset!, inline.inlineOffset! + 6), 'docker');
  });

  it('gives the commands a trap runs', () => {
    assert.deepEqual(model.trapCommands(model.traps[0]!).map((command) => [command.name, ...values(command)]), [
      ['docker', 'rm', '-f', 'db'],
      ['true'],
      ['cleanup'],
    ]);
    const names = model.trapCommands(model.traps[1]!).map((command) => command.name);
    assert.deepEqual(names, ['docker', 'true', 'docker', 'cleanup']);
  });

  it('reads an inline trap action once: every rule asking gets the same commands', () => {
    const first = model.trapCommands(model.traps[2]!);
    assert.deepEqual(first.map((command) => command.name), ['echo']);
    assert.equal(model.trapCommands(model.traps[2]!)[0], first[0]);
  });

  it('finds commands by node', () => {
    const first = model.commands[0]!;
    assert.equal(model.commandFor(first.node), first);
  });
});

describe('exports and the environment', () => {
  it('collects exports outside functions', () => {
    const model = script('export A=1\ndeclare -x B=2\nC=3\nexport C\nf() { export D=4; }\nset -a\nE=5\nset +a\nF=6\n');
    assert.deepEqual([...model.exported].sort(), ['A', 'B', 'C', 'E']);
    const end = model.file.text.length;
    assert.equal(model.isExported('C', end), true);
    assert.equal(model.isExported('C', model.file.text.indexOf('export C')), false);
    assert.equal(model.isExported('F', end), false);
  });

  it('says maybe for an export in a branch', () => {
    const model = script('if x; then export RUN_INTEGRATION_TESTS=true; fi\npytest\n');
    const offset = model.file.text.indexOf('pytest');
    assert.equal(model.exportStateAt('RUN_INTEGRATION_TESTS', offset), 'maybe');
    assert.deepEqual([...model.envAt(offset)], [['RUN_INTEGRATION_TESTS', null]]);
  });

  it('gives the environment in force', () => {
    const model = script('export RUN_INTEGRATION_TESTS=true\nexport -n OTHER\nunset GONE\npytest\n');
    assert.deepEqual([...model.envAt(model.file.text.indexOf('pytest'))], [['RUN_INTEGRATION_TESTS', 'true']]);
  });
});

describe('wrappers', () => {
  const cases: Array<[string, string | null, string[], Record<string, string | null>]> = [
    ['exec pytest -x', 'pytest', ['-x'], {}],
    ['env RUN=true pytest tests', 'pytest', ['tests'], { RUN: 'true' }],
    ['A=1 env -u B RUN=true pytest', 'pytest', [], { A: '1', RUN: 'true' }],
    ['sudo -E docker run x', 'docker', ['run', 'x'], {}],
    ['sudo -u postgres psql', 'psql', [], {}],
    ['timeout 60 ./x.sh start', './x.sh', ['start'], {}],
    ['timeout -s KILL 5m pytest', 'pytest', [], {}],
    ['nice -n 5 nohup pytest', 'pytest', [], {}],
    ['time pytest', 'pytest', [], {}],
    ['command -v docker', 'command', ['-v', 'docker'], {}],
    ['exec', 'exec', [], {}],
    ['sudo --weird docker', null, ['--weird', 'docker'], {}],
  ];
  for (const [line, name, args, env] of cases) {
    it(line, () => {
      const command = script(line + '\n').commands[0]!;
      const effective = effectiveCommand(command);
      assert.equal(effective.name, name);
      assert.deepEqual(effective.args.map((arg) => arg.value), args);
      assert.deepEqual(Object.fromEntries([...effective.env].map(([key, word]) => [key, word.value])), env);
    });
  }

  it('records env -C as the directory', () => {
    const effective = effectiveCommand(script('env -C /srv pytest\n').commands[0]!);
    assert.equal(effective.chdir?.value, '/srv');
    assert.deepEqual(effective.wrappers, ['env']);
  });
});

describe('robustness', () => {
  it('returns null for a file without a tree', () => {
    const file = fromText('/x/a.sh', 'shell', 'echo');
    assert.equal(shellScript({ ...file, tree: null }), null);
  });

  it('is cached per file', () => {
    const file = fromText('/x/a.sh', 'shell', 'echo hi\n');
    assert.equal(shellScript(file), shellScript(file));
  });

  it('survives syntax errors', () => {
    const model = script('docker run -p 5433:5432 postgres:17\nif then fi ((\necho $(\n');
    assert.equal(model.commands[0]?.name, 'docker');
  });

  // Timing: the bound is on this process's CPU time (parse included), printed with the wall time, so that other
  // processes on a shared machine cannot make the test flake; 3 s is generous next to what it measures.
  function timed<T>(run: () => T): { result: T; cpu: number; wall: number } {
    const cpu0 = process.cpuUsage();
    const wall0 = performance.now();
    const result = run();
    const cpu = process.cpuUsage(cpu0);
    return { result, cpu: (cpu.user + cpu.system) / 1000, wall: performance.now() - wall0 };
  }

  it('models a 100,000-line script (parse included) within the bound', () => {
    // A realistic mix: comments, blank lines, assignments, branches, pipelines, lists, functions.
    const lines: string[] = ['#!/usr/bin/env bash', 'set -euo pipefail', 'PORT="${PORT:-5433}"'];
    for (let i = 0; lines.length < 100_000; i++) {
      const k = i % 40;
      const line = [
        `# step ${i}`,
        `echo "Starting step ${i} on port \${PORT}..."`,
        `NAME_${k}=item-${i}`,
        '',
        `if [ -f /tmp/f${i} ]; then`,
        `  rm -f /tmp/f${i} | tee -a log`,
        'fi',
        `docker exec "$NAME_${k}" pg_isready || true`,
        `step_${k}() { sleep 1; }`,
        '',
      ][i % 10]!;
      lines.push(line);
    }
    const text = lines.join('\n') + '\n';
    const { result: model, cpu, wall } = timed(() => script(text));
    console.log(`100,000-line script (${(text.length / 1e6).toFixed(1)} MB): ${model.commands.length} commands modelled in ${cpu.toFixed(0)} ms CPU, ${wall.toFixed(0)} ms wall`);
    assert.ok(model.commands.length > 50_000);
    assert.equal(model.valueOf('PORT', text.length), '5433');
    const lastEcho = model.commands.filter((command) => command.name === 'echo' && command.args.length === 1 && command.args[0]!.text.includes('Starting')).at(-1)!;
    assert.match(lastEcho.args[0]?.value ?? '', /^Starting step \d+ on port 5433\.\.\.$/);
    assert.ok(cpu < 3000, `took ${cpu} ms of CPU`);
  });

  it('models a case of 1,000 arms within the bound', () => {
    const lines = ['#!/bin/bash', 'NAME=db', 'case "$1" in'];
    for (let i = 0; i < 1000; i++) lines.push(`  arm${i}|alias${i})\n    PORT=${5000 + i}\n    docker run -d --name "$NAME-${i}" -p "$PORT:5432" postgres:17\n    ;;`);
    lines.push('esac');
    const { result: model, cpu, wall } = timed(() => script(lines.join('\n') + '\n'));
    console.log(`1,000-arm case: ${model.commands.length} commands modelled in ${cpu.toFixed(0)} ms CPU, ${wall.toFixed(0)} ms wall`);
    assert.equal(model.commands.length, 1000);
    assert.deepEqual(model.commands[999]!.caseArms, ['arm999', 'alias999']);
    assert.equal(model.commands[999]!.args[5]?.value, '5999:5432');
    assert.equal(model.commands[999]!.args[3]?.value, 'db-999');
    assert.equal(model.commands[500]!.args[5]?.value, '5500:5432', 'each arm sees its own PORT, not a sibling arm\'s');
    assert.ok(cpu < 3000, `took ${cpu} ms of CPU`);
  });
});
