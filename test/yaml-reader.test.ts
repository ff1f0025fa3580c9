// The shared YAML reader: positions on every node, merge keys as compose applies them, errors as problems.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readYaml } from '../src/readers/yaml.js';
import { fromText, textHasSyntaxError } from '../src/source.js';

const compose = `x-db: &db
  image: postgres:16
  environment:
    POSTGRES_PASSWORD: secret
services:
  db:
    <<: *db
    ports:
      - "5433:5432"
    environment:
      POSTGRES_USER: tester
`;

test('keys and values carry their exact positions', () => {
  const doc = readYaml(fromText('/p/compose.yml', 'yaml', compose));
  assert.deepEqual(doc.problems, []);
  const db = doc.get(doc.get(doc.root, 'services'), 'db');
  const ports = doc.items(doc.get(db, 'ports'));
  assert.equal(doc.text(ports[0]), '5433:5432');
  assert.deepEqual(doc.range(ports[0]!), { start: { line: 9, column: 9 }, end: { line: 9, column: 20 } });
  const [start, end] = doc.offsets(ports[0]!);
  assert.equal(compose.slice(start, end), '"5433:5432"');
});

test('merge keys supply what the mapping does not define itself', () => {
  const doc = readYaml(fromText('/p/compose.yml', 'yaml', compose));
  const db = doc.get(doc.get(doc.root, 'services'), 'db');
  assert.equal(doc.text(doc.get(db, 'image')), 'postgres:16');
  // The service's own environment wins over the merged one, whole (compose merges keys one level deep).
  const environment = doc.get(db, 'environment');
  assert.deepEqual(doc.entries(environment).map((entry) => entry.key), ['POSTGRES_USER']);
});

test('numbers and booleans keep their source spelling', () => {
  const doc = readYaml(fromText('/p/w.yml', 'yaml', 'a: 010\nb: yes\nc: 5432\nd:\n'));
  assert.equal(doc.text(doc.get(doc.root, 'a')), '010');
  assert.equal(doc.text(doc.get(doc.root, 'b')), 'yes');
  assert.equal(doc.text(doc.get(doc.root, 'c')), '5432');
  assert.equal(doc.get(doc.root, 'd'), null);
  assert.equal(doc.entry(doc.root, 'd')?.value, null);
});

test('a broken file gives problems with positions, never a throw, and keeps what parsed', () => {
  const doc = readYaml(fromText('/p/bad.yml', 'yaml', 'services:\n  db:\n    image: "postgres:16\n'));
  assert.ok(doc.problems.length > 0);
  assert.equal(doc.problems[0]!.range.start.line >= 1, true);
  assert.equal(textHasSyntaxError('yaml', 'services:\n  db:\n    image: "postgres:16\n'), true);
  assert.equal(textHasSyntaxError('yaml', compose), false);
  const empty = readYaml(fromText('/p/empty.yml', 'yaml', ''));
  assert.equal(empty.root, null);
  assert.deepEqual(empty.problems, []);
});
