// Writing fixed files without ever losing data: a temporary file in the same directory, flushed, given the
// original's mode, then renamed over the original. Symlinks are followed only inside the linted tree, and a
// file that changed on disk since it was linted is left alone.
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { accessSync, chmodSync, constants as fsConstants, closeSync, existsSync, fsyncSync, linkSync, lstatSync, mkdirSync, openSync, readFileSync, realpathSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
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
  // The rename below would replace a file nobody may write (as root too, or in a writable folder): refuse, as Ruff and ESLint do.
  if (!writable(real, mode)) return readOnly(mode);
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

const readOnly = (mode: number): WriteResult => ({ ok: false, reason: `it is read-only (mode ${mode.toString(8).padStart(4, '0')}); make it writable to let --fix change it`, refused: false });

/** Why `filePath` would be refused as read-only, before anything is written; null when it is writable (or gone: the write will say). */
export function readOnlyFailure(filePath: string, roots: readonly string[]): WriteResult | null {
  const target = resolveTarget(filePath, roots);
  if (!target.ok) return null;
  try {
    const mode = statSync(target.path).mode & 0o7777;
    return writable(target.path, mode) ? null : readOnly(mode);
  } catch {
    return null;
  }
}

/** May this process write the file in place? No write bit at all counts as read-only, even for root. */
function writable(file: string, mode: number): boolean {
  if ((mode & 0o222) === 0) return false;
  try {
    accessSync(file, fsConstants.W_OK);
    return true;
  } catch {
    return false;
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

/** Does anything (a file, a directory, a symlink, even a dangling one) sit at `target`? */
export function occupied(target: string): boolean {
  try {
    lstatSync(target);
    return true;
  } catch {
    return false;
  }
}

/** The nearest ancestor of `target` (or `target` itself) that exists. */
function nearestExisting(target: string): string {
  let current = target;
  while (!existsSync(current)) {
    const parent = path.dirname(current);
    if (parent === current) break;
    current = parent;
  }
  return current;
}

function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error ? String((error as { code: unknown }).code) : undefined;
}

/**
 * Writes a new file (SL704's scaffolds) and never replaces one: refused when anything is already at
 * `filePath` or when it lies outside `roots` (also through a symlinked folder). Missing folders are made.
 * The content goes to a temporary file in the same folder first, which is then hard-linked to its name
 * (the link fails if the name was taken meanwhile), so a half-written file can never be left under it.
 * Mode 0755 when `executable`, else 0644, whatever the umask.
 */
export function createFileExclusively(filePath: string, content: Buffer, executable: boolean, roots: readonly string[]): WriteResult {
  if (!path.isAbsolute(filePath)) return { ok: false, reason: 'the path to create is not absolute', refused: true };
  const outside: WriteResult = { ok: false, reason: 'it is outside the linted tree', refused: true };
  const within = roots.some((root) => {
    const relative = path.relative(path.resolve(root), filePath);
    return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
  });
  if (!within) return outside;
  if (occupied(filePath)) return { ok: false, reason: 'a file is already there; it is never overwritten', refused: true };
  const directory = path.dirname(filePath);
  // The folders that exist must resolve inside the tree before any is made (a symlinked folder may lead out).
  try {
    if (!insideRoots(realpathSync(nearestExisting(directory)), roots)) return outside;
  } catch (error) {
    return { ok: false, reason: `cannot resolve its folder: ${describeIoError(error)}`, refused: false };
  }
  let realDirectory: string;
  try {
    mkdirSync(directory, { recursive: true });
    realDirectory = realpathSync(directory);
  } catch (error) {
    return { ok: false, reason: `cannot make its folder: ${describeIoError(error)}`, refused: false };
  }
  if (!insideRoots(realDirectory, roots)) return outside;
  const target = path.join(realDirectory, path.basename(filePath));
  const temporary = path.join(realDirectory, `.${path.basename(filePath)}.smoke-lint-${randomBytes(6).toString('hex')}`);
  let created = false;
  const removeTemporary = () => {
    if (!created) return;
    try {
      unlinkSync(temporary);
    } catch {
      // Nothing more can be done; the target name was never given to a partial file.
    }
    created = false;
  };
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
    chmodSync(temporary, executable ? 0o755 : 0o644);
    try {
      linkSync(temporary, target);
    } catch (error) {
      const code = errorCode(error);
      if (code === 'EEXIST') {
        removeTemporary();
        return { ok: false, reason: 'a file appeared there meanwhile; it is never overwritten', refused: true };
      }
      // No hard links on this file system: rename instead, after a last look (the window is as narrow as it gets).
      if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw error;
      if (occupied(target)) {
        removeTemporary();
        return { ok: false, reason: 'a file appeared there meanwhile; it is never overwritten', refused: true };
      }
      renameSync(temporary, target);
      created = false;
    }
    removeTemporary();
    syncDirectory(realDirectory);
    return { ok: true, path: target };
  } catch (error) {
    removeTemporary();
    return { ok: false, reason: `cannot write it: ${describeIoError(error)}`, refused: false };
  }
}
