// File modes and the places that run a script directly, for the layout rules (SL701, SL702, SL703).
//
// A script run as `./path` needs the exec bit twice over: on disk for the person who wrote it, and in the
// git index (`100755`) for everyone who clones the repository (CI included). Both are read here; git is run
// as a program (never through a shell), and any failure (no git, not a repository, an untracked file)
// means "the index has nothing to say" (src/model/git-index.ts reads it, once per repository).
import { statSync } from 'node:fs';
import { clearModeCache, gitIndexMode } from './git-index.js';
import type { Project, Suite } from './suite.js';
import type { ShellScript } from './shell.js';
import { suiteScripts, type ScriptCall } from './scripts.js';
import { scriptIndex } from './script-index.js';

import { clearDocumentCache, directRunWords, documentedDirectRuns, documentedInterpreterRuns, wordNamesScript, type DocumentedRuns, type TextCall } from './documents.js';

export { clearModeCache, gitIndexMode, clearDocumentCache, directRunWords, wordNamesScript, type TextCall };

/** Is the file executable on disk (any of the three exec bits)? Null when it cannot be stat'ed. */
export function diskExecutable(file: string): boolean | null {
  try {
    return (statSync(file).mode & 0o111) !== 0;
  } catch {
    return null;
  }
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
// How a suite's scripts are invoked, from the other scripts and from the documents

export interface Invocations {
  /** Scripts that run it by path (`./x.sh`, `"$DIR/x.sh" start`): they need its exec bit and shebang. */
  directFromScripts: Array<{ script: ShellScript; call: ScriptCall }>;
  /** Document lines that run it by path. */
  directFromDocuments: DocumentedRuns;
  /** Places that run it through an interpreter (`bash x.sh`), scripts and documents together. */
  throughInterpreter: number;
}

/** Every known way the script is run: by other shell scripts of the project and by its documents. */
export function invocations(project: Project, target: ShellScript): Invocations {
  const directFromScripts: Invocations['directFromScripts'] = [];
  let throughInterpreter = 0;
  for (const { script, call } of scriptIndex(project).callsTo(target.file.path)) {
    if (script.file.path === target.file.path) continue;
    if (call.via === 'direct') directFromScripts.push({ script, call });
    else if (call.via !== 'source') throughInterpreter++;
  }
  const directFromDocuments = documentedDirectRuns(project.root, target.file.path);
  throughInterpreter += documentedInterpreterRuns(project.root, target.file.path).count;
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
  const fromDocument = found.directFromDocuments.first;
  if (fromDocument) return `\`${project.relative(fromDocument.file)}\` (line ${fromDocument.line}) runs it as \`${fromDocument.word}\``;
  return null;
}
