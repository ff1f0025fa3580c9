// The project's files indexed once (by path, by folder, by language), so that every suite and model
// looks its files up instead of scanning all of them: with hundreds of suites, a scan per suite makes the
// run quadratic in the size of the tree.
import path from 'node:path';
import type { DiscoveredFile } from '../discover.js';
import type { Language } from '../source.js';

const NONE: readonly DiscoveredFile[] = Object.freeze([]);

export class FileIndex {
  private readonly files: readonly DiscoveredFile[];
  private readonly paths = new Map<string, DiscoveredFile>();
  /** Folder → the files directly in it, in discovery order. */
  private readonly children = new Map<string, DiscoveredFile[]>();
  /** Folder → every file below it (any depth), in discovery order; filled on first use. */
  private descendants: Map<string, DiscoveredFile[]> | null = null;
  private readonly languages = new Map<Language, DiscoveredFile[]>();

  constructor(files: readonly DiscoveredFile[]) {
    this.files = files;
    for (const file of files) {
      if (!this.paths.has(file.path)) this.paths.set(file.path, file);
      push(this.children, path.dirname(file.path), file);
      push(this.languages, file.language, file);
    }
  }

  /** The discovered file at this absolute path. */
  get(filePath: string): DiscoveredFile | undefined {
    return this.paths.get(filePath);
  }

  /** Files directly in the folder (absolute path). */
  inDir(dir: string): readonly DiscoveredFile[] {
    return this.children.get(dir) ?? NONE;
  }

  /** Files anywhere below the folder (absolute path), in discovery order. */
  under(dir: string): readonly DiscoveredFile[] {
    if (!this.descendants) {
      const descendants = new Map<string, DiscoveredFile[]>();
      for (const file of this.files) {
        let current = path.dirname(file.path);
        for (;;) {
          push(descendants, current, file);
          const parent = path.dirname(current);
          if (parent === current) break;
          current = parent;
        }
      }
      this.descendants = descendants;
    }
    return this.descendants.get(dir) ?? NONE;
  }

  /** Files of one language, in discovery order. */
  ofLanguage(language: Language): readonly DiscoveredFile[] {
    return this.languages.get(language) ?? NONE;
  }

  /** Every folder that directly holds a discovered file (absolute paths). */
  dirs(): IterableIterator<string> {
    return this.children.keys();
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}
