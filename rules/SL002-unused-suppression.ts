import { defineRule, type Edit, type Fix } from '../src/rule.js';
import { suggestCode } from '../src/near-miss.js';
import { hasParseError } from '../src/source.js';
import type { Suppression } from '../src/suppress.js';

type Entry = Suppression['codes'][number];

/**
 * The edit that takes `entry` out of its suppression: the whole comment when every code in it goes (the
 * whole line when the comment stands alone on it, else the comment and the spaces before it, keeping the
 * code and its line ending), or just the code and its comma when another code stays in the list.
 */
function removal(suppression: Suppression, entry: Entry, goes: (entry: Entry) => boolean): Edit {
  const { file } = suppression;
  const text = file.text;
  if (suppression.codes.every(goes)) {
    const line = suppression.range.start.line;
    const lineStart = file.lineStarts[line - 1] ?? 0;
    let end = suppression.end;
    while (text[end] === ' ' || text[end] === '\t') end++;
    if (text.slice(lineStart, suppression.start).trim() === '') {
      return { file, start: lineStart, end: file.lineStarts[line] ?? text.length, text: '' };
    }
    let start = suppression.start;
    while (start > lineStart && (text[start - 1] === ' ' || text[start - 1] === '\t')) start--;
    return { file, start, end, text: '' };
  }
  const index = suppression.codes.indexOf(entry);
  const next = suppression.codes[index + 1];
  if (next) return { file, start: entry.start, end: next.start, text: '' };
  return { file, start: suppression.codes[index - 1]!.end, end: entry.end, text: '' };
}

export default defineRule({
  code: 'SL002',
  name: 'unused-suppression',
  summary: 'A `# smoke-lint: ignore[...]` comment suppresses nothing or names an unknown code',
  severity: 'warning',
  fix: 'safe',
  phase: 'suppressions',
  get docs() {
    return {
      whatItDoes:
        'Reports suppression comments that did not suppress any finding, and codes in them that are not smoke-lint rules; a code that looks like one mistyped (`sl104`, `SL1O4`, `SL140`) gets "did you mean SL104?".',
      whyItMatters:
        'A suppression outlives the problem it hid: once the code is fixed, the comment stays and will silently hide the next real finding on that line. An unknown code (a typo such as `SL10`) suppresses nothing at all.',
      example: 'pytestmark = pytest.mark.skipif(  # smoke-lint: ignore[SL103]\n    os.getenv("RUN_INTEGRATION_TESTS") != "true", reason="needs the test DB")',
      useInstead: 'Remove the comment, or name the code that is really reported on that line.',
      exceptions:
        'Codes of rules that are disabled by `select`/`ignore` are not judged: the rule did not run. Nor are the suppressions of a Python file that does not parse: its findings are not reported, so whether a suppression is used cannot be known.',
      fixSafety:
        'The fix removes a stale code from the list, or the whole comment when nothing in it suppresses anything (the whole line when the comment stands alone on it); the code line and its line ending stay. It is safe: what was suppressed before is still suppressed. A mistyped code that looks like a rule is left for you to correct (the message names the likely code), and so is a suppression that names no code.',
    };
  },
  check({ suppressions = [], knownCodes = new Set(), enabledCodes = new Set(), report }) {
    for (const suppression of suppressions) {
      if (suppression.codes.length === 0) {
        report({ file: suppression.file, range: suppression.range, message: 'Suppression names no code: write `ignore[SL101]`' });
        continue;
      }
      const judgeUse = !(suppression.file.language === 'python' && hasParseError(suppression.file));
      const guesses = new Map(suppression.codes.map((entry) => [entry, knownCodes.has(entry.code) ? null : suggestCode(entry.code, knownCodes)]));
      const stale = (entry: Entry) => judgeUse && knownCodes.has(entry.code) && !entry.used && enabledCodes.has(entry.code);
      // Safe to remove: a code that suppresses nothing, or one that is no rule and resembles none (a mistyped
      // rule code stays: the user meant something, and the message says what).
      const goes = (entry: Entry) => stale(entry) || (!knownCodes.has(entry.code) && !guesses.get(entry));
      const fixFor = (entry: Entry): Fix => ({
        applicability: 'safe',
        message: suppression.codes.every(goes) ? 'Remove the suppression comment' : `Remove \`${entry.code}\` from the suppression`,
        edits: [removal(suppression, entry, goes)],
      });
      for (const entry of suppression.codes) {
        if (!knownCodes.has(entry.code)) {
          const guess = guesses.get(entry);
          const message = `Suppression names \`${entry.code}\`, which is not a smoke-lint rule${guess ? `: did you mean ${guess}?` : ''}`;
          report({ file: suppression.file, range: suppression.range, message, fix: guess ? null : fixFor(entry) });
        } else if (stale(entry)) {
          const where = suppression.scope === 'file' ? 'in this file' : 'on this line';
          report({ file: suppression.file, range: suppression.range, message: `Unused suppression: \`${entry.code}\` reports nothing ${where}`, fix: fixFor(entry) });
        }
      }
    }
  },
});
