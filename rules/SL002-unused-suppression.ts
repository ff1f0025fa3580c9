import { defineRule } from '../src/rule.js';

export default defineRule({
  code: 'SL002',
  name: 'unused-suppression',
  summary: 'A `# smoke-lint: ignore[...]` comment suppresses nothing or names an unknown code',
  severity: 'warning',
  fix: 'none',
  phase: 'suppressions',
  docs: {
    whatItDoes: 'Reports suppression comments that did not suppress any finding, and codes in them that are not smoke-lint rules.',
    whyItMatters:
      'A suppression outlives the problem it hid: once the code is fixed, the comment stays and will silently hide the next real finding on that line. An unknown code (a typo such as `SL10`) suppresses nothing at all.',
    example: 'pytestmark = pytest.mark.skipif(  # smoke-lint: ignore[SL103]\n    os.getenv("RUN_INTEGRATION_TESTS") != "true", reason="needs the test DB")',
    useInstead: 'Remove the comment, or name the code that is really reported on that line.',
    exceptions: 'Codes of rules that are disabled by `select`/`ignore` are not judged: the rule did not run.',
  },
  check({ suppressions = [], knownCodes = new Set(), enabledCodes = new Set(), report }) {
    for (const suppression of suppressions) {
      if (suppression.codes.length === 0) {
        report({ file: suppression.file, range: suppression.range, message: 'Suppression names no code: write `ignore[SL101]`' });
        continue;
      }
      for (const entry of suppression.codes) {
        if (!knownCodes.has(entry.code)) {
          report({ file: suppression.file, range: suppression.range, message: `Suppression names \`${entry.code}\`, which is not a smoke-lint rule` });
        } else if (!entry.used && enabledCodes.has(entry.code)) {
          const where = suppression.scope === 'file' ? 'in this file' : 'on this line';
          report({ file: suppression.file, range: suppression.range, message: `Unused suppression: \`${entry.code}\` reports nothing ${where}` });
        }
      }
    }
  },
});
