// The ini files the readers take settings from (tox.ini, pytest.ini, setup.cfg): sections of keys whose
// values may run on over indented rows, each row with its place in the file for messages and fixes.

export interface IniValue {
  /** The value's rows: the text after `key =` on the key's row (when any), then each continuation row. */
  rows: Array<{ row: number; column: number; text: string }>;
}

export type IniSection = Map<string, IniValue>;

/**
 * The sections of an ini text: keys with their (possibly multi-line) values, each row with its place. A
 * section named twice gathers the keys of both. `lowerKeys` folds key names to lower case, as tox's
 * configparser does; pytest's own ini reader keeps them as written.
 */
export function parseIni(text: string, lowerKeys: boolean): Map<string, IniSection> {
  const sections = new Map<string, IniSection>();
  const rows = text.split('\n');
  let section: IniSection | null = null;
  let current: IniValue | null = null;
  for (let row = 0; row < rows.length; row++) {
    const line = rows[row]!.replace(/\r$/, '');
    if (/^\s*[#;]/.test(line) || line.trim() === '') {
      // A blank or comment row does not end a multi-line value (its next indented row continues it).
      continue;
    }
    const header = /^\[([^\]]+)\]\s*$/.exec(line);
    if (header) {
      const name = header[1]!.trim();
      section = sections.get(name) ?? new Map();
      sections.set(name, section);
      current = null;
      continue;
    }
    if (/^[ \t]/.test(line) && current) {
      const column = line.length - line.trimStart().length;
      current.rows.push({ row, column, text: line.trimStart() });
      continue;
    }
    const entry = /^([^=:\s][^=:]*?)\s*[=:]\s*(.*)$/.exec(line);
    if (!entry || !section) {
      current = null;
      continue;
    }
    current = { rows: [] };
    const key = entry[1]!.trim();
    section.set(lowerKeys ? key.toLowerCase() : key, current);
    const value = entry[2]!;
    if (value.trim() !== '') current.rows.push({ row, column: line.length - value.length, text: value.replace(/\s+$/, '') });
  }
  return sections;
}

/** A section's values as text, continuation rows joined by newlines; null when the text has no such section. */
export function iniSection(text: string, name: string): Map<string, string> | null {
  const section = parseIni(text, false).get(name);
  if (!section) return null;
  return new Map([...section].map(([key, value]) => [key, value.rows.map((row) => row.text).join('\n')]));
}
