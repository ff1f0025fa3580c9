// tree-sitter and its two grammars are native addons. They are loaded on first use rather than at import, so
// that an install whose binding cannot load (`npm install --ignore-scripts`, a Node upgrade without a rebuild)
// gets one line saying what to do instead of a stack trace from the module loader.
import { createRequire } from 'node:module';
import type Parser from 'tree-sitter';

/** The native binding or a grammar could not be loaded; the message is one line of advice. */
export class NativeLoadError extends Error {}

export interface Natives {
  Parser: typeof Parser;
  python: unknown;
  bash: unknown;
}

const require = createRequire(import.meta.url);
let loaded: Natives | null = null;

function load(name: string): unknown {
  try {
    return require(name);
  } catch (error) {
    const detail = (error instanceof Error ? error.message : String(error)).split('\n')[0]!.trim();
    throw new NativeLoadError(
      `cannot load the native parser \`${name}\` (${detail}); run \`npm rebuild ${name}\` (it needs python3, make and g++) or reinstall without --ignore-scripts`,
    );
  }
}

export function natives(): Natives {
  loaded ??= { Parser: load('tree-sitter') as typeof Parser, python: load('tree-sitter-python'), bash: load('tree-sitter-bash') };
  return loaded;
}
