// yargs reports command-line mistakes in its own terms ("Unknown arguments: stdin-filename, stdinFilename",
// "Invalid values: Argument: format, Given: ..."). These say them in smoke-lint's words, naming the option
// as the user typed it and, for a near miss, the option they probably meant.
import { closest } from './near-miss.js';

const SEE_HELP = '(see smoke-lint --help)';

/** The options a command knows, as yargs lists them (long names and one-letter aliases). */
export interface KnownOptions {
  names: string[];
}

/** `--name` for a long option, `-q` for a one-letter one. */
function spelled(name: string): string {
  return name.length === 1 ? `-${name}` : `--${name}`;
}

/**
 * The options typed on the command line (up to `--`), each as written and by the name it looks up:
 * `--fixx` → fixx, `--no-color` → color, `--format=json` → format, `-qo` → q and o.
 */
function typedOptions(argv: string[]): Array<{ written: string; name: string }> {
  const found: Array<{ written: string; name: string }> = [];
  for (const token of argv) {
    if (token === '--') break;
    if (!token.startsWith('-') || token === '-' || /^-\d/.test(token)) continue;
    if (token.startsWith('--')) {
      const name = token.slice(2).split('=')[0]!;
      found.push({ written: `--${name}`, name: name.startsWith('no-') ? name.slice(3) : name });
    } else {
      for (const letter of token.slice(1).split('=')[0]!) found.push({ written: `-${letter}`, name: letter });
    }
  }
  return found;
}

/** The message for a yargs failure: smoke-lint's own for the mistakes users make, yargs' (on one line) otherwise. */
export function explainUsageFailure(message: string, argv: string[], known: KnownOptions): string {
  const oneLine = message.replace(/\s*\n\s*/g, ' ');
  if (/^Unknown arguments?:/.test(oneLine)) {
    const names = new Set(known.names);
    const unknown = typedOptions(argv).find((option) => !names.has(option.name) && !names.has(`no-${option.name}`));
    if (unknown) {
      const long = known.names.filter((name) => name.length > 1);
      const guess = unknown.name.length > 1 ? closest(unknown.name, long, unknown.name.length >= 5 ? 2 : 1) : null;
      const negated = unknown.written.startsWith('--no-') && guess ? `--no-${guess}` : null;
      return `unknown option ${unknown.written}${guess ? `: did you mean ${negated ?? spelled(guess)}?` : ''} ${SEE_HELP}`;
    }
    const extra = oneLine.replace(/^Unknown arguments?:\s*/, '').split(', ')[0];
    return `unexpected argument ${extra} ${SEE_HELP}`;
  }
  const invalid = /^Invalid values: Argument: ([\w-]+), Given: (.*?), Choices: (.*)$/.exec(oneLine);
  if (invalid) {
    const choices = invalid[3]!.split(', ').map((choice) => choice.replace(/^"|"$/g, ''));
    const given = invalid[2]!.replace(/^"|"$/g, '');
    const guess = closest(given, choices, 2);
    return `--${invalid[1]} ${given} is not one of ${choices.join(', ')}${guess ? `: did you mean ${guess}?` : ''}`;
  }
  const needsValue = /^Not enough arguments following: ([\w-]+)$/.exec(oneLine);
  if (needsValue) return `${spelled(needsValue[1]!)} needs a value ${SEE_HELP}`;
  if (/^Not enough non-option arguments/.test(oneLine)) return `a required argument is missing ${SEE_HELP}`;
  return oneLine;
}
