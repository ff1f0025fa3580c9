import { defineRule } from '../src/rule.js';
import type { DbDefinition } from '../src/model/database.js';
import { OLD_DATA_DIR } from '../src/model/pgdata.js';
import { suiteDatabases } from '../src/readers/suite-databases.js';

/** The default pin: the newest major whose data layout the skill's scripts (tmpfs on /var/lib/postgresql/data) fit. */
const DEFAULT_MAJOR = 17;

/** The major the rest of a run implies: `/var/lib/postgresql/NN/...` → NN, `/var/lib/postgresql` → 18, the old data dir → 17. */
function impliedMajor(definition: DbDefinition): { major: number; reason: string | null } {
  const paths = (definition.mounts ?? []).map((mount) => mount.target).filter((value): value is string => value !== null);
  if (typeof definition.pgdata === 'string') paths.push(definition.pgdata);
  for (const target of paths) {
    const versioned = /^\/var\/lib\/postgresql\/(\d+)(?:\/|$)/.exec(target);
    if (versioned) return { major: Number(versioned[1]), reason: `the data directory ${target}` };
  }
  if (paths.includes('/var/lib/postgresql')) return { major: 18, reason: 'the mount on /var/lib/postgresql (the 18+ layout)' };
  if (paths.includes(OLD_DATA_DIR)) return { major: DEFAULT_MAJOR, reason: `the mount on ${OLD_DATA_DIR} (the layout of 17 and older)` };
  return { major: DEFAULT_MAJOR, reason: null };
}

export default defineRule({
  code: 'SL510',
  name: 'unpinned-image',
  summary: 'The postgres image has no pinned major version',
  severity: 'warning',
  fix: 'safe',
  get docs() {
    return {
      whatItDoes:
        'Reports a `docker run`/`podman run` of the official postgres image without an explicit major: `postgres`, `postgres:latest`, or a variant tag such as `postgres:alpine`. Reads the `docker run`/`podman run` of the suite\'s DB scripts and the suite\'s docker compose services (`image:`). Also the `image:` of a GitHub Actions job service (or the `name:` of a GitLab CI service) of the job that runs the suite, and the image of a testcontainers `PostgresContainer(...)` (its default, `postgres:latest`, when none is given) or a Docker SDK `containers.run(...)` in the suite\'s Python.',
      whyItMatters:
        '`latest` moves to each new major the day it is released, and majors change what a test script relies on: postgres 18 moved the data directory from `/var/lib/postgresql/data` to `/var/lib/postgresql/18/docker` and refuses to start with a mount on the old path (SL504), so a script that worked yesterday fails on the next pull. The suite should test against the major production runs, on every machine.',
      example: 'docker run -d --name shop-postgres-test -p 5433:5432 --tmpfs /var/lib/postgresql/data postgres',
      useInstead: 'docker run -d --name shop-postgres-test -p 5433:5432 --tmpfs /var/lib/postgresql/data postgres:17',
      exceptions: 'Silent for any explicit major (`postgres:16`, `postgres:17.2-alpine`), for digests (`postgres@sha256:...`), for tags that cannot be known statically, and for images other than the official one.',
      fixSafety:
        'Safe: the fix pins the major the rest of the command implies — 18 for a mount on `/var/lib/postgresql` or a `/var/lib/postgresql/18/...` path, 17 for a mount on `/var/lib/postgresql/data` (the layout the script was written for), 17 otherwise — keeping a variant suffix (`alpine` → `17-alpine`). Check that production runs the same major.',
    };
  },
  check({ suite, report }) {
    for (const definition of suiteDatabases(suite)) {
      if (definition.kind === 'docker-run') {
        // A run's image word, and the major its mounts and PGDATA imply.
        const image = definition.image;
        if (!image || !image.official || image.pinned) continue;
        const { major, reason } = impliedMajor(definition);
        const pinned = image.tag === null || image.tag === 'latest' ? `${major}` : `${major}-${image.tag}`;
        const span = image.text.span;
        report({
          file: definition.file,
          range: image.text.range,
          message: `\`${image.text.value}\` has no pinned major: it runs whatever \`latest\` is on the day of the pull (18 now, which moved the data directory), so the suite can break without a change in the repository`,
          hint: `Pin the major${reason ? ` that ${reason} implies` : ' production runs'}: \`${image.name}:${pinned}\`.`,
          fix: span ? { applicability: 'safe', message: `Pin \`${image.name}:${pinned}\``, edits: [{ file: definition.file, start: span.start, end: span.end, text: `${image.name}:${pinned}` }] } : null,
        });
        continue;
      }
      const image = definition.image;
      if (!image || !image.official || image.pinned || image.text.value === '') continue;
      const mountsOld = (definition.mounts ?? []).some((mount) => mount.target === OLD_DATA_DIR);
      const major = mountsOld ? DEFAULT_MAJOR : 18;
      const pinned = image.tag === null || image.tag === 'latest' ? `${major}` : `${major}-${image.tag}`;
      const span = image.text.via === null ? image.text.span : null;
      report({
        file: definition.file,
        range: image.text.range,
        message: `${definition.label} runs \`${image.text.value}\`, which has no pinned major: it runs whatever \`latest\` is on the day of the pull (18 now, which moved the data directory), so the suite can break without a change in the repository`,
        hint: `Pin the major${mountsOld ? ' that its mount on /var/lib/postgresql/data implies' : ' production runs'}: \`${image.name}:${pinned}\`.`,
        fix: span ? { applicability: 'safe', message: `Pin \`${image.name}:${pinned}\``, edits: [{ file: definition.file, start: span.start, end: span.end, text: `${image.name}:${pinned}` }] } : null,
      });
    }
  },
});
