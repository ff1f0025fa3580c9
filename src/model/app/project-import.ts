// Is an import in a conftest one of the project's own modules, or a third-party one?
//
// A project folder or module shadows an installed package only when it sits directly in a directory
// that is (or is meant to be) on sys.path at test time: the project root (pytest's rootdir, where
// `python -m pytest` runs), the directory of the pytest configuration, every entry pytest, `pythonpath`
// or a conftest puts there, and, for a conftest that adds its own entry, the folders above it (where a
// `Path(__file__).parent...` entry can point, so that a wrong count is still caught). A module of the
// same name deeper in the tree (`app/models/tortoise.py`) is not on the path, so `tortoise` there is the
// installed package. A folder without `__init__.py` is a namespace portion, which never wins over an
// installed regular package: it counts only when the project actually provides what is imported from it.
import path from 'node:path';
import { heldIn } from './sys-path.js';
import { resolveModule } from './resolve.js';

/** The directories from which a top-level import can be one of the project's modules. */
export function projectImportDirs(root: string, configFile: string | null, entryDirs: string[], conftestsAddingEntries: string[]): string[] {
  const dirs = new Set<string>([root, ...entryDirs]);
  if (configFile) dirs.add(path.dirname(configFile));
  for (const conftest of conftestsAddingEntries) {
    let dir = path.dirname(conftest);
    while (dir === root || dir.startsWith(root + path.sep)) {
      dirs.add(dir);
      if (dir === root) break;
      dir = path.dirname(dir);
    }
  }
  return [...dirs];
}

/**
 * Does the project provide `dotted` (imported as `from dotted import names`, or `import dotted` with
 * no names) from one of `dirs`? True when its top-level name is a regular package or module directly
 * in one of them; for a namespace folder, only when the module or an imported name is a file there.
 */
export function isProjectImport(dirs: string[], dotted: string, names: string[]): boolean {
  const top = dotted.split('.')[0]!;
  let namespace = false;
  for (const dir of dirs) {
    const held = heldIn(dir, top);
    if (held?.kind === 'package' || held?.kind === 'module') return true;
    if (held?.kind === 'portion') namespace = true;
  }
  if (!namespace) return false;
  const found = resolveModule(dirs, dotted);
  if (!found) return false;
  if (found.file !== null) return true;
  return names.some((name) => resolveModule(dirs, `${dotted}.${name}`)?.file);
}
