// Python names as a module's text spells them, for the readers that decide from the text alone, before
// any parse, whether a module can matter.

/** A character that may continue a Python name (ASCII or not). */
const NAME_CHAR = /[\p{L}\p{N}\p{Mn}\p{Mc}\p{Pc}]/u;

/** Is the name spelled in the text at `at` a whole name: no character that continues a name on either side? */
export function isWholeName(text: string, at: number, length: number): boolean {
  const end = at + length;
  return !(at > 0 && NAME_CHAR.test(text[at - 1]!)) && !(end < text.length && NAME_CHAR.test(text[end]!));
}

/** Does the text spell `name` as a whole name anywhere (code, a string, a comment)? */
export function spellsName(text: string, name: string): boolean {
  if (name === '') return false;
  for (let at = text.indexOf(name); at >= 0; at = text.indexOf(name, at + 1)) if (isWholeName(text, at, name.length)) return true;
  return false;
}
