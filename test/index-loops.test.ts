// The build's index reads (scripts/index-loops.js, run by scripts/compile.js): `for...of` over an array
// or tuple becomes an index loop and a destructuring of one reads its elements by index, everything else
// is left as written, and the code gives the same results either way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import vm from 'node:vm';
import ts from 'typescript';
import { repoRoot } from './helpers.js';

type IndexLoops = (typescript: typeof ts, checker: ts.TypeChecker) => ts.TransformerFactory<ts.SourceFile>;
const indexLoops = async (): Promise<IndexLoops> =>
  ((await import(pathToFileURL(path.join(repoRoot, 'scripts', 'index-loops.js')).href)) as { indexLoops: IndexLoops }).indexLoops;

/** `source` (a script, no imports) compiled to ES2022 as one program, with the transformer or without. */
async function compile(source: string, transform: boolean): Promise<string> {
  const fileName = '/sample.ts';
  const options: ts.CompilerOptions = { target: ts.ScriptTarget.ES2022, module: ts.ModuleKind.None, strict: true, noEmitOnError: true, lib: ['lib.es2022.d.ts'], types: [] };
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile.bind(host);
  const getSourceFile = host.getSourceFile.bind(host);
  host.readFile = (name) => (name === fileName ? source : readFile(name));
  host.fileExists = (name) => name === fileName || ts.sys.fileExists(name);
  host.getSourceFile = (name, version) => (name === fileName ? ts.createSourceFile(name, source, version) : getSourceFile(name, version));
  let output = '';
  host.writeFile = (name, text) => {
    if (name.endsWith('.js')) output = text;
  };
  const program = ts.createProgram([fileName], options, host);
  const errors = ts.getPreEmitDiagnostics(program);
  assert.deepEqual(errors.map((error) => ts.flattenDiagnosticMessageText(error.messageText, '\n')), []);
  const transformers = transform ? { before: [(await indexLoops())(ts, program.getTypeChecker())] } : undefined;
  program.emit(undefined, undefined, undefined, false, transformers);
  return output;
}

const KINDS = `
class Stack<T> extends Array<T> {}
declare const anything: any;
function* numbers() { yield 1; yield 2; }
function kinds(): string[] {
  const seen: string[] = [];
  const array: number[] = [1, 2];
  const readonlyArray: readonly string[] = ['a'];
  const tuple: [number, string, boolean] = [1, 'b', true];
  const either: number[] | string[] = Math.random() > 2 ? [3] : ['c'];
  const map = new Map([[1, 'x']]);
  const set = new Set([1]);
  const stack = new Stack<number>();
  let assigned = 0;
  for (const n of array) seen.push('ARRAY' + n);
  for (const s of readonlyArray) seen.push('READONLY' + s);
  for (const t of tuple) seen.push('TUPLE' + t);
  for (const e of either) seen.push('UNION' + e);
  for (const [k, v] of Object.entries({ p: 1 })) seen.push('ENTRIES' + k + v);
  for (const c of 'text') seen.push('STRING' + c);
  for (const [k] of map) seen.push('MAP' + k);
  for (const m of set) seen.push('SET' + m);
  for (const g of numbers()) seen.push('GENERATOR' + g);
  for (const a of anything ?? []) seen.push('ANY' + a);
  for (const s of stack) seen.push('SUBCLASS' + s);
  for (assigned of array) seen.push('ASSIGNED' + assigned);
  const [first, , third] = tuple, plain = 1, [only] = readonlyArray;
  const [withDefault = 0] = array;
  const [head, ...tail] = array;
  const [[nested]] = [[1]];
  const [character] = 'text';
  for (const [key, value] of map) seen.push('MAP ENTRY' + key + value);
  for (const [key, { length }] of map) seen.push('MAP NESTED' + key + length);
  seen.push(String(first) + third + plain + only + withDefault + head + tail + nested + character);
  return seen;
}
`;

test('for...of and destructuring over arrays, readonly arrays, tuples and unions of arrays read by index; other iterables and patterns keep theirs', async () => {
  const output = await compile(KINDS, true);
  const loops = output.split('\n').filter((line) => /^\s*for \(/.test(line));
  const indexed = loops.filter((line) => /for \(let index_\d+ = 0, array_\d+ = /.test(line)).map((line) => line.trim());
  const kept = loops.filter((line) => / of /.test(line)).map((line) => line.trim());
  assert.deepEqual(
    indexed.map((line) => line.replace(/_\d+/g, '')),
    [
      'for (let index = 0, array = array; index < array.length; index++) {',
      'for (let index = 0, array = readonlyArray; index < array.length; index++) {',
      'for (let index = 0, array = tuple; index < array.length; index++) {',
      'for (let index = 0, array = either; index < array.length; index++) {',
      'for (let index = 0, array = Object.entries({ p: 1 }); index < array.length; index++) {',
    ],
  );
  assert.deepEqual(kept.map((line) => line.replace(/_\d+/g, '')), [
    "for (const c of 'text')",
    'for (const entry of map) {',
    'for (const m of set)',
    'for (const g of numbers())',
    'for (const a of anything ?? [])',
    'for (const s of stack)',
    'for (assigned of array)',
    'for (const entry of map) {',
    'for (const [key, { length }] of map)',
  ]);
  const declarations = output.split('\n').filter((line) => /^\s*const (\[|element_)/.test(line)).map((line) => line.trim().replace(/_\d+/g, ''));
  assert.deepEqual(declarations, [
    'const element = array[index], k = element[0], v = element[1];',
    'const element = tuple, first = element[0], third = element[2], plain = 1, element = readonlyArray, only = element[0];',
    'const [withDefault = 0] = array;',
    'const [head, ...tail] = array;',
    'const [[nested]] = [[1]];',
    "const [character] = 'text';",
  ]);
  assert.match(output, /const k = entry_\d+\[0\];/);
  assert.match(output, /const key = entry_\d+\[0\], value = entry_\d+\[1\];/);
  // Without the transformer every loop is left as it was written.
  assert.equal((await compile(KINDS, false)).match(/for \(let index_/g), null);
});

// Each case returns what it saw; the two compilations must see the same.
const SEMANTICS = `
function cases(): unknown[] {
  const results: unknown[] = [];
  // break, continue, and a labelled continue out of an inner loop
  const flow: string[] = [];
  outer: for (const a of [1, 2, 3, 4, 5]) {
    if (a === 2) continue;
    for (const b of ['x', 'y']) {
      if (a === 3 && b === 'x') continue outer;
      flow.push(a + b);
    }
    if (a === 4) break;
  }
  results.push(flow);
  // a fresh binding for each step: closures keep their own value
  const closures: Array<() => number> = [];
  for (const n of [10, 20, 30]) closures.push(() => n);
  results.push(closures.map((closure) => closure()));
  // destructuring, with defaults and rest
  const pairs: Array<[string, number?]> = [['a', 1], ['b']];
  const destructured: string[] = [];
  for (const [name, count = 7] of pairs) destructured.push(name + count);
  for (const { length, ...rest } of [[1, 2]]) destructured.push(length + JSON.stringify(rest));
  results.push(destructured);
  // an array that grows and shrinks while it is walked
  const growing = [1, 2];
  const seenGrowing: number[] = [];
  for (const g of growing) {
    seenGrowing.push(g);
    if (g < 4) growing.push(g + 2);
  }
  const shrinking = [1, 2, 3, 4];
  const seenShrinking: number[] = [];
  for (const s of shrinking) {
    seenShrinking.push(s);
    shrinking.pop();
  }
  results.push(seenGrowing, seenShrinking);
  // holes read as undefined; the array expression is evaluated once
  const holes = [1, , 3];
  const seenHoles: unknown[] = [];
  for (const h of holes) seenHoles.push(h === undefined ? 'hole' : h);
  let evaluations = 0;
  const once = () => {
    evaluations++;
    return ['p', 'q'];
  };
  const seenOnce: string[] = [];
  for (const o of once()) seenOnce.push(o);
  results.push(seenHoles, seenOnce, evaluations);
  // let bindings may be reassigned in the body; a body declaration may shadow the loop variable
  const reassigned: number[] = [];
  for (let r of [1, 2]) {
    r *= 10;
    reassigned.push(r);
  }
  const shadowed: string[] = [];
  for (const x of ['outer']) {
    shadowed.push(typeof x);
    {
      const x = 1;
      shadowed.push(typeof x);
    }
  }
  for (const y of ['outer']) {
    const y = 'inner';
    shadowed.push(y);
  }
  results.push(reassigned, shadowed);
  // a loop in a generator that yields from its body, and one that returns from it
  function* doubled(values: number[]) {
    for (const v of values) yield v * 2;
  }
  const first = (values: string[]) => {
    for (const v of values) if (v.startsWith('b')) return v;
    return null;
  };
  results.push([...doubled([1, 2, 3])], first(['a', 'bc', 'bd']), first([]));
  // destructurings: holes, missing elements, one evaluation, several declarations in one statement
  let calls = 0;
  const pairOnce = (): [string, number] => {
    calls++;
    return ['z', 26];
  };
  const [d1, , d3] = [1, 2, 3];
  const [m1, m2] = [1] as number[];
  const [o1, o2] = pairOnce(), between = calls, [t1] = ['t'] as [string];
  results.push([d1, d3, m1, m2 === undefined, o1, o2, between, calls, t1]);
  // a Map's entries read by index, with continue, break and closures
  const entries: string[] = [];
  const keepers: Array<() => string> = [];
  for (const [key, value] of new Map([['a', 1], ['b', 2], ['c', 3], ['d', 4]])) {
    if (key === 'b') continue;
    if (value === 4) break;
    entries.push(key + value);
    keepers.push(() => key);
  }
  results.push(entries, keepers.map((keeper) => keeper()));
  // a loop whose body is an empty statement, and one over an empty array
  let steps = 0;
  for (const _ of [1, 2, 3]) steps++;
  for (const _ of [] as number[]);
  results.push(steps);
  return results;
}
JSON.stringify(cases());
`;

test('index reads see what the iterator saw: flow, bindings, destructuring, changes while walking, holes', async () => {
  const plain = await compile(SEMANTICS, false);
  const indexed = await compile(SEMANTICS, true);
  assert.notEqual(indexed, plain);
  assert.equal(plain.match(/for \(let index_/g), null);
  assert.ok((indexed.match(/for \(let index_/g) ?? []).length >= 15, 'the sample\'s array loops were not compiled to index loops');
  const run = (code: string): unknown => JSON.parse(vm.runInNewContext(code) as string);
  const expected = run(plain);
  assert.deepEqual(run(indexed), expected);
  // What for...of gives, written out: the comparison above compares something.
  assert.deepEqual(expected, [
    ['1x', '1y', '4x', '4y'],
    [10, 20, 30],
    ['a1', 'b7', '2{"0":1,"1":2}'],
    [1, 2, 3, 4, 5],
    [1, 2],
    [1, 'hole', 3],
    ['p', 'q'],
    1,
    [10, 20],
    ['string', 'number', 'inner'],
    [2, 4, 6],
    'bc',
    null,
    [1, 3, 1, true, 'z', 26, 1, 1, 't'],
    ['a1', 'c3'],
    ['a', 'c'],
    3,
  ]);
});

test('the build compiles the sources with index loops (npm run build goes through scripts/compile.js)', () => {
  // src/model/tree-nodes.ts walks the nodes of rawNodesOfTypes (an array) with for...of.
  const source = readFileSync(path.join(repoRoot, 'src', 'model', 'tree-nodes.ts'), 'utf8');
  assert.match(source, /for \(const node of rawNodesOfTypes\(tree, types\)\)/);
  const compiled = readFileSync(path.join(repoRoot, 'dist', 'src', 'model', 'tree-nodes.js'), 'utf8');
  assert.doesNotMatch(compiled, /for \(const node of rawNodesOfTypes/);
  assert.match(compiled, /for \(let index_\d+ = 0, array_\d+ = rawNodesOfTypes\(tree, types\); index_\d+ < array_\d+\.length; index_\d+\+\+\)/);
});
