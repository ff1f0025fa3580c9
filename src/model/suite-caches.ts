// The models' caches of facts per suite, emptied for a suite once its rules have run (forgetSuite).
//
// A cache keyed weakly by the suite would let its entry go with the suite anyway, but only at V8's next
// full collection once the suite object has been moved to the old generation, which a suite that lives
// through two young-generation collections is: until then every young-generation collection keeps alive
// and copies again whatever the entry holds, dead or not. Deleting the entries when the suite is done
// lets those go at the next young-generation collection.
import type { Suite } from './suite.js';

const caches: Array<WeakMap<Suite, unknown>> = [];

/** A cache of facts per suite, emptied for each suite by `forgetSuite`. */
export function perSuite<T>(): WeakMap<Suite, T> {
  const cache = new WeakMap<Suite, T>();
  caches.push(cache);
  return cache;
}

/** Empties every cache made by `perSuite` of the suite's facts (a model asked again builds them anew). */
export function forgetSuite(suite: Suite): void {
  for (const cache of caches) cache.delete(suite);
}
