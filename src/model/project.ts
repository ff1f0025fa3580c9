// A project as every command sees it: its root, configuration and discovered files, each loaded (read
// and parsed) once when asked for. Which folders are suites is the suite model's (projectSuiteDirs in
// src/model/suite.ts): a run that decides from paths and texts alone loads this file without the models.
import path from 'node:path';
import type { Config } from '../config.js';
import { forgetFile, fromText, loadSource, parsesAsRead, sourceFromReadText, type SourceFile } from '../source.js';
import { NativeLoadError } from '../native.js';
import { relativePath, type DiscoveredFile } from '../discover.js';
import type { PytestConfig } from './pytest-config.js';
import { FileIndex } from './file-index.js';
import { readTextFile } from '../read-text.js';

export class Project {
  readonly root: string;
  readonly config: Config;
  readonly pytest: PytestConfig;
  readonly discovered: DiscoveredFile[];
  private readonly loaded = new Map<string, SourceFile>();
  /**
   * Texts read by `peekText` (absolute path → text) and not loaded since: a model that checks a module's
   * words before it parses the module, and the next that asks the same, read the file once between them,
   * even when suites were linted between the two (finding the suites peeks at the modules a test module
   * imports and at the scripts, and the suites read them again). Kept up to `peekedBudget` characters in
   * all, the oldest let go first, so that a tree of any size holds at most that much text here.
   */
  private readonly peeked = new Map<string, string>();
  private peekedChars = 0;
  /** At most this many characters of peeked text are kept (8 Mi: about 8 MiB, the texts being mostly ASCII). */
  readonly peekedBudget: number;
  /**
   * Files that stay loaded through the releases after suites until a suite has read them (`keepUntilRead`):
   * the script index's scripts, which the suite that runs them would otherwise parse and model again.
   */
  private readonly keptUntilRead = new Set<string>();
  /** Kept files read since the last release after a suite. */
  private readonly keptRead = new Set<string>();
  private fileIndex: FileIndex | null = null;
  /** One-line I/O errors met while loading files. */
  readonly ioErrors: string[] = [];
  /** Texts that replace the disk's (absolute path → text, a BOM as U+FEFF): the fix passes' files in memory. */
  private readonly overlay: ReadonlyMap<string, string> | undefined;

  /**
   * Is the file (absolute) where the project's pytest configuration or smoke-lint configuration comes from?
   * Every suite depends on it: `addopts` can deselect a suite, `suites` or the ports change what is checked.
   */
  isConfigFile(file: string): boolean {
    return [this.pytest.source, this.config.source].some((source) => source !== null && path.resolve(this.root, source) === file);
  }

  constructor(root: string, config: Config, pytest: PytestConfig, discovered: DiscoveredFile[], overlay?: ReadonlyMap<string, string>, peekedBudget = 8 * 1024 * 1024) {
    this.root = root;
    this.config = config;
    this.pytest = pytest;
    this.discovered = discovered;
    this.overlay = overlay;
    this.peekedBudget = peekedBudget;
  }

  /** Loads (once) a discovered file; null when it cannot be read at all (the error is recorded). */
  load(file: DiscoveredFile): SourceFile | null {
    const cached = this.loaded.get(file.path);
    if (cached) {
      if (this.keptUntilRead.has(file.path)) this.keptRead.add(file.path);
      return cached;
    }
    const overlaid = this.overlay?.get(file.path);
    if (overlaid !== undefined) {
      const source = fromText(file.path, file.language, overlaid);
      this.loaded.set(file.path, source);
      return source;
    }
    const peeked = this.peeked.get(file.path);
    if (peeked !== undefined) {
      this.forgetPeeked(file.path);
      const source = sourceFromReadText(file.path, file.language, peeked);
      if (source !== null) {
        this.loaded.set(file.path, source);
        return source;
      }
    }
    try {
      const source = loadSource(file.path, file.language);
      this.loaded.set(file.path, source);
      return source;
    } catch (error) {
      if (error instanceof NativeLoadError) throw error; // the parser itself is missing: no file can be read
      // Released files are loaded again when asked for: an unreadable one is reported once.
      const message = error instanceof Error ? error.message : String(error);
      if (!this.ioErrors.includes(message)) this.ioErrors.push(message);
      return null;
    }
  }

  /**
   * A file's text as this run sees it (the overlay's, else the disk's), read without parsing and without
   * recording an error; null when it cannot be read (then whoever needs the file loads it and reports).
   * A file read from disk is read once until the loaded files are let go; loading it takes that text.
   */
  peekText(filePath: string): string | null {
    const loaded = this.loaded.get(filePath);
    if (loaded) return loaded.unreadable ? null : loaded.text;
    const overlaid = this.overlay?.get(filePath);
    if (overlaid !== undefined) return overlaid;
    const peeked = this.peeked.get(filePath);
    if (peeked !== undefined) return peeked;
    const text = readTextFile(filePath);
    if (text !== null) this.keepPeeked(filePath, text);
    return text;
  }

  private keepPeeked(filePath: string, text: string): void {
    if (text.length > this.peekedBudget) return;
    this.peeked.set(filePath, text);
    this.peekedChars += text.length;
    // A Map iterates in insertion order: the first key is the oldest text.
    while (this.peekedChars > this.peekedBudget) this.forgetPeeked(this.peeked.keys().next().value!);
  }

  /**
   * Does the file's text alone rule it out, so that it need not be parsed now? True when the text can be read,
   * would be parsed as read (`parsesAsRead`), and `mayMatter` says it cannot matter. False otherwise (then
   * load the file: it takes the text read). Either way the text stays with the peeked ones, for whoever
   * reads the file later (a suite that runs a script the script index ruled out).
   */
  ruledOutByText(filePath: string, mayMatter: (text: string) => boolean): boolean {
    const text = this.peekText(filePath);
    return text !== null && parsesAsRead(text) && !mayMatter(text);
  }

  /** Lets go of a text `peekText` read ahead (a loaded file stays). */
  private forgetPeeked(filePath: string): void {
    const text = this.peeked.get(filePath);
    if (text === undefined) return;
    this.peeked.delete(filePath);
    this.peekedChars -= text.length;
  }

  /** Every file loaded so far (by discovery and by the rules: test modules, DB scripts, runners, CI files). */
  loadedFiles(): SourceFile[] {
    return [...this.loaded.values()];
  }

  /**
   * Forgets every loaded Python file (once a suite's rules ran), so that their trees and the models cached
   * on them can be freed: peak memory is then bounded by the largest suite, not by the tree. A file asked
   * for again is read and parsed again (a module shared by suites is parsed once per suite). Discovery
   * and suite-dir finding release these as they go; the script index lets each shell file go as it reads it (`releaseFile`).
   */
  releasePython(): void {
    this.release((file) => file.language === 'python');
  }

  /**
   * Forgets every loaded Python and shell file once a suite's rules ran: the project's script index keeps
   * plain facts by path (src/model/script-index.ts), and the next suite loads the scripts it reads again.
   * YAML files stay (the readers of compose files and CI workflows share them between suites), and so do
   * the files kept until a suite reads them (`keepUntilRead`) that no suite has read yet.
   */
  releaseSuiteFiles(): void {
    this.release((file) => file.language !== 'yaml' && (!this.keptUntilRead.has(file.path) || this.keptRead.has(file.path)));
    for (const filePath of this.keptRead) this.keptUntilRead.delete(filePath);
    this.keptRead.clear();
  }

  /**
   * Keeps a loaded file through the releases after suites until a suite has read it (loaded it again):
   * the script index's scripts, whose models the suite that runs them takes as they are. Released with
   * that suite's files; a file no suite reads stays loaded (the index bounds what it keeps).
   */
  keepUntilRead(filePath: string): void {
    if (this.loaded.has(filePath)) this.keptUntilRead.add(filePath);
  }

  /**
   * Forgets one loaded file (and no text read ahead for others): the script index lets each script's model
   * go once it has read its facts.
   */
  releaseFile(filePath: string): void {
    const file = this.loaded.get(filePath);
    if (!file) return;
    this.keptUntilRead.delete(filePath);
    this.keptRead.delete(filePath);
    forgetFile(file);
    this.loaded.delete(filePath);
  }

  private release(drop: (file: SourceFile) => boolean): void {
    // forEach, not for-of over entries: called after every discovery step and suite, and each entry pair is an allocation.
    this.loaded.forEach((file, filePath) => {
      if (drop(file)) this.releaseFile(filePath);
    });
  }

  /** Path relative to the project root, `/`-separated. */
  relative(target: string): string {
    return relativePath(this.root, target);
  }

  /** The discovered files by path, folder and language (built once, on first use). */
  get files(): FileIndex {
    this.fileIndex ??= new FileIndex(this.discovered);
    return this.fileIndex;
  }

  /** YAML files anywhere in the project whose path passes `keep` (compose files, CI workflows), loaded on demand. */
  yamlFiles(keep: (absolutePath: string) => boolean = () => true): SourceFile[] {
    return this.files.ofLanguage('yaml').filter((file) => keep(file.path)).map((file) => this.load(file)).filter(isPresent);
  }
}

function isPresent<T>(value: T | null): value is T {
  return value !== null;
}
