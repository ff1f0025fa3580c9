import { defineRule, type Fix } from '../src/rule.js';
import { lineEnding, lineText, offsetRange } from '../src/source.js';
import { describeDirectRun, invocations, modeFacts, suiteShellScripts } from '../src/model/filemode.js';

/** A first line that was meant to be a shebang: `#/bin/bash`, `# !/bin/bash`, `!#/bin/bash`, `#! ` kept. */
const TYPO = /^(?:#\s*!?|!#)\s*(\/\S*\/(?:env\s+)?(?:ba|da|z|k)?sh(?:\s+-[\w-]+)*)\s*$/;

export default defineRule({
  code: 'SL702',
  name: 'missing-shebang',
  summary: 'A script that is run directly has no `#!` line',
  severity: 'error',
  fix: 'safe',
  get docs() {
    return {
      whatItDoes:
        'Reports the DB script or the runner of a suite whose first line is not a `#!` line (including typos such as `#/bin/bash`) when it is executable or run by its path (`./path`) by another script, the README, the docs or CI.',
      whyItMatters:
        'Without a shebang the kernel refuses to run the file (`Exec format error`), and shells fall back to running it with themselves: `sh` (dash) in CI images and cron, where `{1..30}`, `[[ ]]` and arrays do not exist. The same script then behaves differently depending on who calls it.',
      example: '# Test Database Management Script\nCONTAINER_NAME="shop-postgres-test"\n...',
      useInstead: '#!/usr/bin/env bash\n# Test Database Management Script\nCONTAINER_NAME="shop-postgres-test"\n...',
      exceptions: 'Silent for scripts that are not executable and are only ever run through an interpreter (`bash scripts/test-db.sh start`), which ignores the first line.',
      fixSafety: 'Safe: the fix inserts `#!/usr/bin/env bash` as the first line, or turns the mistyped line into a proper `#!` line with the same interpreter.',
    };
  },
  check({ suite, report }) {
    const project = suite.project;
    for (const script of suiteShellScripts(suite)) {
      const file = script.file;
      // The engine strips a UTF-8 BOM from `text`; the kernel does not, and `EF BB BF #!` is no shebang.
      if (file.text.startsWith('#!') && !file.hasBom) continue;
      const facts = modeFacts(file.path);
      const executable = facts.disk === true || facts.index === '100755';
      const found = invocations(project, script);
      const how = describeDirectRun(project, found);
      if (!executable && !how) continue;
      const relative = project.relative(file.path);
      if (file.text.startsWith('#!')) {
        report({
          file,
          range: offsetRange(file, 0, lineText(file, 1).length),
          message: `\`${relative}\` starts with a UTF-8 byte order mark before its \`#!\`, and ${how ?? 'it is executable'}: the kernel does not see a shebang and programs that exec it get "Exec format error"`,
          hint: 'Save the script as UTF-8 without a BOM.',
          fix: null,
        });
        continue;
      }
      const first = lineText(file, 1);
      const typo = TYPO.exec(first.trim());
      const firstLineEnd = first.length;
      let fix: Fix;
      if (typo) {
        fix = {
          applicability: 'safe',
          message: `Replace \`${first.trim()}\` by \`#!${typo[1]}\``,
          edits: [{ file, start: 0, end: firstLineEnd, text: `#!${typo[1]}` }],
        };
      } else {
        fix = {
          applicability: 'safe',
          message: 'Add `#!/usr/bin/env bash` as the first line',
          edits: [{ file, start: 0, end: 0, text: `#!/usr/bin/env bash${lineEnding(file)}` }],
        };
      }
      const why = how ?? 'it is executable';
      report({
        file,
        range: offsetRange(file, 0, firstLineEnd),
        message: typo
          ? `\`${relative}\` starts with \`${first.trim()}\`, which is a comment, not a shebang (\`#!\`), and ${why}: programs that exec it get "Exec format error", and shells run it with themselves (\`sh\` from make or CI)`
          : `\`${relative}\` has no \`#!\` line and ${why}: programs that exec it get "Exec format error", and shells run it with themselves (\`sh\` from make or CI, where bash syntax breaks)`,
        hint: typo ? `Write \`#!${typo[1]}\`.` : 'Start the file with `#!/usr/bin/env bash`.',
        fix,
      });
    }
  },
});
