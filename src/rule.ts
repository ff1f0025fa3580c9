// The contract between the engine and the rules: what a rule declares, what it reports.
// Rules are declared with `defineRule` so that none can be half-declared (no fix safety; test/rule-docs.test.ts
// checks that every rule is documented).
import type { SourceFile } from './source.js';
import type { Suite } from './model/suite.js';
import type { Config } from './config.js';
import type { Suppression } from './suppress.js';

export type Severity = 'error' | 'warning' | 'info';
export type FixSafety = 'safe' | 'unsafe' | 'none';
export type Applicability = 'safe' | 'unsafe';

/** 1-based line and column (columns count UTF-16 code units, as editors do). */
export interface Position {
  line: number;
  column: number;
}

export interface Range {
  start: Position;
  end: Position;
}

/** A replacement of [start, end) (0-based string offsets) in one file by `text`. */
export interface Edit {
  file: SourceFile;
  start: number;
  end: number;
  text: string;
}

/** A change to a file's mode rather than its text (SL701). */
export interface ModeChange {
  file: SourceFile;
  executable: boolean;
}

/** A new file a fix writes (SL704 scaffolds a missing piece); never overwrites. */
export interface FileCreation {
  /** Absolute path, inside the project root. */
  path: string;
  text: string;
  executable: boolean;
}

export interface Fix {
  applicability: Applicability;
  /** What the fix does, imperative: "Add `scope=\"session\"`". */
  message: string;
  edits: Edit[];
  modes?: ModeChange[];
  /** New files the fix writes (SL704): absolute paths; applied only when writing, never over an existing file. */
  creates?: FileCreation[];
}

export interface RelatedLocation {
  file: SourceFile;
  range: Range;
  message: string;
}

export interface Diagnostic {
  code: string;
  name: string;
  severity: Severity;
  message: string;
  file: SourceFile;
  range: Range;
  /** One line of advice shown under the code frame. */
  hint?: string;
  related: RelatedLocation[];
  fix: Fix | null;
}

export interface RuleDocs {
  whatItDoes: string;
  whyItMatters: string;
  example: string;
  useInstead: string;
  /** When the rule stays silent on purpose (the near-misses). */
  exceptions?: string;
  fixSafety?: string;
}

/** What a rule hands to `report`; the engine fills in code, name and default severity. */
export interface Finding {
  file: SourceFile;
  range: Range;
  message: string;
  hint?: string;
  severity?: Severity;
  related?: RelatedLocation[];
  fix?: Fix | null;
}

export interface RuleContext {
  suite: Suite;
  config: Config;
  report(finding: Finding): void;
  /** Only for rules of the `suppressions` phase: the suite's suppression comments, after use was marked. */
  suppressions?: Suppression[];
  knownCodes?: Set<string>;
  enabledCodes?: Set<string>;
}

export interface RuleDefinition {
  code: string;
  name: string;
  summary: string;
  severity: Severity;
  fix: FixSafety;
  /**
   * The rule's documentation. The rules spell it as a getter (`get docs() { return {...}; }`): the text is
   * then compiled only by the runs that show it (`--explain`, SARIF, the docs), and the others neither
   * read nor keep 80 KB of strings (test/rule-docs.test.ts checks every rule's).
   */
  docs: RuleDocs;
  /** `suppressions` rules run after all others, once suppression comments have been matched. */
  phase?: 'rules' | 'suppressions';
  check(context: RuleContext): void;
}

export function defineRule(rule: RuleDefinition): RuleDefinition {
  if (!/^SL\d{3}$/.test(rule.code)) throw new Error(`rule code ${rule.code} is not of the form SL123`);
  if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(rule.name)) throw new Error(`rule name ${rule.name} is not kebab-case`);
  return rule;
}

/** The documentation sections every rule must fill (test/rule-docs.test.ts). */
export const REQUIRED_DOCS = ['whatItDoes', 'whyItMatters', 'example', 'useInstead'] as const;
