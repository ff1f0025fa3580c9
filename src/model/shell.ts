// The shell model, as rules and other models import it: facts about one shell script read off its
// tree-sitter-bash tree once (every simple command with its arguments expanded the way bash would when
// that is statically known, variable values at any offset, the `set` options in force, the working
// directory after `cd`, functions, traps), and the wrappers peeled off a command.
//
// The evaluator resolves what a reader resolves by eye and nothing more: assignments, quoting,
// concatenation, `${VAR:-default}`, arrays, `$(dirname "$0")`-style script-directory idioms.
// Anything else is unknown, and unknown stays unknown: values that cannot be known are null (or a
// HOLE inside a template), never a guess.
//
// The parts live in shell/: types.ts (what rules read), model.ts (building and queries), walk.ts and
// effects.ts (the one pass over the tree), context.ts and scope.ts (regions and variable lookup),
// expand.ts and substitution.ts (words), paths.ts (the call graph: which paths run a command), options.ts (`set`), light-tree.ts (the tree mirror),
// objects.ts (the objects handed out), text.ts (quoting and patterns), wrappers.ts (`sudo env ...`).
export { HOLE } from './shell/types.js';
export type { CaseArm, ShellAssignment, ShellCommand, ShellOptions, ShellRun, ShellScript, ShellTrap, ShellWord } from './shell/types.js';
export { resolvePath, shellScript } from './shell/model.js';
export { parseShebang } from './shell/options.js';
export { effectiveCommand, sliceWord, withTemplate, type EffectiveCommand } from './shell/wrappers.js';
