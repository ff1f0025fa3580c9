// Tables looked up by names read from what smoke-lint lints or is configured with (a command's name, a
// config key, a method called in a gate condition).

/**
 * The table as an object with no prototype: a plain object literal answers `constructor`, `toString` or
 * `hasOwnProperty` with Object.prototype's functions, so a script that runs a command named
 * `constructor`, or a config key spelled so, was taken for a table entry (and crashed the run). Here such
 * a name finds nothing, as any name the table does not hold.
 */
export function lookupTable<T>(entries: Record<string, T>): Readonly<Record<string, T | undefined>> {
  return Object.freeze(Object.assign(Object.create(null) as Record<string, T>, entries));
}
