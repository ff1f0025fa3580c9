// A unified diff of two texts (Myers' O(ND) algorithm over lines), as `diff -u` and `git diff` print it.

type Op = { kind: ' ' | '-' | '+'; line: string };

/** Beyond this many differing lines the diff stops looking for the shortest script and replaces the block whole. */
const MAX_EDIT_DISTANCE = 2000;

/** Lines with their terminators, so that a missing final newline is a difference too. */
function splitLines(text: string): string[] {
  return text.match(/[^\n]*\n|[^\n]+$/g) ?? [];
}

/** The shortest edit script turning `a` into `b` (Myers 1986), as a list of kept, deleted and inserted lines. */
export function diffLines(a: string[], b: string[]): Op[] {
  let prefix = 0;
  while (prefix < a.length && prefix < b.length && a[prefix] === b[prefix]) prefix++;
  let suffix = 0;
  while (suffix < a.length - prefix && suffix < b.length - prefix && a[a.length - 1 - suffix] === b[b.length - 1 - suffix]) suffix++;
  const head: Op[] = a.slice(0, prefix).map((line) => ({ kind: ' ', line }));
  const tail: Op[] = a.slice(a.length - suffix).map((line) => ({ kind: ' ', line }));
  const middleA = a.slice(prefix, a.length - suffix);
  const middleB = b.slice(prefix, b.length - suffix);
  return [...head, ...middle(middleA, middleB), ...tail];
}

function middle(a: string[], b: string[]): Op[] {
  const n = a.length;
  const m = b.length;
  const replaceAll = (): Op[] => [...a.map((line): Op => ({ kind: '-', line })), ...b.map((line): Op => ({ kind: '+', line }))];
  if (n === 0 || m === 0) return replaceAll();
  const max = n + m;
  const offset = max + 1;
  const v = new Int32Array(2 * max + 3);
  // trace[d] holds v[-d-1 .. d+1] as it was before step d.
  const trace: Int32Array[] = [];
  for (let d = 0; d <= max; d++) {
    if (d > MAX_EDIT_DISTANCE) return replaceAll();
    trace.push(v.slice(offset - d - 1, offset + d + 2));
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!) ? v[offset + k + 1]! : v[offset + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && a[x] === b[y]) {
        x++;
        y++;
      }
      v[offset + k] = x;
      if (x >= n && y >= m) return backtrack(a, b, trace, d);
    }
  }
  return replaceAll();
}

function backtrack(a: string[], b: string[], trace: Int32Array[], last: number): Op[] {
  const ops: Op[] = [];
  let x = a.length;
  let y = b.length;
  for (let d = last; d >= 0; d--) {
    const saved = trace[d]!;
    const at = (k: number) => saved[k + d + 1]!;
    const k = x - y;
    const previousK = k === -d || (k !== d && at(k - 1) < at(k + 1)) ? k + 1 : k - 1;
    const previousX = d === 0 ? 0 : at(previousK);
    const previousY = d === 0 ? 0 : previousX - previousK;
    while (x > previousX && y > previousY) {
      ops.push({ kind: ' ', line: a[x - 1]! });
      x--;
      y--;
    }
    if (d > 0) {
      if (x === previousX) ops.push({ kind: '+', line: b[y - 1]! });
      else ops.push({ kind: '-', line: a[x - 1]! });
    }
    x = previousX;
    y = previousY;
  }
  return ops.reverse();
}

/** git's `a/`/`b/` prefix on a relative path; an absolute one (outside the working directory) as it is. */
function prefixed(side: 'a' | 'b', displayPath: string): string {
  return displayPath.startsWith('/') ? `${side}${displayPath}` : `${side}/${displayPath}`;
}

/** `--- a/path` / `+++ b/path` and hunks with `context` lines around each change; '' when the texts are equal. */
export function unifiedDiff(before: string, after: string, displayPath: string, context = 3): string {
  if (before === after) return '';
  const ops = diffLines(splitLines(before), splitLines(after));
  const changed = ops.map((op, index) => (op.kind === ' ' ? -1 : index)).filter((index) => index >= 0);
  if (changed.length === 0) return '';
  // Group changes whose context would touch into one hunk.
  const groups: Array<[number, number]> = [];
  for (const index of changed) {
    const current = groups.at(-1);
    if (current && index - current[1] <= 2 * context + 1) current[1] = index;
    else groups.push([index, index]);
  }
  const out = [`--- ${prefixed('a', displayPath)}`, `+++ ${prefixed('b', displayPath)}`];
  // Line numbers (1-based) of each op's position in the old and new text.
  const oldLineAt: number[] = [];
  const newLineAt: number[] = [];
  let oldLine = 1;
  let newLine = 1;
  for (const op of ops) {
    oldLineAt.push(oldLine);
    newLineAt.push(newLine);
    if (op.kind !== '+') oldLine++;
    if (op.kind !== '-') newLine++;
  }
  for (const [first, last] of groups) {
    const from = Math.max(0, first - context);
    const to = Math.min(ops.length - 1, last + context);
    const slice = ops.slice(from, to + 1);
    const oldCount = slice.filter((op) => op.kind !== '+').length;
    const newCount = slice.filter((op) => op.kind !== '-').length;
    const range = (start: number, count: number) => (count === 1 ? `${start}` : `${count === 0 ? start - 1 : start},${count}`);
    out.push(`@@ -${range(oldLineAt[from]!, oldCount)} +${range(newLineAt[from]!, newCount)} @@`);
    for (const op of slice) {
      const terminated = op.line.endsWith('\n');
      out.push(`${op.kind}${terminated ? op.line.slice(0, -1) : op.line}`);
      if (!terminated) out.push('\\ No newline at end of file');
    }
  }
  return out.join('\n') + '\n';
}

/** A new file as a patch: `--- /dev/null`, `+++ b/path` and one hunk adding every line (no hunk for an empty file). */
export function creationDiff(text: string, displayPath: string): string {
  const lines = splitLines(text);
  const out = ['--- /dev/null', `+++ ${prefixed('b', displayPath)}`];
  if (lines.length > 0) {
    out.push(`@@ -0,0 +${lines.length === 1 ? '1' : `1,${lines.length}`} @@`);
    for (const line of lines) {
      const terminated = line.endsWith('\n');
      out.push(`+${terminated ? line.slice(0, -1) : line}`);
      if (!terminated) out.push('\\ No newline at end of file');
    }
  }
  return out.join('\n') + '\n';
}
