// The progress line of a long run on a terminal: `smoke-lint: 3/12 suites checked, 5 problems so far`,
// drawn on stderr once the run has taken about a second, redrawn in place at most every tenth of a second,
// and erased before the report is printed. The CLI shows it only when stderr is a terminal and the format
// is one for humans; the clock is injected, so that tests decide how long the run "took".
import { plural } from './common.js';

export interface LintProgress {
  /** Suites whose rules have run. */
  suitesDone: number;
  /** Suites found so far (a run over several projects finds more as it goes). */
  suitesFound: number;
  /** Findings so far, before suppressions are judged. */
  problems: number;
}

export interface ProgressLineOptions {
  write: (text: string) => void;
  /** Milliseconds, from any origin. */
  now: () => number;
  /** How long a run must have taken before the line appears (default 1000 ms). */
  delayMs?: number;
  /** The least time between two redraws (default 100 ms). */
  intervalMs?: number;
  /** The terminal's width: the line is cut to fit, so that it never wraps (a wrapped line cannot be erased). */
  columns?: number;
}

const ERASE = '\r\u001b[K';

export function formatProgress(state: LintProgress): string {
  return `smoke-lint: ${state.suitesDone}/${plural(state.suitesFound, 'suite')} checked, ${plural(state.problems, 'problem')} so far`;
}

export class ProgressLine {
  private readonly started: number;
  private shown = false;
  private lastDrawn = -Infinity;

  constructor(private readonly options: ProgressLineOptions) {
    this.started = options.now();
  }

  update(state: LintProgress): void {
    const now = this.options.now();
    if (now - this.started < (this.options.delayMs ?? 1000)) return;
    if (this.shown && now - this.lastDrawn < (this.options.intervalMs ?? 100)) return;
    const width = Math.max(10, (this.options.columns ?? 80) - 1);
    const text = formatProgress(state);
    this.options.write(`${ERASE}${text.length > width ? text.slice(0, width) : text}`);
    this.shown = true;
    this.lastDrawn = now;
  }

  /** Erases the line, if it was drawn; safe to call more than once. */
  done(): void {
    if (!this.shown) return;
    this.options.write(ERASE);
    this.shown = false;
  }
}
