// `json-lines`: one finding per line, each the object the `json` format puts in its array.
import { jsonDiagnostics } from './machine.js';
import type { ReportInput } from './common.js';

export function formatJsonLines(input: ReportInput): string {
  return jsonDiagnostics(input)
    .map((item) => JSON.stringify(item) + '\n')
    .join('');
}
