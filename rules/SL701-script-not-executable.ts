import { defineRule } from '../src/rule.js';
import { offsetRange } from '../src/source.js';
import { describeDirectRun, invocations, modeFacts, suiteShellScripts } from '../src/model/filemode.js';

export default defineRule({
  code: 'SL701',
  name: 'script-not-executable',
  summary: 'A script that is run as `./path` is not executable',
  severity: 'error',
  fix: 'safe',
  get docs() {
    return {
      whatItDoes:
        'Reports the DB script or the runner of a suite when it lacks the exec bit on disk, or is recorded as `100644` in the git index, while another script, the README, the docs or a CI workflow runs it by its path (`./scripts/test-integration.sh`, `"$DIR/test-db.sh" start`).',
      whyItMatters:
        'Run by path, the script fails with "Permission denied" before doing anything. The git index matters as much as the disk: a script made executable only locally (or on a file system without modes) is checked out as 644 by everyone else, CI included.',
      example: '$ git ls-files -s scripts/test-integration.sh\n100644 1f2e... 0\tscripts/test-integration.sh\n\n# README.md\n./scripts/test-integration.sh',
      useInstead: 'chmod +x scripts/test-integration.sh\ngit update-index --chmod=+x scripts/test-integration.sh',
      exceptions: 'Silent when the script is only ever run through an interpreter (`bash scripts/test-db.sh start`), which needs no exec bit, or not run by path anywhere the linter can see.',
      fixSafety: 'Safe: the fix sets the exec bits on disk (`chmod +x`) and, when the file is tracked by git, also runs `git update-index --chmod=+x` on it; no text changes.',
    };
  },
  check({ suite, report }) {
    const project = suite.project;
    for (const script of suiteShellScripts(suite)) {
      const found = invocations(project, script);
      const how = describeDirectRun(project, found);
      if (!how) continue;
      const facts = modeFacts(script.file.path);
      if (facts.problems.length === 0) continue;
      const relative = project.relative(script.file.path);
      const tracked = facts.index !== null;
      const firstLineEnd = script.file.lineStarts[1] !== undefined ? script.file.lineStarts[1] - 1 : script.file.text.length;
      const related = found.directFromScripts.slice(0, 3).map(({ script: caller, call }) => ({
        file: caller.file,
        range: offsetRange(caller.file, call.command.start, call.command.end),
        message: `runs \`${relative}\` by its path`,
      }));
      report({
        file: script.file,
        range: offsetRange(script.file, 0, Math.max(0, firstLineEnd)),
        message: `\`${relative}\` ${facts.problems.join(' and ')}, but ${how}: it fails with "Permission denied"`,
        hint: tracked ? `Run \`chmod +x ${relative}\` and \`git update-index --chmod=+x ${relative}\`.` : `Run \`chmod +x ${relative}\`.`,
        related,
        fix: {
          applicability: 'safe',
          message: tracked ? `Make \`${relative}\` executable (chmod +x, and \`git update-index --chmod=+x\` since git tracks it)` : `Make \`${relative}\` executable (chmod +x)`,
          edits: [],
          modes: [{ file: script.file, executable: true }],
        },
      });
    }
  },
});
