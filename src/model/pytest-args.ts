// What pytest's own options say about which tests a run selects: `-m`, `-k`, `--ignore`, `--deselect`,
// with the configuration's `addopts` (and `PYTEST_ADDOPTS`) in front of the command line, as pytest
// reads them. Words whose value cannot be known statically are null.

/** Splits an option string the way Python's `shlex.split` does (quotes, backslashes); null when unbalanced. */
export function shlexSplit(text: string): string[] | null {
  const words: string[] = [];
  let current = '';
  let inWord = false;
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (char === "'" || char === '"') {
      const close = char === "'" ? text.indexOf("'", i + 1) : closingDoubleQuote(text, i + 1);
      if (close < 0) return null;
      const inner = text.slice(i + 1, close);
      current += char === '"' ? inner.replace(/\\(["\\$`])/g, '$1') : inner;
      inWord = true;
      i = close;
    } else if (char === '\\' && i + 1 < text.length) {
      current += text[++i]!;
      inWord = true;
    } else if (/\s/.test(char)) {
      if (inWord) words.push(current);
      current = '';
      inWord = false;
    } else {
      current += char;
      inWord = true;
    }
  }
  if (inWord) words.push(current);
  return words;
}

function closingDoubleQuote(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '"') return i;
  }
  return -1;
}

/** Where a selecting option came from, for messages. */
export type OptionSource = 'addopts' | 'PYTEST_ADDOPTS' | 'command';

export interface SelectionOptions {
  /** The `-m` expression in force (the last one wins), or null when none. */
  mark: { expression: string; source: OptionSource } | null;
  /** The `-k` expression in force (the last one wins), or null when none. */
  keyword: { expression: string; source: OptionSource } | null;
  /** `--ignore` paths as written (relative to the invocation directory). */
  ignores: string[];
  /** False when something that changes the selection cannot be read (an unknown word after `-m`, `-c other.ini`...). */
  known: boolean;
}

/** Short options whose value is the rest of the word (or the next word). */
const SHORT_VALUE = new Set(['k', 'm', 'c', 'p', 'o', 'W', 'n', 'r']);
const VALUE_OPTIONS = new Set(['-m', '-k', '--ignore', '--ignore-glob', '--deselect', '-o', '--override-ini', '-c', '--config-file', '-p']);

/**
 * Reads the selecting options of a run: `addopts` first (unless `-o addopts=...` replaces it), then
 * `PYTEST_ADDOPTS`, then the command line. `addopts` is the configuration's raw string; `envAddopts`
 * is undefined when the variable is not set and null when it is set to something unknown.
 */
export function selectionOptions(addopts: string, envAddopts: string | null | undefined, command: Array<string | null>, configFileRead = false): SelectionOptions {
  const result: SelectionOptions = { mark: null, keyword: null, ignores: [], known: true };
  // `-o addopts=...` on the command line replaces the configuration's value.
  let configured: string | null = addopts;
  for (let i = 0; i < command.length; i++) {
    const word = command[i];
    const override = overrideValue(word, command[i + 1]);
    if (override === undefined) continue;
    if (override === null) {
      result.known = false;
      return result;
    }
    const match = /^addopts=(.*)$/s.exec(override);
    if (match) configured = match[1]!;
  }
  const fromConfig = configured ? shlexSplit(configured) : [];
  if (fromConfig === null) {
    result.known = false;
    return result;
  }
  let fromEnv: string[] = [];
  if (envAddopts === null) {
    result.known = false;
    return result;
  }
  if (envAddopts !== undefined) {
    const split = shlexSplit(envAddopts);
    if (split === null) {
      result.known = false;
      return result;
    }
    fromEnv = split;
  }
  scan(result, fromConfig, 'addopts', configFileRead);
  scan(result, fromEnv, 'PYTEST_ADDOPTS', configFileRead);
  scan(result, command, 'command', configFileRead);
  return result;
}

/** The value of `-o X` / `-oX` / `--override-ini X` / `--override-ini=X`; undefined when the word is no such option. */
function overrideValue(word: string | null | undefined, next: string | null | undefined): string | null | undefined {
  if (word === null || word === undefined) return undefined;
  if (word === '-o' || word === '--override-ini') return next ?? null;
  if (word.startsWith('--override-ini=')) return word.slice('--override-ini='.length);
  if (word.startsWith('-o') && !word.startsWith('--')) return word.slice(2);
  return undefined;
}

/** `configFileRead`: a `-c FILE` of the run names the configuration `addopts` came from, which was read. */
function scan(result: SelectionOptions, words: Array<string | null>, source: OptionSource, configFileRead: boolean): void {
  for (let i = 0; i < words.length; i++) {
    const word = words[i];
    if (word === null || word === undefined) continue;
    if (word === '--') return;
    let option: string | null = null;
    let value: string | null | undefined;
    if (word.startsWith('--')) {
      const eq = word.indexOf('=');
      const name = eq >= 0 ? word.slice(0, eq) : word;
      if (!VALUE_OPTIONS.has(name)) continue;
      option = name;
      value = eq >= 0 ? word.slice(eq + 1) : words[++i];
    } else if (word.startsWith('-') && word.length >= 2) {
      const letter = word.slice(0, 2);
      if (!VALUE_OPTIONS.has(letter)) {
        // `-vm expr`: a flag cluster that ends in a selecting letter still selects.
        if (!SHORT_VALUE.has(word[1]!) && /^-[A-Za-z]+$/.test(word) && /[mkco]/.test(word.slice(2))) result.known = false;
        continue;
      }
      option = letter;
      const attached = word.slice(2);
      value = attached !== '' ? attached.replace(/^=/, '') : words[++i];
    }
    if (option === null) continue;
    if (value === undefined || value === null) {
      if (option === '-m' || option === '-k' || option === '--ignore' || option === '-c' || option === '--config-file') result.known = false;
      continue;
    }
    switch (option) {
      case '-m':
        result.mark = value.trim() ? { expression: value.trim(), source } : null;
        break;
      case '-k':
        result.keyword = value.trim() ? { expression: value.trim(), source } : null;
        break;
      case '--ignore':
        result.ignores.push(value);
        break;
      case '-c':
      case '--config-file':
        // Another configuration: known when it is the one read for the run.
        if (!configFileRead) result.known = false;
        break;
      case '--ignore-glob':
      case '--deselect':
        // A deselection this model does not follow: the selection is not known.
        result.known = false;
        break;
      default:
        break;
    }
  }
}

/**
 * pytest's expression language for `-m` and `-k`: `and`/`or`/`not`/parentheses over names, each name
 * judged by `matches`. Null when the expression cannot be read.
 */
export function evaluateSelectionExpression(expression: string, matches: (name: string) => boolean): boolean | null {
  const tokens = expression.match(/\(|\)|[^\s()]+/g) ?? [];
  let position = 0;
  const peek = (): string | undefined => tokens[position];
  const parseOr = (): boolean | null => {
    let value = parseAnd();
    while (value !== null && peek() === 'or') {
      position++;
      const right = parseAnd();
      if (right === null) return null;
      value = value || right;
    }
    return value;
  };
  const parseAnd = (): boolean | null => {
    let value = parseNot();
    while (value !== null && peek() === 'and') {
      position++;
      const right = parseNot();
      if (right === null) return null;
      value = value && right;
    }
    return value;
  };
  const parseNot = (): boolean | null => {
    const token = peek();
    if (token === undefined) return null;
    if (token === 'not') {
      position++;
      const inner = parseNot();
      return inner === null ? null : !inner;
    }
    if (token === '(') {
      position++;
      const inner = parseOr();
      if (peek() !== ')') return null;
      position++;
      return inner;
    }
    if (token === ')' || token === 'and' || token === 'or' || !/^[\w.:+\-[\]\\/]+$/.test(token)) return null;
    position++;
    return matches(token);
  };
  const result = parseOr();
  return position === tokens.length ? result : null;
}

/** pytest's `-k`: each name matches, case-insensitively and as a substring, any of the item's keywords. */
export function evaluateKeywordExpression(expression: string, keywords: readonly string[]): boolean | null {
  const lowered = keywords.map((keyword) => keyword.toLowerCase());
  return evaluateSelectionExpression(expression, (name) => {
    const needle = name.toLowerCase();
    return lowered.some((keyword) => keyword.includes(needle));
  });
}
