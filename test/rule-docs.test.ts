// Every rule is documented: what it does, why it matters, an example and what to use instead, and its
// documentation is a getter (src/rule.ts), so that runs that do not show it never compile its text.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { REQUIRED_DOCS } from '../src/rule.js';
import { allRules } from '../rules/index.js';

test('every rule documents what it does, why it matters, an example and what to use instead', async () => {
  const rules = await allRules();
  assert.ok(rules.length >= 40);
  for (const rule of rules) {
    for (const key of REQUIRED_DOCS) assert.ok(rule.docs[key]?.trim(), `${rule.code} has no docs.${key}`);
  }
});

test("every rule's documentation is a getter, made only when asked for", async () => {
  for (const rule of await allRules()) {
    const descriptor = Object.getOwnPropertyDescriptor(rule, 'docs');
    assert.equal(typeof descriptor?.get, 'function', `${rule.code}: docs is a getter`);
    assert.deepEqual(rule.docs, rule.docs, `${rule.code}: the same text each time`);
  }
});
