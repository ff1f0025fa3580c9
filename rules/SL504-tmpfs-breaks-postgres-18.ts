import { defineRule } from '../src/rule.js';
import { OLD_DATA_DIR } from '../src/model/pgdata.js';
import { suiteDatabases } from '../src/readers/suite-databases.js';

export default defineRule({
  code: 'SL504',
  name: 'tmpfs-breaks-postgres-18',
  summary: 'A mount on /var/lib/postgresql/data stops postgres 18+ from starting',
  severity: 'error',
  fix: 'safe',
  get docs() {
    return {
      whatItDoes:
        'Reports a `docker run`/`podman run` of postgres 18 or later — or of `postgres`/`postgres:latest`, which is 18 — with a mount (`--tmpfs`, `--mount`, `-v`) on `/var/lib/postgresql/data` while `PGDATA` is left at its default. Reads the `docker run`/`podman run` of the suite\'s DB scripts and the suite\'s docker compose services.',
      whyItMatters:
        'From 18 on, the image keeps its data in `/var/lib/postgresql/18/docker` (so that several majors can live under one mount of `/var/lib/postgresql` for `pg_upgrade`). When it finds a mount on the old path `/var/lib/postgresql/data`, its entrypoint refuses to start, explaining that the data would not go where the mount is. The container exits at once, the readiness wait times out, and every integration test fails. The tmpfs line copied from older guides (and from the skill, which pins 17) is exactly this mount.',
      example: 'docker run -d --name shop-postgres-test -p 5433:5432 --tmpfs /var/lib/postgresql/data postgres:18',
      useInstead: 'docker run -d --name shop-postgres-test -p 5433:5432 --tmpfs /var/lib/postgresql postgres:18',
      exceptions:
        'Silent for postgres 17 and older (that is their data directory), when `PGDATA` is set explicitly (`-e PGDATA=/var/lib/postgresql/data` restores the old layout), and when the image tag cannot be known statically.',
      fixSafety:
        'Safe for an explicit major: the fix mounts `/var/lib/postgresql` instead, which holds the 18 data directory. For an unpinned image (`postgres`, `postgres:latest`) there is no fix here: SL510 pins the major the script was written for (17 for this layout), which is the better repair, and both fixes at once would contradict each other.',
    };
  },
  check({ suite, report }) {
    for (const definition of suiteDatabases(suite)) {
      if (definition.kind === 'docker-run') {
        const image = definition.image;
        if (!image || image.major === null || image.major < 18 || definition.pgdata !== null) continue;
        const mount = (definition.mounts ?? []).find((candidate) => candidate.target === OLD_DATA_DIR);
        if (!mount) continue;
        const span = image.pinned ? mount.targetSpan : null;
        const which = image.pinned ? `postgres ${image.major}` : `\`${image.text.value}\` (currently postgres ${image.major})`;
        report({
          file: definition.file,
          range: mount.entry.range,
          message: `${which} keeps its data in /var/lib/postgresql/${image.major}/docker and refuses to start with a mount on ${OLD_DATA_DIR} while PGDATA is left at its default: the container exits and every test fails`,
          hint: image.pinned
            ? 'Mount `/var/lib/postgresql` instead (or set `-e PGDATA=/var/lib/postgresql/data` to keep the old layout).'
            : 'Pin the major the script was written for (`postgres:17`), or mount `/var/lib/postgresql` for 18.',
          fix: span ? { applicability: 'safe', message: 'Mount `/var/lib/postgresql` instead', edits: [{ file: definition.file, start: span.start, end: span.end, text: '/var/lib/postgresql' }] } : null,
        });
        continue;
      }
      const image = definition.image;
      if (definition.kind !== 'compose') continue;
      if (!image || image.major === null || image.major < 18 || definition.pgdata !== null) continue;
      const mount = (definition.mounts ?? []).find((candidate) => candidate.target === OLD_DATA_DIR);
      if (!mount) continue;
      const which = image.pinned ? `postgres ${image.major}` : `\`${image.text.value}\` (currently postgres ${image.major})`;
      report({
        file: definition.file,
        range: mount.entry.range,
        message: `${definition.label}: ${which} keeps its data in /var/lib/postgresql/${image.major}/docker and refuses to start with a mount on ${OLD_DATA_DIR} while PGDATA is left at its default: the container exits and every test fails`,
        hint: image.pinned ? 'Mount `/var/lib/postgresql` instead (or set `PGDATA: /var/lib/postgresql/data`).' : 'Pin the major the file was written for (`postgres:17`), or mount `/var/lib/postgresql` for 18.',
      });
    }
  },
});
