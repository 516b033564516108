// The randomized "view == fresh query" check of tests/ivm/differential_test.cc,
// run through the WebAssembly engine and the JavaScript API.
//
// The workloads (schemas, queries, initial rows, change batches) come from
// ivm/testing's seeded generator, and the expected rows from its reference
// evaluator — both in the test module (rindle_testing.wasm), which shares no
// incremental code with the engine. The flow is the C++ test's, call for
// call on the same generator and seeds (the workloads still differ from the
// native test's: ivm/testing/random_workload.cc evaluates some function
// arguments in unspecified order, and clang and GCC choose differently). After
// every batch each view must equal a fresh evaluation (in order where
// ordered), the events its subscribers got must replay the previous rows to
// the new ones (positions included), the rows the View keeps from those
// events must match, and an update must keep a keyed view's key.
//
//   RINDLE_SEED=123 ctest -R wasm_differential     one seed, verbosely
//   RINDLE_SEEDS=1500 ...                          more seeds (default 400)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { importPackage, loadOracle } from './helpers.js';

const { loadRindle, applyChanges, DataError, UnsupportedError } = await importPackage();

// Seeds that once failed, kept as regression cases (run first, always).
const REGRESSION_SEEDS = [0];

// ---- comparing values and rows --------------------------------------------

function numericText(s) {
  // Canonical numeric text without trailing fraction zeros: "2.50" -> "2.5", "-0.0" -> "0".
  let t = String(s);
  if (t.includes('.')) t = t.replace(/0+$/, '').replace(/\.$/, '');
  return t === '-0' ? '0' : t;
}

function valuesMatch(a, b, type) {
  if (a === null || b === null) return a === b;
  if (type === 'double precision' || (typeof a === 'number' && typeof b === 'number' && !Number.isInteger(a + b))) {
    const x = Number(a);
    const y = Number(b);
    if (Number.isNaN(x) || Number.isNaN(y)) return Number.isNaN(x) && Number.isNaN(y);
    if (x === y) return true;
    return Math.abs(x - y) <= 1e-9 * Math.max(1, Math.abs(x), Math.abs(y));
  }
  if (type === 'numeric') return numericText(a) === numericText(b);
  if (typeof a === 'bigint' || typeof b === 'bigint') return BigInt(a) === BigInt(b);
  return a === b;
}

function rowsMatch(a, b, types) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!valuesMatch(a[i], b[i], types[i])) return false;
  return true;
}

function sortKey(row, types) {
  return JSON.stringify(row.map((v, i) => {
    if (v === null) return null;
    if (types[i] === 'double precision' || (typeof v === 'number' && !Number.isInteger(v))) return Number(Number(v).toPrecision(10));
    if (types[i] === 'numeric') return numericText(v);
    return typeof v === 'bigint' ? v.toString() : v;
  }));
}

function sameRows(a, b, ordered, types) {
  if (a.length !== b.length) return false;
  if (!ordered) {
    a = [...a].sort((x, y) => (sortKey(x, types) < sortKey(y, types) ? -1 : 1));
    b = [...b].sort((x, y) => (sortKey(x, types) < sortKey(y, types) ? -1 : 1));
  }
  return a.every((r, i) => rowsMatch(r, b[i], types));
}

const show = (rows) => (rows.length ? rows.map((r) => `    ${JSON.stringify(r, (k, v) => (typeof v === 'bigint' ? `${v}n` : v))}`).join('\n') : '    (none)');

// Replays an event's changes onto the previous rows (arrays of values).
function replay(rows, changes, ordered, types) {
  rows = rows.map((r) => r.slice());
  if (ordered) {
    const removes = [];
    for (const c of changes) {
      if (c.type === 'remove') removes.push([c.index, c.row]);
      if (c.type === 'update') removes.push([c.oldIndex, c.oldRow]);
    }
    removes.sort((x, y) => y[0] - x[0]);
    for (const [i, row] of removes) {
      if (i < 0 || i >= rows.length || !rowsMatch(rows[i], row, types)) {
        throw new Error(`a change removes position ${i}, which does not hold ${JSON.stringify(row)}`);
      }
    }
    // applyChanges (the package's helper) must do exactly this.
    return applyChanges(rows, changes.map((c) => ({ ...c })));
  }
  for (const c of changes) {
    if (c.type !== 'add') {
      const old = c.type === 'update' ? c.oldRow : c.row;
      const at = rows.findIndex((r) => rowsMatch(r, old, types));
      if (at < 0) throw new Error(`a change removes a row the view does not have: ${JSON.stringify(old)}`);
      rows.splice(at, 1);
    }
    if (c.type !== 'remove') rows.push(c.row);
  }
  return rows;
}

// ---- one workload -------------------------------------------------------------

async function runCase(rindle, oracle, seed, stats, verbose) {
  const w = oracle.workload(seed);
  try {
    const schema = w.schema();
    const db = rindle.database();
    try {
      for (const t of schema) db.createTable(t.name, { columns: t.columns, primaryKey: t.primary_key });
      const viewCount = 2 + w.below(3);
      const views = [];
      for (let i = 0; i < viewCount; i++) views.push({ index: i, query: w.newQuery(), live: false, failed: false });
      let batchText = '';
      const context = (v) => `\n  query: ${w.querySql(v.index)}\n${batchText}`;

      const add = (v) => {
        try {
          v.view = db.materialize(v.query, { name: `v${v.index}` });
        } catch (e) {
          if (e instanceof UnsupportedError) {
            stats.unsupported++;
            if (verbose) console.log(`  unsupported: ${e.message}\n    ${w.querySql(v.index)}`);
            return;
          }
          throw new Error(`the engine refused a valid query: ${e.name}: ${e.message}${context(v)}`);
        }
        v.live = true;
        v.names = v.view.columns.map((c) => c.name);
        v.types = v.view.columns.map((c) => c.type);
        v.events = [];
        v.view.subscribe((event) => v.events.push(event));
        v.rows = arrays(v, v.view.rows);
        stats.views++;
      };
      const arrays = (v, objects) => objects.map((o) => v.names.map((n) => o[n]));

      const checkAll = (afterBatch) => {
        for (const v of views) {
          if (!v.live || v.failed) continue;
          stats.checks++;
          const expected = w.evaluate(v.index);
          const error = v.view.error;
          if (!expected.ok) {
            if (expected.code === 'data error' && error instanceof DataError) {
              v.failed = true;
              stats.dataErrors++;
              continue;
            }
            throw new Error(`reference failed: ${expected.code}: ${expected.message}, engine: ${error?.message ?? 'ok'}${context(v)}`);
          }
          if (error) throw new Error(`the view failed but the reference did not: ${error.name}: ${error.message}${context(v)}`);
          const fresh = arrays(v, db._viewRows(v.view));
          const ordered = v.view.ordered && expected.ordered;
          if (!sameRows(expected.rows, fresh, ordered, v.types)) {
            throw new Error(`view differs from a fresh evaluation${context(v)}  expected:\n${show(expected.rows)}\n  actual:\n${show(fresh)}`);
          }
          // The rows the View keeps up to date from its own events.
          const kept = arrays(v, v.view.rows);
          if (!sameRows(kept, fresh, v.view.ordered, v.types)) {
            throw new Error(`View.rows (kept from events) differs from the engine's rows${context(v)}  kept:\n${show(kept)}\n  engine:\n${show(fresh)}`);
          }
          if (afterBatch) {
            const events = v.events.filter((e) => !e.reset);
            if (events.length > 1) throw new Error(`${events.length} events for one batch${context(v)}`);
            const changes = events.length ? events[0].changes.map((c) => ({
              ...c, row: v.names.map((n) => c.row[n]), oldRow: c.oldRow && v.names.map((n) => c.oldRow[n]),
            })) : [];
            let replayed;
            try {
              replayed = replay(v.rows, changes, v.view.ordered, v.types);
            } catch (e) {
              throw new Error(`bad event: ${e.message}${context(v)}`);
            }
            if (!sameRows(replayed, fresh, v.view.ordered, v.types)) {
              throw new Error(`the events do not replay to the view${context(v)}  replayed:\n${show(replayed)}\n  actual:\n${show(fresh)}`);
            }
            const key = v.view.key.map((k) => v.names.indexOf(k));
            for (const c of changes) {
              if (c.type === 'update' && key.some((k) => !valuesMatch(c.row[k], c.oldRow[k], v.types[k]))) {
                throw new Error(`an update changed the view key${context(v)}`);
              }
            }
          }
          v.events = [];
          v.rows = fresh;
        }
      };

      let added = 0;
      for (; added < Math.floor(viewCount / 2); added++) add(views[added]);
      const initial = w.initialRows(3 + w.below(6));
      for (const [table, rows] of Object.entries(initial)) db.load(table, rows);
      for (const v of views) {
        if (v.live) {
          v.rows = arrays(v, db._viewRows(v.view));
          v.events = [];
        }
      }
      add(views[added++]);
      checkAll(false);

      const batches = 6 + w.below(10);
      for (let b = 0; b < batches; b++) {
        if (added < viewCount && w.below(100) < 25) add(views[added++]);
        const batch = w.nextBatch(1 + w.below(8));
        batchText = `  batch:\n${batch.changes.map((c) => `    ${JSON.stringify(c)}`).join('\n')}\n`;
        try {
          db.batch((tx) => {
            for (const c of batch.changes) {
              if (c.op === 'insert') tx.insert(c.table, c.row);
              else if (c.op === 'delete') tx.delete(c.table, c.key);
              else tx.update(c.table, c.key, c.row);
            }
          });
        } catch (e) {
          throw new Error(`apply failed: ${e.name}: ${e.message}\n${batchText}`);
        }
        checkAll(true);
      }
    } finally {
      db.close();
    }
  } finally {
    w.free();
  }
}

test('wasm views equal the reference evaluator on random workloads', async () => {
  const rindle = await loadRindle();
  const oracle = await loadOracle();
  const stats = { cases: 0, views: 0, checks: 0, unsupported: 0, dataErrors: 0 };
  let seeds = [...REGRESSION_SEEDS];
  const one = process.env.RINDLE_SEED;
  if (one !== undefined) {
    seeds = [Number(one)];
  } else {
    const n = Number(process.env.RINDLE_SEEDS ?? 400);
    for (let i = 1; i <= n; i++) seeds.push(i * 7919);
  }
  const failures = [];
  for (const seed of seeds) {
    stats.cases++;
    try {
      await runCase(rindle, oracle, seed, stats, seeds.length === 1);
    } catch (e) {
      failures.push(`FAILED seed ${seed} (re-run: RINDLE_SEED=${seed})\n  ${e.message}`);
      console.log(failures[failures.length - 1]);
      if (failures.length >= 5) break;
    }
  }
  console.log(`differential (wasm): ${stats.cases} cases, ${stats.views} views, ${stats.checks} checks, ` +
    `${stats.unsupported} refused as unsupported, ${stats.dataErrors} data errors (both); ` +
    `module memory ${rindle.memoryBytes()} bytes`);
  assert.equal(failures.length, 0, failures.join('\n'));
  assert.ok(stats.views > stats.cases, 'the workloads really exercise views');
});
