// The Docker/Podman command lines of a shell script, parsed the way the CLI parses them: `docker run`
// with every flag spelling (so that the first operand is really the image), plus the `exec`, `rm`/`stop`
// and `compose` commands the DB-script rules look at.
import path from 'node:path';
import { effectiveCommand, HOLE, sliceWord, type ShellCommand, type ShellScript, type ShellWord } from './shell.js';
import { perFile } from '../source.js';

/** Any docker/podman invocation: the engine, its subcommand (`container run` → 'run'), the words after it. */
export interface DockerCommand {
  command: ShellCommand;
  engine: 'docker' | 'podman';
  /** 'run', 'rm', 'exec', 'stop', 'logs', 'compose' (also for docker-compose / podman-compose)...; null when unknown. */
  subcommand: string | null;
  /** Words after the subcommand. */
  args: ShellWord[];
}

/** One option of a `docker run` as written, for the flags this model does not interpret itself. */
export interface DockerOption {
  /** Canonical long name without dashes: 'publish', 'env', 'user'... ('-p' → 'publish'). */
  flag: string;
  /** The word that holds the flag. */
  word: ShellWord;
  /** The option's value (attached or the next word); null for boolean flags. */
  value: ShellWord | null;
}

/** One `-p` spec read apart, so that rules can compare the host port (not the container's) with the dev and test ports. */
export interface PublishedPort {
  word: ShellWord;
  hostIp: string | null;
  /** The host port; null when unknown or random (see `random`). */
  hostPort: string | null;
  /** True when the spec leaves the host port to Docker (`-p 5432`, `-p 127.0.0.1::5432`). */
  random: boolean;
  containerPort: string | null;
  protocol: string | null;
}

/** The image of a run: which PostgreSQL major (hence which data directory) the container gets. */
export interface DockerImage {
  word: ShellWord;
  /** Repository without tag or digest ('postgres', 'docker.io/library/postgres'); null when unknown. */
  name: string | null;
  /** The tag ('17', '17-alpine', 'latest'); null when untagged or unknown (see `tagKnown`). */
  tag: string | null;
  tagKnown: boolean;
  /** PostgreSQL major the tag implies; official `postgres` untagged or `latest` (or a tag without version) → 18; null when unknown. */
  major: number | null;
  /** No explicit major: untagged, `latest`, or a tag without a version number. */
  unpinned: boolean;
}

/** A `docker run` / `podman run` and what its flags mean. */
export interface DockerRun {
  command: ShellCommand;
  engine: 'docker' | 'podman';
  /** Every option before the image, in order. */
  options: DockerOption[];
  /** False when an option could not be read (unknown word or unknown flag): rules about an absent flag must stay silent. */
  optionsKnown: boolean;
  publish: PublishedPort[];
  /** `-P` / `--publish-all`. */
  publishAll: boolean;
  /** `-e K=V` → K → V; `-e K` (taken from the caller's environment) → null value. */
  env: Map<string, { word: ShellWord; value: string | null }>;
  envFiles: ShellWord[];
  tmpfs: Array<{ word: ShellWord; path: string | null }>;
  mounts: Array<{ word: ShellWord; target: string | null; type: string | null }>;
  name: ShellWord | null;
  rm: boolean;
  detach: boolean;
  /** podman `--replace`. */
  replace: boolean;
  network: string | null;
  healthCmd: ShellWord | null;
  image: DockerImage | null;
  /** The container command and its arguments (everything after the image). */
  containerArgs: ShellWord[];
}

/** `docker exec [opts] CONTAINER CMD...`. */
export interface DockerExec {
  command: ShellCommand;
  engine: 'docker' | 'podman';
  container: ShellWord | null;
  /** The command run in the container, with its arguments. */
  argv: ShellWord[];
  options: DockerOption[];
}

/** `docker rm [-f]`, `docker stop`, `docker kill` of named containers. */
export interface DockerRemoval {
  command: ShellCommand;
  engine: 'docker' | 'podman';
  kind: 'rm' | 'stop' | 'kill';
  force: boolean;
  containers: ShellWord[];
}

// ---------------------------------------------------------------------------------------------

const GLOBAL_VALUE_OPTIONS = new Set(['-H', '--host', '-c', '--context', '--config', '-l', '--log-level', '--tlscacert', '--tlscert', '--tlskey', '--connection', '--url', '--identity', '--root', '--runroot', '--storage-driver', '--storage-opt', '--cgroup-manager', '--events-backend', '--tmpdir', '--module', '--network-cmd-path', '--runtime']);
const GLOBAL_FLAG_OPTIONS = new Set(['-D', '--debug', '--tls', '--tlsverify', '-r', '--remote', '--syslog']);

const commandCache = perFile<DockerCommand[]>();

/** Every docker/podman/compose invocation of a script, wrappers (`sudo`, `exec`) peeled off. */
export function dockerCommands(script: ShellScript): DockerCommand[] {
  const cached = commandCache.get(script.file);
  if (cached) return cached;
  const result: DockerCommand[] = [];
  for (const command of script.commands) {
    const parsed = parseDockerCommand(command);
    if (parsed) result.push(parsed);
  }
  commandCache.set(script.file, result);
  return result;
}

/** The docker/podman invocation a command is, or null. */
export function parseDockerCommand(command: ShellCommand): DockerCommand | null {
  const effective = effectiveCommand(command);
  if (!effective.name) return null;
  const base = path.posix.basename(effective.name);
  if (base === 'docker-compose' || base === 'podman-compose') {
    return { command, engine: base === 'docker-compose' ? 'docker' : 'podman', subcommand: 'compose', args: effective.args };
  }
  if (base !== 'docker' && base !== 'podman') return null;
  const engine = base;
  const args = effective.args;
  let i = 0;
  while (i < args.length) {
    const value = args[i]!.value;
    if (value === null) return { command, engine, subcommand: null, args: args.slice(i) };
    if (!value.startsWith('-')) break;
    const eq = value.indexOf('=');
    const name = eq < 0 ? value : value.slice(0, eq);
    if (GLOBAL_VALUE_OPTIONS.has(name)) i += eq < 0 ? 2 : 1;
    else if (GLOBAL_FLAG_OPTIONS.has(name)) i++;
    else return { command, engine, subcommand: null, args: args.slice(i) };
  }
  const first = args[i];
  if (!first || first.value === null) return { command, engine, subcommand: null, args: args.slice(i) };
  let subcommand = first.value;
  let rest = args.slice(i + 1);
  if (subcommand === 'container' && rest[0]?.value) {
    subcommand = rest[0].value;
    rest = rest.slice(1);
    if (subcommand === 'remove') subcommand = 'rm';
  }
  return { command, engine, subcommand, args: rest };
}

// Options of `docker run` / `podman run` (and `create`) that take a value, by long name; short aliases below.
const RUN_VALUE_OPTIONS = new Set([
  'add-host', 'annotation', 'attach', 'blkio-weight', 'blkio-weight-device', 'cap-add', 'cap-drop', 'cgroup-parent', 'cgroupns',
  'cidfile', 'cpu-count', 'cpu-percent', 'cpu-period', 'cpu-quota', 'cpu-rt-period', 'cpu-rt-runtime', 'cpu-shares', 'cpus',
  'cpuset-cpus', 'cpuset-mems', 'detach-keys', 'device', 'device-cgroup-rule', 'device-read-bps', 'device-read-iops',
  'device-write-bps', 'device-write-iops', 'dns', 'dns-opt', 'dns-option', 'dns-search', 'domainname', 'entrypoint', 'env',
  'env-file', 'expose', 'gpus', 'group-add', 'health-cmd', 'health-interval', 'health-retries', 'health-start-interval',
  'health-start-period', 'health-timeout', 'hostname', 'io-maxbandwidth', 'io-maxiops', 'ip', 'ip6', 'ipc', 'isolation',
  'kernel-memory', 'label', 'label-file', 'link', 'link-local-ip', 'log-driver', 'log-opt', 'mac-address', 'memory',
  'memory-reservation', 'memory-swap', 'memory-swappiness', 'mount', 'name', 'network', 'net', 'network-alias', 'net-alias',
  'oom-score-adj', 'pid', 'pids-limit', 'platform', 'publish', 'pull', 'restart', 'runtime', 'security-opt', 'shm-size',
  'stop-signal', 'stop-timeout', 'storage-opt', 'sysctl', 'tmpfs', 'ulimit', 'user', 'userns', 'uts', 'volume',
  'volume-driver', 'volumes-from', 'workdir',
  // podman
  'pod', 'pod-id-file', 'requires', 'secret', 'systemd', 'tz', 'uidmap', 'gidmap', 'subuidname', 'subgidname', 'umask',
  'chrootdirs', 'cgroup-conf', 'cgroups', 'conmon-pidfile', 'decryption-key', 'env-merge', 'health-on-failure',
  'health-startup-cmd', 'health-startup-interval', 'health-startup-retries', 'health-startup-success', 'health-startup-timeout',
  'health-log-destination', 'health-max-log-count', 'health-max-log-size', 'hostuser', 'image-volume', 'init-path', 'pidfile',
  'preserve-fds', 'rdt-class', 'sdnotify', 'seccomp-policy', 'timeout', 'unsetenv', 'variant', 'arch', 'os', 'authfile',
  'cert-dir', 'creds', 'passwd-entry', 'group-entry', 'personality', 'shm-size-systemd', 'blkio-weight-device', 'device-cgroup-rule',
  'network-alias', 'log-level', 'retry', 'retry-delay', 'hosts-file', 'label-file', 'chrootdirs', 'gpus', 'memory-swappiness',
]);
const RUN_FLAG_OPTIONS = new Set([
  'detach', 'interactive', 'tty', 'rm', 'publish-all', 'privileged', 'init', 'read-only', 'no-healthcheck', 'oom-kill-disable',
  'sig-proxy', 'disable-content-trust', 'quiet', 'help', 'use-api-socket',
  // podman
  'replace', 'env-host', 'http-proxy', 'rootfs', 'tls-verify', 'passwd', 'read-only-tmpfs', 'no-hosts', 'rmi', 'sdnotify-ignore',
]);
const SHORT_VALUE: Record<string, string> = { a: 'attach', c: 'cpu-shares', e: 'env', h: 'hostname', l: 'label', m: 'memory', p: 'publish', u: 'user', v: 'volume', w: 'workdir' };
const SHORT_FLAG: Record<string, string> = { d: 'detach', i: 'interactive', t: 'tty', P: 'publish-all', q: 'quiet' };

const runCache = perFile<DockerRun[]>();

/** Every `docker run`, `docker container run`, `podman run` of a script, its flags read the way the CLI reads them. */
export function dockerRuns(script: ShellScript): DockerRun[] {
  const cached = runCache.get(script.file);
  if (cached) return cached;
  const result: DockerRun[] = [];
  for (const docker of dockerCommands(script)) {
    if (docker.subcommand === 'run') result.push(parseRun(docker));
  }
  runCache.set(script.file, result);
  return result;
}

function parseRun(docker: DockerCommand): DockerRun {
  const run: DockerRun = {
    command: docker.command, engine: docker.engine, options: [], optionsKnown: true, publish: [], publishAll: false, env: new Map(),
    envFiles: [], tmpfs: [], mounts: [], name: null, rm: false, detach: false, replace: false, network: null, healthCmd: null,
    image: null, containerArgs: [],
  };
  const args = docker.args;
  let i = 0;
  let imageIndex = -1;
  while (i < args.length) {
    const word = args[i]!;
    const template = word.template;
    if (word.value === '--') {
      imageIndex = i + 1;
      break;
    }
    if (template.startsWith('--')) {
      const eq = template.indexOf('=');
      const flag = (eq < 0 ? template : template.slice(0, eq)).slice(2);
      if (flag.includes(HOLE)) {
        run.optionsKnown = false;
        i++;
        continue;
      }
      if (RUN_VALUE_OPTIONS.has(flag)) {
        const value = eq < 0 ? (args[i + 1] ?? null) : sliceWord(word, eq + 1);
        run.options.push({ flag: canonical(flag), word, value });
        i += eq < 0 ? 2 : 1;
        continue;
      }
      if (RUN_FLAG_OPTIONS.has(flag)) {
        run.options.push({ flag, word, value: eq < 0 ? null : sliceWord(word, eq + 1) });
        i++;
        continue;
      }
      // An unknown long option: cannot tell whether it takes the next word.
      run.optionsKnown = false;
      run.options.push({ flag, word, value: eq < 0 ? null : sliceWord(word, eq + 1) });
      i++;
      continue;
    }
    if (template.startsWith('-') && template.length > 1 && template[1] !== HOLE) {
      let consumed = 1;
      for (let j = 1; j < template.length; j++) {
        const letter = template[j]!;
        if (SHORT_VALUE[letter]) {
          const attached = template.slice(j + 1);
          const start = attached.startsWith('=') ? j + 2 : j + 1;
          const value = attached ? sliceWord(word, start) : (args[i + 1] ?? null);
          if (!attached) consumed = 2;
          run.options.push({ flag: SHORT_VALUE[letter]!, word, value });
          break;
        }
        if (SHORT_FLAG[letter]) {
          run.options.push({ flag: SHORT_FLAG[letter]!, word, value: null });
          continue;
        }
        run.optionsKnown = false;
        break;
      }
      i += consumed;
      continue;
    }
    if (word.multi || word.value === null) {
      // An unknown word: an unquoted `$OPTS` may hide options; a quoted unknown is one word, taken as the image.
      if (word.multi) {
        run.optionsKnown = false;
        i++;
        continue;
      }
      run.optionsKnown = false;
    }
    imageIndex = i;
    break;
  }
  if (imageIndex >= 0 && imageIndex < args.length) {
    run.image = parseImage(args[imageIndex]!);
    run.containerArgs = args.slice(imageIndex + 1);
  }
  for (const option of run.options) interpretOption(run, option);
  return run;
}

function canonical(flag: string): string {
  if (flag === 'net') return 'network';
  if (flag === 'net-alias') return 'network-alias';
  return flag;
}

function interpretOption(run: DockerRun, option: DockerOption): void {
  const value = option.value;
  switch (option.flag) {
    case 'publish':
      if (value) run.publish.push(parsePublish(value));
      return;
    case 'publish-all':
      run.publishAll = booleanValue(value);
      return;
    case 'env': {
      if (!value) return;
      const template = value.template;
      const eq = template.indexOf('=');
      const key = eq < 0 ? template : template.slice(0, eq);
      if (key.includes(HOLE) || value.multi) {
        run.optionsKnown = false;
        return;
      }
      const entry = eq < 0 ? null : sliceWord(value, eq + 1);
      run.env.set(key, { word: value, value: entry ? entry.value : null });
      return;
    }
    case 'env-file':
      if (value) run.envFiles.push(value);
      return;
    case 'tmpfs':
      if (value) run.tmpfs.push({ word: value, path: knownPart(value.template.split(':')[0]!) });
      return;
    case 'mount': {
      if (!value) return;
      const fields = new Map<string, string>();
      for (const pair of value.template.split(',')) {
        const eq = pair.indexOf('=');
        fields.set((eq < 0 ? pair : pair.slice(0, eq)).trim().toLowerCase(), eq < 0 ? 'true' : pair.slice(eq + 1));
      }
      const type = knownPart(fields.get('type') ?? 'volume');
      const target = knownPart(fields.get('destination') ?? fields.get('dst') ?? fields.get('target') ?? '');
      if (type === 'tmpfs') run.tmpfs.push({ word: value, path: target || null });
      else run.mounts.push({ word: value, target: target || null, type });
      return;
    }
    case 'volume': {
      if (!value) return;
      const parts = value.template.split(':');
      if (parts.length === 1) run.mounts.push({ word: value, target: knownPart(parts[0]!), type: 'volume' });
      else {
        const source = parts[0]!;
        const type = source.includes(HOLE) ? null : /^[./~]/.test(source) ? 'bind' : 'volume';
        run.mounts.push({ word: value, target: knownPart(parts[1]!), type });
      }
      return;
    }
    case 'name':
      run.name = value;
      return;
    case 'rm':
      run.rm = booleanValue(value);
      return;
    case 'detach':
      run.detach = booleanValue(value);
      return;
    case 'replace':
      run.replace = booleanValue(value);
      return;
    case 'network':
      run.network = value?.value ?? null;
      return;
    case 'health-cmd':
      run.healthCmd = value;
      return;
    default:
      return;
  }
}

function booleanValue(value: ShellWord | null): boolean {
  return value === null || value.value === 'true' || value.value === '1';
}

function knownPart(text: string): string | null {
  return text.includes(HOLE) ? null : text;
}

/** `[ip:][hostPort:]containerPort[/proto]`, with `[::1]` for IPv6 hosts. */
export function parsePublish(word: ShellWord): PublishedPort {
  let rest = word.template;
  let protocol: string | null = null;
  const slash = rest.lastIndexOf('/');
  if (slash >= 0 && !rest.slice(slash).includes(':')) {
    protocol = knownPart(rest.slice(slash + 1));
    rest = rest.slice(0, slash);
  }
  let hostIp: string | null = null;
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close > 0) {
      hostIp = rest.slice(1, close);
      rest = rest.slice(close + 1);
      if (rest.startsWith(':')) rest = rest.slice(1);
    }
  } else {
    const parts = rest.split(':');
    if (parts.length >= 3) {
      hostIp = parts.slice(0, -2).join(':');
      rest = parts.slice(-2).join(':');
    }
  }
  const parts = rest.split(':');
  let hostPort: string | null = null;
  let random = false;
  let containerPort: string | null;
  if (parts.length === 1) {
    containerPort = parts[0]!;
    random = !containerPort.includes(HOLE);
  } else {
    hostPort = parts[0]!;
    containerPort = parts.slice(1).join(':');
    if (hostPort === '') {
      hostPort = null;
      random = true;
    }
  }
  if (word.multi) return { word, hostIp: null, hostPort: null, random: false, containerPort: null, protocol: null };
  return {
    word,
    hostIp: hostIp === null ? null : knownPart(hostIp),
    hostPort: hostPort === null ? null : knownPart(hostPort),
    random,
    containerPort: knownPart(containerPort),
    protocol,
  };
}

const OFFICIAL_POSTGRES = new Set(['postgres', 'library/postgres']);
const DERIVED_POSTGRES = new Set(['postgis/postgis', 'pgvector/pgvector', 'ankane/pgvector', 'timescale/timescaledb']);
const REGISTRY_PREFIX = /^(?:docker\.io|index\.docker\.io|registry-1\.docker\.io|registry\.hub\.docker\.com|mirror\.gcr\.io|public\.ecr\.aws\/docker)\//;

function repositoryPath(name: string): string {
  return name.replace(REGISTRY_PREFIX, '');
}

/** Images built on the official postgres image (same env variables, same data directory): postgres, library/postgres, docker.io/library/postgres, postgis/postgis, pgvector/pgvector, timescale/timescaledb. */
export function isPostgresImage(name: string): boolean {
  const repo = repositoryPath(name);
  return OFFICIAL_POSTGRES.has(repo) || DERIVED_POSTGRES.has(repo);
}

/** Is this the official image itself (whose `latest` is known to be 18)? */
export function isOfficialPostgresImage(name: string): boolean {
  return OFFICIAL_POSTGRES.has(repositoryPath(name));
}

/** `registry:5000/ns/name:tag@sha256:...` → name and tag, with the PostgreSQL major the tag implies. */
export function parseImage(word: ShellWord): DockerImage {
  let template = word.template;
  const at = template.indexOf('@');
  if (at >= 0) template = template.slice(0, at);
  const lastSlash = template.lastIndexOf('/');
  const colon = template.indexOf(':', lastSlash + 1);
  const nameTemplate = colon >= 0 ? template.slice(0, colon) : template;
  const tagTemplate = colon >= 0 ? template.slice(colon + 1) : null;
  const name = word.multi ? null : knownPart(nameTemplate);
  const tagKnown = !word.multi && (tagTemplate === null || !tagTemplate.includes(HOLE));
  const tag = tagKnown ? tagTemplate : null;
  let major: number | null = null;
  let unpinned = false;
  if (tagKnown) {
    const version = tag === null ? null : (/^(\d+)/.exec(tag) ?? /(?:^|[-_.])pg(\d+)/.exec(tag));
    if (version) major = Number(version[1]);
    else {
      unpinned = true;
      // The official image's `latest` (and untagged, and variant-only tags like `alpine`) is 18 today.
      if (name !== null && isOfficialPostgresImage(name)) major = 18;
    }
  }
  return { word, name, tag, tagKnown, major, unpinned };
}

/**
 * Where the image keeps its data. PostgreSQL 18 images moved PGDATA to a versioned directory,
 * /var/lib/postgresql/18/docker (so that pg_upgrade can keep several majors under one mount of
 * /var/lib/postgresql); 17 and older use /var/lib/postgresql/data. An unknown major is treated as
 * `latest`, which is 18.
 */
export function postgresDataDir(major: number | null): string {
  if (major !== null && major <= 17) return '/var/lib/postgresql/data';
  return `/var/lib/postgresql/${major ?? 18}/docker`;
}

// ---------------------------------------------------------------------------------------------

const EXEC_VALUE = new Set(['e', 'env', 'env-file', 'u', 'user', 'w', 'workdir', 'detach-keys', 'preserve-fds']);
const EXEC_FLAG = new Set(['d', 'detach', 'i', 'interactive', 't', 'tty', 'privileged', 'l', 'latest']);

/** Every `docker exec` / `podman exec`: the container and the command run inside it. */
export function dockerExecs(script: ShellScript): DockerExec[] {
  const result: DockerExec[] = [];
  for (const docker of dockerCommands(script)) {
    if (docker.subcommand !== 'exec') continue;
    const { options, operands } = splitOptions(docker.args, EXEC_VALUE, EXEC_FLAG);
    result.push({ command: docker.command, engine: docker.engine, container: operands[0] ?? null, argv: operands.slice(1), options });
  }
  return result;
}

const REMOVE_VALUE = new Set(['t', 'time', 's', 'signal']);
const REMOVE_FLAG = new Set(['f', 'force', 'v', 'volumes', 'l', 'link', 'i', 'ignore', 'depend', 'a', 'all']);

/** Every `docker rm`, `docker stop`, `docker kill` (and `container` forms) with the containers named. */
export function dockerRemovals(script: ShellScript): DockerRemoval[] {
  return dockerCommands(script).map(removalOf).filter((removal): removal is DockerRemoval => removal !== null);
}

/** The removal one command performs, if it is one: for commands outside a script's own list (inline trap actions). */
export function removalByCommand(command: ShellCommand): DockerRemoval | null {
  const docker = parseDockerCommand(command);
  return docker ? removalOf(docker) : null;
}

function removalOf(docker: DockerCommand): DockerRemoval | null {
  const kind = docker.subcommand;
  if (kind !== 'rm' && kind !== 'stop' && kind !== 'kill') return null;
  const { options, operands } = splitOptions(docker.args, REMOVE_VALUE, REMOVE_FLAG);
  const force = kind === 'kill' || options.some((option) => option.flag === 'f' || option.flag === 'force');
  return { command: docker.command, engine: docker.engine, kind, force, containers: operands };
}

/** Options (short clusters, long with or without `=`) up to the first operand; the rest are operands. */
function splitOptions(args: ShellWord[], valueOptions: Set<string>, flagOptions: Set<string>): { options: DockerOption[]; operands: ShellWord[] } {
  const options: DockerOption[] = [];
  let i = 0;
  while (i < args.length) {
    const word = args[i]!;
    const template = word.template;
    if (word.value === '--') {
      i++;
      break;
    }
    if (template.startsWith('--')) {
      const eq = template.indexOf('=');
      const flag = (eq < 0 ? template : template.slice(0, eq)).slice(2);
      if (valueOptions.has(flag) && eq < 0) {
        options.push({ flag, word, value: args[i + 1] ?? null });
        i += 2;
      } else {
        options.push({ flag, word, value: eq < 0 ? null : sliceWord(word, eq + 1) });
        i++;
      }
      continue;
    }
    if (template.startsWith('-') && template.length > 1) {
      let consumed = 1;
      for (let j = 1; j < template.length; j++) {
        const letter = template[j]!;
        if (valueOptions.has(letter)) {
          const attached = template.slice(j + 1);
          options.push({ flag: letter, word, value: attached ? sliceWord(word, attached.startsWith('=') ? j + 2 : j + 1) : (args[i + 1] ?? null) });
          if (!attached) consumed = 2;
          break;
        }
        if (!flagOptions.has(letter)) break;
        options.push({ flag: letter, word, value: null });
      }
      i += consumed;
      continue;
    }
    break;
  }
  return { options, operands: args.slice(i) };
}
