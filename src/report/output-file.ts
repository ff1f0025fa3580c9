// `--output-file`: the report goes to a file (CI uploads it) and stdout stays free.
// The file is written whole or not at all: the text goes to a temporary file beside it, which is then
// renamed over the target, so a reader (or a failed run) never sees half a report.
import { closeSync, mkdirSync, openSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

class WriteFailure extends Error {}

function errnoCode(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | null)?.code;
}

/**
 * Creates `dir` and its missing parents one level at a time. (`mkdirSync(..., { recursive: true })`
 * retries forever where mkdir answers ENOENT for a parent that exists, as under /proc.)
 */
function ensureDirectory(dir: string): void {
  try {
    if (!statSync(dir).isDirectory()) throw new WriteFailure(`${dir} is not a directory`);
    return;
  } catch (error) {
    if (error instanceof WriteFailure) throw error;
    if (errnoCode(error) !== 'ENOENT') throw error;
  }
  const parent = path.dirname(dir);
  if (parent === dir) throw new WriteFailure(`${dir} does not exist`);
  ensureDirectory(parent);
  mkdirSync(dir);
}

/** Writes the report; returns a one-line error instead of throwing. */
export function writeOutputFile(file: string, text: string): string | null {
  const temporary = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  let created = false;
  try {
    ensureDirectory(path.dirname(file));
    try {
      if (statSync(file).isDirectory()) throw new WriteFailure('it is a directory');
    } catch (error) {
      if (error instanceof WriteFailure || errnoCode(error) !== 'ENOENT') throw error;
    }
    const fd = openSync(temporary, 'wx');
    created = true;
    try {
      writeFileSync(fd, text);
    } finally {
      closeSync(fd);
    }
    renameSync(temporary, file);
    created = false;
    return null;
  } catch (error) {
    if (created) {
      try {
        unlinkSync(temporary);
      } catch {
        // Nothing more can be done; the error below is what matters.
      }
    }
    const reason = error instanceof WriteFailure ? error.message : errnoCode(error) ?? (error instanceof Error ? error.message : String(error));
    return `cannot write the report to ${file} (${reason})`;
  }
}
