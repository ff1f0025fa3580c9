// Temporary folders for tests, removed when the test file's process exits (node --test runs each test
// file in a process of its own), so that a test run leaves nothing behind in the system's temporary folder.
import { chmodSync, lstatSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

const made: string[] = [];

/** Gives back write and search permission to `dir` and every folder below it (a test may leave one read-only). */
function makeRemovable(dir: string): void {
  try {
    chmodSync(dir, 0o700);
    for (const entry of readdirSync(dir)) if (lstatSync(path.join(dir, entry)).isDirectory()) makeRemovable(path.join(dir, entry));
  } catch {
    // rmSync below does what it can.
  }
}

function removeAll(): void {
  for (const dir of made) {
    try {
      makeRemovable(dir);
      rmSync(dir, { recursive: true, force: true });
    } catch {
      // An exit handler must not throw.
    }
  }
}

/** A new folder named `prefix` and a random suffix under the system's temporary folder, removed at exit. */
export function tempDir(prefix: string): string {
  if (made.length === 0) process.on('exit', removeAll);
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}
