// The process's standard output and error. `process.stdout` and `process.stderr` build a stream object on
// first use: for a pipe node's `net` module and its streams, for a file a file stream, for a terminal
// node's `tty` module (which loads `net` too). That is about 25 of node's modules and 10 M instructions
// in a run that prints one line (issue 13: a pre-commit run's output goes to a pipe or a file, never
// to a terminal). smoke-lint writes each text once, whole: on POSIX node writes to files, pipes and
// terminals synchronously too, so a plain write to the file descriptor is the same work without the
// streams. A terminal keeps node's stream (colours; Windows' console takes its text through it), and so
// does everything on Windows.
import { fstatSync, statSync, writeSync } from 'node:fs';

/** A write that could not be done: the exit code is 2 and the message goes to stderr. */
export class OutputError extends Error {}

let nullDevice: number | null | undefined;

/** The device number of /dev/null, the one character device that is often a standard stream and never a terminal. */
function nullDeviceNumber(): number | null {
  if (nullDevice === undefined) {
    try {
      nullDevice = statSync('/dev/null').rdev;
    } catch {
      nullDevice = null;
    }
  }
  return nullDevice;
}

/**
 * Whether `fd` is a terminal. Only a character device can be one, so a file, a pipe or a socket is
 * answered from `fstat`, and so is /dev/null (a stream a parent process dropped); any other character
 * device, and every stream on Windows, is asked of node's `tty` module.
 */
export async function isTerminal(fd: 1 | 2): Promise<boolean> {
  if (process.platform !== 'win32') {
    try {
      const stat = fstatSync(fd);
      if (!stat.isCharacterDevice()) return false;
      if (stat.rdev === nullDeviceNumber()) return false;
    } catch {
      // A closed descriptor: tty answers that too.
    }
  }
  return (await import('node:tty')).isatty(fd);
}

/** Blocks for `ms` milliseconds, for a pipe that is full. */
function pause(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/**
 * A writer of whole texts to `fd`: through node's stream for a terminal, else straight to the descriptor.
 * When the reader of a pipe has gone (`smoke-lint | head -1`), the rest of the output is dropped quietly,
 * as other command-line tools do; any other failed write is an OutputError.
 */
export function standardWriter(fd: number, terminal: boolean): (text: string) => void {
  if ((fd === 1 || fd === 2) && (terminal || process.platform === 'win32')) {
    const stream = fd === 1 ? process.stdout : process.stderr;
    // A stream reports a failed write as an event: a closed pipe ends the output as below, not the process.
    stream.on('error', () => undefined);
    return (text) => void stream.write(text);
  }
  let closed = false;
  return (text) => {
    if (closed) return;
    const bytes = Buffer.from(text, 'utf8');
    let offset = 0;
    while (offset < bytes.length) {
      try {
        offset += writeSync(fd, bytes, offset, bytes.length - offset);
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        // A pipe a parent process set non-blocking is full: wait for its reader.
        if (code === 'EAGAIN') pause(1);
        else if (code === 'EPIPE') {
          closed = true;
          return;
        } else throw new OutputError(`cannot write to ${fd === 1 ? 'standard output' : fd === 2 ? 'standard error' : `file descriptor ${fd}`}: ${(error as Error).message}`);
      }
    }
  };
}
