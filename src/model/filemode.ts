// File modes and the places that run a script directly, for the layout rules (SL701, SL702, SL703).
//
// A script run as `./path` needs the exec bit twice over: on disk for the person who wrote it, and in the
// git index (`100755`) for everyone who clones the repository (CI included). Both are read here; git is run
// as a program (never through a shell), and any failure (no git, not a repository, an untracked file)
// means "the index has nothing to say" (src/model/git-index.ts reads it, once per repository).
import { readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { walkTree } from '../discover.js';
import { clearModeCache, gitIndexMode } from './git-index.js';
import type { Project, Suite } from './suite.js';
import { shellScript, type ShellScript } from './shell.js';
import { scriptCalls, suiteScripts, type ScriptCall } from './scripts.js';

export { clearModeCache, gitIndexMode };

/** Is the file executable on disk (any of the three exec bits)? Null when it cannot be stat'ed. */
export function diskExecutable(file: string): boolean | null {
  try {
    return (statSync(file).mode & 0o111) !== 0;
  } catch {
    return null;
  }
}

/** Forgets the documents read for a root: a new lint run must see the README as it is now. */
export function clearDocumentCache(): void {
  documentCache.clear();
}

export interface ModeFacts {
  /** Executable on disk; null when unknown. */
  disk: boolean | null;
  /** Mode in the git index; null when untracked or no git. */
  index: string | null;
  /** What is wrong, for messages: "mode 644 on disk", "100644 in the git index"; empty when executable. */
  problems: string[];
}

export function modeFacts(file: string): ModeFacts {
  const disk = diskExecutable(file);
  const index = gitIndexMode(file);
  const problems: string[] = [];
  if (disk === false) {
    let octal = '';
    try {
      octal = ` (mode ${(statSync(file).mode & 0o777).toString(8)})`;
    } catch {
      octal = '';
    }
    problems.push(`has no exec bit on disk${octal}`);
  }
  if (index !== null && index === '100644') problems.push('is recorded as 100644 (not executable) in the git index');
  return { disk, index, problems };
}

// ---------------------------------------------------------------------------------------------
// Direct runs written in the docs: README, docs/, CI workflows, Makefiles.

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

const documentCache = new Map<string, Array<{ file: string; text: string }>>();

/** The documents of a project that may tell people (or CI) how to run its scripts. */
export function projectDocuments(root: string): Array<{ file: string; text: string }> {
  const cached = documentCache.get(root);
  if (cached) return cached;
  // The same walk as the linted files (.gitignore, skipped folders, symlink loops), keeping documents.
  const paths = walkTree(root, (file, dangling) => (!dangling && isDocument(path.relative(root, file).split(path.sep).join('/')) ? file : null));
  const found: Array<{ file: string; text: string }> = [];
  for (const file of paths.slice(0, MAX_DOCUMENTS)) {
    try {
      if (statSync(file).size > MAX_DOCUMENT_BYTES) continue;
      found.push({ file, text: readFileSync(file, 'utf8') });
    } catch {
      // An unreadable document tells nothing.
    }
  }
  documentCache.set(root, found);
  return found;
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

/** Does a word as written in a document name this script (relative to the project root, or by a path suffix)? */
export function wordNamesScript(word: string, scriptRelative: string): boolean {
  if (!word.includes('/')) return false;
  let cleaned = word.replace(/^\.\//, '');
  cleaned = cleaned.replace(/^(?:\$\{?(?:PWD|PROJECT_ROOT|ROOT|REPO_ROOT)\}?|\$\{\{\s*github\.workspace\s*\}\})\//, '');
  if (!cleaned || cleaned.includes('$') || cleaned.startsWith('/')) return false;
  const wordParts = path.posix.normalize(cleaned).split('/');
  const scriptParts = scriptRelative.split('/');
  if (wordParts.length > scriptParts.length || wordParts.includes('..')) return false;
  const tail = scriptParts.slice(scriptParts.length - wordParts.length);
  return tail.every((part, i) => part === wordParts[i]);
}

/** Lines of the project's documents that run the script directly (`./path`, `path args`). */
export function documentedDirectRuns(root: string, scriptPath: string): TextCall[] {
  const relative = path.relative(root, scriptPath).split(path.sep).join('/');
  const calls: TextCall[] = [];
  for (const document of projectDocuments(root)) {
    for (const { line, word } of directRunWords(document.text, /\.(md|markdown|rst|txt)$/i.test(document.file))) {
      if (wordNamesScript(word, relative)) calls.push({ file: document.file, line, word });
    }
  }
  return calls;
}

/** Does a document run the script through an interpreter (`bash path`)? */
export function documentedInterpreterRuns(root: string, scriptPath: string): TextCall[] {
  const relative = path.relative(root, scriptPath).split(path.sep).join('/');
  const calls: TextCall[] = [];
  for (const document of projectDocuments(root)) {
    document.text.split(/\r?\n/).forEach((raw, index) => {
      const pattern = /(?:^|[\s`;&|(])(?:bash|sh|source|\.)\s+(?:-\S+\s+)*(\S+)/g;
      for (const match of raw.matchAll(pattern)) {
        const word = match[1]!.replace(/^['"]|['"`]+$/g, '');
        if (wordNamesScript(word, relative)) calls.push({ file: document.file, line: index + 1, word });
      }
    });
  }
  return calls;
}

// ---------------------------------------------------------------------------------------------
// How a suite's scripts are invoked, from the other scripts and from the documents

export interface Invocations {
  /** Scripts that run it by path (`./x.sh`, `"$DIR/x.sh" start`): they need its exec bit and shebang. */
  directFromScripts: Array<{ script: ShellScript; call: ScriptCall }>;
  /** Document lines that run it by path. */
  directFromDocuments: TextCall[];
  /** Places that run it through an interpreter (`bash x.sh`), scripts and documents together. */
  throughInterpreter: number;
}

/** Every known way the script is run: by other shell scripts of the project and by its documents. */
export function invocations(project: Project, target: ShellScript): Invocations {
  const directFromScripts: Invocations['directFromScripts'] = [];
  let throughInterpreter = 0;
  for (const file of project.shellFiles()) {
    const caller = shellScript(file);
    if (!caller || caller.file.path === target.file.path) continue;
    for (const call of scriptCalls(caller)) {
      if (call.path !== target.file.path) continue;
      if (call.via === 'direct') directFromScripts.push({ script: caller, call });
      else if (call.via !== 'source') throughInterpreter++;
    }
  }
  const directFromDocuments = documentedDirectRuns(project.root, target.file.path);
  throughInterpreter += documentedInterpreterRuns(project.root, target.file.path).length;
  return { directFromScripts, directFromDocuments, throughInterpreter };
}

/** The suite's own scripts (DB scripts and runners), once each. */
export function suiteShellScripts(suite: Suite): ShellScript[] {
  const { dbScripts, runners } = suiteScripts(suite);
  const byPath = new Map<string, ShellScript>();
  for (const script of [...dbScripts, ...runners]) byPath.set(script.file.path, script);
  return [...byPath.values()];
}

/** "README.md:6 runs `./scripts/x.sh`" — the first direct run, for messages. */
export function describeDirectRun(project: Project, found: Invocations): string | null {
  const fromScript = found.directFromScripts[0];
  if (fromScript) {
    const line = fromScript.call.command.node.startPosition.row + 1;
    return `\`${project.relative(fromScript.script.file.path)}\` (line ${line}) runs it directly`;
  }
  const fromDocument = found.directFromDocuments[0];
  if (fromDocument) return `\`${project.relative(fromDocument.file)}\` (line ${fromDocument.line}) runs it as \`${fromDocument.word}\``;
  return null;
}
