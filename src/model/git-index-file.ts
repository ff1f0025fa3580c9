// Reads a repository's index file (`.git/index`) the way `git ls-files --stage` lists it: each tracked
// path with its mode. Spawning git for it cost a pre-commit run on one suite about 25 ms of CPU (git's
// own start included) and the loading of node's `child_process`, for a file whose format git documents
// (gitformat-index(5)): a header (`DIRC`, version, entry count), then the entries, sorted by path.
//
// Only the plain cases are read here: index versions 2, 3 and 4, SHA-1 repositories, no split index, no
// sparse directories. Anything else, or anything that does not parse, answers undefined, and the caller
// asks git itself (src/model/git-index.ts).
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';

/** The folder holding the repository's index for a work tree (`.git`, or where a `.git` file points); null when there is none. */
function gitDirOf(workTree: string): string | null {
  const marker = path.join(workTree, '.git');
  try {
    if (statSync(marker).isDirectory()) return marker;
    // Worktrees and submodules: a file `gitdir: <path>`, relative to the work tree.
    const match = /^gitdir:\s*(.+?)\s*$/m.exec(readFileSync(marker, 'utf8'));
    return match ? path.resolve(workTree, match[1]!) : null;
  } catch {
    return null;
  }
}

/** The repository's config text (a worktree's lives in the common folder); '' when unreadable. */
function repositoryConfigText(gitDir: string): string {
  let common = gitDir;
  try {
    common = path.resolve(gitDir, readFileSync(path.join(gitDir, 'commondir'), 'utf8').trim());
  } catch {
    // Not a linked worktree: the config is in the git folder itself.
  }
  try {
    return readFileSync(path.join(common, 'config'), 'utf8');
  } catch {
    return '';
  }
}

const SHA1_BYTES = 20;
/** ctime, mtime (seconds and nanoseconds each), dev, ino, mode, uid, gid, size: ten 32-bit fields. */
const STAT_BYTES = 40;
/** A sparse directory entry's mode (a tree): git lists the files under it, which this reader cannot. */
const TREE_MODE = 0o040000;

/**
 * The index of the work tree at `workTree` (or the index file `indexFile` of its repository, as
 * GIT_INDEX_FILE names one): absolute path → mode as `git ls-files --stage` prints it (`100644`, `100755`,
 * `120000`, `160000`); the first entry of a path wins, as in the spawned reading. An empty map for a
 * repository without an index (nothing added yet); undefined when the index is not one this reader reads
 * (the caller then asks git).
 */
export function readGitIndexFile(workTree: string, indexFile?: string): Map<string, string> | undefined {
  const gitDir = gitDirOf(workTree);
  if (gitDir === null) return undefined;
  // SHA-256 repositories have longer object names in every entry.
  if (/^\s*objectformat\s*=\s*(?!sha1\b)/im.test(repositoryConfigText(gitDir))) return undefined;
  let data: Buffer;
  try {
    data = readFileSync(indexFile ?? path.join(gitDir, 'index'));
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ENOENT' ? new Map() : undefined;
  }
  try {
    return parseIndex(data, workTree);
  } catch {
    return undefined;
  }
}

/** Parses an index file's entries; undefined for what this reader does not read; throws on a truncated file. */
export function parseIndex(data: Buffer, workTree: string): Map<string, string> | undefined {
  if (data.length < 12 || data.toString('latin1', 0, 4) !== 'DIRC') return undefined;
  const version = data.readUInt32BE(4);
  if (version < 2 || version > 4) return undefined;
  const count = data.readUInt32BE(8);
  const modes = new Map<string, string>();
  let offset = 12;
  let previous: Buffer = Buffer.alloc(0);
  for (let entry = 0; entry < count; entry++) {
    const start = offset;
    const mode = data.readUInt32BE(start + 24);
    offset = start + STAT_BYTES + SHA1_BYTES;
    const flags = data.readUInt16BE(offset);
    offset += 2;
    if (flags & 0x4000) {
      if (version < 3) return undefined; // the extended flag is not allowed before version 3
      offset += 2;
    }
    let name: Buffer;
    if (version === 4) {
      // The path is the previous one less its last N bytes (N a variable-length number), then a suffix.
      let byte = data[offset++]!;
      let strip = byte & 0x7f;
      while (byte & 0x80) {
        byte = data[offset++]!;
        strip = (strip + 1) * 128 + (byte & 0x7f);
      }
      const end = data.indexOf(0, offset);
      if (end < 0 || strip > previous.length) throw new Error('truncated index');
      name = Buffer.concat([previous.subarray(0, previous.length - strip), data.subarray(offset, end)]);
      offset = end + 1;
    } else {
      const end = data.indexOf(0, offset);
      if (end < 0) throw new Error('truncated index');
      name = data.subarray(offset, end);
      // Entries are padded with 1-8 NUL bytes to a multiple of eight bytes from their start.
      offset = start + ((end - start + 8) & ~7);
    }
    if (offset > data.length) throw new Error('truncated index');
    previous = name;
    if ((mode & 0o170000) === TREE_MODE) return undefined;
    const file = path.join(workTree, ...name.toString('utf8').split('/'));
    if (!modes.has(file)) modes.set(file, mode.toString(8).padStart(6, '0'));
  }
  // A split index keeps most entries in a shared file (the `link` extension): git reads both.
  for (let at = offset; at + 8 <= data.length - SHA1_BYTES; ) {
    const signature = data.toString('latin1', at, at + 4);
    if (signature === 'link' || signature === 'sdir') return undefined;
    at += 8 + data.readUInt32BE(at + 4);
  }
  return modes;
}
