// The JavaScript builder makes the same JSON AST as the C++ builder: the
// queries of native/builder_parity.cc, built here by the same names, must
// give byte-identical JSON (and the same builder errors). Then every one of
// them is read by the engine (wasm) and written back unchanged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { importPackage } from './helpers.js';

const rindle = await importPackage();
const {
  from, col, star, lit, float64, param, eq, gt, lt, ge, arith, and, or, not, isNull, isNotNull, inList, between,
  like, func, cast, count, countStar, sum, avg, min, max, exists, inSubquery, as, formatDouble, stringify,
  InvalidError,
} = rindle;

// The same queries as native/builder_parity.cc, in the same order.
const queries = {
  issue_example: () => from('issues')
    .where('status', '=', 'open')
    .join('scores', 's', eq(col('issues', 'id'), col('s', 'issue_id')))
    .select('issues.id', col('issues', 'title'), as(col('s', 'score'), 'score'))
    .orderBy('score', 'desc')
    .limit(50),

  filter_order_limit: () => from('issues')
    .where('status', '<>', 'closed')
    .where('priority', '>=', 2)
    .orderBy('updated', 'desc', 'last')
    .orderBy('id')
    .limit(25)
    .offset(5),

  three_sources: () => from('issues', 'i')
    .join('scores', 's', eq(col('s', 'issue_id'), col('i', 'id')))
    .leftJoin('reactions', 'r', eq(col('r', 'issue_id'), col('i', 'id')))
    .where(eq(col('i', 'status'), 'open'))
    .select('i.id', 'i.title', as('s.score', 'score'), as(count(col('r', 'id')), 'reactions'))
    .groupBy('i.id', 'i.title', 's.score')
    .orderBy('score', 'desc')
    .limit(50),

  aggregates: () => from('issues')
    .select('status', as(countStar(), 'n'), as(sum(col('priority')), 'total'), as(avg(col('priority')), 'mean'),
      as(min(col('opened')), 'first'), as(max(col('opened')), 'last'), as(count(col('assignee'), true), 'people'))
    .groupBy('status')
    .having(gt(count(), 1))
    .key('status'),

  predicates: () => from('issues')
    .distinct()
    .select('assignee')
    .where(inList(col('status'), ['open', 'triage']))
    .where(between(col('priority'), 1, 3))
    .where(like(col('title'), '%crash%', true))
    .where(not(like(col('title'), '%wontfix%')))
    .where(or(isNull(col('closed')), isNotNull(col('reopened'))))
    .where(inList(col('priority'), [4, 5], true))
    .where(between(col('id'), 100, 200, true))
    .where('title', 'ilike', 'a%'),

  literals_and_arithmetic: () => from('t')
    .select(as(arith('*', col('price'), 2.5), 'doubled'), as(arith('+', col('a'), -7), 'a7'),
      as(arith('/', col('a'), 1e-5), 'tiny'), as(arith('%', col('a'), 1e20), 'huge'),
      as(arith('-', col('a'), float64(2)), 'two'), as(cast(col('a'), 'numeric'), 'n'),
      as(func('coalesce', col('b'), null), 'b'), as(func('lower', col('s')), 'ls'), as(lit(true), 'yes'),
      as(param(1), 'p1'))
    .where(eq(col('d'), lit('2024-01-31', 'date')))
    .where(lt(col('n'), lit('12.50', 'numeric')))
    .where(ge(col('ts'), param(2))),

  subqueries: () => from('issues', 'i')
    .where(exists(from('reactions', 'r').where(eq(col('r', 'issue_id'), col('i', 'id')))))
    .where(exists(from('blocks', 'b').where(eq(col('b', 'issue_id'), col('i', 'id'))), true))
    .where(inSubquery(col('i', 'owner'), from('users').select('id').where('active', '=', true)))
    .where(inSubquery(col('i', 'id'), from('spam').select('issue_id'), true)),

  union_all: () => from('open_issues')
    .select('id', 'title')
    .unionAll(from('closed_issues').select('id', 'title'))
    .orderBy(col('title'), 'asc', 'first')
    .limit(10),

  star_and_keys: () => from('issues', 'i')
    .join('users', 'u', eq(col('u', 'id'), col('i', 'owner')))
    .select(star('i'), as(func('upper', col('u', 'name')), 'owner'))
    .key(['id']),

  negative_limit: () => from('issues').limit(-1),
  bad_operator: () => from('issues').where('status', '==', 'open'),
};

function cppOutput() {
  const bin = process.env.RINDLE_BUILDER_PARITY;
  assert.ok(bin, 'RINDLE_BUILDER_PARITY is not set (run through ctest)');
  const lines = execFileSync(bin, { encoding: 'utf8' }).trim().split('\n');
  return lines.map((l) => l.split('\t'));
}

test('the JavaScript builder writes the C++ builder\'s JSON, byte for byte', () => {
  const cpp = cppOutput();
  assert.deepEqual(cpp.map(([name]) => name), Object.keys(queries), 'the same queries, in the same order');
  for (const [name, json, message] of cpp) {
    const b = queries[name]();
    if (json === 'error') {
      assert.throws(() => b.json(), (e) => e instanceof InvalidError && e.message === message, name);
    } else {
      assert.equal(b.json(), json, name);
      // The AST object, stringified again, and JSON.parse of the text agree too.
      assert.equal(stringify(b.build()), json, `${name} (stringify)`);
      assert.deepEqual(JSON.parse(b.json()), JSON.parse(json), name);
    }
  }
});

test('the engine reads every builder query and its view reports the columns', async () => {
  const r = await rindle.loadRindle();
  const db = r.database();
  db.createTable('issues', {
    columns: { id: 'bigint', title: 'text', status: 'text', priority: 'int', assignee: 'text', opened: 'date',
      updated: 'timestamptz', closed: 'timestamptz', reopened: 'timestamptz', owner: 'bigint' },
    primaryKey: 'id',
  });
  db.createTable('scores', { columns: { issue_id: 'bigint', score: 'float8' }, primaryKey: 'issue_id' });
  db.createTable('reactions', { columns: { id: 'bigint', issue_id: 'bigint', emoji: 'text' }, primaryKey: 'id' });
  for (const name of ['issue_example', 'filter_order_limit', 'three_sources', 'aggregates', 'predicates']) {
    const view = db.materialize(queries[name]());
    assert.ok(view.columns.length > 0, name);
    view.destroy();
  }
  db.close();
});

test('doubles are written as PostgreSQL prints them', () => {
  const cases = [[2.5, '2.5'], [1e-5, '1e-05'], [1e20, '1e+20'], [123456789012345, '123456789012345'],
    [1e15, '1e+15'], [0.0001, '0.0001'], [-0.5, '-0.5'], [1 / 3, '0.3333333333333333'], [5e-324, '5e-324'],
    [1.7976931348623157e308, '1.7976931348623157e+308'], [-0, '-0'], [NaN, 'NaN'], [Infinity, 'Infinity']];
  for (const [x, text] of cases) assert.equal(formatDouble(x), text, String(x));
  assert.equal(stringify(from('t').select(float64(3)).build()), '{"from":[{"table":"t"}],"select":[{"lit":3.0}]}');
  assert.equal(stringify(from('t').select(lit(NaN)).build()),
    '{"from":[{"table":"t"}],"select":[{"lit":"NaN","type":"double precision"}]}');
});

test('strings are escaped as the C++ writer escapes them', () => {
  const q = from('t').where('name', '=', 'a"b\\c\nd\te\r\bf\u0001').json();
  assert.equal(q, '{"from":[{"table":"t"}],"where":{"op":"=","args":[{"col":"name"},{"lit":"a\\"b\\\\c\\nd\\te\\r\\u0008f\\u0001"}]}}');
});

test('builder mistakes are InvalidErrors naming the problem', () => {
  assert.throws(() => from('t').orderBy('a', 'sideways').json(), /query builder: unknown order "sideways"/);
  assert.throws(() => from('t').offset(-3).build(), /offset must not be negative/);
  assert.throws(() => lit('x', 'bignum'), /unknown type "bignum"/);
  assert.throws(() => from('t').where(eq(col('a'), Symbol('x'))), InvalidError);
});
