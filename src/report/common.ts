// What every reporter needs: paths as the user sees them, and counts. Reporters only format.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Diagnostic, RuleDefinition, Severity } from '../rule.js';

export interface ReportInput {
  diagnostics: Diagnostic[];
  rules: RuleDefinition[];
  cwd: string;
  filesChecked: number;
  suitesChecked: number;
  color: Colors;
}

/** A style: the text as it should look. */
export type Style = (text: string) => string;

/** The styles the reports use: chalk gives them (src/cli.ts), or PLAIN_COLORS when nothing is coloured. */
export interface Colors {
  bold: Style & { underline: Style };
  red: Style & { bold: Style };
  yellow: Style & { bold: Style };
  blue: Style & { bold: Style };
  green: Style;
}

const plain: Style = (text) => text;

/** No colour: every style gives the text back as it is. */
export const PLAIN_COLORS: Colors = {
  bold: Object.assign((text: string) => text, { underline: plain }),
  red: Object.assign((text: string) => text, { bold: plain }),
  yellow: Object.assign((text: string) => text, { bold: plain }),
  blue: Object.assign((text: string) => text, { bold: plain }),
  green: plain,
};

/** Relative to the working directory, `/`-separated; absolute when outside it. */
export function displayPath(file: string, cwd: string): string {
  const relative = path.relative(cwd, file);
  if (!relative || relative.startsWith('..') || path.isAbsolute(relative)) return file.split(path.sep).join('/');
  return relative.split(path.sep).join('/');
}

export function countBySeverity(diagnostics: Diagnostic[]): Record<Severity, number> {
  const counts: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
  for (const diagnostic of diagnostics) counts[diagnostic.severity]++;
  return counts;
}

/** `1 pass`, `2 passes`: words ending in s, x, z, ch or sh take `es`. */
export function plural(count: number, word: string): string {
  if (count === 1) return `${count} ${word}`;
  return `${count} ${word}${/(s|x|z|ch|sh)$/.test(word) ? 'es' : 's'}`;
}

let version: string | null = null;
let homepage: string | null = null;

/** The package's own package.json: the nearest one above this module (compiled in dist/src/report/, or bundled in dist/bundle/). */
function packageJson(): { version: string; homepage: string } {
  for (let dir = new URL('.', import.meta.url); ; dir = new URL('..', dir)) {
    const file = new URL('package.json', dir);
    if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as { version: string; homepage: string };
    if (dir.pathname === '/') throw new Error('smoke-lint: its package.json is missing');
  }
}

export function toolVersion(): string {
  version ??= packageJson().version;
  return version;
}

/** Where a rule's documentation page lives (generated into docs/rules/ from the rule's own docs). */
export function ruleHelpUri(rule: RuleDefinition): string {
  homepage ??= packageJson().homepage.replace(/#.*$/, '');
  return `${homepage}/blob/main/docs/rules/${rule.code}-${rule.name}.md`;
}
