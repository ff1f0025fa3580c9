// Python names as a module's text spells them, for the readers that decide from the text alone, before
// any parse, whether a module can matter.

/**
 * A character beyond ASCII that may continue a Python name, made when such a character is first met.
 * Compiling a Unicode pattern costs a run that never meets one about 6 M instructions, and even making
 * it costs one parse, which expands each `\p{...}` into its ranges: ASCII characters are told apart
 * without it, and the pattern is kept as text until it is needed.
 */
let nameChar: RegExp | undefined;
const NAME_CHAR = String.raw`[\p{L}\p{N}\p{Mn}\p{Mc}\p{Pc}]`;

/** May the UTF-16 unit at `index` continue a Python name? False outside the text. */
function continuesName(text: string, index: number): boolean {
  const code = text.charCodeAt(index);
  if (Number.isNaN(code)) return false;
  if (code < 128) return (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95;
  return (nameChar ??= new RegExp(NAME_CHAR, 'u')).test(text[index]!);
}

/** Is the name spelled in the text at `at` a whole name: no character that continues a name on either side? */
export function isWholeName(text: string, at: number, length: number): boolean {
  return !(at > 0 && continuesName(text, at - 1)) && !continuesName(text, at + length);
}

/** Does the text spell `name` as a whole name anywhere (code, a string, a comment)? */
export function spellsName(text: string, name: string): boolean {
  if (name === '') return false;
  for (let at = text.indexOf(name); at >= 0; at = text.indexOf(name, at + 1)) if (isWholeName(text, at, name.length)) return true;
  return false;
}
