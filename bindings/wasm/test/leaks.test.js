// No leaks: creating and destroying 10,000 views, closing 1,000 databases and
// applying thousands of batches leave the module's memory flat. Measured
// inside the module (malloc's bytes in use, rindle_heap_in_use) and as the
// size of its linear memory (which only grows).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { importPackage } from './helpers.js';

const { loadRindle, from, col, eq, as, countStar } = await importPackage();

function issuesDb(rindle, n = 20) {
  const db = rindle.database();
  db.createTable('issues', { columns: { id: 'bigint', status: 'text', score: 'float8', owner: 'bigint' }, primaryKey: 'id' });
  db.createTable('users', { columns: { id: 'bigint', name: 'text' }, primaryKey: 'id' });
  db.load('issues', Array.from({ length: n }, (_, i) => ({ id: i, status: i % 3 ? 'open' : 'closed', score: i / 7, owner: i % 4 })));
  db.load('users', Array.from({ length: 4 }, (_, i) => ({ id: i, name: `user ${i}` })));
  return db;
}

const QUERIES = [
  from('issues').where('status', '=', 'open').orderBy('score', 'desc').limit(5),
  from('issues', 'i').join('users', 'u', eq(col('u', 'id'), col('i', 'owner'))).select('i.id', 'u.name'),
  from('issues').select('status', as(countStar(), 'n')).groupBy('status'),
];

test('creating and destroying 10,000 views leaves memory flat', async () => {
  const rindle = await loadRindle();
  const db = issuesDb(rindle);
  const cycle = (i) => {
    const view = db.materialize(QUERIES[i % QUERIES.length]);
    const unsubscribe = view.subscribe(() => {});
    assert.ok(view.rows.length > 0);
    if (i % 2) unsubscribe();
    view.destroy();
  };
  for (let i = 0; i < 300; i++) cycle(i);  // warm up the allocator
  const heap0 = rindle.heapBytes();
  const memory0 = rindle.memoryBytes();
  const N = 10000;
  for (let i = 0; i < N; i++) cycle(i);
  const grown = rindle.heapBytes() - heap0;
  console.log(`10,000 views: heap in use ${heap0} -> ${heap0 + grown} bytes (${(grown / N).toFixed(2)} bytes/view), ` +
    `linear memory ${memory0} -> ${rindle.memoryBytes()} bytes`);
  assert.equal(rindle.memoryBytes(), memory0, 'the module\'s memory grew');
  assert.equal(db.views.length, 0, 'destroyed views are forgotten');
  // Engine::drop_view leaves nothing behind (ids are never reused, but no
  // slot is kept per id): the heap is exactly where it was.
  assert.ok(grown <= 0, `${grown} bytes retained by 10,000 destroyed views`);
  db.close();
  assert.ok(rindle.heapBytes() <= heap0, 'closing the database frees the slots too');
});

test('opening and closing 1,000 databases leaves the heap where it was', async () => {
  const rindle = await loadRindle();
  const round = () => {
    const db = issuesDb(rindle, 50);
    const v = db.materialize(QUERIES[0]);
    v.subscribe(() => {});
    db.update('issues', 3, { score: 99 });
    db.close();
  };
  for (let i = 0; i < 20; i++) round();
  const heap0 = rindle.heapBytes();
  const memory0 = rindle.memoryBytes();
  for (let i = 0; i < 1000; i++) round();
  console.log(`1,000 databases: heap in use ${heap0} -> ${rindle.heapBytes()} bytes, linear memory ${memory0} -> ${rindle.memoryBytes()}`);
  assert.equal(rindle.heapBytes(), heap0);
  assert.equal(rindle.memoryBytes(), memory0);
});

test('a stream of single-row writes leaves the heap flat', async () => {
  const rindle = await loadRindle();
  const db = issuesDb(rindle, 1000);
  for (const q of QUERIES) db.materialize(q).subscribe(() => {});
  let s = 7;
  const next = () => (s = (s * 48271) % 2147483647);
  const write = () => {
    const id = next() % 1000;
    db.batch((tx) => {
      tx.update('issues', id, { score: (next() % 1000) / 10, status: next() % 3 ? 'open' : 'closed' });
    });
  };
  for (let i = 0; i < 2000; i++) write();
  const heap0 = rindle.heapBytes();
  const memory0 = rindle.memoryBytes();
  for (let i = 0; i < 5000; i++) write();
  const grown = rindle.heapBytes() - heap0;
  console.log(`5,000 writes: heap in use ${heap0} -> ${heap0 + grown} bytes, linear memory ${memory0} -> ${rindle.memoryBytes()}`);
  assert.equal(rindle.memoryBytes(), memory0);
  // Same rows, same views: only hash-table bucket arrays may differ in size.
  assert.ok(Math.abs(grown) <= 16 * 1024, `${grown} bytes`);
  db.close();
});
