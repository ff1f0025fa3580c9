import { defineRule } from '../src/rule.js';
import { nodeRange } from '../src/source.js';
import { suiteScripts } from '../src/model/scripts.js';
import { suiteYamlFiles } from '../src/readers/suite-databases.js';
import { readYaml } from '../src/readers/yaml.js';

export default defineRule({
  code: 'SL001',
  name: 'parse-error',
  summary: 'A file in the suite cannot be read or parsed',
  severity: 'warning',
  fix: 'none',
  get docs() {
    return {
      whatItDoes: 'Reports a Python or shell file of an integration suite that smoke-lint cannot analyse: a syntax error, a binary or non-UTF-8 file, or a file too large to parse. Also a YAML syntax error (with its line and column) in a docker compose file the suite\'s database is read from (one its scripts name with `-f`, else one in its folder or a folder above) or in a GitHub Actions workflow that runs pytest; not in a template (`{{ name }}`, `{% ... %}` outside `${{ }}`), which is YAML only once rendered.',
      whyItMatters:
        'A conftest or test module with a syntax error fails at collection, so the suite does not run at all. The other rules stay silent on a Python file that does not parse (what they would say could be wrong); for a shell script only the statements that failed to parse are lost.',
      example: 'def client(test_engine)\n    ...   # missing colon',
      useInstead: 'def client(test_engine):\n    ...',
      exceptions: 'Files outside every integration suite are never parsed, so they are never reported.',
    };
  },
  check({ suite, report }) {
    // The suite's own files, and its DB script and runner wherever they live (often `scripts/` at the root).
    const { dbScripts, runners } = suiteScripts(suite);
    const files = new Map(suite.files.map((file) => [file.path, file]));
    for (const script of [...dbScripts, ...runners]) files.set(script.file.path, script.file);
    // The compose files and CI workflows the suite's database is read from: the first syntax error of each.
    for (const file of suiteYamlFiles(suite)) {
      // A template (cookiecutter, Jinja: `{{ name }}`, `{% if %}`) is YAML only once rendered: not reported.
      const template = /(^|[^$]){{|{%/.test(file.text);
      const problem = file.unreadable === undefined && !template ? readYaml(file).problems[0] : undefined;
      if (file.unreadable) {
        report({ file, range: { start: { line: 1, column: 1 }, end: { line: 1, column: 1 } }, message: `Cannot analyse this file: ${file.unreadable}` });
      } else if (problem) {
        report({ file, range: problem.range, message: `YAML syntax error: ${problem.message}: the rules that read this file skip what did not parse` });
      }
    }
    for (const file of files.values()) {
      if (file.unreadable) {
        report({ file, range: { start: { line: 1, column: 1 }, end: { line: 1, column: 1 } }, message: `Cannot analyse this file: ${file.unreadable}` });
        continue;
      }
      const root = file.tree?.rootNode;
      if (!root?.hasError) continue;
      // The innermost, first ERROR or MISSING node is where a reader should look: bash's outer ERROR
      // node often spans most of the file, with the real culprit deep inside it.
      let culprit = root;
      for (;;) {
        const next = culprit.children.find((child) => child.hasError || child.isMissing || child.type === 'ERROR');
        if (!next) break;
        culprit = next;
        if (culprit.isMissing) break;
      }
      const what = culprit.isMissing ? `syntax error (missing \`${culprit.type}\`)` : 'syntax error';
      const language = file.language === 'python' ? 'Python' : 'shell';
      report({
        file,
        range: nodeRange(culprit),
        message: `${language} ${what}: the ${file.language === 'python' ? 'other rules skip this file' : 'statements that did not parse are skipped'}`,
      });
    }
  },
});
