// One file as the engine sees it: its text, decoded once, parsed once.
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type Parser from 'tree-sitter';
import { createRequire } from 'node:module';
import { checkNodeFields, forgetNeighbours, leanNodeClasses, natives } from './native.js';
import { NODE_OBJECTS } from './node-cache.js';
import type { Position, Range } from './rule.js';
import { readUtf8 } from './read-text.js';

/** Languages smoke-lint parses with tree-sitter. */
export type TreeLanguage = 'python' | 'shell';
/** YAML files (docker compose, CI workflows) have no tree: src/readers/yaml.ts reads them with positions. */
export type Language = TreeLanguage | 'yaml';

/** Files above this size are not parsed: no integration conftest or script is this big. */
export const MAX_FILE_BYTES = 5 * 1024 * 1024;

export interface SourceFile {
  /** Absolute path. */
  path: string;
  language: Language;
  text: string;
  /** Set when the file could not be read or decoded; the tree is then null. */
  unreadable?: string;
  tree: Parser.Tree | null;
  hasBom: boolean;
  lineStarts: number[];
}

const parsers = new Map<TreeLanguage, Parser>();

/** Small texts whose nodes start after and inside non-ASCII text (two UTF-16 units too), for checkNodeFields. */
const FIELD_CHECK_SAMPLES: Record<TreeLanguage, string> = {
  python: 'é = "ü€"\nif é:\n    f(x="😀", y=[1, "ß"])\n',
  shell: 'é=ü\necho "😀 $é" | grep ß && f() { echo €; }\n',
};

function parserFor(language: TreeLanguage): Parser {
  let parser = parsers.get(language);
  if (!parser) {
    const loaded = natives();
    parser = new loaded.Parser();
    const grammar = language === 'python' ? loaded.python : loaded.bash;
    leanNodeClasses(grammar, loaded.Parser);
    // The grammar packages' typings describe a looser object than Parser.Language.
    parser.setLanguage(grammar as Parser.Language);
    checkNodeFields(grammar, parser.parse(FIELD_CHECK_SAMPLES[language]));
    parsers.set(language, parser);
  }
  return parser;
}

export function parseText(language: TreeLanguage, text: string): Parser.Tree {
  // A buffer as large as the text avoids the binding's 32 KiB default chunking on big files.
  return parserFor(language).parse(text, null, { bufferSize: Math.max(1024, text.length + 1) });
}

/**
 * Lets the trees dropped so far be freed. tree-sitter frees a tree's native memory in the finalizer of
 * its JS wrapper, and Node runs N-API finalizers only when the event loop turns: a synchronous loop that
 * parses file after file keeps every tree it let go of until it awaits this (measured on the bench's
 * 500-suite tree: the parse floor peaks at 389 MiB without a turn, 73 MiB with one every 24 files).
 */
export function releaseDroppedTrees(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** What models keep per loaded file, to be forgotten when the project lets the file go (`forgetFile`). */
const forgetters: Array<(file: SourceFile) => void> = [];

/** Registers a model's cache of facts per file (or per its tree), to be emptied for a file its project lets go. */
export function onForget(forget: (file: SourceFile) => void): void {
  forgetters.push(forget);
}

/**
 * A model's cache of facts per file, emptied for a file its project lets go (see `forgetFile`). Facts of
 * a file's module or script model are kept under the file too (`module.file`, `script.file`).
 */
export function perFile<T>(): WeakMap<SourceFile, T> {
  const cache = new WeakMap<SourceFile, T>();
  onForget((file) => cache.delete(file));
  return cache;
}

/** Where a tree keeps the entries its nodes have in `perNode` memos, for `forgetFile` to delete. */
const MEMO_ENTRIES = Symbol('memo entries');

type MemoEntries = Array<WeakMap<object, unknown> | object>;
const NO_ENTRY = Object.freeze({});

/** A WeakMap that notes each entry it is given under its key's tree (every key is a node of one). */
class NodeMemo<K extends object, T> extends WeakMap<K, T> {
  override set(node: K, value: T): this {
    const tree = (node as { tree?: Record<symbol, MemoEntries | undefined> }).tree;
    if (tree) (tree[MEMO_ENTRIES] ??= []).push(this as WeakMap<object, unknown>, node);
    return super.set(node, value);
  }
}

/**
 * A model's memo of facts per node, whose entries are deleted when the node's file is let go (`forgetFile`).
 * A WeakMap made when a module loads lives in V8's old generation, and a young-generation collection keeps
 * alive every value an old table holds, whether its key is alive or not, until the next full collection; the
 * values (argument lists, comparisons: nodes of the tree) held the last suites' nodes, models and files
 * with them, and each such collection copied them again (see forgetFile for the measurement). The entries
 * are noted per tree as they are made: deleting each node's from every memo cost a one-suite run 3 M
 * instructions (1%) for the nodes never asked about.
 */
export function perNode<K extends object, T>(): WeakMap<K, T> {
  return new NodeMemo<K, T>();
}

/** Deletes the entries the tree's nodes have in the `perNode` memos. */
function forgetMemos(tree: object): void {
  const entries = (tree as Record<symbol, MemoEntries | undefined>)[MEMO_ENTRIES];
  if (!entries) return;
  for (let index = 0; index < entries.length; index += 2) {
    (entries[index] as WeakMap<object, unknown>).delete(entries[index + 1]!);
    // Emptied slot by slot: a list the collector had moved to the old generation would keep them otherwise.
    entries[index] = entries[index + 1] = NO_ENTRY;
  }
  entries.length = 0;
}

/**
 * Empties what is kept for a file that its project lets go (Project.release, after each suite): the
 * tree's node objects (and what each remembered of its neighbours), the models' memos of its nodes
 * (`perNode`) and the models' caches (`perFile`). They would go with the file anyway, but only at V8's next
 * full collection once any of them has been moved to the old generation: a young-generation collection
 * keeps alive every young object an old one points to, dead or not, and so copied the last suites'
 * nodes and models again and again (bench tree of 100 suites: 230 -> 170 ms in young-generation
 * collections with the node objects alone emptied; bench tree of 500 suites, with the node memos and the
 * other tables of facts per node, tree or script emptied too, two runs each in turn: 620-640 -> 423-442 ms
 * in young-generation collections, and 8 full collections instead of 13, 93-109 -> 67-70 ms).
 */
export function forgetFile(file: SourceFile): void {
  if (file.tree) forgetMemos(file.tree);
  const nodes = (file.tree as unknown as Record<symbol, Map<number, object> | undefined> | null)?.[NODE_OBJECTS];
  if (nodes) {
    nodes.forEach(forgetNeighbours);
    nodes.clear();
  }
  for (const forget of forgetters) forget(file);
}

export class FileReadError extends Error {}

/** Reads and parses a file. Throws FileReadError only for I/O failures; bad content is recorded. */
export function loadSource(filePath: string, language: Language): SourceFile {
  let text: string;
  let bytes: Buffer | undefined;
  try {
    const stat = statSync(filePath);
    if (stat.size > MAX_FILE_BYTES) {
      return makeUnreadable(filePath, language, `file is ${Math.round(stat.size / 1024 / 1024)} MiB, over the ${MAX_FILE_BYTES / 1024 / 1024} MiB limit`);
    }
    // Most files are plain UTF-8 text: read straight into a string (one call into node, no Buffer, no
    // second decoding). Only a text that shows a sign of bytes that are not UTF-8 text (a U+FFFD, which
    // is also what invalid bytes decode to, or a NUL near the start) is read again as bytes and judged
    // exactly below. (Bench tree of 500 suites, in a --cpu-prof: reading its 8,000 files, 0.97 -> 0.47 s.)
    text = readUtf8(filePath);
    if (!isPlainText(text)) bytes = readFileSync(filePath);
  } catch (error) {
    throw new FileReadError(`cannot read ${filePath}: ${describeIoError(error)}`);
  }
  if (bytes === undefined) return fromText(filePath, language, text);
  const decoded = decodeUtf8(bytes);
  if (typeof decoded !== 'string') return makeUnreadable(filePath, language, decoded.problem);
  return fromText(filePath, language, decoded);
}

export function fromText(filePath: string, language: Language, raw: string): SourceFile {
  const hasBom = raw.charCodeAt(0) === 0xfeff;
  const text = hasBom ? raw.slice(1) : raw;
  return {
    path: path.resolve(filePath),
    language,
    text,
    tree: language === 'yaml' ? null : parseText(language, text),
    hasBom,
    lineStarts: computeLineStarts(text),
  };
}

/**
 * Is a text read as UTF-8 plainly text, as it was on disk? A U+FFFD (what bytes that are not UTF-8 decode
 * to) or a NUL near the start is a sign of bytes that are not text, judged exactly from the bytes instead.
 */
function isPlainText(text: string): boolean {
  return !text.includes('\uFFFD') && text.lastIndexOf('\0', BINARY_PROBE_BYTES - 1) === -1;
}

/**
 * The file a text already read from disk as UTF-8 makes, parsed, as `loadSource` would make it from the
 * disk; null when that text cannot tell (a sign of bytes that are not text, or a text that may be over
 * the size limit in bytes): then `loadSource` reads the file and judges it.
 */
export function sourceFromReadText(filePath: string, language: Language, text: string): SourceFile | null {
  return parsesAsRead(text) ? fromText(filePath, language, text) : null;
}

/** Does a text read from disk as UTF-8 tell, alone, that its file is parsed as it was read (see `sourceFromReadText`)? */
export function parsesAsRead(text: string): boolean {
  // A UTF-16 unit is at most three bytes of UTF-8: a text this short is within the limit in bytes too.
  return text.length * 3 <= MAX_FILE_BYTES && isPlainText(text);
}

function makeUnreadable(filePath: string, language: Language, problem: string): SourceFile {
  return { path: path.resolve(filePath), language, text: '', unreadable: problem, tree: null, hasBom: false, lineStarts: [0] };
}

export function describeIoError(error: unknown): string {
  if (error && typeof error === 'object' && 'code' in error) {
    const code = String((error as { code: unknown }).code);
    const known: Record<string, string> = {
      ENOENT: 'no such file or directory',
      EACCES: 'permission denied',
      EISDIR: 'is a directory',
      ELOOP: 'too many levels of symbolic links',
      EPERM: 'operation not permitted',
    };
    return known[code] ?? code;
  }
  return error instanceof Error ? error.message : String(error);
}

/** A file with a NUL byte among its first this many bytes is binary. */
const BINARY_PROBE_BYTES = 8192;

function decodeUtf8(bytes: Buffer): string | { problem: string } {
  const probe = bytes.subarray(0, BINARY_PROBE_BYTES);
  if (probe.includes(0)) return { problem: 'binary file (contains NUL bytes)' };
  try {
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    return { problem: 'not valid UTF-8' };
  }
}

function computeLineStarts(text: string): number[] {
  const starts = [0];
  // indexOf scans natively; a loop over charCodeAt ran every character of every loaded file through the interpreter.
  for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) starts.push(at + 1);
  return starts;
}

/** Files with errors in their tree: only SL001 speaks about them (for Python; shell keeps what parsed). */
export function hasParseError(file: SourceFile): boolean {
  return file.unreadable !== undefined || (file.tree?.rootNode.hasError ?? false);
}

/** Does this text, in this language, have a syntax error? (The fix passes check their output with it.) */
export function textHasSyntaxError(language: Language, text: string): boolean {
  return language === 'yaml' ? yamlHasErrors(text) : parseText(language, text).rootNode.hasError;
}

// The YAML parser (70-odd modules) is loaded only when a YAML file is checked for errors, not at start-up.
const require = createRequire(import.meta.url);
let yaml: typeof import('yaml') | null = null;

function yamlHasErrors(text: string): boolean {
  yaml ??= require('yaml') as typeof import('yaml');
  return Array.from(yaml.parseAllDocuments(text)).some((doc) => doc.errors.length > 0);
}

/** 0-based offset to 1-based position. */
export function positionAt(file: SourceFile, offset: number): Position {
  let low = 0;
  let high = file.lineStarts.length - 1;
  while (low < high) {
    const mid = (low + high + 1) >> 1;
    if (file.lineStarts[mid]! <= offset) low = mid;
    else high = mid - 1;
  }
  return { line: low + 1, column: offset - file.lineStarts[low]! + 1 };
}

export function nodeRange(node: Parser.SyntaxNode): Range {
  return {
    start: { line: node.startPosition.row + 1, column: node.startPosition.column + 1 },
    end: { line: node.endPosition.row + 1, column: node.endPosition.column + 1 },
  };
}

export function offsetRange(file: SourceFile, start: number, end: number): Range {
  return { start: positionAt(file, start), end: positionAt(file, end) };
}

/** The text of a 1-based line, without its line terminator. */
export function lineText(file: SourceFile, line: number): string {
  const start = file.lineStarts[line - 1];
  if (start === undefined) return '';
  const next = file.lineStarts[line];
  const raw = file.text.slice(start, next === undefined ? file.text.length : next - 1);
  return raw.endsWith('\r') ? raw.slice(0, -1) : raw;
}

/** The indentation of the line a node starts on, for fixes that insert lines beside it. */
export function indentAt(file: SourceFile, offset: number): string {
  const lineStart = file.lineStarts[positionAt(file, offset).line - 1] ?? 0;
  return /^[ \t]*/.exec(file.text.slice(lineStart, Math.max(lineStart, offset)))![0];
}

/** The line ending the file mostly uses, for text that fixes insert. */
export function lineEnding(file: SourceFile): string {
  return file.text.includes('\r\n') ? '\r\n' : '\n';
}
