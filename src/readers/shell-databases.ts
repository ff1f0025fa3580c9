// `docker run` / `podman run` of a postgres image in the suite's DB scripts, read into the DB model:
// the image, the published ports, the POSTGRES_* environment, the mounts and PGDATA, and whether the
// script (or a runner of the suite) waits for the server. Every value carries the place that sets it:
// the word of the run, or the assignment of the variable the word expands (`DB_PORT=5432` ...
// `-p "$DB_PORT:5432"`), with the exact offsets a fix rewrites.
//
// The container's life (a leftover cleared before the run, a removal after the tests) is read by
// shell-lifecycle.ts.
import type Parser from 'tree-sitter';
import type { DbDefinition, DbImage, DbMount, DbPort, DbValue } from '../model/database.js';
import { isOfficialPostgresImage } from '../model/docker.js';
import { armsCompatible, hasUnknownWords, insertBeforeImage, isKnown, onlyInspectionArms, postgresRuns, rawText, runnersOf, runs, type PostgresRun } from '../model/dbscript.js';
import { isReadinessWait } from '../model/readiness.js';
import { imageFacts, mountTargets, pgdataOf } from '../model/pgdata.js';
import type { ShellScript, ShellWord } from '../model/shell.js';
import type { Suite } from '../model/suite.js';
import { nodeRange } from '../source.js';
import { runLifecycle } from './shell-lifecycle.js';
import { perSuite } from '../model/suite-caches.js';

type Node = Parser.SyntaxNode;

const cache = perSuite<DbDefinition[]>();

/** The postgres containers the suite's DB scripts start, as DB definitions. */
export function shellDatabases(suite: Suite): DbDefinition[] {
  const cached = cache.get(suite);
  if (cached) return cached;
  const runners = runnersOf(suite);
  const runnerWaits = runners.some((runner) => runner.commands.some((command) => isReadinessWait(runner, command)));
  const result = postgresRuns(suite).map((found) => definitionOf(found, runnerWaits, runners));
  cache.set(suite, result);
  return result;
}

function definitionOf(found: PostgresRun, runnerWaits: boolean, runners: ShellScript[]): DbDefinition {
  const { script, run } = found;
  const file = script.file;
  const before = run.command.start;
  const env = new Map<string, DbValue | null>();
  for (const [key, entry] of run.env) {
    if (entry.value === null) {
      env.set(key, null);
      continue;
    }
    const text = entry.word.text.slice(entry.word.text.indexOf('=') + 1);
    env.set(key, { value: entry.value, file, range: nodeRange(origin(script, entry.word, text, before)), span: null, via: null });
  }
  const pgdata = pgdataOf(script, run);
  const health = run.healthCmd;
  const scriptWaits = waitsOnStartPath(found);
  const how = !run.detach ? 'the run stays in the foreground' : runnerWaits ? 'a wait loop in the runner' : scriptWaits ? 'a wait loop in the script' : null;
  return {
    kind: 'docker-run',
    file,
    service: run.name?.value ?? null,
    label: `\`${run.engine} run\``,
    anchor: nodeRange(run.command.node),
    image: imageOfRun(found),
    imageAsWritten: run.image ? (run.image.word.value ?? run.image.word.text) : null,
    insertOption: run.image ? (option) => insertBeforeImage(file, run.image!.word, option) : null,
    // On the host's network docker discards every -p: nothing is published, the server listens on the host's own port.
    ports: run.network === 'host' ? [] : run.publish.map((publish): DbPort => portOf(script, publish.word, publish.hostPort, publish.containerPort, publish.random && isKnown(script, publish.word), before)),
    portsKnown: run.optionsKnown && !run.publishAll && !hasUnknownWords(run.command) && !run.publish.some((publish) => publish.containerPort === null || publish.word.multi),
    network: run.network,
    env,
    envKnown: run.envFiles.length === 0 && run.optionsKnown,
    mounts: mountsOf(found),
    mountsKnown: run.optionsKnown && mountTargets(script, run).every((mount) => mount.path !== null),
    readiness: {
      healthcheck: health ? { value: health.value ?? health.text, file, range: nodeRange(health.node), span: null, via: null } : null,
      waited: how !== null,
      how,
    },
    pgdata: pgdata.kind === 'default' ? null : pgdata.kind === 'explicit' ? pgdata.value : undefined,
    ephemeralHost: false,
    engine: run.engine,
    lifecycle: runLifecycle(found, runners),
  };
}

/** The image as the run names it; null when its name or tag is not statically known. */
function imageOfRun({ script, run }: PostgresRun): DbImage | null {
  const image = run.image;
  const facts = imageFacts(script, run);
  if (!image || !facts || image.name === null || image.word.value === null) return null;
  const raw = rawText(script.file, image.word);
  const literal = raw === image.word.text && !raw.includes('$') && raw.replace(/^["']|["']$/g, '') === image.word.value;
  const offset = literal ? raw.indexOf(image.word.value) : -1;
  const start = image.word.node.startIndex + offset;
  return {
    text: {
      value: image.word.value,
      file: script.file,
      range: nodeRange(image.word.node),
      span: offset >= 0 ? { start, end: start + image.word.value.length } : null,
      via: null,
    },
    name: image.name,
    tag: image.tag,
    official: isOfficialPostgresImage(image.name),
    pinned: facts.pinned,
    major: facts.major,
  };
}

function mountsOf({ script, run }: PostgresRun): DbMount[] {
  return mountTargets(script, run).map((mount) => {
    const volume = run.mounts.find((entry) => entry.word === mount.word);
    return {
      target: mount.path,
      tmpfs: mount.tmpfs,
      entry: { value: mount.word.value ?? mount.word.text, file: script.file, range: nodeRange(mount.word.node), span: null, via: null },
      asWritten: mount.word.text,
      persistent: !mount.tmpfs && (volume?.type === 'bind' || (volume?.type === 'volume' && (mount.word.template.includes(':') || mount.word.template.includes('source=') || mount.word.template.includes('src=')))),
      targetSpan: mount.path === null ? null : pathSpan(script, mount.word, mount.path),
    };
  });
}

/** Where `target` stands in a word as written (followed by its end, `:`, `,`, a quote or a space), when exactly once. */
function pathSpan(script: ShellScript, word: ShellWord, target: string): { start: number; end: number } | null {
  const raw = rawText(script.file, word);
  if (raw !== word.text) return null;
  const escaped = target.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const matches = [...raw.matchAll(new RegExp(`${escaped}(?=$|[:,"'\\s])`, 'g'))];
  if (matches.length !== 1) return null;
  const start = word.node.startIndex + matches[0]!.index!;
  return { start, end: start + target.length };
}

/** A `-p` spec: the host port where it is set (the literal, or the assignment of the variable it expands), and the offsets a fix rewrites. */
function portOf(script: ShellScript, word: ShellWord, hostPort: string | null, containerPort: string | null, random: boolean, before: number): DbPort {
  const file = script.file;
  const entry: DbValue = { value: word.value ?? word.text, file, range: nodeRange(word.node), span: null, via: null };
  if (hostPort === null) return { host: null, container: containerPort, random, entry };
  const hostText = word.text.split(':').slice(0, -1).join(':') || word.text;
  const edit = hostEdit(script, word, hostPort);
  const host: DbValue = {
    value: hostPort,
    file,
    range: nodeRange(origin(script, word, hostText, before)),
    span: edit ? { start: edit.start, end: edit.end } : null,
    via: edit?.variable ? `from \`${edit.variable.name}\`` : null,
    assignment: edit?.variable ?? null,
  };
  return { host, container: containerPort, random, entry };
}

/** The node that set a value: the assignment of the variable the word expands (before the run), or the word itself. */
function origin(script: ShellScript, word: ShellWord, text: string, before: number): Node {
  const reference = /\$\{?([A-Za-z_][A-Za-z0-9_]*)/.exec(text);
  if (reference) {
    const name = reference[1]!;
    const candidates = script.assignments.filter((a) => a.name === name && a.valueNode && a.node.startIndex < before && a.kind !== 'local');
    const last = candidates[candidates.length - 1];
    if (last) return last.node;
  }
  return word.node;
}

/** Where the host port of a `-p` word is written: the literal, a `${VAR:-default}` default, or the assignment of the variable. */
function hostEdit(script: ShellScript, word: ShellWord, port: string): { start: number; end: number; variable: { name: string; range: ReturnType<typeof nodeRange> } | null } | null {
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
  const literal = findPort(host, port);
  if (literal === 'many') return null;
  if (literal !== null) return { start: word.node.startIndex + literal, end: word.node.startIndex + literal + port.length, variable: null };
  // A plain `$VAR`/`${VAR}` in the host part: edit the assignment that gave it the port.
  const references = [...host.matchAll(/\$\{?(\w+)\}?/g)].map((match) => match[1]!);
  if (references.length !== 1) return null;
  const name = references[0]!;
  if (script.valueOf(name, word.node.startIndex) !== port) return null;
  const assignment = script.assignments
    .filter((a) => a.name === name && a.valueNode !== null && a.node.endIndex <= word.node.startIndex && a.functionName === null)
    .pop();
  if (!assignment || !assignment.valueNode) return null;
  const valueText = file.text.slice(assignment.valueNode.startIndex, assignment.valueNode.endIndex);
  const at = findPort(valueText, port);
  if (at === null || at === 'many') return null;
  return { start: assignment.valueNode.startIndex + at, end: assignment.valueNode.startIndex + at + port.length, variable: { name, range: nodeRange(assignment.node) } };
}

/** The offset of the port number standing alone in `text`, null when absent, 'many' when ambiguous. */
function findPort(text: string, port: string): number | null | 'many' {
  const matches = [...text.matchAll(new RegExp(`(?<!\\d)${port}(?!\\d)`, 'g'))];
  if (matches.length === 0) return null;
  if (matches.length > 1) return 'many';
  return matches[0]!.index!;
}

/** Does the script poll readiness on the run's path: in the same arm, or anywhere but an inspection-only arm (`status`)? */
function waitsOnStartPath({ script, run }: PostgresRun): boolean {
  const runArms = script.armsOf(run.command);
  return script.commands.some((command) => {
    if (command === run.command || !isReadinessWait(script, command) || !runs(script, command)) return false;
    const arms = script.armsOf(command);
    return armsCompatible(runArms, arms) || !onlyInspectionArms(arms);
  });
}
