// YAML files (docker compose, GitHub Actions workflows) read with the `yaml` package, keeping the
// source range of every node so that findings and fixes point at the exact key or value.
// Shared by every reader of a YAML source: a broken file never throws, its errors become problems
// that SL001 reports, and what did parse is still walked.
import { createRequire } from 'node:module';
import type { Alias, Document, Node, Scalar, YAMLMap, YAMLSeq } from 'yaml';
import type { Range } from '../rule.js';
import { offsetRange, type SourceFile } from '../source.js';

export type YamlNode = Node;

// The `yaml` package (70-odd modules) loads when the first YAML file is parsed, not at start-up: a run
// that reads no compose file or workflow (a staged file outside every suite) never pays for it.
const require = createRequire(import.meta.url);
let yamlLibrary: typeof import('yaml') | null = null;
const yamlLib = (): typeof import('yaml') => (yamlLibrary ??= require('yaml') as typeof import('yaml'));
const parseAllDocuments: typeof import('yaml').parseAllDocuments = (...args) => yamlLib().parseAllDocuments(...args);
const isAlias = (node: unknown): node is Alias => yamlLib().isAlias(node);
const isMap = (node: unknown): node is YAMLMap => yamlLib().isMap(node);
const isSeq = (node: unknown): node is YAMLSeq => yamlLib().isSeq(node);
/** The `yaml` package's isScalar, for the readers of YAML sources (without loading the package at start-up). */
export const isScalar = (node: unknown): node is Scalar => yamlLib().isScalar(node);

export interface YamlProblem {
  message: string;
  range: Range;
}

/** One key of a mapping: its text, the key node (for positions) and its value (null when empty). */
export interface YamlEntry {
  key: string;
  keyNode: YamlNode;
  value: YamlNode | null;
}

/** A YAML file as a tree of nodes with positions. Only the first document is walked (compose and workflows have one). */
export class YamlDocument {
  readonly file: SourceFile;
  /** The first document's root node; null when the file is empty or unreadable. */
  readonly root: YamlNode | null;
  /** Syntax errors, with positions; empty for a well-formed file. */
  readonly problems: YamlProblem[];
  private readonly document: Document.Parsed | null;

  constructor(file: SourceFile) {
    this.file = file;
    this.problems = [];
    if (file.unreadable !== undefined) {
      this.document = null;
      this.root = null;
      return;
    }
    const documents = Array.from(parseAllDocuments(file.text, { prettyErrors: false, uniqueKeys: false }));
    for (const document of documents) {
      for (const error of document.errors) {
        const [start, end] = error.pos;
        this.problems.push({ message: firstLine(error.message), range: offsetRange(file, start, Math.max(start, end)) });
      }
    }
    this.document = documents[0] ?? null;
    const contents = this.document?.contents ?? null;
    this.root = contents as YamlNode | null;
  }

  /** The node's whole source range (for a mapping or sequence: all of it). */
  range(node: YamlNode): Range {
    const [start, valueEnd] = node.range ?? [0, 0, 0];
    return offsetRange(this.file, start, valueEnd);
  }

  /** Offsets [start, end) of the node's value in the file's text, for edits. */
  offsets(node: YamlNode): [number, number] {
    const [start, valueEnd] = node.range ?? [0, 0, 0];
    return [start, valueEnd];
  }

  /** An alias resolved to the node it names; any other node as it is. */
  resolve(node: YamlNode | null | undefined): YamlNode | null {
    if (!node) return null;
    if (isAlias(node)) return (this.document ? (node.resolve(this.document) as YamlNode | undefined) : undefined) ?? null;
    return node;
  }

  /**
   * The keys of a mapping in source order, with merge keys (`<<: *defaults`) applied as compose applies
   * them: the mapping's own keys win over merged ones. Anything but a mapping has no entries.
   */
  entries(node: YamlNode | null | undefined, depth = 0): YamlEntry[] {
    const map = this.resolve(node);
    if (!map || !isMap(map) || depth > 8) return [];
    const own: YamlEntry[] = [];
    const merged: YamlEntry[] = [];
    for (const pair of map.items) {
      const keyNode = pair.key as YamlNode | null;
      const key = keyNode && isScalar(keyNode) ? scalarString(keyNode) : null;
      if (key === null || !keyNode) continue;
      const value = (pair.value as YamlNode | null) ?? null;
      if (key === '<<') {
        const sources = this.resolve(value);
        const list = sources && isSeq(sources) ? (sources.items as YamlNode[]) : [value];
        for (const source of list) merged.push(...this.entries(source, depth + 1));
        continue;
      }
      own.push({ key, keyNode, value: value && isScalar(value) && value.value === null ? null : value });
    }
    const ownKeys = new Set(own.map((entry) => entry.key));
    return [...own, ...merged.filter((entry) => !ownKeys.has(entry.key))];
  }

  /** The entry of a mapping under `key`, or null. */
  entry(node: YamlNode | null | undefined, key: string): YamlEntry | null {
    return this.entries(node).find((entry) => entry.key === key) ?? null;
  }

  /** The value of a mapping under `key` (aliases resolved), or null. */
  get(node: YamlNode | null | undefined, key: string): YamlNode | null {
    return this.resolve(this.entry(node, key)?.value);
  }

  /** The items of a sequence (aliases resolved); anything else has none. */
  items(node: YamlNode | null | undefined): YamlNode[] {
    const seq = this.resolve(node);
    if (!seq || !isSeq(seq)) return [];
    return (seq.items as YamlNode[]).map((item) => this.resolve(item)).filter((item): item is YamlNode => item !== null);
  }

  /** A scalar's value as a string (numbers and booleans as YAML wrote them); null for anything else. */
  text(node: YamlNode | null | undefined): string | null {
    const scalar = this.resolve(node);
    if (!scalar || !isScalar(scalar)) return null;
    return scalarString(scalar);
  }

  isMap(node: YamlNode | null | undefined): boolean {
    const resolved = this.resolve(node);
    return resolved !== null && isMap(resolved);
  }

  isSeq(node: YamlNode | null | undefined): boolean {
    const resolved = this.resolve(node);
    return resolved !== null && isSeq(resolved);
  }
}

function scalarString(scalar: Scalar): string | null {
  const value = scalar.value;
  if (value === null || value === undefined) return null;
  if (typeof value === 'string') return value;
  // `ports: - 5432:5432` style values keep the source spelling: YAML 1.1 readers differ on such numbers.
  if (scalar.source !== undefined && typeof scalar.source === 'string') return scalar.source;
  return String(value);
}

function firstLine(message: string): string {
  return message.split('\n')[0]!.trim();
}

const cache = new WeakMap<SourceFile, YamlDocument>();

/** The file read as YAML, once per loaded file. Never throws. */
export function readYaml(file: SourceFile): YamlDocument {
  let document = cache.get(file);
  if (!document) {
    document = new YamlDocument(file);
    cache.set(file, document);
  }
  return document;
}
