// A GitHub Actions step's `run:` as a shell for the shell model, with positions mapped back into the
// workflow file.
//
// The runner hands the step's text to the shell the step names (bash with `-e -o pipefail` when none is
// named), in the step's working directory, with the workflow's, the job's and the step's `env:`. The
// shell text built here lays each line of the `run:` value on the row it has in the workflow (without the
// YAML indentation, so that heredocs still end), and puts on row 0, which a `run:` value never occupies,
// a prelude: `cd` to the working directory, an `export` per variable, the shell's `set` flags.
// `${{ ... }}` expressions, which the runner substitutes before the shell starts, become an unknown
// variable of the same length, so that columns still match.
import type { Scalar } from 'yaml';
import { fromText, type SourceFile } from '../source.js';
import { shellScript, type ShellScript } from '../model/shell.js';
import { isScalar, type YamlDocument, type YamlNode } from './yaml.js';

export interface StepShell {
  script: ShellScript;
  /** Maps an offset of the shell text to an offset of the workflow file. */
  toWorkflow(offset: number): number;
}

export interface StepSetup {
  /** The working directory, absolute; null when it cannot be known (an expression). */
  cwd: string | null;
  /** Variables exported to the step, in order (later ones win); null values are unknown. */
  env: Array<[string, string | null]>;
  errexit: boolean;
  pipefail: boolean;
}

const UNKNOWN = '${__ci_unknown}';

/** `${{ expr }}` → `${___...}`, as long as the expression: an unknown variable, columns kept. */
export function maskExpressions(text: string): string {
  return text.replace(/\$\{\{[^}]*\}\}/g, (match) => `\${${'_'.repeat(Math.max(1, match.length - 3))}}`);
}

function quote(value: string): string {
  return `'${value.replace(/'/g, `'\\''`)}'`;
}

function prelude(setup: StepSetup): string {
  const parts = [setup.cwd === null ? `cd "${UNKNOWN}"` : `cd ${quote(setup.cwd)}`];
  for (const [name, value] of setup.env) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) continue;
    parts.push(value === null || value.includes('${{') ? `export ${name}="${UNKNOWN}"` : `export ${name}=${quote(value)}`);
  }
  const flags = `${setup.errexit ? 'e' : ''}`;
  if (flags) parts.push(`set -${flags}`);
  if (setup.pipefail) parts.push('set -o pipefail');
  return parts.join('; ');
}

/** Rows of the value in the workflow, each with the offset its first character has there; null when the value is not verbatim. */
function layout(file: SourceFile, scalar: Scalar, value: string): Array<{ row: number; at: number; text: string }> | null {
  const [start, end] = scalar.range ?? [0, 0];
  const rowOf = (offset: number): number => {
    let low = 0;
    let high = file.lineStarts.length - 1;
    while (low < high) {
      const middle = (low + high + 1) >>> 1;
      if (file.lineStarts[middle]! <= offset) low = middle;
      else high = middle - 1;
    }
    return low;
  };
  const source = file.text.slice(start, end);
  if (scalar.type === 'PLAIN' || scalar.type === 'QUOTE_SINGLE' || scalar.type === 'QUOTE_DOUBLE') {
    if (source.includes('\n')) return null;
    const inner = scalar.type === 'PLAIN' ? source : source.slice(1, -1);
    if (inner !== value) return null;
    return [{ row: rowOf(start), at: start + (scalar.type === 'PLAIN' ? 0 : 1), text: value }];
  }
  if (scalar.type !== 'BLOCK_LITERAL') return null;
  const header = rowOf(start);
  const lines = value.replace(/\n+$/, '').split('\n');
  let indent = -1;
  const result: Array<{ row: number; at: number; text: string }> = [];
  for (let i = 0; i < lines.length; i++) {
    const row = header + 1 + i;
    const rowStart = file.lineStarts[row];
    if (rowStart === undefined) return null;
    const rowText = file.text.slice(rowStart, file.lineStarts[row + 1] ?? file.text.length).replace(/\r?\n$/, '');
    const line = lines[i]!;
    if (line === '') {
      if (rowText.trim() !== '') return null;
      continue;
    }
    if (indent < 0) indent = rowText.length - rowText.trimStart().length;
    if (rowText.slice(indent) !== line) return null;
    result.push({ row, at: rowStart + indent, text: line });
  }
  return result;
}

/** The step's shell; null when the value is empty, or sits on row 0, or the shell text does not parse. */
export function stepShell(yaml: YamlDocument, runNode: YamlNode, setup: StepSetup): StepShell | null {
  const file = yaml.file;
  if (!isScalar(runNode) || typeof runNode.value !== 'string') return null;
  const value = runNode.value;
  const rows = layout(file, runNode, value);
  let text = prelude(setup);
  let shellRow = 0;
  const pieces: Array<{ shellAt: number; fileAt: number }> = [];
  if (rows && rows.length > 0 && rows[0]!.row > 0) {
    for (const { row, at, text: line } of rows) {
      text += '\n'.repeat(row - shellRow);
      shellRow = row;
      pieces.push({ shellAt: text.length, fileAt: at });
      text += maskExpressions(line);
    }
  } else {
    // Not verbatim (folded, escaped, multi-line flow): every node points at the start of the value.
    const start = runNode.range?.[0] ?? 0;
    let row = 0;
    while (row + 1 < file.lineStarts.length && file.lineStarts[row + 1]! <= start) row++;
    if (row <= 0) return null;
    text += '\n'.repeat(row);
    text += maskExpressions(value);
    const script = shellScript(fromText(file.path, 'shell', text));
    return script ? { script, toWorkflow: () => start } : null;
  }
  const script = shellScript(fromText(file.path, 'shell', text));
  if (!script) return null;
  const fallback = runNode.range?.[0] ?? 0;
  return {
    script,
    toWorkflow: (offset) => {
      let best: { shellAt: number; fileAt: number } | null = null;
      for (const piece of pieces) if (piece.shellAt <= offset) best = piece;
      return best ? best.fileAt + (offset - best.shellAt) : fallback;
    },
  };
}
