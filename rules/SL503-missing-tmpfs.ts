import { defineRule } from '../src/rule.js';
import type { DbDefinition } from '../src/model/database.js';
import { defaultDataDir, imageVolumePath, tmpfsCovers, OLD_DATA_DIR } from '../src/model/pgdata.js';
import { suiteDatabases } from '../src/readers/suite-databases.js';

export default defineRule({
  code: 'SL503',
  name: 'missing-tmpfs',
  summary: 'No tmpfs covers the postgres data directory',
  severity: 'warning',
  fix: 'safe',
  get docs() {
    return {
      whatItDoes:
        'Reports a `docker run`/`podman run` of a postgres image in a suite\'s DB script when no `--tmpfs` (or `--mount type=tmpfs`) covers the data directory the image will use: `/var/lib/postgresql/data` for postgres 17 and older, `/var/lib/postgresql/18/docker` for 18 and later (and for `latest`), or `PGDATA` when it is set. Reads the `docker run`/`podman run` of the suite\'s DB scripts the suite\'s docker compose services (`tmpfs:`, `volumes:`, `PGDATA`), and a Docker SDK `containers.run(...)` in the suite\'s Python (`tmpfs=`, `volumes=`, `environment=`).',
      whyItMatters:
        'The image declares a VOLUME for its data (`/var/lib/postgresql/data` up to 17, `/var/lib/postgresql` from 18). Without a tmpfs there, every run writes to a new anonymous volume on disk that outlives the container (`docker rm -f` without `-v` leaves it behind), piling up over time, and every write goes through the disk. A tmpfs keeps the throw-away database in memory: faster, and gone with the container. Note that for 17 and older a tmpfs on `/var/lib/postgresql` does not help: the image\'s volume is mounted over `/var/lib/postgresql/data` anyway.',
      example: 'docker run -d --name shop-postgres-test -p 5433:5432 postgres:17',
      useInstead:
        'docker run -d --name shop-postgres-test -p 5433:5432 --tmpfs /var/lib/postgresql/data postgres:17\n# postgres 18 and later:\ndocker run -d --name shop-postgres-test -p 5433:5432 --tmpfs /var/lib/postgresql postgres:18',
      exceptions:
        'Silent when the image tag or the mount paths cannot be known statically and a tmpfs is present; and when postgres 18+ has a mount on `/var/lib/postgresql/data` (SL504 reports that: the container does not start at all).',
      fixSafety:
        'Safe: the fix adds `--tmpfs` on the right path for the image\'s major (`/var/lib/postgresql/data` up to 17, `/var/lib/postgresql` from 18, or `PGDATA`) before the image, one flag per line when the command is written that way. No fix when a volume is already mounted on that path (two mounts on one path make docker fail).',
    };
  },
  check({ suite, report }) {
    /** A `docker run` of a DB script: its mounts, image and PGDATA as the model reads them, and the fix that adds the tmpfs to the command. */
    const checkRun = (definition: DbDefinition): void => {
      const mounts = definition.mounts ?? [];
      if (!definition.imageAsWritten || !definition.mountsKnown) return;
      const tmpfs = mounts.filter((mount) => mount.tmpfs);
      const image = definition.image;
      const where = `${definition.label} of ${definition.imageAsWritten}`;
      if (!image || image.major === null || definition.pgdata === undefined) {
        // The data directory is unknown: only a run with no tmpfs at all is surely wrong.
        if (tmpfs.length > 0) return;
        report({
          file: definition.file,
          range: definition.anchor,
          message: `${where} mounts no tmpfs: the database is written to an anonymous volume on disk that outlives the container`,
          hint: 'Add `--tmpfs` on the image\'s data directory (`/var/lib/postgresql/data` up to postgres 17, `/var/lib/postgresql` from 18).',
        });
        return;
      }
      const major = image.major;
      const explicit = definition.pgdata !== null;
      if (!explicit && major >= 18 && mounts.some((mount) => mount.target === OLD_DATA_DIR)) return; // SL504
      const dataDir = definition.pgdata ?? defaultDataDir(major);
      const volumePath = explicit ? null : imageVolumePath(major);
      if (tmpfs.some((mount) => tmpfsCovers(mount.target!, dataDir, volumePath))) return;
      const target = explicit ? dataDir : imageVolumePath(major);
      const volume = mounts.find((mount) => !mount.tmpfs && (dataDir === mount.target || dataDir.startsWith(`${mount.target}/`) || mount.target === target));
      const dataSource = explicit ? `PGDATA=${dataDir}` : `postgres ${major} keeps its data in ${dataDir}`;
      let message: string;
      if (volume) {
        message = `${where}: ${dataSource}, which is mounted from \`${volume.asWritten ?? volume.entry.value}\`: the data outlives the container and the next run starts on old data`;
      } else if (tmpfs.length > 0) {
        const paths = tmpfs.map((mount) => mount.target).join(', ');
        message = `${where}: ${dataSource}, but the tmpfs on ${paths} does not cover it${volumePath && tmpfs.some((mount) => dataDir.startsWith(`${mount.target!}/`)) ? ` (the image's volume on ${volumePath} is mounted over it)` : ''}: the data goes to an anonymous volume that outlives the container`;
      } else {
        message = `${where}: ${dataSource}, and no tmpfs covers it: the data goes to an anonymous volume on disk that outlives the container`;
      }
      const edit = !volume && definition.insertOption ? definition.insertOption(`--tmpfs ${target}`) : null;
      report({
        file: definition.file,
        range: definition.anchor,
        message,
        hint: volume ? `Replace the volume with \`--tmpfs ${target}\`.` : `Add \`--tmpfs ${target}\` to the run.`,
        fix: edit ? { applicability: 'safe', message: `Add \`--tmpfs ${target}\``, edits: [{ file: definition.file, ...edit }] } : null,
      });
    };
    for (const definition of suiteDatabases(suite)) {
      if (definition.kind === 'docker-run') {
        checkRun(definition);
        continue;
      }
      const mounts = definition.mounts;
      if (!mounts || !definition.mountsKnown || definition.pgdata === undefined || definition.ephemeralHost) continue;
      const major = definition.image?.major ?? null;
      if (major === null && definition.pgdata === null) continue;
      const explicit = definition.pgdata !== null;
      const dataDir = definition.pgdata ?? defaultDataDir(major!);
      const volumePath = explicit ? null : imageVolumePath(major!);
      const tmpfs = mounts.filter((mount) => mount.tmpfs && mount.target !== null);
      if (tmpfs.some((mount) => tmpfsCovers(mount.target!, dataDir, volumePath))) continue;
      if (!explicit && major! >= 18 && mounts.some((mount) => mount.target === OLD_DATA_DIR)) continue; // SL504
      const target = explicit ? dataDir : volumePath!;
      const volume = mounts.find((mount) => !mount.tmpfs && mount.target !== null && (dataDir === mount.target || dataDir.startsWith(`${mount.target}/`) || mount.target === target));
      const where = volume && volume.persistent ? `mounts \`${volume.entry.value || 'a volume'}\` on ${volume.target}` : 'has no tmpfs on it';
      report({
        file: definition.file,
        range: volume ? volume.entry.range : definition.anchor,
        message: `${definition.label} keeps its data in ${dataDir} and ${where}: the data ${volume?.persistent ? 'lives in a volume on disk' : 'goes to an anonymous volume on disk'} that outlives the container, so the next run can start on old data`,
        hint: definition.kind === 'docker-sdk'
          ? `Pass \`tmpfs={"${target}": ""}\` to \`containers.run\`${volume ? ' instead of the volume' : ''}.`
          : `Use \`tmpfs: - ${target}\` on the service${volume ? ' instead of the volume' : ''}.`,
      });
    }
  },
});
