import path from 'node:path';
import { pathExists } from '../src/folder-listings.js';
import { defineRule } from '../src/rule.js';
import { nodeRange } from '../src/source.js';
import { effectiveCommand } from '../src/model/shell.js';
import { suiteScripts } from '../src/model/scripts.js';
import { scriptIndex } from '../src/model/script-index.js';

/** Arguments that say "this is the DB script": its verbs. */
const DB_VERBS = new Set(['start', 'stop', 'restart', 'up', 'down', 'clean', 'status', 'logs', 'reset', 'teardown']);

export default defineRule({
  code: 'SL604',
  name: 'db-script-not-found',
  summary: 'The runner calls a DB script path that does not exist',
  severity: 'error',
  fix: 'none',
  get docs() {
    return {
      whatItDoes:
        'Resolves the script paths a runner calls (`$(dirname "$0")`, `${BASH_SOURCE[0]}`, `$SCRIPT_DIR`, `$PROJECT_ROOT`, `cd` before the call, `${VAR:-default}`) and reports a call of a shell script (`*.sh`, or a path called with a DB verb such as `start`/`stop`) whose file does not exist.',
      whyItMatters:
        'The start fails with "No such file or directory"; under `set -e` the runner stops there, and without it pytest runs against no database at all. A moved or renamed DB script breaks the one-command run silently for whoever did not move it.',
      example:
        'SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"\n"$SCRIPT_DIR/../backend/tests/integration/scripts/db.sh" start   # the file is test-db.sh',
      useInstead: '"$SCRIPT_DIR/../backend/tests/integration/scripts/test-db.sh" start',
      exceptions:
        'Silent when any part of the path cannot be known statically (`"$1"`, `$(git rev-parse --show-toplevel)`), when a relative path depends on the caller\'s working directory and no caller tells it (the callers that run the script, a CI step\'s `working-directory`, a Makefile recipe line or another script, must agree on it), for `source` of files such as `.venv/bin/activate` (virtualenvs are not part of the repository), and for calls of a script by itself (`"$0" stop`).',
    };
  },
  check({ suite, report }) {
    const { runners } = suiteScripts(suite);
    const index = scriptIndex(suite.project);
    for (const script of runners) {
      // Relative paths resolved from the directory the script starts in, when its callers tell it.
      for (const call of index.callsOf(script)) {
        if (call.via === 'source' || call.path === null || !call.anchored) continue;
        if (call.path === script.file.path) continue;
        const dbLike = call.looksLikeShell || (call.argument !== null && DB_VERBS.has(call.argument));
        if (!dbLike) continue;
        if (pathExists(call.path)) continue;
        const relative = suite.project.relative(call.path);
        const effective = effectiveCommand(call.command);
        const word = call.via === 'direct' ? effective.nameWord : effective.args.find((arg) => arg.value === call.written);
        const written = word?.text ?? call.written ?? relative;
        const nearby = pathExists(path.dirname(call.path)) ? '' : ` (the directory \`${suite.project.relative(path.dirname(call.path))}\` does not exist either)`;
        report({
          file: script.file,
          range: nodeRange(call.command.node),
          message: `\`${suite.project.relative(script.file.path)}\` runs \`${written}\`, which resolves to \`${relative}\`: no such file${nearby}`,
          hint: suite.project.relative(call.path).startsWith('..')
            ? 'The path leaves the project: count the `..` against the directory of the script.'
            : 'Point the call at the DB script\'s real path (relative to the runner\'s own directory, e.g. through `$(dirname "${BASH_SOURCE[0]}")`).',
        });
      }
    }
  },
});
