// Stretches of the script that nest or are disjoint (function bodies, the overrides of their options),
// added in order of their start: the innermost one around an offset is found by bisection and a walk
// up the nesting, not by scanning them all (a script with 25,000 functions asks this for every lookup).
export interface Interval {
  start: number;
  end: number;
}

export class NestedIntervals<T extends Interval> {
  private readonly items: T[] = [];
  /** Index of the innermost interval around each one; -1 when none. */
  private readonly parents: number[] = [];

  /** Adds an interval that starts at or after every one added so far. */
  push(item: T): void {
    let parent = this.items.length - 1;
    while (parent >= 0 && !(item.start >= this.items[parent]!.start && item.end <= this.items[parent]!.end)) parent = this.parents[parent]!;
    this.parents.push(parent);
    this.items.push(item);
  }

  get size(): number {
    return this.items.length;
  }

  /** The innermost interval with start <= offset < end; null when none. */
  innermost(offset: number): T | null {
    let low = 0;
    let high = this.items.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if (this.items[mid]!.start <= offset) low = mid + 1;
      else high = mid;
    }
    let i = low - 1;
    while (i >= 0 && !(offset < this.items[i]!.end)) i = this.parents[i]!;
    return i >= 0 ? this.items[i]! : null;
  }
}
