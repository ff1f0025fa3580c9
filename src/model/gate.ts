// The gate of a test module: what keeps a plain `pytest` run from reaching the database.
// Shared by SL101 (no gate), SL102 (weak condition), SL103 (skipif without reason) and SL601.
// One idea per file under gate/: how a condition is judged (condition.ts), the gate a module
// carries (module-gate.ts), tests that skip themselves at run time (runtime-skip.ts), gates outside
// the module (directory.ts), which gate variables a whole suite reads (suite-gate.ts), messages and
// fixes (fixes.ts).
export * from './gate/condition.js';
export * from './gate/module-gate.js';
export * from './gate/directory.js';
export * from './gate/fixes.js';
export * from './gate/runtime-skip.js';
export * from './gate/suite-gate.js';
