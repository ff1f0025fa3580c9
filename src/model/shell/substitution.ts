// Command substitutions whose output a reader knows by eye: the script-directory idioms
// (`$(dirname "$0")`, `$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)`, `realpath`, `readlink -f`),
// `basename`, `pwd` and `echo`. Anything else is unknown (null).
import path from 'node:path';
import type { Expander } from './expand.js';
import type { Node } from './light-tree.js';
import { literalText, posixDirname } from './text.js';

/** The output of a command substitution, for the few idioms a reader resolves by eye; null otherwise. */
export function substitution(expander: Expander, node: Node): string | null {
  const statements = node.namedChildren.filter((child) => child.type !== 'comment');
  let cwd: string | null | undefined; // undefined = not yet asked
  const currentCwd = (): string | null => {
    if (cwd === undefined) cwd = expander.scope.cwdAt(node.startIndex);
    return cwd;
  };
  let output = '';
  const run = (statement: Node): boolean => {
    if (statement.type === 'list') {
      const [left, right] = statement.namedChildren;
      const operator = statement.children.find((child) => child.type === '&&' || child.type === '||' || child.type === ';');
      if (!left || !right || operator?.type === '||') return false;
      return run(left) && run(right);
    }
    if (statement.type === 'redirected_statement') {
      const body = statement.childForFieldName('body');
      const redirects = statement.namedChildren.filter((child) => child.id !== body?.id);
      // Redirections that only silence output or errors (`&>/dev/null`, `2>&1 >/dev/null` on cd) are fine.
      if (!body || !redirects.every((redirect) => /\/dev\/null\s*$|&\d\s*$/.test(redirect.text))) return false;
      if (redirects.some((redirect) => /^(1?>|&>)/.test(redirect.text.trim())) && body.type === 'command' && literalText(body.childForFieldName('name')!) !== 'cd') return false;
      return run(body);
    }
    if (statement.type !== 'command') return false;
    const nameNode = statement.childForFieldName('name');
    const name = nameNode ? literalText(nameNode) : null;
    if (statement.namedChildren.some((child) => child.type === 'variable_assignment')) return false;
    const args = expander.wordsOf(statement.namedChildren.filter((child) => child.type !== 'command_name'));
    if (args.some((arg) => arg.value === null)) return false;
    const values = args.map((arg) => arg.value!);
    const operands = values.filter((value) => !value.startsWith('-') || value === '-');
    const options = values.filter((value) => value.startsWith('-') && value !== '-' && value !== '--');
    const absolute = (value: string): string | null => {
      if (path.isAbsolute(value)) return path.normalize(value);
      const base = currentCwd();
      return base === null ? null : path.resolve(base, value);
    };
    switch (name) {
      case 'dirname': {
        if (operands.length !== 1 || options.length) return false;
        output += posixDirname(operands[0]!) + '\n';
        return true;
      }
      case 'basename': {
        if (operands.length < 1 || operands.length > 2 || options.length) return false;
        let base = path.posix.basename(operands[0]!);
        if (operands[1] && base.endsWith(operands[1]) && base !== operands[1]) base = base.slice(0, -operands[1].length);
        output += base + '\n';
        return true;
      }
      case 'pwd': {
        const base = currentCwd();
        if (base === null) return false;
        output += base + '\n';
        return true;
      }
      case 'cd': {
        if (operands.length !== 1 || operands[0] === '-') return false;
        const target = absolute(operands[0]!);
        if (target === null) return false;
        cwd = target;
        return true;
      }
      case 'realpath':
      case 'readlink': {
        if (operands.length !== 1) return false;
        if (name === 'readlink' && !options.some((option) => /^-[a-zA-Z]*[fem]/.test(option))) return false;
        const target = absolute(operands[0]!);
        if (target === null) return false;
        output += target + '\n';
        return true;
      }
      case 'echo': {
        if (options.length && !options.every((option) => option === '-n')) return false;
        output += values.filter((value) => value !== '-n').join(' ') + (options.includes('-n') ? '' : '\n');
        return true;
      }
      default:
        return false;
    }
  };
  for (const statement of statements) if (!run(statement)) return null;
  return output.replace(/\n+$/, '');
}
