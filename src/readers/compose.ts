// docker compose files: the services that run a postgres image, read into the DB model with
// interpolation as compose applies it (`${VAR:-default}`, `${VAR-default}`, `$$`, values from the
// project's `.env`), and positions on every value.
import path from 'node:path';
import type { DbDefinition, DbMount, DbPort, DbValue } from '../model/database.js';
import { imageOf } from '../model/database.js';
import type { SourceFile } from '../source.js';
import { isScalar, readYaml, type YamlDocument, type YamlNode } from './yaml.js';
import { readTextFile } from '../read-text.js';

/** KEY=VALUE lines of an env file as compose reads them (quotes dropped, comments and `export ` ignored). */
export function readEnvFile(file: string): Map<string, string> | null {
  const text = readTextFile(file);
  if (text === null) return null;
  const values = new Map<string, string>();
  for (const rawLine of text.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)$/.exec(line);
    if (!match) continue;
    let value = match[2]!;
    if (/^".*"$/.test(value) || /^'.*'$/.test(value)) value = value.slice(1, -1);
    else value = value.replace(/\s+#.*$/, '').trim();
    values.set(match[1]!, value);
  }
  return values;
}

export interface Interpolated {
  /** The value; null when it depends on a variable that nothing defines (the caller's environment). */
  value: string | null;
  /** The variables read, with where their value came from, for messages. */
  via: string | null;
  /** True when the text had no `$` at all (a fix may edit it in place). */
  literal: boolean;
}

/** Compose's interpolation: `$VAR`, `${VAR}`, `${VAR:-default}`, `${VAR-default}`, `${VAR:?err}`, `$$`. */
export function interpolate(text: string, env: ReadonlyMap<string, string>): Interpolated {
  if (!text.includes('$')) return { value: text, via: null, literal: true };
  let unknown = false;
  const sources: string[] = [];
  const value = text.replace(/\$\$|\$\{([A-Za-z_]\w*)(?:(:?)([-?+])((?:[^}$]|\$\{[^}]*\})*))?\}|\$([A-Za-z_]\w*)/g, (whole, braced, colon, op, arg, plain) => {
    if (whole === '$$') return '$';
    const name = (braced ?? plain) as string;
    const set = env.get(name);
    const present = set !== undefined && (colon !== ':' || set !== '');
    if (op === '-') {
      if (present) {
        sources.push(`${name} from .env`);
        return set!;
      }
      sources.push(`\`${whole}\``);
      return interpolate(arg ?? '', env).value ?? '';
    }
    if (op === '+') return present ? (arg ?? '') : '';
    if (present) {
      sources.push(`${name} from .env`);
      return set!;
    }
    unknown = true;
    return '';
  });
  return { value: unknown ? null : value, via: sources.length ? sources.join(', ') : null, literal: false };
}

export interface ComposeFile {
  yaml: YamlDocument;
  /** `.env` of the project directory (the compose file's folder), merged with any `--env-file`. */
  env: Map<string, string>;
  services: ComposeService[];
}

export interface ComposeService {
  name: string;
  keyNode: YamlNode;
  node: YamlNode;
}

const fileCache = new WeakMap<SourceFile, ComposeFile>();

export function readCompose(file: SourceFile): ComposeFile {
  const cached = fileCache.get(file);
  if (cached) return cached;
  const yaml = readYaml(file);
  const env = readEnvFile(path.join(path.dirname(file.path), '.env')) ?? new Map<string, string>();
  const services = yaml.entries(yaml.get(yaml.root, 'services')).map((entry) => ({ name: entry.key, keyNode: entry.keyNode, node: entry.value ?? entry.keyNode }));
  const result = { yaml, env, services };
  fileCache.set(file, result);
  return result;
}

/** The services of a compose file that run PostgreSQL, each read into the DB model (readiness filled by the caller). */
const POSTGRES_ENV = ['POSTGRES_PASSWORD', 'POSTGRES_USER', 'POSTGRES_DB', 'POSTGRES_HOST_AUTH_METHOD'];

export function composeDatabases(file: SourceFile, relativeName: string): Array<{ definition: DbDefinition; service: ComposeService }> {
  const compose = readCompose(file);
  const { yaml, env } = compose;
  const result: Array<{ definition: DbDefinition; service: ComposeService }> = [];
  const value = (node: YamlNode | null): DbValue | null => valueOf(yaml, env, node);
  for (const service of compose.services) {
    const imageValue = value(yaml.get(service.node, 'image'));
    const image = imageValue && imageValue.value !== '' ? imageOf(imageValue) : null;
    const environment = serviceEnvironment(yaml, env, service.node, path.dirname(file.path));
    const postgresEnv = POSTGRES_ENV.some((key) => environment.values.has(key));
    // A postgres image, or a service built from a Dockerfile whose environment is the postgres image's
    // (unless it depends on a postgres service: then it is a client that reads the same variables to connect).
    if (!image && !(imageValue === null && yaml.get(service.node, 'build') !== null && postgresEnv && !dependsOnPostgres(compose, service, path.dirname(file.path)))) continue;
    const ports = servicePorts(yaml, env, service.node);
    const mounts = serviceMounts(yaml, env, service.node);
    const healthNode = yaml.get(service.node, 'healthcheck');
    const disabled = yaml.text(yaml.get(healthNode, 'disable')) === 'true';
    const healthTest = disabled ? null : yaml.get(healthNode, 'test');
    const pgdata = environment.values.get('PGDATA');
    result.push({
      service,
      definition: {
        kind: 'compose',
        file,
        service: service.name,
        label: `compose service \`${service.name}\` (${relativeName})`,
        anchor: yaml.range(service.keyNode),
        image,
        ports: ports.ports,
        portsKnown: ports.known,
        env: environment.values,
        envKnown: environment.known,
        mounts: mounts.mounts,
        mountsKnown: mounts.known,
        readiness: { healthcheck: healthTest ? locate(yaml, healthTest, 'healthcheck', null) : null, waited: false, how: null },
        pgdata: pgdata === undefined ? (environment.known ? null : undefined) : pgdata === null ? undefined : pgdata.value,
        ephemeralHost: false,
      },
    });
  }
  return result;
}

function locate(yaml: YamlDocument, node: YamlNode, value: string, via: string | null, literal = false): DbValue {
  let span: { start: number; end: number } | null = null;
  if (literal && isScalar(node)) {
    const [start, end] = yaml.offsets(node);
    const raw = yaml.file.text.slice(start, end);
    const at = raw.indexOf(value);
    if (at >= 0 && raw.indexOf(value, at + 1) < 0) span = { start: start + at, end: start + at + value.length };
  }
  return { value, file: yaml.file, range: yaml.range(node), span, via };
}

/** A scalar's value, interpolated; null when absent or not a scalar. An unknown interpolation gives value ''? No: null. */
function valueOf(yaml: YamlDocument, env: ReadonlyMap<string, string>, node: YamlNode | null): DbValue | null {
  const text = yaml.text(node);
  if (text === null || !node) return null;
  const interpolated = interpolate(text, env);
  if (interpolated.value === null) return { value: '', file: yaml.file, range: yaml.range(node), span: null, via: `\`${text}\` (set by the caller)` };
  return locate(yaml, node, interpolated.value, interpolated.via, interpolated.literal);
}

function serviceEnvironment(yaml: YamlDocument, env: ReadonlyMap<string, string>, service: YamlNode, dir: string): { values: Map<string, DbValue | null>; known: boolean } {
  const values = new Map<string, DbValue | null>();
  let known = true;
  // env_file first: `environment:` wins over it.
  const envFiles = yaml.get(service, 'env_file');
  const fileNodes = envFiles === null ? [] : yaml.isSeq(envFiles) ? yaml.items(envFiles) : [envFiles];
  for (const node of fileNodes) {
    const name = yaml.text(node) ?? yaml.text(yaml.get(node, 'path'));
    const required = yaml.text(yaml.get(node, 'required')) !== 'false';
    const read = name === null ? null : readEnvFile(path.resolve(dir, interpolate(name, env).value ?? name));
    if (!read) {
      if (required) known = false;
      continue;
    }
    for (const [key, text] of read) values.set(key, locate(yaml, node, text, `${key} from ${name}`));
  }
  const environment = yaml.get(service, 'environment');
  if (yaml.isMap(environment)) {
    for (const entry of yaml.entries(environment)) {
      const value = entry.value ? valueOf(yaml, env, entry.value) : null;
      if (value && value.value === '' && value.via?.includes('set by the caller')) values.set(entry.key, null);
      else values.set(entry.key, value ?? locate(yaml, entry.keyNode, '', null));
    }
  } else {
    for (const item of yaml.items(environment)) {
      const text = yaml.text(item);
      if (text === null) continue;
      const eq = text.indexOf('=');
      if (eq < 0) {
        values.set(text, null); // taken from the caller's environment
        continue;
      }
      const interpolated = interpolate(text.slice(eq + 1), env);
      const key = text.slice(0, eq);
      values.set(key, interpolated.value === null ? null : locate(yaml, item, interpolated.value, interpolated.via, interpolated.literal));
    }
  }
  return { values, known };
}

function servicePorts(yaml: YamlDocument, env: ReadonlyMap<string, string>, service: YamlNode): { ports: DbPort[]; known: boolean } {
  const ports: DbPort[] = [];
  let known = true;
  for (const item of yaml.items(yaml.get(service, 'ports'))) {
    if (yaml.isMap(item)) {
      const target = valueOf(yaml, env, yaml.get(item, 'target'));
      const published = valueOf(yaml, env, yaml.get(item, 'published'));
      if (published && published.value === '') known = false;
      const entry = locate(yaml, item, '', null);
      ports.push({ host: published && published.value !== '' ? published : null, container: target?.value ?? null, random: published === null, entry });
      continue;
    }
    const value = valueOf(yaml, env, item);
    if (!value) continue;
    if (value.value === '') {
      known = false;
      continue;
    }
    // [HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL], ranges left as they are.
    const withoutProtocol = value.value.replace(/\/\w+$/, '');
    const parts = withoutProtocol.startsWith('[') ? splitIpv6(withoutProtocol) : withoutProtocol.split(':');
    const container = parts[parts.length - 1] ?? null;
    const hostText = parts.length >= 2 ? parts[parts.length - 2]! : '';
    let host: DbValue | null = null;
    if (hostText !== '') {
      const at = value.span ? value.value.lastIndexOf(`${hostText}:`) : -1;
      host = { ...value, value: hostText, span: value.span && at >= 0 ? { start: value.span.start + at, end: value.span.start + at + hostText.length } : null };
    }
    ports.push({ host, container, random: hostText === '', entry: value });
  }
  return { ports, known };
}

function splitIpv6(text: string): string[] {
  const close = text.indexOf(']');
  return [text.slice(0, close + 1), ...text.slice(close + 2).split(':')];
}

function serviceMounts(yaml: YamlDocument, env: ReadonlyMap<string, string>, service: YamlNode): { mounts: DbMount[]; known: boolean } {
  const mounts: DbMount[] = [];
  let known = true;
  const tmpfs = yaml.get(service, 'tmpfs');
  for (const node of tmpfs === null ? [] : yaml.isSeq(tmpfs) ? yaml.items(tmpfs) : [tmpfs]) {
    const value = valueOf(yaml, env, node);
    if (!value || value.value === '') {
      known = false;
      continue;
    }
    mounts.push({ target: normalize(value.value.split(':')[0]!), tmpfs: true, entry: value, persistent: false });
  }
  for (const node of yaml.items(yaml.get(service, 'volumes'))) {
    if (yaml.isMap(node)) {
      const type = yaml.text(yaml.get(node, 'type')) ?? 'volume';
      const target = valueOf(yaml, env, yaml.get(node, 'target'));
      const source = yaml.text(yaml.get(node, 'source'));
      if (!target || target.value === '') {
        known = false;
        continue;
      }
      mounts.push({ target: normalize(target.value), tmpfs: type === 'tmpfs', entry: locate(yaml, node, '', null), persistent: type !== 'tmpfs' && (type === 'bind' || source !== null) });
      continue;
    }
    const value = valueOf(yaml, env, node);
    if (!value || value.value === '') {
      known = false;
      continue;
    }
    const parts = value.value.split(':');
    // SOURCE:TARGET[:MODE] or TARGET alone (an anonymous volume, removed with `down -v` / `run --rm`).
    const target = parts.length >= 2 ? parts[1]! : parts[0]!;
    mounts.push({ target: normalize(target), tmpfs: false, entry: value, persistent: parts.length >= 2 });
  }
  return { mounts, known };
}

function normalize(target: string): string {
  const trimmed = target.replace(/\/+$/, '');
  return trimmed === '' ? '/' : path.posix.normalize(trimmed);
}

/** Does some other service wait for `name` to be healthy (`depends_on: {name: {condition: service_healthy}}`)? */
/** Does the service `depends_on` a service that runs a postgres image, or is built with the postgres image's environment? */
function dependsOnPostgres(compose: ReturnType<typeof readCompose>, service: ComposeService, dir: string): boolean {
  const { yaml, env } = compose;
  const dependsOn = yaml.get(service.node, 'depends_on');
  const names = [...yaml.items(dependsOn).map((item) => yaml.text(item)), ...yaml.entries(dependsOn).map((entry) => entry.key)];
  return compose.services.some((other) => {
    if (other === service || !names.includes(other.name)) return false;
    const image = valueOf(yaml, env, yaml.get(other.node, 'image'));
    if (image && image.value !== '') return imageOf(image) !== null;
    const values = serviceEnvironment(yaml, env, other.node, dir).values;
    return image === null && yaml.get(other.node, 'build') !== null && POSTGRES_ENV.some((key) => values.has(key));
  });
}

export function dependedOnHealthy(file: SourceFile, name: string): boolean {
  const { yaml, services } = readCompose(file);
  return services.some((service) => {
    const dependsOn = yaml.get(service.node, 'depends_on');
    const entry = yaml.get(dependsOn, name);
    return entry !== null && yaml.text(yaml.get(entry, 'condition')) === 'service_healthy';
  });
}

/** The services `name` depends on (`depends_on`, list or map form), transitively: those `docker compose run name` starts with it. */
export function dependenciesOf(file: SourceFile, name: string): string[] {
  const { yaml, services } = readCompose(file);
  const result: string[] = [];
  const visit = (current: string): void => {
    const service = services.find((candidate) => candidate.name === current);
    if (!service) return;
    const dependsOn = yaml.get(service.node, 'depends_on');
    const names = [...yaml.items(dependsOn).map((item) => yaml.text(item)), ...yaml.entries(dependsOn).map((entry) => entry.key)];
    for (const next of names) {
      if (next === null || next === name || result.includes(next)) continue;
      result.push(next);
      visit(next);
    }
  };
  visit(name);
  return result;
}
