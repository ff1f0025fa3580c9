import path from 'node:path';
import { defineRule, type Fix } from '../src/rule.js';
import { nodeRange } from '../src/source.js';
import { dockerExecs } from '../src/model/docker.js';
import type { ShellWord } from '../src/model/shell.js';
import { dbScriptsOf, execEnv, isKnown, rawText, runnersOf, runs } from '../src/model/dbscript.js';

type HostState = { kind: 'none' } | { kind: 'unknown' } | { kind: 'host'; value: string; word: ShellWord };

/** The `-h`/`--host` given to pg_isready (or a host inside `-d` connection info). */
function hostOf(args: ShellWord[], known: (word: ShellWord) => boolean): HostState {
  for (let i = 0; i < args.length; i++) {
    const word = args[i]!;
    if (!known(word)) {
      // A word that may stand for several (an unknown array or unquoted expansion) may hold `-h`.
      if (word.multi) return { kind: 'unknown' };
      continue;
    }
    const value = word.value!;
    if (value === '-h' || value === '--host') {
      const next = args[i + 1];
      if (!next || !known(next)) return { kind: 'unknown' };
      return { kind: 'host', value: next.value!, word: next };
    }
    if (value.startsWith('--host=')) return { kind: 'host', value: value.slice('--host='.length), word };
    if (/^-h./.test(value)) return { kind: 'host', value: value.slice(2), word };
    if (value === '-d' || value === '--dbname') {
      const next = args[i + 1];
      if (!next || !known(next) || /host=|:\/\//.test(next.value!)) return { kind: 'unknown' };
      i++;
      continue;
    }
    if (/^(--dbname=|-d.)/.test(value) && /host=|:\/\//.test(value)) return { kind: 'unknown' };
  }
  return { kind: 'none' };
}

export default defineRule({
  code: 'SL506',
  name: 'readiness-via-socket',
  summary: '`docker exec ... pg_isready` without `-h` reports ready too early',
  severity: 'warning',
  fix: 'safe',
  docs: {
    whatItDoes:
      'Reports `docker exec <container> pg_isready` (or `podman exec`) in a suite\'s scripts when `pg_isready` is given no `-h`/`--host` (and no `PGHOST`), or a socket directory as host.',
    whyItMatters:
      'On first start the postgres image initializes the cluster and runs its init scripts on a temporary server that listens only on the Unix socket inside the container; then it stops that server and starts the real one on TCP. `pg_isready` without `-h` asks the socket, so it reports "accepting connections" while the temporary server runs: the wait ends, the temporary server shuts down, and the first tests meet "connection refused" or "the database system is shutting down". With `-h 127.0.0.1` it asks over TCP, which only the real server answers. (For `-U`/`-d`: `POSTGRES_USER` defaults to `postgres`, and `POSTGRES_DB` defaults to the user\'s name.)',
    example: 'docker exec shop-postgres-test pg_isready -U postgres',
    useInstead: 'docker exec shop-postgres-test pg_isready -h 127.0.0.1 -U postgres',
    exceptions:
      'Silent with `-h 127.0.0.1`/`-h localhost`/`--host=...`, with `-e PGHOST=...` on the exec, with a connection string in `-d` that names a host, and for `pg_isready` run on the host against the published port (that already goes through TCP). Silent inside a function the script never calls (it never runs).',
    fixSafety: 'Safe: the fix adds `-h 127.0.0.1` right after `pg_isready`.',
  },
  check({ suite, report }) {
    const seen = new Set<string>();
    for (const script of [...dbScriptsOf(suite), ...runnersOf(suite)]) {
      if (seen.has(script.file.path)) continue;
      seen.add(script.file.path);
      const known = (word: ShellWord) => isKnown(script, word);
      for (const exec of dockerExecs(script)) {
        if (!runs(script, exec.command)) continue; // in a function nothing calls
        const program = exec.argv[0];
        if (!program || !known(program) || path.posix.basename(program.value!) !== 'pg_isready') continue;
        const env = execEnv(exec);
        if (env.unknown || env.env.has('PGHOST')) continue;
        const host = hostOf(exec.argv.slice(1), known);
        if (host.kind === 'unknown') continue;
        if (host.kind === 'host' && !host.value.startsWith('/')) continue;
        const container = exec.container ? (exec.container.value ?? exec.container.text) : 'the container';
        let fix: Fix | null = null;
        if (host.kind === 'none' && rawText(script.file, program) === 'pg_isready') {
          fix = {
            applicability: 'safe',
            message: 'Add `-h 127.0.0.1`',
            edits: [{ file: script.file, start: program.node.endIndex, end: program.node.endIndex, text: ' -h 127.0.0.1' }],
          };
        }
        const how = host.kind === 'host' ? `with the socket directory ${host.value} as host` : 'without `-h`';
        report({
          file: script.file,
          range: nodeRange(program.node),
          message: `\`${exec.engine} exec ${container} pg_isready\` ${how} asks the Unix socket: during first start the image runs a socket-only temporary server, so this reports ready before the real server listens on TCP`,
          hint: 'Ask over TCP: `pg_isready -h 127.0.0.1`.',
          fix,
        });
      }
    }
  },
});
