// The project's documents that tell people (or CI) how to run its scripts: README, docs/, CI workflows,
// Makefiles. Each document is read and split into the words it runs once per run and root; a script then
// looks its own name up instead of re-reading every document (with hundreds of suites, a pass over all
// documents per script made the layout rules quadratic in the size of the tree).
import { statSync } from 'node:fs';
import path from 'node:path';
import { relativePath, walkedFiles } from '../discover.js';
import { readUtf8 } from '../read-text.js';

export interface TextCall {
  /** Absolute path of the document. */
  file: string;
  /** 1-based line. */
  line: number;
  /** The word as written (`./scripts/test-integration.sh`). */
  word: string;
}

const MAX_DOCUMENTS = 400;
const MAX_DOCUMENT_BYTES = 1024 * 1024;

function isDocument(relative: string): boolean {
  const base = path.posix.basename(relative);
  if (/\.(md|markdown|rst|txt)$/i.test(base)) return true;
  if (/^Makefile$|^GNUmakefile$|\.mk$/.test(base)) return true;
  if (/^\.github\/workflows\/[^/]+\.ya?ml$/.test(relative) || /^\.gitlab-ci\.ya?ml$/.test(relative)) return true;
  if (/^(justfile|Justfile|Taskfile\.ya?ml|tox\.ini|noxfile\.py|\.pre-commit-config\.ya?ml)$/.test(base)) return true;
  return false;
}

interface Documents {
  texts: Array<{ file: string; text: string }>;
  /** The words the documents run, by the path they name, built on first use. */
  direct: CallIndex | null;
  interpreter: CallIndex | null;
}

const documentCache = new Map<string, Documents>();

/** Forgets the documents read for a root: a new lint run must see the README as it is now. */
export function clearDocumentCache(): void {
  documentCache.clear();
}

function documentsOf(root: string): Documents {
  const cached = documentCache.get(root);
  if (cached) return cached;
  // The same walk as the linted files (.gitignore, skipped folders, symlink loops), keeping documents.
  const paths = walkedFiles(root)
    .filter(({ file, dangling }) => !dangling && isDocument(relativePath(root, file)))
    .map(({ file }) => file);
  const texts: Array<{ file: string; text: string }> = [];
  for (const file of paths.slice(0, MAX_DOCUMENTS)) {
    try {
      if (statSync(file).size > MAX_DOCUMENT_BYTES) continue;
      texts.push({ file, text: readUtf8(file) });
    } catch {
      // An unreadable document tells nothing.
    }
  }
  const documents: Documents = { texts, direct: null, interpreter: null };
  documentCache.set(root, documents);
  return documents;
}

/** The documents of a project that may tell people (or CI) how to run its scripts. */
export function projectDocuments(root: string): Array<{ file: string; text: string }> {
  return documentsOf(root).texts;
}

/** Words that run the next word as a program without needing its exec bit. */
const INTERPRETERS = new Set(['bash', 'sh', 'dash', 'zsh', 'ksh', 'source', '.']);
/** Words that may stand before the program in a command line and still let it run directly. */
const WRAPPERS = new Set(['sudo', 'exec', 'time', 'nohup', 'env', 'command']);

/** Splits a command line into the first words of its commands (after prompts, keys, assignments, wrappers). */
function commandHeads(line: string): Array<{ word: string; hasArguments: boolean }> {
  const result: Array<{ word: string; hasArguments: boolean }> = [];
  for (const piece of line.split(/&&|\|\||;|\||\$\(|\(|\)/)) {
    let rest = piece.trim();
    rest = rest.replace(/^(?:[-*+>]\s+|\d+\.\s+)/, '');
    rest = rest.replace(/^(?:-\s*)?(?:run|script|command|cmd|entry)\s*:\s*(?:[|>]-?)?\s*/i, '');
    rest = rest.replace(/^\$\s+/, '').replace(/^[@-]+/, '').replace(/^['"]/, '');
    const words = rest.split(/\s+/).filter(Boolean);
    let position = 0;
    while (position < words.length && (/^[A-Za-z_][A-Za-z0-9_]*=/.test(words[position]!) || WRAPPERS.has(words[position]!))) position++;
    const word = words[position];
    if (!word || INTERPRETERS.has(word)) continue;
    result.push({ word: word.replace(/['"]+$/, ''), hasArguments: position + 1 < words.length });
  }
  return result;
}

/**
 * The words a document runs as programs. In Markdown and reStructuredText only code counts: every line of a
 * fenced or indented block, and inline code spans that look like a command (`./path`, or a path with
 * arguments), so that a path merely named in prose or in a list of files is not taken for a run. In other
 * documents (CI workflows, Makefiles) every line is a command line.
 */
export function directRunWords(text: string, prose: boolean): Array<{ line: number; word: string }> {
  const result: Array<{ line: number; word: string }> = [];
  const lines = text.split(/\r?\n/);
  let fence: string | null = null;
  let previousBlank = true;
  lines.forEach((raw, index) => {
    const line = index + 1;
    if (!prose) {
      for (const head of commandHeads(raw)) result.push({ line, word: head.word });
      return;
    }
    const fenceMatch = /^\s*(`{3,}|~{3,})/.exec(raw);
    if (fence !== null) {
      if (fenceMatch && fenceMatch[1]!.startsWith(fence)) fence = null;
      else for (const head of commandHeads(raw)) result.push({ line, word: head.word });
      return;
    }
    if (fenceMatch) {
      fence = fenceMatch[1]!;
      return;
    }
    if (/^(?: {4}|\t)\S/.test(raw) && previousBlank) {
      for (const head of commandHeads(raw)) result.push({ line, word: head.word });
      return; // an indented block continues while lines stay indented: keep previousBlank as it was
    }
    previousBlank = raw.trim() === '';
    for (const span of raw.matchAll(/`([^`]+)`/g)) {
      for (const head of commandHeads(span[1]!)) {
        if (head.word.startsWith('./') || head.hasArguments) result.push({ line, word: head.word });
      }
    }
  });
  return result;
}

/** The parts of the path a document word names (see wordNamesScript); null when it can name no script. */
function wordParts(word: string): string[] | null {
  if (!word.includes('/')) return null;
  let cleaned = word.replace(/^\.\//, '');
  cleaned = cleaned.replace(/^(?:\$\{?(?:PWD|PROJECT_ROOT|ROOT|REPO_ROOT)\}?|\$\{\{\s*github\.workspace\s*\}\})\//, '');
  if (!cleaned || cleaned.includes('$') || cleaned.startsWith('/')) return null;
  const parts = path.posix.normalize(cleaned).split('/');
  return parts.includes('..') ? null : parts;
}

/** Does a word as written in a document name this script (relative to the project root, or by a path suffix)? */
export function wordNamesScript(word: string, scriptRelative: string): boolean {
  const parts = wordParts(word);
  if (!parts) return false;
  const scriptParts = scriptRelative.split('/');
  if (parts.length > scriptParts.length) return false;
  const tail = scriptParts.slice(scriptParts.length - parts.length);
  return tail.every((part, i) => part === parts[i]);
}

/**
 * Calls by the whole path their word names (`scripts/x.sh` for `./scripts/x.sh`), each with its place in
 * document order. A word names a script when that path is a tail of the script's path (see
 * wordNamesScript), so a script looks up each of its own tails instead of testing every call that ends in
 * its file name: with hundreds of copies of one README naming `./scripts/x.sh`, the latter was a pass
 * over every copy for every script.
 */
interface CallIndex {
  byPath: Map<string, Array<{ order: number; call: TextCall }>>;
  /** By the same path, the first call of each document folder (absolute): where a message looks first. */
  firstByFolder: Map<string, Map<string, { order: number; call: TextCall }>>;
}

function indexCalls(calls: TextCall[]): CallIndex {
  const byPath: CallIndex['byPath'] = new Map();
  const firstByFolder: CallIndex['firstByFolder'] = new Map();
  calls.forEach((call, order) => {
    const parts = wordParts(call.word);
    if (!parts) return;
    const key = parts.join('/');
    const list = byPath.get(key);
    if (list) list.push({ order, call });
    else byPath.set(key, [{ order, call }]);
    let folders = firstByFolder.get(key);
    if (!folders) firstByFolder.set(key, (folders = new Map()));
    const folder = path.dirname(call.file);
    if (!folders.has(folder)) folders.set(folder, { order, call });
  });
  return { byPath, firstByFolder };
}

/**
 * The document lines that name a script: how many, and the one a message cites: the first line of the
 * nearest document folder at or above the script's that names it (its own copy's README in a tree of
 * copies), else the first in document order.
 */
export interface DocumentedRuns {
  count: number;
  first: TextCall | null;
}

function callsNaming(index: CallIndex, root: string, scriptPath: string): DocumentedRuns {
  // Counted, not listed: a tree of many copies of one project has every copy's README naming every copy's
  // `scripts/x.sh` (each path tail is a key), and listing them all for every script was quadratic.
  const scriptParts = relativePath(root, scriptPath).split('/');
  const keys: string[] = [];
  const runs: DocumentedRuns = { count: 0, first: null };
  let firstOrder = Infinity;
  for (let start = scriptParts.length - 1; start >= 0; start--) {
    const key = scriptParts.slice(start).join('/');
    const named = index.byPath.get(key);
    if (!named) continue;
    keys.push(key);
    runs.count += named.length;
    // Each list is in document order, and no call is under two keys.
    if (named[0]!.order < firstOrder) {
      firstOrder = named[0]!.order;
      runs.first = named[0]!.call;
    }
  }
  // A folder at a time from the script's own up to the root: a lookup per folder and key, not a pass over every naming line.
  for (let folder = path.dirname(scriptPath); keys.length > 0; folder = path.dirname(folder)) {
    let nearest: { order: number; call: TextCall } | null = null;
    for (const key of keys) {
      const found = index.firstByFolder.get(key)?.get(folder);
      if (found && (!nearest || found.order < nearest.order)) nearest = found;
    }
    if (nearest) {
      runs.first = nearest.call;
      break;
    }
    if (folder === root || path.dirname(folder) === folder) break;
  }
  return runs;
}

/** Lines of the project's documents that run the script directly (`./path`, `path args`). */
export function documentedDirectRuns(root: string, scriptPath: string): DocumentedRuns {
  const documents = documentsOf(root);
  documents.direct ??= indexCalls(
    documents.texts.flatMap((document) =>
      directRunWords(document.text, /\.(md|markdown|rst|txt)$/i.test(document.file)).map(({ line, word }) => ({ file: document.file, line, word })),
    ),
  );
  return callsNaming(documents.direct, root, scriptPath);
}

/** Does a document run the script through an interpreter (`bash path`)? */
export function documentedInterpreterRuns(root: string, scriptPath: string): DocumentedRuns {
  const documents = documentsOf(root);
  documents.interpreter ??= indexCalls(
    documents.texts.flatMap((document) => {
      const calls: TextCall[] = [];
      document.text.split(/\r?\n/).forEach((raw, index) => {
        const pattern = /(?:^|[\s`;&|(])(?:bash|sh|source|\.)\s+(?:-\S+\s+)*(\S+)/g;
        for (const match of raw.matchAll(pattern)) calls.push({ file: document.file, line: index + 1, word: match[1]!.replace(/^['"]|['"`]+$/g, '') });
      });
      return calls;
    }),
  );
  return callsNaming(documents.interpreter, root, scriptPath);
}
