// The JavaScript API end to end on the WebAssembly engine: loading, schemas,
// values of every type, atomic batches, bulk loads, views and their events
// (with positions), typed errors carrying the engine's messages.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { importPackage, wasmPath } from './helpers.js';

const R = await importPackage();
const {
  loadRindle, from, col, eq, gt, div, as, count, countStar, exists, param, lit, not, applyChanges,
  RindleError, InvalidError, NotFoundError, TypeMismatchError, UnsupportedError, ConstraintError, DataError,
  ExistsError,
} = R;

const rindle = await loadRindle();

function issues() {
  const db = rindle.database();
  db.createTable('issues', {
    columns: { id: { type: 'bigint', nullable: false }, title: 'text', status: 'text', score: 'float8' },
    primaryKey: 'id',
  });
  db.load('issues', [
    { id: 1, title: 'crash on start', status: 'open', score: 0.5 },
    { id: 2, title: 'typo', status: 'closed', score: 0.1 },
    { id: 3, title: 'slow query', status: 'open', score: 0.9 },
  ]);
  return db;
}

test('the module loads from a path, a file URL, bytes or a compiled module', async () => {
  const bytes = readFileSync(wasmPath());
  for (const wasm of [wasmPath(), pathToFileURL(wasmPath()), bytes, new WebAssembly.Module(bytes)]) {
    const r = await loadRindle({ wasm });
    assert.equal(r.version(), '0.1.0');
    const db = r.database();
    db.createTable('t', { columns: { id: 'int' }, primaryKey: 'id' });
    db.close();
  }
  await assert.rejects(loadRindle({ wasm: 42 }), TypeError);
});

test('schemas: object and array forms, composite keys, NOT NULL, bad types', () => {
  const db = rindle.database();
  db.createTable('a', { columns: [{ name: 'x', type: 'int4' }, { name: 'y', type: 'varchar(20)' }, { name: 'v', type: 'numeric' }], primaryKey: ['x', 'y'] });
  assert.deepEqual(db.tables[0], {
    name: 'a',
    columns: [{ name: 'x', type: 'int4', nullable: true }, { name: 'y', type: 'varchar(20)', nullable: true },
      { name: 'v', type: 'numeric', nullable: true }],
    primaryKey: ['x', 'y'],
  });
  db.insert('a', { x: 1, y: 'b', v: '1.50' });
  assert.deepEqual(db.get('a', [1, 'b']), { x: 1, y: 'b', v: '1.50' });
  assert.deepEqual(db.get('a', { x: 1, y: 'b' }), { x: 1, y: 'b', v: '1.50' });
  assert.equal(db.get('a', [1, 'c']), undefined);
  assert.throws(() => db.get('a', 1), /key of "a" has 2 columns/);

  assert.throws(() => db.createTable('a', { columns: { id: 'int' }, primaryKey: 'id' }),
    (e) => e instanceof ExistsError && e.code === 'exists' && /relation "a" already exists/.test(e.message));
  assert.throws(() => db.createTable('b', { columns: { id: 'bignum' }, primaryKey: 'id' }),
    (e) => e instanceof InvalidError && /schema.columns\[0\].type: unknown type "bignum"/.test(e.message));
  assert.throws(() => db.createTable('b', { columns: { id: 'int' } }), /has no primary key/);
  assert.throws(() => db.createTable('b', { columns: { id: 'int' }, primaryKey: 'nope' }), NotFoundError);

  db.createTable('n', { columns: { id: 'int', must: { type: 'text', nullable: false } }, primaryKey: 'id' });
  assert.throws(() => db.insert('n', { id: 1 }), (e) => e instanceof ConstraintError && /null value in column "must"/.test(e.message));
  db.dropTable('n');
  assert.throws(() => db.insert('n', { id: 1 }), NotFoundError);
  db.close();
});

test('values of every type go in and come out', () => {
  const db = rindle.database();
  db.createTable('v', {
    columns: { id: 'bigint', b: 'boolean', i: 'bigint', f: 'double precision', n: 'numeric', t: 'text', by: 'bytea',
      d: 'date', ts: 'timestamp', tz: 'timestamptz', u: 'uuid', j: 'jsonb' },
    primaryKey: 'id',
  });
  db.insert('v', { id: 1, b: true, i: 9007199254740993n, f: 2.5, n: 0.1, t: 'héllo ✓', by: new Uint8Array([0, 255, 7]),
    d: new Date('2024-02-29T00:00:00Z'), ts: '2024-01-31 10:00:00.25', tz: new Date('2024-01-31T10:00:00Z'),
    u: 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', j: { a: [1, 2] } });
  db.insert('v', { id: 2, i: -5, f: 3, n: 12345678901234567890n, d: '1999-12-31' });
  const v = db.materialize(from('v').orderBy('id'));
  const [r1, r2] = v.rows;
  assert.equal(r1.b, true);
  assert.equal(r1.i, 9007199254740993n, 'beyond 2^53: a BigInt');
  assert.equal(r1.f, 2.5);
  assert.equal(r1.n, '0.1', 'numeric from a number: its shortest decimal, exact');
  assert.equal(r1.t, 'héllo ✓');
  assert.deepEqual([...r1.by], [0, 255, 7]);
  assert.equal(r1.d, '2024-02-29');
  assert.equal(r1.ts, '2024-01-31 10:00:00.25');
  assert.equal(r1.tz, '2024-01-31 10:00:00+00');
  assert.equal(r1.u, 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11');
  assert.deepEqual(JSON.parse(r1.j), { a: [1, 2] });
  assert.deepEqual(r2, { id: 2, b: null, i: -5, f: 3, n: '12345678901234567890', t: null, by: null, d: '1999-12-31',
    ts: null, tz: null, u: null, j: null });
  assert.deepEqual(v.columns.map((c) => c.type), ['bigint', 'boolean', 'bigint', 'double precision', 'numeric', 'text',
    'bytea', 'date', 'timestamp without time zone', 'timestamp with time zone', 'uuid', 'json']);

  assert.throws(() => db.insert('v', { id: 3, d: '2024-13-01' }), (e) => e instanceof InvalidError && /column "d"/.test(e.message));
  assert.throws(() => db.insert('v', { id: 3, i: 2 ** 60 }), /beyond 2\^53/);
  assert.throws(() => db.insert('v', { id: 3, t: 5 }), TypeMismatchError);
  assert.throws(() => db.insert('v', { id: 3, nope: 1 }), (e) => e instanceof NotFoundError && /column "nope"/.test(e.message));
  assert.throws(() => db.insert('v', { id: 3, b: Symbol('x') }), InvalidError);
  db.close();
});

test('an ordered view reports each change with positions', () => {
  const db = issues();
  const view = db.materialize(from('issues').where('status', '=', 'open').orderBy('score', 'desc').limit(2));
  assert.equal(view.ordered, true);
  assert.deepEqual(view.key, ['id']);
  assert.deepEqual(view.rows.map((r) => r.id), [3, 1]);
  const events = [];
  const unsubscribe = view.subscribe((e) => events.push(e));
  const mirror = view.rows.slice();

  const result = db.insert('issues', { id: 4, title: 'leak', status: 'open', score: 0.95 });
  assert.equal(result.changes, 1);
  assert.equal(result.views, 1);
  assert.ok(result.engineMs >= 0 && result.totalMs >= result.engineMs);
  assert.equal(events.length, 1);
  const changes = events[0].changes.map(({ type, index, row }) => [type, index, row.id]);
  assert.deepEqual(changes.sort(), [['add', 0, 4], ['remove', 1, 1]].sort());
  applyChanges(mirror, events[0].changes);
  assert.deepEqual(mirror.map((r) => r.id), [4, 3]);
  assert.deepEqual(view.rows.map((r) => r.id), [4, 3]);

  db.update('issues', 4, { score: 0.2 });  // 4 drops out, 1 comes back
  db.update('issues', 3, { title: 'slow queries' });  // in place
  assert.equal(events.length, 3);
  const upd = events[2].changes;
  assert.deepEqual(upd.map((c) => [c.type, c.oldIndex, c.index, c.oldRow.title, c.row.title]),
    [['update', 0, 0, 'slow query', 'slow queries']]);
  for (const e of events.slice(1)) applyChanges(mirror, e.changes);
  assert.deepEqual(mirror, view.rows);
  assert.deepEqual(view.rows.map((r) => r.id), [3, 1]);

  db.update('issues', 2, { title: 'typo!' });  // not in the view: no event
  assert.equal(events.length, 3);
  unsubscribe();
  db.delete('issues', 3);
  assert.equal(events.length, 3);
  assert.deepEqual(view.rows.map((r) => r.id), [1, 4]);
  db.close();
});

test('unordered views: keyed updates, keyless multisets, aggregates', () => {
  const db = issues();
  const byStatus = db.materialize(from('issues').select('status', as(countStar(), 'n')).groupBy('status'));
  const titles = db.materialize(from('issues').select('status'));  // keyless: duplicates
  assert.deepEqual(byStatus.key, ['status']);
  assert.deepEqual(titles.key, []);
  const seen = [];
  byStatus.subscribe((e) => seen.push(...e.changes.map((c) => [c.type, c.row.status, c.row.n, c.oldRow?.n, c.index])));
  const keyless = [];
  titles.subscribe((e) => keyless.push(...e.changes.map((c) => [c.type, c.row.status])));
  db.update('issues', 2, { status: 'open' });
  assert.deepEqual(seen.sort(), [['remove', 'closed', 1, undefined, -1], ['update', 'open', 3, 2, -1]].sort());
  assert.deepEqual(keyless.sort(), [['add', 'open'], ['remove', 'closed']]);
  assert.deepEqual(titles.rows.map((r) => r.status), ['open', 'open', 'open']);
  db.close();
});

test('a batch is atomic: a failing change leaves tables and views untouched', () => {
  const db = issues();
  const view = db.materialize(from('issues').orderBy('id'));
  const events = [];
  view.subscribe((e) => events.push(e));
  assert.throws(() => db.batch((tx) => {
    tx.insert('issues', { id: 10, title: 'new', status: 'open' });
    tx.delete('issues', 2);
    tx.insert('issues', { id: 1, title: 'duplicate' });
  }), (e) => e instanceof ConstraintError && e instanceof RindleError && e.code === 'constraint' &&
    e.message === 'change 2 (issues): duplicate key value (1)');
  assert.equal(events.length, 0);
  assert.deepEqual(view.rows.map((r) => r.id), [1, 2, 3]);
  assert.equal(db.get('issues', 10), undefined);

  // Reads inside a batch see its own writes; several changes to one row compose.
  db.batch((tx) => {
    tx.insert('issues', { id: 10, title: 'new', status: 'open', score: 0 });
    tx.update('issues', 10, { score: 1 });
    assert.equal(tx.get('issues', 10).score, 1);
    tx.update('issues', 10, { id: 11 });  // a primary-key change
    tx.delete('issues', 2);
  });
  assert.equal(events.length, 1);
  assert.deepEqual(view.rows.map((r) => r.id), [1, 3, 11]);
  assert.equal(db.get('issues', 11).title, 'new');
  assert.throws(() => db.update('issues', 99, { title: 'x' }), (e) => e instanceof ConstraintError && /no row with key \(99\)/.test(e.message));
  assert.throws(() => db.update('issues', 1, { nope: 1 }), NotFoundError);
  assert.throws(() => db.delete('issues', 99), (e) => e instanceof ConstraintError && /no row with key \(99\)/.test(e.message));
  // An exception inside the batch function applies nothing.
  assert.throws(() => db.batch((tx) => { tx.delete('issues', 1); throw new Error('changed my mind'); }), /changed my mind/);
  assert.ok(db.get('issues', 1));
  db.close();
});

test('bulk loads recompute views and tell subscribers to re-read', () => {
  const db = issues();
  const view = db.materialize(from('issues').where('status', '=', 'open').orderBy('id'));
  const other = db.materialize(from('issues').where('status', '=', 'open').orderBy('id'));
  const events = [];
  view.subscribe((e) => events.push(e));
  const rows = Array.from({ length: 100000 }, (_, i) => [1000 + i, `bulk ${i}`, i % 2 ? 'open' : 'closed', i / 1e5]);
  db.load('issues', rows);
  assert.equal(events.length, 1);
  assert.equal(events[0].reset, true);
  assert.equal(view.rows.length, 2 + 50000);
  assert.deepEqual(view.rows, other.rows);
  assert.equal(db.tableStats('issues').rows, 100003);
  assert.ok(view.stats().stateBytes > 0);
  assert.throws(() => db.load('issues', [[1000, 'again', 'open', 0]]), (e) => e instanceof ConstraintError && /duplicate key/.test(e.message));
  assert.throws(() => db.load('issues', [[5, 'x', 'open', 'not a number']]), InvalidError);
  assert.equal(db.tableStats('issues').rows, 100003, 'all or nothing');
  db.close();
});

test('a view that fails on its data reports a DataError and stops; others go on', () => {
  const db = issues();
  db.createTable('r', { columns: { id: 'int', d: 'int' }, primaryKey: 'id' });
  const ratio = db.materialize(from('r').select(as(div(10, col('d')), 'q')));
  const fine = db.materialize(from('r').select('id'));
  const events = [];
  ratio.subscribe((e) => events.push(e));
  db.insert('r', { id: 1, d: 2 });
  assert.deepEqual(ratio.rows, [{ q: 5 }]);
  db.insert('r', { id: 2, d: 0 });
  assert.ok(ratio.error instanceof DataError);
  assert.match(ratio.error.message, /division by zero/);
  assert.equal(events.at(-1).error, ratio.error);
  assert.deepEqual(fine.rows.map((r) => r.id).sort(), [1, 2]);
  db.close();
});

test('queries: params, JSON text, bound builders, plans; errors name the problem', () => {
  const db = issues();
  const byParam = db.materialize(from('issues').where(gt(col('score'), param(1))).select('id'), { params: [0.4] });
  assert.deepEqual(byParam.rows.map((r) => r.id).sort(), [1, 3]);
  const bound = db.from('issues').where('title', 'like', '%o%').select('id').orderBy('id').materialize({ name: 'with_o' });
  assert.equal(bound.name, 'with_o');
  assert.deepEqual(bound.rows.map((r) => r.id), [1, 2, 3]);
  const fromText = db.materialize('{"from":[{"table":"issues"}],"select":[{"col":"title"}],"where":{"op":"=","args":[{"col":"id"},{"lit":2}]}}');
  assert.deepEqual(fromText.rows, [{ title: 'typo' }]);
  assert.match(byParam.plan, /Scan issues/);
  db.createTable('d', { columns: { id: 'int', day: 'date' }, primaryKey: 'id' });
  db.insert('d', { id: 1, day: '2024-03-01' });
  const typed = db.materialize(from('d').where(gt(col('day'), param(1))), { params: [{ type: 'date', value: '2024-02-01' }] });
  assert.equal(typed.rows.length, 1);
  assert.equal(db.materialize(from('d').where(gt(col('day'), lit('2024-03-01', 'date')))).rows.length, 0);

  const cases = [
    [() => db.materialize('{"from":[{"table":"issues"}],"where":{"op":"==","args":[]}}'), InvalidError, /where.op: unknown operator "=="/],
    [() => db.materialize('not json'), InvalidError, /./],
    [() => db.materialize(from('nope')), NotFoundError, /relation "nope" does not exist/],
    [() => db.materialize(from('issues').select('nope')), NotFoundError, /nope/],
    [() => db.materialize(from('issues').where('status', '=', 5)), TypeMismatchError, /./],
    [() => db.materialize(from('issues').where(exists(from('issues', 'x').limit(1)))), UnsupportedError, /LIMIT\/OFFSET inside a subquery/],
    [() => db.materialize(from('issues'), { name: 'with_o' }), ExistsError, /view "with_o" already exists/],
    [() => db.materialize(from('issues').limit(-1)), InvalidError, /limit must not be negative/],
    [() => db.materialize(from('issues').where(Array.from({ length: 120 }).reduce((e) => not(e), eq(col('id'), 1)))),
      InvalidError, /nesting deeper than 200/],
    [() => db.materialize(from('issues').where(Array.from({ length: 20000 }).reduce((e) => not(e), eq(col('id'), 1)))),
      InvalidError, /query nested too deeply/],
  ];
  for (const [fn, type, message] of cases) {
    assert.throws(fn, (e) => e instanceof type && e instanceof RindleError && message.test(e.message), String(fn));
  }
  db.close();
});

test('counters, stats and lifetimes', () => {
  const db = issues();
  const view = db.materialize(from('issues').orderBy('id'));
  const before = db.counters();
  db.update('issues', 1, { score: 2 });
  const after = db.counters();
  assert.ok(after.rowsTouched > before.rowsTouched);
  assert.deepEqual(view.stats().rows, 3);
  view.destroy();
  view.destroy();
  assert.equal(view.destroyed, true);
  assert.throws(() => view.rows, /was destroyed/);
  assert.throws(() => view.subscribe(() => {}), InvalidError);
  assert.equal(db.views.length, 0);
  db.close();
  db.close();
  assert.throws(() => db.insert('issues', { id: 9 }), /the database is closed/);
  assert.throws(() => db.materialize(from('issues')), /the database is closed/);
});

test('writes from inside a subscriber are refused', () => {
  const db = issues();
  const view = db.materialize(from('issues').orderBy('id'));
  let caught = null;
  view.subscribe(() => {
    try { db.insert('issues', { id: 50 }); } catch (e) { caught = e; }
  });
  db.insert('issues', { id: 40 });
  assert.ok(caught instanceof InvalidError);
  assert.match(caught.message, /inside a subscriber/);
  assert.equal(db.get('issues', 50), undefined);
  db.insert('issues', { id: 41 });  // writing still works afterwards
  db.close();
});

test('two databases are independent', () => {
  const a = issues();
  const b = issues();
  a.delete('issues', 1);
  assert.ok(b.get('issues', 1));
  const va = a.materialize(from('issues').select(as(count(), 'n')));
  const vb = b.materialize(from('issues').select(as(count(), 'n')));
  assert.deepEqual([va.rows[0].n, vb.rows[0].n], [2, 3]);
  a.close();
  b.close();
});
