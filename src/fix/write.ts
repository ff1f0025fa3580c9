// Writing fixed files without ever losing data: a temporary file in the same directory, flushed, given the
// original's mode, then renamed over the original. Symlinks are followed only inside the linted tree, and a
// file that changed on disk since it was linted is left alone.
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { chmodSync, closeSync, fsyncSync, openSync, readFileSync, realpathSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import path from 'node:path';
import { describeIoError } from '../source.js';

/** `refused`: not written on purpose (a symlink out of the tree, a file changed on disk), as opposed to an I/O failure. */
export type WriteResult = { ok: true; path: string } | { ok: false; reason: string; refused: boolean };

/** Is `target` inside (or equal to) one of `roots`? Both sides are compared as real paths. */
export function insideRoots(target: string, roots: readonly string[]): boolean {
  return roots.some((root) => {
    let realRoot: string;
    try {
      realRoot = realpathSync(root);
    } catch {
      return false;
    }
    const relative = path.relative(realRoot, target);
    return relative === '' || (!relative.startsWith('..') && !path.isAbsolute(relative));
  });
}

/** The file a write to `filePath` would reach, or why it must not be written. */
export function resolveTarget(filePath: string, roots: readonly string[]): WriteResult {
  let real: string;
  try {
    real = realpathSync(filePath);
  } catch (error) {
    return { ok: false, reason: `cannot resolve it: ${describeIoError(error)}`, refused: false };
  }
  if (!insideRoots(real, roots)) return { ok: false, reason: `it is a symlink to ${real}, outside the linted tree`, refused: true };
  return { ok: true, path: real };
}

export interface WriteOptions {
  /** The bytes the fixes were computed from; the file is skipped when the disk no longer holds them. */
  expected: Buffer;
  /** The directories writes may reach (the project roots of the run). */
  roots: readonly string[];
}

/** Replaces `filePath`'s content by `content` atomically; never throws for I/O, says why instead. */
export function writeFileAtomically(filePath: string, content: Buffer, options: WriteOptions): WriteResult {
  const target = resolveTarget(filePath, options.roots);
  if (!target.ok) return target;
  const real = target.path;
  const unchanged = (): WriteResult | null => {
    let current: Buffer;
    try {
      current = readFileSync(real);
    } catch (error) {
      return { ok: false, reason: `cannot read it back: ${describeIoError(error)}`, refused: false };
    }
    return current.equals(options.expected) ? null : { ok: false, reason: 'it changed on disk since it was read; run again', refused: true };
  };
  const before = unchanged();
  if (before) return before;
  let mode: number;
  try {
    mode = statSync(real).mode & 0o7777;
  } catch (error) {
    return { ok: false, reason: `cannot stat it: ${describeIoError(error)}`, refused: false };
  }
  const temporary = path.join(path.dirname(real), `.${path.basename(real)}.smoke-lint-${randomBytes(6).toString('hex')}`);
  let created = false;
  try {
    const fd = openSync(temporary, 'wx', 0o600);
    created = true;
    try {
      let written = 0;
      while (written < content.length) written += writeSync(fd, content, written, content.length - written);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    chmodSync(temporary, mode);
    // Narrow the window between the check and the rename as far as a rename allows.
    const late = unchanged();
    if (late) {
      unlinkSync(temporary);
      created = false;
      return late;
    }
    renameSync(temporary, real);
    created = false;
    syncDirectory(path.dirname(real));
    return { ok: true, path: real };
  } catch (error) {
    if (created) {
      try {
        unlinkSync(temporary);
      } catch {
        // Nothing more can be done; the original is untouched either way.
      }
    }
    return { ok: false, reason: `cannot write it: ${describeIoError(error)}`, refused: false };
  }
}

/** Makes the rename durable where the platform allows fsync on a directory. */
function syncDirectory(directory: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(directory, 'r');
    fsyncSync(fd);
  } catch {
    // Not supported (Windows) or not permitted: the rename itself is already atomic.
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

export type ModeResult = { ok: true; changed: boolean; inIndex: boolean } | { ok: false; reason: string; refused: boolean };

/** The mode with the exec bit added where the read bit is set (`chmod +x` under a usual umask), or all exec bits removed. */
export function executableMode(mode: number, executable: boolean): number {
  return executable ? mode | ((mode & 0o444) >> 2) : mode & ~0o111;
}

function git(args: string[], cwd: string): boolean {
  try {
    // Never a shell; pathspecs literal, so a file named `*.sh` is that file only.
    execFileSync('git', ['--literal-pathspecs', ...args], { cwd, stdio: 'ignore', timeout: 10_000 });
    return true;
  } catch {
    return false;
  }
}

/** Sets or clears the exec bit on disk and, for a file git tracks, in the index. */
export function setExecutable(filePath: string, executable: boolean, roots: readonly string[]): ModeResult {
  const target = resolveTarget(filePath, roots);
  if (!target.ok) return target;
  const real = target.path;
  let changed = false;
  try {
    const mode = statSync(real).mode & 0o7777;
    const wanted = executableMode(mode, executable);
    if (wanted !== mode) {
      chmodSync(real, wanted);
      changed = true;
    }
  } catch (error) {
    return { ok: false, reason: `cannot change its mode: ${describeIoError(error)}`, refused: false };
  }
  const directory = path.dirname(real);
  const name = path.basename(real);
  // No git, or not a repository, or an untracked file: the disk is all there is.
  const tracked = git(['ls-files', '--error-unmatch', '--', name], directory);
  const inIndex = tracked && git(['update-index', `--chmod=${executable ? '+' : '-'}x`, '--', name], directory);
  return { ok: true, changed, inIndex };
}
