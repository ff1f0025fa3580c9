// A build step of scripts/compile.js, in a module of its own so that its test can run it.
/**
 * A TypeScript transformer that reads arrays by index where the source walks them with the iterator
 * protocol, when the checker knows the value is an array or a tuple (a union of them included), as
 * TypeScript itself compiles these forms for ES5:
 * - `for (const x of array) BODY` becomes
 *   `for (let index = 0, array = EXPR; index < array.length; index++) { const x = array[index]; BODY }`;
 * - `const [a, , b] = pair` becomes `const element = pair, a = element[0], b = element[2]` (a statement's
 *   declarations and a loop's variable, whatever the loop walks: `for (const [key, value] of map)` reads
 *   each entry by index).
 *
 * Why (issue 13): V8 runs most of smoke-lint's models in its interpreter and baseline compiler, where
 * each of these makes an iterator object and a result object for every step, and calls the iterator's
 * `next` for each: on the bench tree of 100 suites, 15% of all the memory the run allocated (31 of 200
 * MB, sampled) was those objects. An optimized function does without them; a function that never gets
 * optimized (most of them, each hot for a while only) pays them on every step.
 *
 * The reads are the same reads: the array expression is evaluated once; a loop reads the length before
 * every step (an array that grows or shrinks while it is walked is walked as its iterator would); a hole
 * or a missing element reads as `undefined`; the loop's variable is a fresh binding for each step (a
 * closure made in the body keeps its own); `break`, `continue` and labels go where they went; and the
 * body stays a block of its own inside the new one, so its declarations cannot clash with the loop
 * variable's. Left as written: strings (iterated by code point), Maps, Sets, generators, `any`, classes
 * that extend Array, `for await`, a loop that assigns to an existing variable (`for (x of xs)`), and a
 * pattern with a default, a rest element or a nested pattern.
 */
export function indexLoops(ts, checker) {
  const isArrayType = (type) => (type.isUnion() ? type.types.every(isArrayType) : checker.isArrayType(type) || checker.isTupleType(type));
  /** `[a, , b]` of identifiers and holes only, whose value the checker knows to be an array or tuple. */
  const isPlainArrayPattern = (name) =>
    ts.isArrayBindingPattern(name) &&
    name.elements.every((element) => ts.isOmittedExpression(element) || (!element.dotDotDotToken && !element.initializer && ts.isIdentifier(element.name))) &&
    isArrayType(checker.getTypeAtLocation(name));
  return (context) => {
    const factory = context.factory;
    const declare = (name, value) => factory.createVariableDeclaration(name, undefined, undefined, value);
    /** `a = source[0], b = source[2]` for the pattern `[a, , b]`. */
    const elementReads = (pattern, source) => {
      const reads = [];
      pattern.elements.forEach((element, position) => {
        if (!ts.isOmittedExpression(element)) reads.push(declare(element.name, factory.createElementAccessExpression(source, position)));
      });
      return reads;
    };
    /** `name = value`, or, for a plain array pattern, `source = value, a = source[0], b = source[2]`. */
    const reads = (name, value) => {
      if (!isPlainArrayPattern(name)) return [declare(ts.visitNode(name, visit), value)];
      const source = factory.createUniqueName('element');
      return [declare(source, value), ...elementReads(name, source)];
    };
    const blockFlags = (list) => list.flags & (ts.NodeFlags.Const | ts.NodeFlags.Let);
    const visit = (node) => {
      if (ts.isForOfStatement(node) && !node.awaitModifier && ts.isVariableDeclarationList(node.initializer) && node.initializer.declarations.length === 1) {
        const declaration = node.initializer.declarations[0];
        if (isArrayType(checker.getTypeAtLocation(node.expression))) {
          const index = factory.createUniqueName('index');
          const array = factory.createUniqueName('array');
          const element = factory.createVariableStatement(
            undefined,
            factory.createVariableDeclarationList(reads(declaration.name, factory.createElementAccessExpression(array, index)), blockFlags(node.initializer)),
          );
          return factory.createForStatement(
            factory.createVariableDeclarationList([declare(index, factory.createNumericLiteral(0)), declare(array, ts.visitNode(node.expression, visit))], ts.NodeFlags.Let),
            factory.createLessThan(index, factory.createPropertyAccessExpression(array, 'length')),
            factory.createPostfixIncrement(index),
            factory.createBlock([element, ts.visitNode(node.statement, visit)], true),
          );
        }
        if (isPlainArrayPattern(declaration.name)) {
          // Another iterable (a Map's entries): its steps stay, each step's array is read by index.
          const entry = factory.createUniqueName('entry');
          const elements = elementReads(declaration.name, entry);
          return factory.updateForOfStatement(
            node,
            undefined,
            factory.createVariableDeclarationList([declare(entry, undefined)], blockFlags(node.initializer)),
            ts.visitNode(node.expression, visit),
            factory.createBlock([factory.createVariableStatement(undefined, factory.createVariableDeclarationList(elements, blockFlags(node.initializer))), ts.visitNode(node.statement, visit)], true),
          );
        }
      }
      if (ts.isVariableStatement(node) && node.declarationList.declarations.some((declaration) => declaration.initializer && isPlainArrayPattern(declaration.name))) {
        const declarations = node.declarationList.declarations.flatMap((declaration) =>
          declaration.initializer ? reads(declaration.name, ts.visitNode(declaration.initializer, visit)) : [ts.visitNode(declaration, visit)],
        );
        return factory.updateVariableStatement(node, node.modifiers, factory.updateVariableDeclarationList(node.declarationList, declarations));
      }
      return ts.visitEachChild(node, visit, context);
    };
    return (sourceFile) => ts.visitNode(sourceFile, visit);
  };
}
