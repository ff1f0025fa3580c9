// The tree layer of the shell model: a compact mirror of the tree-sitter-bash tree (typed arrays,
// one slot per node), the `Node` views the rest of the model walks, and the cheap text tests that
// let the mirror skip the insides of plain words and plain commands until a rule asks for them.
import type Parser from 'tree-sitter';

type SyntaxNode = Parser.SyntaxNode;

/**
 * A mirror of the tree-sitter tree in typed arrays, read once with a cursor: the binding's node objects
 * cost microseconds each and a mirror of objects keeps the garbage collector busy, which a 100,000-line
 * script cannot afford. `Node` objects are small views made on demand; real SyntaxNodes are
 * materialized (by preorder index) only when a rule reads `.node`.
 *
 * Every call into the binding costs about a tenth of a microsecond, so the mirror skips what the model
 * does not read before a rule asks: the insides of plain words (`DEFERRABLE_TYPES`), of plain commands
 * (`plainCommandName`: their name is read off the text, their words when a rule reads `args`), and the
 * anonymous tokens the model never reads (`KEPT_TOKENS`, `EXPANSION_TOKENS`). A deferred node is mirrored
 * on first use (`expand`). The walk (`Walker.walkSlot` in walk.ts) reads slots directly and makes views only for
 * what the model keeps.
 */
/**
 * What the mirror knows of a node type or field, by id: the same for every tree of a grammar, so shared by
 * them (a thousand scripts kept a thousand copies, about 9 KiB each). Filled as types are met.
 */
interface TypeTables {
  typeNames: string[];
  namedTypes: boolean[];
  keptTypes: boolean[];
  /** Per type id: 1 = reads its children's field names, 2 = leaf, 4 = deferrable word, 8 = never has children, 16 = command, 32 = kept only in `${...}`. */
  typeFlags: number[];
  fieldNames: Array<string | null | undefined>;
}

const tablesByLanguage = new WeakMap<object, TypeTables>();

function typeTablesOf(tree: Parser.Tree): TypeTables {
  const fresh = (): TypeTables => ({ typeNames: [], namedTypes: [], keptTypes: [], typeFlags: [], fieldNames: [''] });
  // The binding's parse sets the grammar on the tree; ids are only shared within one grammar.
  const language = (tree as { language?: object }).language;
  if (!language) return fresh();
  let tables = tablesByLanguage.get(language);
  if (!tables) {
    tables = fresh();
    tablesByLanguage.set(language, tables);
  }
  return tables;
}

export class LightTree {
  private cursor: Parser.TreeCursor | null = null;
  private readonly materialized = new Map<number, SyntaxNode>();
  private readonly types: TypeTables;
  /** The type id of the node `make` saw last (kept or not). */
  private lastTypeId = 0;
  /** Defer plain commands (see `plainCommandName`); off for trees with errors, whose commands may hold anything. */
  deferCommands = false;

  // One slot per mirrored node.
  size = 0;
  preorder: Int32Array<ArrayBuffer>;
  typeIds: Uint16Array<ArrayBuffer>;
  starts: Int32Array<ArrayBuffer>;
  ends: Int32Array<ArrayBuffer>;
  fields: Uint16Array<ArrayBuffer>;
  parents: Int32Array<ArrayBuffer>;
  firsts: Int32Array<ArrayBuffer>;
  nexts: Int32Array<ArrayBuffer>;
  lasts: Int32Array<ArrayBuffer>;
  deferred: Uint8Array<ArrayBuffer>;
  private readonly views: Array<Node | undefined> = [];
  private readonly bySlot: Array<Node[] | undefined> = [];

  constructor(
    readonly tree: Parser.Tree,
    readonly text: string,
  ) {
    this.types = typeTablesOf(tree);
    // About one mirrored node per 10 characters of script: sized once, the arrays seldom grow.
    this.preorder = this.typeIds = this.starts = this.ends = this.fields = this.parents = this.firsts = this.nexts = this.lasts = this.deferred = null!;
    this.allocate(Math.max(MIN_CAPACITY, Math.ceil(text.length / 10)));
  }

  /**
   * Gives the slot arrays room for `capacity` nodes, keeping the slots made so far: one buffer holds them
   * all, since each buffer costs an allocation outside the JavaScript heap (a thousand scripts of a large
   * tree made ten each).
   */
  private allocate(capacity: number): void {
    const buffer = new ArrayBuffer(capacity * SLOT_BYTES);
    let offset = 0;
    const int32 = (old: Int32Array | null): Int32Array<ArrayBuffer> => {
      const next = new Int32Array(buffer, offset, capacity);
      offset += capacity * 4;
      if (old) next.set(old);
      return next;
    };
    const uint16 = (old: Uint16Array | null): Uint16Array<ArrayBuffer> => {
      const next = new Uint16Array(buffer, offset, capacity);
      offset += capacity * 2;
      if (old) next.set(old);
      return next;
    };
    const grown = this.preorder !== null;
    this.preorder = int32(grown ? this.preorder : null);
    this.starts = int32(grown ? this.starts : null);
    this.ends = int32(grown ? this.ends : null);
    this.parents = int32(grown ? this.parents : null);
    this.firsts = int32(grown ? this.firsts : null);
    this.nexts = int32(grown ? this.nexts : null);
    this.lasts = int32(grown ? this.lasts : null);
    this.typeIds = uint16(grown ? this.typeIds : null);
    this.fields = uint16(grown ? this.fields : null);
    const deferred = new Uint8Array(buffer, offset, capacity);
    if (grown) deferred.set(this.deferred);
    this.deferred = deferred;
  }

  typeOf(slot: number): string {
    return this.types.typeNames[this.typeIds[slot]!]!;
  }

  isNamed(slot: number): boolean {
    return this.types.namedTypes[this.typeIds[slot]!]!;
  }

  fieldOf(slot: number): string | null {
    return this.types.fieldNames[this.fields[slot]!] || null;
  }

  view(slot: number): Node {
    let node = this.views[slot];
    if (!node) {
      node = new Node(this, slot);
      this.views[slot] = node;
    }
    return node;
  }

  children(slot: number): Node[] {
    let kids = this.bySlot[slot];
    if (kids) return kids;
    this.expand(slot);
    let count = 0;
    for (let child = this.firsts[slot]!; child >= 0; child = this.nexts[child]!) count++;
    kids = new Array<Node>(count);
    let i = 0;
    for (let child = this.firsts[slot]!; child >= 0; child = this.nexts[child]!) kids[i++] = this.view(child);
    if (count > 0) this.bySlot[slot] = kids;
    return kids;
  }

  /** The first mirrored child of a node (mirroring a deferred node's insides first); -1 when none. */
  first(slot: number): number {
    if (this.deferred[slot]) this.expand(slot);
    return this.firsts[slot]!;
  }

  /** The mirrored child with this field name; -1 when none. */
  fieldChild(slot: number, name: string): number {
    for (let child = this.first(slot); child >= 0; child = this.nexts[child]!) if (this.fieldOf(child) === name) return child;
    return -1;
  }

  /** Mirrors a deferred node's insides. */
  expand(slot: number): void {
    if (this.deferred[slot]) {
      this.deferred[slot] = 0;
      const cursor = (this.cursor ??= this.tree.walk());
      cursor.gotoDescendant(this.preorder[slot]!);
      // A command is resolved to expand its words: mirror them now rather than one by one later.
      this.build(cursor, slot, (this.types.typeFlags[this.typeIds[slot]!]! & 16) === 0);
    }
  }

  syntaxAt(slot: number): SyntaxNode {
    let node = this.materialized.get(slot);
    if (!node) {
      const cursor = (this.cursor ??= this.tree.walk());
      cursor.gotoDescendant(this.preorder[slot]!);
      node = cursor.currentNode;
      this.materialized.set(slot, node);
    }
    return node;
  }

  /** Mirrors the whole tree; returns the root. */
  mirror(): Node {
    const cursor = (this.cursor ??= this.tree.walk());
    cursor.gotoDescendant(0);
    const root = this.make(cursor, -1, 0);
    this.build(cursor, root);
    return this.view(root);
  }

  private grow(): void {
    this.allocate(this.preorder.length * 2);
  }

  /**
   * Mirrors the cursor's node under `parent`; -1 when it is a token or comment the model never reads.
   * `preorder` is the node's descendant index when the caller counted it, else -1 (asked of the cursor).
   */
  private make(cursor: Parser.TreeCursor, parent: number, preorder: number): number {
    const typeId = cursor.nodeTypeId;
    this.lastTypeId = typeId;
    let type = this.types.typeNames[typeId];
    if (type === undefined) {
      type = cursor.nodeType;
      this.types.typeNames[typeId] = type;
      this.types.namedTypes[typeId] = cursor.nodeIsNamed;
      this.types.keptTypes[typeId] = (this.types.namedTypes[typeId]! && type !== 'comment') || KEPT_TOKENS.has(type);
      const terminal = !this.types.namedTypes[typeId] || (LEAF_TYPES.has(type) && !NONTERMINAL_LEAVES.has(type));
      this.types.typeFlags[typeId] = (FIELD_PARENTS.has(type) ? 1 : 0) | (LEAF_TYPES.has(type) ? 2 : 0) | (DEFERRABLE_TYPES.has(type) ? 4 : 0) | (terminal ? 8 : 0) | (type === 'command' ? 16 : 0) | (EXPANSION_TOKENS.has(type) ? 32 : 0);
    }
    if (!this.types.keptTypes[typeId]) return -1;
    if ((this.types.typeFlags[typeId]! & 32) !== 0 && (parent < 0 || this.typeOf(parent) !== 'expansion')) return -1;
    if (this.size === this.preorder.length) this.grow();
    const slot = this.size++;
    let fieldId = 0;
    if (parent >= 0 && (this.types.typeFlags[this.typeIds[parent]!]! & 1) !== 0) {
      fieldId = cursor.currentFieldId;
      if (fieldId && this.types.fieldNames[fieldId] === undefined) this.types.fieldNames[fieldId] = cursor.currentFieldName || null;
    }
    this.preorder[slot] = preorder >= 0 ? preorder : cursor.currentDescendantIndex;
    this.typeIds[slot] = typeId;
    this.starts[slot] = cursor.startIndex;
    this.ends[slot] = cursor.endIndex;
    this.fields[slot] = fieldId;
    this.parents[slot] = parent;
    this.firsts[slot] = -1;
    this.nexts[slot] = -1;
    this.lasts[slot] = -1;
    this.deferred[slot] = 0;
    if (parent >= 0) {
      const last = this.lasts[parent]!;
      if (last >= 0) this.nexts[last] = slot;
      else this.firsts[parent] = slot;
      this.lasts[parent] = slot;
    }
    return slot;
  }

  /** Mirrors the descendants of the cursor's node (slot `top`), iteratively; leaves the cursor on it. */
  private build(cursor: Parser.TreeCursor, top: number, defer = true): void {
    if (LEAF_TYPES.has(this.typeOf(top)) || !cursor.gotoFirstChild()) return;
    let parent = top;
    // The descendant index of the cursor's node, counted here to spare a call into the binding per node;
    // -1 after passing over a subtree that may hold nodes (a deferred word, a `number`), until the next
    // mirrored node asks the cursor again.
    let next = this.preorder[top]! + 1;
    for (;;) {
      const slot = this.make(cursor, parent, next);
      if (slot >= 0) next = this.preorder[slot]!;
      // Anonymous tokens, comments and the leaf types but `number` never have children.
      let whole = (this.types.typeFlags[this.lastTypeId]! & 8) !== 0;
      let descend = false;
      if (slot >= 0) {
        const flags = this.types.typeFlags[this.typeIds[slot]!]!;
        if ((flags & 2) !== 0) descend = false;
        else if (!defer) descend = true;
        else if ((flags & 4) !== 0 && !hasEffects(this.text, this.starts[slot]!, this.ends[slot]!)) {
          this.deferred[slot] = 1;
        } else if ((flags & 16) !== 0 && this.deferCommands && plainCommandName(this.text, this.starts[slot]!, this.ends[slot]!) !== null) {
          this.deferred[slot] = 1;
        } else descend = true;
      }
      if (descend) {
        if (cursor.gotoFirstChild()) {
          parent = slot;
          next++;
          continue;
        }
        whole = true; // no children at all
      }
      next = whole && next >= 0 ? next + 1 : -1;
      while (!cursor.gotoNextSibling()) {
        cursor.gotoParent();
        if (parent === top) return;
        parent = this.parents[parent]!;
      }
    }
  }
}

/** The fewest slots a mirror starts with (a short script's tree; `grow` doubles them when needed). */
const MIN_CAPACITY = 128;
/** Bytes per slot: seven Int32 arrays, two Uint16 arrays and one Uint8 array. */
const SLOT_BYTES = 7 * 4 + 2 * 2 + 1;

/** Parents whose field names the model reads; other nodes skip the cursor call for their field. */
const FIELD_PARENTS = new Set(['command', 'variable_assignment', 'function_definition', 'redirected_statement', 'case_statement', 'case_item', 'for_statement', 'select_statement', 'subscript']);

/** Anonymous tokens the model reads; the others (quotes, `$`, `;`...) are not mirrored. */
const KEPT_TOKENS = new Set(['&', '&&', '||', 'then', 'fi', '((', '+=', '=', ':=', ':-', '-', ':+', '+', ':?', '?', '%', '%%', '#', '##', '!', '/', '//', '^', '^^', ',', ',,', ':', 'export', 'declare', 'typeset', 'local', 'readonly', '${', '}']);

/** Kept tokens that the model reads only inside `${...}` (elsewhere, e.g. a `{ ...; }` group or `X=1`, they are skipped). */
const EXPANSION_TOKENS = new Set(['}', '=']);

/** A view of one mirrored node, with the part of the SyntaxNode API the model uses. */
export class Node {
  private named: Node[] | null = null;
  constructor(
    readonly owner: LightTree,
    readonly slot: number,
  ) {}

  /** Stable identity within the script. */
  get id(): number {
    return this.slot;
  }

  get type(): string {
    return this.owner.typeOf(this.slot);
  }

  get isNamed(): boolean {
    return this.owner.isNamed(this.slot);
  }

  get startIndex(): number {
    return this.owner.starts[this.slot]!;
  }

  get endIndex(): number {
    return this.owner.ends[this.slot]!;
  }

  get fieldName(): string | null {
    return this.owner.fieldOf(this.slot);
  }

  get parent(): Node | null {
    const parent = this.owner.parents[this.slot]!;
    return parent >= 0 ? this.owner.view(parent) : null;
  }

  get text(): string {
    return this.owner.text.slice(this.startIndex, this.endIndex);
  }

  get children(): Node[] {
    return this.owner.children(this.slot);
  }

  get namedChildren(): Node[] {
    if (this.named) return this.named;
    const children = this.children;
    return (this.named = children.every((child) => child.isNamed) ? children : children.filter((child) => child.isNamed));
  }

  get childCount(): number {
    return this.children.length;
  }

  get namedChildCount(): number {
    return this.namedChildren.length;
  }

  child(index: number): Node | null {
    return this.children[index] ?? null;
  }

  namedChild(index: number): Node | null {
    return this.namedChildren[index] ?? null;
  }

  childForFieldName(name: string): Node | null {
    return this.children.find((child) => child.fieldName === name) ?? null;
  }

  get syntax(): SyntaxNode {
    return this.owner.syntaxAt(this.slot);
  }
}

/** Node types the walk need not enter unless their text may hide a substitution or an assigning expansion. */
export const PLAIN_TYPES = new Set(['word', 'string', 'raw_string', 'concatenation', 'number', 'simple_expansion', 'expansion', 'ansi_c_string', 'translated_string', 'string_content', 'variable_name', 'special_variable_name', 'array', 'test_command', 'file_redirect', 'herestring_redirect', 'heredoc_redirect', 'brace_expression', 'regex', 'extglob_pattern', 'command_name', 'file_descriptor']);

/** Word-like nodes whose insides are mirrored only when their value is asked for (when they hide no effect). */
const DEFERRABLE_TYPES = new Set(['string', 'concatenation', 'simple_expansion', 'expansion', 'translated_string', 'array', 'test_command', 'file_redirect', 'herestring_redirect', 'brace_expression']);

/** Builtins whose effects the model tracks (see commandEffects). */
export const EFFECT_BUILTINS = new Set(['set', 'cd', 'pushd', 'popd', 'read', 'mapfile', 'readarray', 'printf', 'getopts', 'let']);

/** Leaf types that may still have children in the tree (`-0x10#${N}`): the walk need not enter them, but they count. */
const NONTERMINAL_LEAVES = new Set(['number']);

/** Token types: never any children to look for. */
const LEAF_TYPES = new Set(['word', 'string_content', 'variable_name', 'special_variable_name', 'raw_string', 'ansi_c_string', 'number', 'heredoc_content', 'heredoc_start', 'heredoc_end', 'file_descriptor', 'test_operator', 'regex', 'extglob_pattern', 'comment']);

/** Can a word hold something the walk must see (a command substitution, an assigning expansion)? */
export function hasEffects(text: string, start: number, end: number): boolean {
  let inBraces = false;
  for (let i = start; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 96) return true; // backtick
    if (c === 40 && i > start) {
      const before = text.charCodeAt(i - 1);
      if (before === 36 || before === 60 || before === 62) return true; // $( <( >(
    }
    if (c === 123 && i > start && text.charCodeAt(i - 1) === 36) inBraces = true; // ${
    else if (c === 125) inBraces = false;
    else if (c === 61 && inBraces) return true; // ${X:=default} assigns
  }
  return false;
}

/**
 * The name of a command whose children the walk need not see, read off its text: a plain word (letters, digits,
 * `_./-`, not starting with a digit or `-`) followed by a blank or the end, no prefix assignment, nothing the walk
 * must see in any argument (`hasEffects`, `$[...]`), and not a builtin with effects. Null otherwise.
 */
function plainCommandName(text: string, start: number, end: number): string | null {
  const i = plainNameEnd(text, start, end);
  if (i === start) return null;
  if (i < end) {
    const c = text.charCodeAt(i);
    if (c !== 32 && c !== 9) return null;
  }
  const name = text.slice(start, i);
  if (EFFECT_BUILTINS.has(name) || hasEffects(text, start, end)) return null;
  for (let j = start; j + 1 < end; j++) if (text.charCodeAt(j) === 36 && text.charCodeAt(j + 1) === 91) return null; // $[
  return name;
}

/** Where a run of name characters (letters, digits, `_./-`, not starting with a digit or `-`) from `start` ends. */
export function plainNameEnd(text: string, start: number, end: number): number {
  let i = start;
  for (; i < end; i++) {
    const c = text.charCodeAt(i);
    const letter = (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 46 || c === 47; // A-Z a-z _ . /
    if (letter || (i > start && ((c >= 48 && c <= 57) || c === 45))) continue; // 0-9 - after the first
    break;
  }
  return i;
}

