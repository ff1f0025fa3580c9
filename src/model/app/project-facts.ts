// Facts about the whole project that every suite's app model asks for: read once per project (the
// project's files do not change during a run), never once per suite.
import type { Project } from '../suite.js';

const topNames = new WeakMap<Project, Set<string>>();

/** Every folder and module name in the project: an import whose first part is none of them is third-party. */
export function projectTopNames(project: Project): Set<string> {
  // The project's files do not change during a run: one answer for all its suites (read only).
  let names = topNames.get(project);
  if (!names) {
    names = readProjectTopNames(project);
    topNames.set(project, names);
  }
  return names;
}

function readProjectTopNames(project: Project): Set<string> {
  const names = new Set<string>();
  // Each folder's names once, not once per module in it.
  const seenDirs = new Set<string>();
  for (const file of project.discovered) {
    if (file.language !== 'python') continue;
    const relative = project.relative(file.path);
    if (relative === '..' || relative.startsWith('../')) continue;
    const slash = relative.lastIndexOf('/');
    names.add(relative.slice(slash + 1).replace(/\.py$/, ''));
    if (slash < 0) continue;
    const dir = relative.slice(0, slash);
    if (seenDirs.has(dir)) continue;
    seenDirs.add(dir);
    for (const part of dir.split('/')) names.add(part);
  }
  return names;
}

const pythonPathSet = new WeakMap<Project, boolean>();

/** Does a shell script of the project set PYTHONPATH or run `python -m pytest` (which adds the working directory)? */
export function scriptsSetPythonPath(project: Project): boolean {
  let found = pythonPathSet.get(project);
  if (found === undefined) {
    // The texts alone: parsing every script of the project again (the script index let their models go) cost
    // more than the rest of the question.
    found = project.files.ofLanguage('shell').some((shell) => {
      const text = project.peekText(shell.path);
      return text !== null && (/\bPYTHONPATH\b/.test(text) || /\bpython[0-9.]*\s+-m\s+pytest\b/.test(text));
    });
    pythonPathSet.set(project, found);
  }
  return found;
}
