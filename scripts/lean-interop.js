// A build step of scripts/bundle.js, in a module of its own so that its test can run it.
/**
 * esbuild's CommonJS interop without its copies. Its `__toESM` (a `require` of node's own modules, of a
 * package, or of a sibling chunk for a lazy `import()`) made a new object with a getter for every export
 * of the module, and its `__toCommonJS` (each chunk's `module.exports`) another over the chunk's own
 * getters: about 100 of these copies in a one-suite run, each of node's `path` (20 exports) or of a
 * whole chunk (hundreds), and two getter calls for every use of another chunk's export. Here a module
 * that is not an ES module (node's, a package's) gets an object that inherits everything from it and
 * adds `default`, and an ES module (a chunk) is used as it is, so every read gives what the copy's
 * getter gave. One whole suite: 381 -> 365 M instructions under callgrind, page faults 5,020 -> 4,750.
 * The helpers are esbuild's as of this build; text that does not match is left as esbuild wrote it (it is
 * only slower); test/bundle-interop.test.ts checks that the chunks got the lean helpers and that reads
 * through them give what esbuild's gave.
 */
export function leanInterop(code) {
  return code
    .replace(
      /var (__toESM\d*) = \(mod, isNodeMode, target\) => \(target = mod != null \? (__create\d*)\(__getProtoOf\d*\(mod\)\) : \{\}, __copyProps\d*\([^;]*?\n\s*mod\n\)\);\n/g,
      (_, toEsm, create) =>
        `var ${toEsm} = (mod, isNodeMode) => !isNodeMode && mod && mod.__esModule ? mod : mod !== null && (typeof mod === "object" || typeof mod === "function") ? ${create}(mod, { default: { value: mod, enumerable: true } }) : { default: mod };\n`,
    )
    .replace(/var (__toCommonJS\d*) = \(mod\) => __copyProps\d*\((__defProp\d*)\(\{\}, "__esModule", \{ value: true \}\), mod\);\n/g, (_, toCommonJs, defProp) => `var ${toCommonJs} = (mod) => ${defProp}(mod, "__esModule", { value: true });\n`);
}

