// A build step of scripts/compile.js, in a module of its own so that its test can run it.
/**
 * A TypeScript transformer that compiles `for (const x of array)` into an index loop when the checker
 * knows the iterated value is an array or a tuple, as TypeScript itself compiles every `for...of` for
 * ES5: `for (let index = 0, array = EXPR; index < array.length; index++) { const x = array[index]; BODY }`.
 *
 * Why (issue 13): V8 runs most of smoke-lint's models in its interpreter and baseline compiler, where a
 * `for...of` over an array makes an iterator object for the loop and a result object for every step,
 * and calls the iterator's `next` for each: on the bench tree of 100 suites, 15% of all the memory the
 * run allocated (31 of 200 MB, sampled) was those objects. An optimized function does without them; a
 * function that never gets optimized (most of them, each hot for a while only) pays them on every step.
 *
 * The loop is the same loop: the array expression is evaluated once, its length is read before every
 * step (an array that grows or shrinks while it is walked is walked as its iterator would), a hole reads
 * as `undefined`, the loop's variable is a fresh binding for each step (a closure made in the body keeps
 * its own), and `break`, `continue` and labels go where they went. The body stays a block of its own
 * inside the new one, so its declarations cannot clash with the loop variable's. Only arrays and tuples
 * whose every member type is one (a union of array types included); strings (iterated by code point),
 * Maps, Sets, generators, `any`, and classes that extend Array keep their `for...of`, as does `for await`
 * and a loop that assigns to an existing variable (`for (x of xs)`).
 */
export function indexLoops(ts, checker) {
  const isArrayType = (type) => (type.isUnion() ? type.types.every(isArrayType) : checker.isArrayType(type) || checker.isTupleType(type));
  return (context) => {
    const factory = context.factory;
    const visit = (node) => {
      if (
        ts.isForOfStatement(node) &&
        !node.awaitModifier &&
        ts.isVariableDeclarationList(node.initializer) &&
        node.initializer.declarations.length === 1 &&
        isArrayType(checker.getTypeAtLocation(node.expression))
      ) {
        const index = factory.createUniqueName('index');
        const array = factory.createUniqueName('array');
        const declaration = node.initializer.declarations[0];
        const element = factory.createVariableStatement(
          undefined,
          factory.createVariableDeclarationList(
            [factory.createVariableDeclaration(ts.visitNode(declaration.name, visit), undefined, undefined, factory.createElementAccessExpression(array, index))],
            node.initializer.flags & (ts.NodeFlags.Const | ts.NodeFlags.Let),
          ),
        );
        return factory.createForStatement(
          factory.createVariableDeclarationList(
            [
              factory.createVariableDeclaration(index, undefined, undefined, factory.createNumericLiteral(0)),
              factory.createVariableDeclaration(array, undefined, undefined, ts.visitNode(node.expression, visit)),
            ],
            ts.NodeFlags.Let,
          ),
          factory.createLessThan(index, factory.createPropertyAccessExpression(array, 'length')),
          factory.createPostfixIncrement(index),
          factory.createBlock([element, ts.visitNode(node.statement, visit)], true),
        );
      }
      return ts.visitEachChild(node, visit, context);
    };
    return (sourceFile) => ts.visitNode(sourceFile, visit);
  };
}
