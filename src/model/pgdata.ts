// Where the postgres image keeps its data, read from a `docker run`: the major its tag implies, PGDATA,
// the mounts (`--tmpfs`, `--mount`, `-v`), whether a tmpfs covers the data directory, and the mount on the
// old data directory that stops postgres 18 and later from starting.
import { isOfficialPostgresImage, type DockerRun } from './docker.js';
import type { ShellScript, ShellWord } from './shell.js';
import { isKnown, normalizePath, readsUnassigned } from './dbscript.js';

export interface ImageFacts {
  /** The official `postgres` image (whose `latest` is 18). */
  official: boolean;
  /** An explicit major in the tag (or a digest); false for untagged, `latest`, `alpine`... */
  pinned: boolean;
  /** The major the container will run: the tag's, or 18 for an unpinned official image; null when unknown. */
  major: number | null;
}

/** What the image reference tells; null when the image (or its tag) is not statically known. */
export function imageFacts(script: ShellScript, run: DockerRun): ImageFacts | null {
  const image = run.image;
  if (!image || image.name === null || !image.tagKnown || !isKnown(script, image.word)) return null;
  const official = isOfficialPostgresImage(image.name);
  if (image.word.template.includes('@')) return { official, pinned: true, major: image.unpinned ? null : image.major };
  return { official, pinned: !image.unpinned, major: image.major };
}

/** The image's VOLUME: an anonymous volume is created there unless a mount covers exactly that path. */
export function imageVolumePath(major: number): string {
  return major >= 18 ? '/var/lib/postgresql' : '/var/lib/postgresql/data';
}

/** The data directory the image uses by default. */
export function defaultDataDir(major: number): string {
  return major >= 18 ? `/var/lib/postgresql/${major}/docker` : '/var/lib/postgresql/data';
}

export type PgdataState = { kind: 'default' } | { kind: 'explicit'; value: string; word: ShellWord } | { kind: 'unknown' };

/** `-e PGDATA=...` as given to the run; unknown when its value (or an env file) cannot be read. */
export function pgdataOf(script: ShellScript, run: DockerRun): PgdataState {
  const entry = run.env.get('PGDATA');
  if (entry) {
    if (entry.value === null || readsUnassigned(script, entry.word)) return { kind: 'unknown' };
    return { kind: 'explicit', value: normalizePath(entry.value), word: entry.word };
  }
  if (run.envFiles.length > 0 || !run.optionsKnown) return { kind: 'unknown' };
  return { kind: 'default' };
}

export interface MountTarget {
  word: ShellWord;
  /** Normalized target path; null when unknown. */
  path: string | null;
  tmpfs: boolean;
}

/** Every mount of the run: `--tmpfs`, `--mount`, `-v`. */
export function mountTargets(script: ShellScript, run: DockerRun): MountTarget[] {
  const targets: MountTarget[] = [];
  const known = (word: ShellWord, target: string | null) => (target === null || target === '' || readsUnassigned(script, word) ? null : normalizePath(target));
  for (const entry of run.tmpfs) targets.push({ word: entry.word, path: known(entry.word, entry.path), tmpfs: true });
  for (const entry of run.mounts) targets.push({ word: entry.word, path: known(entry.word, entry.target), tmpfs: entry.type === 'tmpfs' });
  return targets;
}

export const OLD_DATA_DIR = '/var/lib/postgresql/data';

/** Does a tmpfs on `mount` hold the data of a server whose data dir is `dataDir`, with no image volume shadowing it? */
export function tmpfsCovers(mount: string, dataDir: string, volumePath: string | null): boolean {
  const holds = dataDir === mount || dataDir.startsWith(`${mount}/`);
  if (!holds) return false;
  if (volumePath === null) return true;
  return mount === volumePath || mount.startsWith(`${volumePath}/`);
}

/** Would postgres 18+ refuse to start: a mount on the old data dir while PGDATA is left at its default? */
export function breaksPostgres18(script: ShellScript, run: DockerRun): MountTarget | null {
  const facts = imageFacts(script, run);
  if (!facts || facts.major === null || facts.major < 18) return null;
  if (pgdataOf(script, run).kind !== 'default') return null;
  return mountTargets(script, run).find((mount) => mount.path === OLD_DATA_DIR) ?? null;
}

