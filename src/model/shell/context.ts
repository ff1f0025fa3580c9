// Where a statement sits, as the walk sees it: the chain of regions around it (conditional branches,
// isolating subshells), the enclosing function and case arm, and whether it runs as a condition, in
// a subshell, in a substitution or in the background. Variable events keep their chain so that a
// lookup can tell whether they surely, maybe or never ran on the way to an offset (scope.ts).
import type { CaseArm } from './types.js';

/** A stretch of the script that a statement may be inside: a conditional branch, or an isolated subshell. */
export interface Region {
  start: number;
  end: number;
  /** Effects inside do not leave it at all (subshells, substitutions, pipelines, `&`). */
  isolating: boolean;
  /** The if/case statement whose branches exclude each other: an effect in one branch is not seen in another. */
  group?: { start: number; end: number };
}

export interface Chain {
  region: Region;
  up: Chain | null;
}

export interface Ctx {
  chain: Chain | null;
  fn: string | null;
  /** Index of the enclosing function definition in `Walker.definitions`; -1 outside functions. */
  def: number;
  fnRegion: Region | null;
  arm: CaseArm | null;
  inCondition: boolean;
  inSubshell: boolean;
  inSubstitution: boolean;
  background: boolean;
}

export type PipelinePosition = { index: number; length: number } | null;

export const TOP_LEVEL: Ctx = { chain: null, fn: null, def: -1, fnRegion: null, arm: null, inCondition: false, inSubshell: false, inSubstitution: false, background: false };

/** A copy of a context with some fields replaced (spelled out: object spread is slow on the walk's hot path). */
export function extend(ctx: Ctx, extra: Partial<Ctx>): Ctx {
  return {
    chain: extra.chain !== undefined ? extra.chain : ctx.chain,
    fn: extra.fn !== undefined ? extra.fn : ctx.fn,
    def: extra.def ?? ctx.def,
    fnRegion: extra.fnRegion !== undefined ? extra.fnRegion : ctx.fnRegion,
    arm: extra.arm !== undefined ? extra.arm : ctx.arm,
    inCondition: extra.inCondition ?? ctx.inCondition,
    inSubshell: extra.inSubshell ?? ctx.inSubshell,
    inSubstitution: extra.inSubstitution ?? ctx.inSubstitution,
    background: extra.background ?? ctx.background,
  };
}

export const NO_EXTRA: Partial<Ctx> = {};

export const IN_CONDITION: Partial<Ctx> = { inCondition: true };
