// A small glob matcher for config values (`suites`, `per-file-ignores`): `**`, `*`, `?`, `{a,b}`, and
// `\` before one of `*?{},[]\` for that character itself (any other `\` is a Windows separator).
// Paths are matched relative to the project root, `/`-separated.

const cache = new Map<string, RegExp>();

export function globToRegExp(glob: string): RegExp {
  const cached = cache.get(glob);
  if (cached) return cached;
  let pattern = glob.replace(/\\(?![*?{}[\],\\])/g, '/').replace(/^\.\//, '').replace(/\/+$/, '');
  // A glob without a slash matches at any depth, as in .gitignore and Ruff's per-file-ignores.
  if (!pattern.includes('/')) pattern = `**/${pattern}`;
  let source = '';
  for (let i = 0; i < pattern.length; i++) {
    const char = pattern[i]!;
    if (char === '\\' && i + 1 < pattern.length) {
      source += escapeRegExp(pattern[i + 1]!);
      i += 1;
    } else if (char === '*') {
      if (pattern[i + 1] === '*') {
        const slashAfter = pattern[i + 2] === '/';
        source += slashAfter ? '(?:.*/)?' : '.*';
        i += slashAfter ? 2 : 1;
      } else {
        source += '[^/]*';
      }
    } else if (char === '?') {
      source += '[^/]';
    } else if (char === '{') {
      const close = pattern.indexOf('}', i);
      if (close === -1) {
        source += '\\{';
      } else {
        const options = pattern.slice(i + 1, close).split(',').map(escapeRegExp);
        source += `(?:${options.join('|')})`;
        i = close;
      }
    } else {
      source += escapeRegExp(char);
    }
  }
  const regexp = new RegExp(`^${source}$`);
  cache.set(glob, regexp);
  return regexp;
}

/** `text` as a literal inside a regular expression. */
export function escapeRegExp(text: string): string {
  return text.replace(/[.+^${}()|[\]\\*?]/g, '\\$&');
}

/** Does the relative path, or one of its parent directories, match the glob? */
export function globMatches(glob: string, relativePath: string): boolean {
  const regexp = globToRegExp(glob);
  const parts = relativePath.split('/');
  for (let length = parts.length; length > 0; length--) {
    if (regexp.test(parts.slice(0, length).join('/'))) return true;
  }
  return false;
}
