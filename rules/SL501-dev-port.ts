import { defineRule, type Fix, type RelatedLocation } from '../src/rule.js';
import { nodeRange } from '../src/source.js';
import type { ShellScript, ShellWord } from '../src/model/shell.js';
import { postgresRuns, rawText } from '../src/model/dbscript.js';
import { suiteDatabases } from '../src/readers/suite-databases.js';

/** Where the host port of a `-p` word is written: the literal, a `${VAR:-default}` default, or the assignment of the variable. */
function portEdit(
  script: ShellScript,
  word: ShellWord,
  devPort: string,
): { start: number; end: number; related: RelatedLocation | null; variable: string | null } | null {
  const file = script.file;
  const raw = rawText(file, word);
  if (raw !== word.text) return null; // a word spliced from an array: its node is the splice, not the element
  // The host part is everything before the last `:` outside `${...}` (the container port follows it).
  let depth = 0;
  let split = -1;
  for (let i = 0; i < raw.length; i++) {
    const char = raw[i];
    if (char === '{' && raw[i - 1] === '$') depth++;
    else if (char === '}' && depth > 0) depth--;
    else if (char === ':' && depth === 0 && raw[i + 1] !== '-' && raw[i + 1] !== '=') split = i;
  }
  const host = split < 0 ? raw : raw.slice(0, split);
  const literal = findPort(host, devPort);
  if (literal === 'many') return null;
  if (literal !== null) return { start: word.node.startIndex + literal, end: word.node.startIndex + literal + devPort.length, related: null, variable: null };
  // A plain `$VAR`/`${VAR}` in the host part: edit the assignment that gave it the dev port.
  const references = [...host.matchAll(/\$\{?(\w+)\}?/g)].map((match) => match[1]!);
  if (references.length !== 1) return null;
  const name = references[0]!;
  if (script.valueOf(name, word.node.startIndex) !== devPort) return null;
  const assignment = script.assignments
    .filter((a) => a.name === name && a.valueNode !== null && a.node.endIndex <= word.node.startIndex && a.functionName === null)
    .pop();
  if (!assignment || !assignment.valueNode) return null;
  const valueText = file.text.slice(assignment.valueNode.startIndex, assignment.valueNode.endIndex);
  const at = findPort(valueText, devPort);
  if (at === null || at === 'many') return null;
  return {
    start: assignment.valueNode.startIndex + at,
    end: assignment.valueNode.startIndex + at + devPort.length,
    related: { file, range: nodeRange(assignment.node), message: `\`${name}\` is set to ${devPort} here` },
    variable: name,
  };
}

/** The offset of the port number standing alone in `text`, null when absent, 'many' when ambiguous. */
function findPort(text: string, port: string): number | null | 'many' {
  const matches = [...text.matchAll(new RegExp(`(?<!\\d)${port}(?!\\d)`, 'g'))];
  if (matches.length === 0) return null;
  if (matches.length > 1) return 'many';
  return matches[0]!.index!;
}

export default defineRule({
  code: 'SL501',
  name: 'dev-port',
  summary: 'The test database is published on the dev database port',
  severity: 'error',
  fix: 'safe',
  docs: {
    whatItDoes:
      'Reports a `docker run`/`podman run` of a postgres image in a suite\'s DB script whose published host port is the dev port (5432 unless `dev-port` is configured), in every `-p` form: `-p 5432:5432`, `-p5432:5432`, `--publish=...`, `-dp ...`, `127.0.0.1:5432:5432`, and through variables and `${PORT:-5432}` defaults. Reads the `docker run`/`podman run` of the suite\'s DB scripts the suite\'s docker compose services (`ports:`, with `${VAR:-default}` and `.env` applied as compose applies them), and a Docker SDK `containers.run(..., ports={"5432/tcp": 5432})` in the suite\'s Python.',
    whyItMatters:
      'A developer\'s own PostgreSQL usually listens on 5432. Publishing the throw-away container there either fails (the port is taken), or, worse, the container does not start and the tests connect to the developer\'s database instead: they create and drop tables in real data. The test database belongs on its own port (5433 by default).',
    example: 'docker run -d --name shop-postgres-test -p 5432:5432 --tmpfs /var/lib/postgresql/data postgres:17',
    useInstead: 'docker run -d --name shop-postgres-test -p 5433:5432 --tmpfs /var/lib/postgresql/data postgres:17',
    exceptions:
      'The container port is not the problem: in `5433:5432` the 5432 is the port inside the container, where PostgreSQL always listens. Ports whose value cannot be known statically (an environment variable without default) are not reported.',
    fixSafety:
      'Safe: the fix rewrites the host port to the test port (`test-port`, 5433 by default) where it is written — the literal, the `${VAR:-default}` default or the assignment of the variable. The suite\'s database URL must use the same port (SL201 checks it).',
  },
  check({ suite, config, report }) {
    const devPort = String(config.devPort);
    const testPort = String(config.testPort);
    for (const definition of suiteDatabases(suite)) {
      if (definition.ephemeralHost) continue; // a CI machine has no dev database to clash with
      for (const port of definition.ports ?? []) {
        if (port.host?.value !== devPort) continue;
        const span = port.host.via === null ? port.host.span : null;
        report({
          file: definition.file,
          range: port.entry.range,
          message: `${definition.label} publishes host port ${devPort}${port.host.via ? ` (${port.host.via})` : ''}, the dev database's port: the test database clashes with the developer's own PostgreSQL, and the tests may hit that database instead`,
          hint: `Publish the test database on another port, e.g. \`"${testPort}:5432"\`, and point the suite's URL at it.`,
          fix: span ? { applicability: 'safe', message: `Publish the test database on port ${testPort}`, edits: [{ file: definition.file, start: span.start, end: span.end, text: testPort }] } : null,
        });
      }
    }
    for (const { script, run } of postgresRuns(suite)) {
      for (const publish of run.publish) {
        if (publish.hostPort !== devPort) continue;
        const edit = portEdit(script, publish.word, devPort);
        const fix: Fix | null = edit
          ? {
              applicability: 'safe',
              message: `Publish the test database on port ${testPort}`,
              edits: [{ file: script.file, start: edit.start, end: edit.end, text: testPort }],
            }
          : null;
        report({
          file: script.file,
          range: nodeRange(publish.word.node),
          message: `\`${run.engine} run\` publishes host port ${devPort}${edit?.variable ? ` (from \`${edit.variable}\`)` : ''}, the dev database's port: the container clashes with the developer's own PostgreSQL, and the tests may hit that database instead`,
          hint: `Publish the test database on another port, e.g. \`-p ${testPort}:5432\`, and point the suite's URL at it.`,
          related: edit?.related ? [edit.related] : [],
          fix,
        });
      }
    }
  },
});
