// docker run / podman run parsing: every flag spelling, the image and its major, exec and rm.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { fromText } from '../src/source.js';
import { shellScript, type ShellScript } from '../src/model/shell.js';
import { dockerCommands, dockerExecs, dockerRemovals, dockerRuns, isPostgresImage, postgresDataDir, type DockerRun } from '../src/model/docker.js';
import { SKILL_TEST_DB } from './skill-scripts.js';

function model(text: string, file = '/proj/scripts/test-db.sh'): ShellScript {
  const script = shellScript(fromText(file, 'shell', text));
  assert.ok(script);
  return script;
}

function run(line: string): DockerRun {
  const runs = dockerRuns(model(line + '\n'));
  assert.equal(runs.length, 1, `one docker run in: ${line}`);
  return runs[0]!;
}

function ports(docker: DockerRun): Array<[string | null, string | null, string | null, boolean]> {
  return docker.publish.map((entry) => [entry.hostIp, entry.hostPort, entry.containerPort, entry.random]);
}

describe('the skill test-db.sh', () => {
  const script = model(SKILL_TEST_DB, '/proj/backend/tests/integration/scripts/test-db.sh');
  const runs = dockerRuns(script);

  it('finds the one docker run, in the start arm', () => {
    assert.equal(runs.length, 1);
    assert.deepEqual(runs[0]!.command.caseArms, ['start']);
  });

  it('reads every flag', () => {
    const docker = runs[0]!;
    assert.deepEqual(ports(docker), [[null, '5433', '5432', false]]);
    assert.deepEqual([...docker.env].map(([key, entry]) => [key, entry.value]), [
      ['POSTGRES_USER', 'testuser'],
      ['POSTGRES_PASSWORD', 'testpass'],
      ['POSTGRES_DB', 'shop_test'],
    ]);
    assert.deepEqual(docker.tmpfs.map((entry) => entry.path), ['/var/lib/postgresql/data']);
    assert.equal(docker.name?.value, 'shop-postgres-test');
    assert.equal(docker.detach, true);
    assert.equal(docker.rm, false);
    assert.equal(docker.optionsKnown, true);
    assert.deepEqual(docker.containerArgs, []);
  });

  it('reads the image', () => {
    const image = runs[0]!.image!;
    assert.equal(image.name, 'postgres');
    assert.equal(image.tag, '17');
    assert.equal(image.major, 17);
    assert.equal(image.unpinned, false);
    assert.equal(postgresDataDir(image.major), '/var/lib/postgresql/data');
  });

  it('finds the exec probe and the removals', () => {
    const execs = dockerExecs(script);
    assert.equal(execs.length, 1);
    assert.equal(execs[0]!.container?.value, 'shop-postgres-test');
    assert.deepEqual(execs[0]!.argv.map((word) => word.value), ['pg_isready', '-U', 'testuser', '-d', 'shop_test']);
    const removals = dockerRemovals(script);
    assert.deepEqual(removals.map((removal) => [removal.kind, removal.force, removal.containers.map((word) => word.value), removal.command.caseArms]), [
      ['rm', true, ['shop-postgres-test'], ['start']],
      ['rm', true, ['shop-postgres-test'], ['stop']],
    ]);
    assert.deepEqual(dockerCommands(script).map((command) => command.subcommand), ['rm', 'run', 'exec', 'logs', 'rm', 'ps', 'logs']);
  });
});

describe('publish spellings', () => {
  const cases: Array<[string, Array<[string | null, string | null, string | null, boolean]>]> = [
    ['docker run -p 5433:5432 postgres:17', [[null, '5433', '5432', false]]],
    ['docker run -p5433:5432 postgres:17', [[null, '5433', '5432', false]]],
    ['docker run -p=5433:5432 postgres:17', [[null, '5433', '5432', false]]],
    ['docker run --publish 5433:5432 postgres:17', [[null, '5433', '5432', false]]],
    ['docker run --publish=5433:5432 postgres:17', [[null, '5433', '5432', false]]],
    ['docker run -dp 5433:5432 postgres:17', [[null, '5433', '5432', false]]],
    ['docker run -dp5433:5432 postgres:17', [[null, '5433', '5432', false]]],
    ['docker run -p 127.0.0.1:5433:5432 postgres:17', [['127.0.0.1', '5433', '5432', false]]],
    ['docker run -p [::1]:5433:5432 postgres:17', [['::1', '5433', '5432', false]]],
    ['docker run -p "[::1]:5433:5432/tcp" postgres:17', [['::1', '5433', '5432', false]]],
    ['docker run -p 5432 postgres:17', [[null, null, '5432', true]]],
    ['docker run -p 127.0.0.1::5432 postgres:17', [['127.0.0.1', null, '5432', true]]],
    ['docker run -p 5432:5432 -p 8080:80 postgres:17', [[null, '5432', '5432', false], [null, '8080', '80', false]]],
    ['PORT=5434\ndocker run -p "127.0.0.1:${PORT}:5432" postgres:17', [['127.0.0.1', '5434', '5432', false]]],
    ['docker run -p "127.0.0.1:${PORT}:5432" postgres:17', [['127.0.0.1', null, '5432', false]]],
    ['docker run -p "${PORT:-5433}:5432" postgres:17', [[null, '5433', '5432', false]]],
    ['PORT="${PORT:-5433}"\ndocker run -p $PORT:5432 postgres:17', [[null, '5433', '5432', false]]],
    ['docker run -p "$SPEC" postgres:17', [[null, null, null, false]]],
  ];
  for (const [line, expected] of cases) {
    it(line.replace(/\n/g, '; '), () => {
      const docker = dockerRuns(model(line + '\n'))[0]!;
      assert.deepEqual(ports(docker), expected);
      assert.equal(docker.image?.name, 'postgres');
    });
  }

  it('reads -P', () => {
    assert.equal(run('docker run -P postgres').publishAll, true);
  });
});

describe('environment flags', () => {
  it('reads every spelling', () => {
    const docker = run('docker run -e A=1 --env B=2 --env=C=3 -eD=4 -e "E=x y" -e F -e G= -e "H=$UNKNOWN" --env-file .env.test postgres:17');
    assert.deepEqual([...docker.env].map(([key, entry]) => [key, entry.value]), [
      ['A', '1'], ['B', '2'], ['C', '3'], ['D', '4'], ['E', 'x y'], ['F', null], ['G', ''], ['H', null],
    ]);
    assert.deepEqual(docker.envFiles.map((word) => word.value), ['.env.test']);
    assert.equal(docker.image?.name, 'postgres');
  });

  it('keeps a key whose value is unknown', () => {
    const docker = run('docker run -e POSTGRES_PASSWORD="$(cat secret)" postgres:17');
    assert.equal(docker.env.has('POSTGRES_PASSWORD'), true);
    assert.equal(docker.env.get('POSTGRES_PASSWORD')?.value, null);
  });
});

describe('tmpfs and mounts', () => {
  it('reads --tmpfs with options', () => {
    assert.deepEqual(run('docker run --tmpfs /var/lib/postgresql/data:rw,size=1g postgres:17').tmpfs.map((entry) => entry.path), ['/var/lib/postgresql/data']);
    assert.deepEqual(run('docker run --tmpfs=/var/lib/postgresql postgres:18').tmpfs.map((entry) => entry.path), ['/var/lib/postgresql']);
  });

  it('reads --mount type=tmpfs with destination, dst or target', () => {
    for (const key of ['destination', 'dst', 'target']) {
      const docker = run(`docker run --mount type=tmpfs,${key}=/var/lib/postgresql postgres:18`);
      assert.deepEqual(docker.tmpfs.map((entry) => entry.path), ['/var/lib/postgresql']);
      assert.deepEqual(docker.mounts, []);
    }
    assert.deepEqual(run('docker run --mount=type=tmpfs,tmpfs-size=512m,destination=/var/lib/postgresql/data postgres:17').tmpfs.map((entry) => entry.path), ['/var/lib/postgresql/data']);
  });

  it('reads other mounts', () => {
    const docker = run('docker run -v pgdata:/var/lib/postgresql/data -v ./init:/docker-entrypoint-initdb.d:ro --volume /anon --mount type=bind,source=/x,target=/y postgres:17');
    assert.deepEqual(docker.mounts.map((mount) => [mount.type, mount.target]), [
      ['volume', '/var/lib/postgresql/data'],
      ['bind', '/docker-entrypoint-initdb.d'],
      ['volume', '/anon'],
      ['bind', '/y'],
    ]);
    assert.deepEqual(docker.tmpfs, []);
  });
});

describe('other flags', () => {
  it('reads --name both ways, --rm, -d/--detach, --network, --health-cmd', () => {
    const a = run('docker run --name db --rm -d --network host --health-cmd "pg_isready -U postgres" postgres:17');
    assert.equal(a.name?.value, 'db');
    assert.equal(a.rm, true);
    assert.equal(a.detach, true);
    assert.equal(a.network, 'host');
    assert.equal(a.healthCmd?.value, 'pg_isready -U postgres');
    const b = run('docker run --name=db2 --detach --net=bridge postgres:17');
    assert.equal(b.name?.value, 'db2');
    assert.equal(b.detach, true);
    assert.equal(b.rm, false);
    assert.equal(b.network, 'bridge');
  });

  it('consumes the values of value-taking options so that the image is found', () => {
    const docker = run(
      'docker run --user 999 -w /tmp --shm-size 256m --restart no -v data:/x --label a=b -l c=d --entrypoint docker-entrypoint.sh ' +
        '--health-interval 1s --health-timeout=2s --health-retries 10 -h dbhost -m 1g --platform linux/amd64 --ulimit nofile=1024 ' +
        '-it --init --read-only=false postgres:17 postgres -c fsync=off',
    );
    assert.equal(docker.image?.name, 'postgres');
    assert.equal(docker.image?.major, 17);
    assert.deepEqual(docker.containerArgs.map((word) => word.value), ['postgres', '-c', 'fsync=off']);
    assert.equal(docker.optionsKnown, true);
    assert.equal(docker.options.find((option) => option.flag === 'user')?.value?.value, '999');
  });

  it('takes everything after the image as the container command', () => {
    const docker = run('docker run -d postgres:17 -p 5432:5432');
    assert.deepEqual(docker.publish, []);
    assert.deepEqual(docker.containerArgs.map((word) => word.value), ['-p', '5432:5432']);
  });

  it('stops at --', () => {
    assert.equal(run('docker run -d -- postgres:17').image?.name, 'postgres');
  });

  it('reads line continuations and arrays', () => {
    const line = run('docker run \\\n  -d \\\n  -p 5433:5432 \\\n  postgres:17');
    assert.deepEqual(ports(line), [[null, '5433', '5432', false]]);
    const array = dockerRuns(model('args=(-d -p 5433:5432)\ndocker run "${args[@]}" postgres:17\n'))[0]!;
    assert.deepEqual(ports(array), [[null, '5433', '5432', false]]);
    assert.equal(array.detach, true);
    assert.equal(array.image?.major, 17);
  });

  it('says when options cannot be known', () => {
    const unknownWord = run('docker run $DOCKER_OPTS postgres:17');
    assert.equal(unknownWord.optionsKnown, false);
    assert.equal(unknownWord.image?.name, 'postgres');
    const unknownFlag = run('docker run --some-new-flag value postgres:17');
    assert.equal(unknownFlag.optionsKnown, false);
    const unknownImage = run('docker run -d "$IMAGE"');
    assert.equal(unknownImage.image?.name, null);
  });
});

describe('engines and wrappers', () => {
  it('finds docker container run, podman run, sudo docker run, and runs inside $(...)', () => {
    const script = model('docker container run -d postgres:16\npodman run --replace --name db postgres:17\nsudo docker run postgres:15\nCID=$(docker run -d postgres:14)\ndocker -H unix:///x.sock run postgres:13\n');
    const runs = dockerRuns(script);
    assert.deepEqual(runs.map((entry) => [entry.engine, entry.image?.major]), [['docker', 16], ['podman', 17], ['docker', 15], ['docker', 14], ['docker', 13]]);
    assert.equal(runs[1]!.replace, true);
    assert.equal(runs[3]!.command.inSubstitution, true);
  });

  it('does not take other subcommands for runs', () => {
    const script = model('docker ps\ndocker compose up -d\ndocker-compose down\ndocker pull postgres:17\necho docker run\n');
    assert.deepEqual(dockerRuns(script), []);
    assert.deepEqual(dockerCommands(script).map((command) => command.subcommand), ['ps', 'compose', 'compose', 'pull']);
  });
});

describe('images', () => {
  const cases: Array<[string, string | null, string | null, number | null, boolean]> = [
    ['postgres:17', 'postgres', '17', 17, false],
    ['postgres:16.4', 'postgres', '16.4', 16, false],
    ['postgres:17-alpine', 'postgres', '17-alpine', 17, false],
    ['postgres', 'postgres', null, 18, true],
    ['postgres:latest', 'postgres', 'latest', 18, true],
    ['postgres:alpine', 'postgres', 'alpine', 18, true],
    ['docker.io/library/postgres:15', 'docker.io/library/postgres', '15', 15, false],
    ['postgis/postgis:17-3.5', 'postgis/postgis', '17-3.5', 17, false],
    ['pgvector/pgvector:pg17', 'pgvector/pgvector', 'pg17', 17, false],
    ['timescale/timescaledb:latest-pg16', 'timescale/timescaledb', 'latest-pg16', 16, false],
    ['postgis/postgis', 'postgis/postgis', null, null, true],
    ['localhost:5000/postgres:17', 'localhost:5000/postgres', '17', 17, false],
    ['postgres:17@sha256:abcdef', 'postgres', '17', 17, false],
    ['postgres@sha256:abcdef', 'postgres', null, 18, true],
  ];
  for (const [reference, name, tag, major, unpinned] of cases) {
    it(reference, () => {
      const image = run(`docker run ${reference}`).image!;
      assert.deepEqual([image.name, image.tag, image.major, image.unpinned], [name, tag, major, unpinned]);
    });
  }

  it('leaves a variable tag unknown', () => {
    const image = run('docker run "postgres:${PG_MAJOR}"').image!;
    assert.equal(image.name, 'postgres');
    assert.equal(image.tagKnown, false);
    assert.equal(image.major, null);
    const known = dockerRuns(model('PG_MAJOR=16\ndocker run "postgres:${PG_MAJOR}"\n'))[0]!.image!;
    assert.equal(known.major, 16);
  });

  it('knows the postgres images', () => {
    for (const name of ['postgres', 'library/postgres', 'docker.io/library/postgres', 'postgis/postgis', 'pgvector/pgvector', 'timescale/timescaledb']) {
      assert.equal(isPostgresImage(name), true, name);
    }
    for (const name of ['mysql', 'redis', 'bitnami/postgresql', 'postgres-exporter', 'myorg/postgres-tools']) {
      assert.equal(isPostgresImage(name), false, name);
    }
  });

  it('knows where each major keeps its data', () => {
    assert.equal(postgresDataDir(16), '/var/lib/postgresql/data');
    assert.equal(postgresDataDir(17), '/var/lib/postgresql/data');
    assert.equal(postgresDataDir(18), '/var/lib/postgresql/18/docker');
    assert.equal(postgresDataDir(19), '/var/lib/postgresql/19/docker');
    assert.equal(postgresDataDir(null), '/var/lib/postgresql/18/docker');
  });
});

describe('exec and removals', () => {
  it('reads docker exec options', () => {
    const script = model('docker exec -i -u postgres --env A=1 -w /tmp db psql -h 127.0.0.1\ndocker exec -it db pg_isready\n');
    const execs = dockerExecs(script);
    assert.deepEqual(execs.map((entry) => [entry.container?.value, entry.argv.map((word) => word.value)]), [
      ['db', ['psql', '-h', '127.0.0.1']],
      ['db', ['pg_isready']],
    ]);
  });

  it('reads rm, stop and kill', () => {
    const script = model('docker rm -f db >/dev/null 2>&1 || true\ndocker stop -t 5 db\ndocker container rm db\ndocker kill db other\n');
    assert.deepEqual(dockerRemovals(script).map((entry) => [entry.kind, entry.force, entry.containers.map((word) => word.value)]), [
      ['rm', true, ['db']],
      ['stop', false, ['db']],
      ['rm', false, ['db']],
      ['kill', true, ['db', 'other']],
    ]);
  });
});
