// The WebAssembly engine under Node next to the native engine, in one run:
// hydrate time and per-change update time of a filter+order+limit-50 view
// and a join view, over 10k and 100k rows, with ratios (wasm / native).
// Then the C API's two row formats compared through wasm (JSON vs binary).
//
//   node bench/wasm_bench.mjs --pkg build/release/bindings/wasm/pkg \
//        --native build/release/bench/wasm_native_side \
//        [--testing build/release/bindings/wasm/rindle_testing.wasm] [--fast <another rindle.wasm>]
//        [--sizes 10000,100000] [--changes 2000]
//
// Both sides generate identical data and changes (the same mulberry32
// sequence as bench/wasm_native_side.cc) and make the same C API calls with
// the same binary format; native is that program, wasm is this one through
// the JavaScript package. "engine" is the time inside the rindle_apply /
// rindle_add_view call; "JS" adds the package's encoding, decoding and events.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const PKG = resolve(arg('pkg', 'build/release/bindings/wasm/pkg'));
const NATIVE = resolve(arg('native', 'build/release/bench/wasm_native_side'));
const TESTING = arg('testing', join(PKG, '..', 'rindle_testing.wasm'));
const FAST = arg('fast');
const SIZES = arg('sizes', '10000,100000').split(',').map(Number);
const CHANGES = Number(arg('changes', 2000));
const HYDRATIONS = 3;

const R = await import(pathToFileURL(join(PKG, 'src', 'index.js')).href);
const { Writer, Reader } = await import(pathToFileURL(join(PKG, 'src', 'codec.js')).href);
const { loadRindle, from, col, eq } = R;

function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}
const STATUS = ['open', 'triage', 'closed'];
const TEAM = ['core', 'web', 'infra', 'data'];

const QUERIES = {
  filter_order_limit50: from('issues').select('id', 'score').where('status', '=', 'open').orderBy('score', 'desc').limit(50),
  join: from('issues', 'i').join('users', 'u', eq(col('u', 'id'), col('i', 'owner')))
    .select('i.id', 'i.title', 'u.name').where('u.team', '=', 'core'),
};

const stats = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return { mean: xs.reduce((a, b) => a + b, 0) / xs.length, median: s[s.length >> 1], p99: s[Math.floor(s.length * 0.99)] };
};

/** One workload on one wasm module, as the native side runs it. */
function runWasm(rindle, workload, rows) {
  const rng = mulberry32(rows);
  const users = Math.max(100, Math.floor(rows / 100));
  const db = rindle.database();
  db.createTable('issues', { columns: [{ name: 'id', type: 'bigint', nullable: false }, { name: 'owner', type: 'bigint' },
    { name: 'status', type: 'text' }, { name: 'score', type: 'double precision' }, { name: 'title', type: 'text' }], primaryKey: 'id' });
  db.createTable('users', { columns: [{ name: 'id', type: 'bigint', nullable: false }, { name: 'name', type: 'text' },
    { name: 'team', type: 'text' }], primaryKey: 'id' });
  const issues = [];
  for (let id = 1; id <= rows; id++) {
    issues.push([id, 1 + (rng() % users), STATUS[rng() % 3], (rng() % 1000000) / 1e6, `issue ${id}`]);
  }
  const userRows = [];
  for (let id = 1; id <= users; id++) userRows.push([id, `user ${id}`, TEAM[id % 4]]);
  let t = performance.now();
  db.load('issues', issues);
  db.load('users', userRows);
  const loadMs = performance.now() - t;

  const query = QUERIES[workload];
  const hydrate = [];
  let view;
  for (let h = 0; h <= HYDRATIONS; h++) {
    t = performance.now();
    view = db.materialize(query);
    hydrate.push(performance.now() - t);
    if (h < HYDRATIONS) view.destroy();
  }
  hydrate.pop();
  hydrate.sort((a, b) => a - b);
  let events = 0;
  view.subscribe((e) => { events += e.changes.length; });

  const engine = [];
  const total = [];
  const warmup = Math.floor(CHANGES / 4);
  for (let c = 0; c < warmup + CHANGES; c++) {
    const row = issues[rng() % rows];
    if (workload === 'join') {
      row[1] = 1 + (rng() % users);
    } else {
      row[3] = (rng() % 1000000) / 1e6;
      row[2] = STATUS[rng() % 3];
    }
    const r = db.batch((tx) => tx.update('issues', row[0], row));
    if (c >= warmup) {
      engine.push(r.engineMs * 1000);
      total.push(r.totalMs * 1000);
    }
  }
  const out = {
    loadMs, hydrateMs: hydrate[hydrate.length >> 1], viewRows: view.stats().rows, engine: stats(engine), js: stats(total),
    events,
  };
  db.close();
  return out;
}

/** JSON vs binary through the C API of the test module (the only one with JSON rows). */
async function formats(rows) {
  const imports = {
    env: { emscripten_notify_memory_growth() {} },
    wasi_snapshot_preview1: { proc_exit(code) { throw new Error(`exit ${code}`); } },
  };
  const { instance } = await WebAssembly.instantiate(readFileSync(TESTING), imports);
  const x = instance.exports;
  x._initialize?.();
  const enc = new TextEncoder();
  const dec = new TextDecoder();
  const scratch = x.rindle_malloc(64 << 20);
  const out = x.rindle_malloc(16);
  const put = (bytes) => { new Uint8Array(x.memory.buffer).set(bytes, scratch); return bytes.length; };
  const output = () => {
    const dv = new DataView(x.memory.buffer);
    const p = dv.getUint32(out, true);
    return new Uint8Array(x.memory.buffer, p, dv.getUint32(out + 4, true));
  };
  const call = (e, rc) => {
    if (rc !== 0) {
      const u8 = new Uint8Array(x.memory.buffer);
      let p = x.rindle_last_error(e);
      let s = '';
      while (u8[p]) s += String.fromCharCode(u8[p++]);
      throw new Error(s);
    }
  };
  const result = {};
  for (const format of ['json', 'binary']) {
    const e = x.rindle_engine_new();
    const schema = '{"name":"issues","columns":[{"name":"id","type":"bigint","nullable":false},{"name":"owner","type":"bigint"},' +
      '{"name":"status","type":"text"},{"name":"score","type":"double precision"},{"name":"title","type":"text"}],"primary_key":["id"]}';
    call(e, x.rindle_create_table(e, scratch, put(enc.encode(schema))));
    const rng = mulberry32(rows);
    const data = [];
    for (let id = 1; id <= rows; id++) data.push([id, 1 + (rng() % 1000), STATUS[rng() % 3], (rng() % 1000000) / 1e6, `issue ${id}`]);
    const w = new Writer();
    const name = enc.encode('issues');
    const encodeRows = () => {
      if (format === 'json') return enc.encode(JSON.stringify(data));
      w.reset();
      w.u32(data.length);
      for (const r of data) { w.u16(5); r.forEach((v, i) => w.value(v, i === 3 ? 'double' : undefined, () => '')); }
      return w.bytes().slice();
    };
    encodeRows();  // once to warm up the JIT, then timed
    let t = performance.now();
    const bytes = encodeRows();
    const encodeMs = performance.now() - t;
    new Uint8Array(x.memory.buffer).set(name, scratch + (60 << 20));
    t = performance.now();
    call(e, x.rindle_load(e, scratch + (60 << 20), name.length, format === 'json' ? 1 : 0, scratch, put(bytes)));
    const loadMs = performance.now() - t;
    const ast = enc.encode(QUERIES.filter_order_limit50.json());
    new Uint8Array(x.memory.buffer).set(enc.encode('v'), scratch + (61 << 20));
    call(e, x.rindle_add_view(e, scratch + (61 << 20), 1, scratch, put(ast), 0, 0, 0, out));
    const per = [];
    for (let c = 0; c < 1500; c++) {
      const row = data[rng() % rows];
      row[3] = (rng() % 1000000) / 1e6;
      row[2] = STATUS[rng() % 3];
      const t0 = performance.now();
      let n;
      if (format === 'json') {
        n = put(enc.encode(JSON.stringify({ changes: [{ op: 'update', table: 'issues', key: [row[0]], row }] })));
      } else {
        w.reset();
        w.i64(c + 1); w.i64(0); w.u32(1); w.u8(2); w.u16(6);
        w.ensure(6); w.buf.set(name, w.n); w.n += 6;
        w.u16(1); w.value(row[0], 'bigint', () => '');
        w.u16(5); row.forEach((v, i) => w.value(v, i === 3 ? 'double' : undefined, () => ''));
        n = put(w.bytes());
      }
      call(e, x.rindle_apply(e, format === 'json' ? 1 : 0, scratch, n, out, out + 4));
      const o = output();
      if (format === 'json') JSON.parse(dec.decode(o));
      else new Reader(o).u32();  // (the package decodes fully; here only the cost of the call and transfer)
      if (c >= 500) per.push((performance.now() - t0) * 1000);
    }
    result[format] = { encodeMs, loadMs, bytes: bytes.length, change: stats(per) };
    x.rindle_engine_free(e);
  }
  return result;
}

const f = (x, d = 1) => (x >= 100 ? x.toFixed(0) : x.toFixed(d));
const rindle = await loadRindle();
const fast = FAST ? await loadRindle({ wasm: FAST }) : null;
console.log(`node ${process.version}; rindle.wasm ${readFileSync(join(PKG, 'rindle.wasm')).length} bytes` +
  (FAST ? `; fast build ${readFileSync(FAST).length} bytes` : ''));
console.log(`${CHANGES} single-row changes per workload after ${Math.floor(CHANGES / 4)} warm-up; hydrate = median of ${HYDRATIONS}\n`);
const header = ['workload', 'rows', 'view rows', 'hydrate native ms', 'hydrate wasm ms', 'ratio',
  'change native µs', 'change wasm µs (engine)', 'ratio', 'change wasm µs (JS API)', ...(fast ? ['fast: hydrate ms', 'fast: change µs', 'ratio'] : [])];
const lines = [header];
for (const rows of SIZES) {
  const native = execFileSync(NATIVE, ['--rows', String(rows), '--changes', String(CHANGES), '--hydrations', String(HYDRATIONS)],
    { encoding: 'utf8' }).trim().split('\n').map((l) => JSON.parse(l));
  for (const n of native) {
    if (QUERIES[n.workload].json() !== n.query) throw new Error(`the JS builder's ${n.workload} query differs from the native side's`);
    const w = runWasm(rindle, n.workload, rows);
    if (w.viewRows !== n.view_rows) throw new Error(`${n.workload}: wasm view has ${w.viewRows} rows, native ${n.view_rows}`);
    const fw = fast ? runWasm(fast, n.workload, rows) : null;
    lines.push([n.workload === 'join' ? 'join (issues ⋈ users, filter)' : 'filter + order + limit 50', rows.toLocaleString('en'),
      String(n.view_rows), f(n.hydrate_ms), f(w.hydrateMs), `${f(w.hydrateMs / n.hydrate_ms)}×`,
      f(n.change_us.median), f(w.engine.median), `${f(w.engine.median / n.change_us.median)}×`, f(w.js.median),
      ...(fw ? [f(fw.hydrateMs), f(fw.engine.median), `${f(fw.engine.median / n.change_us.median)}×`] : [])]);
  }
}
const widths = header.map((_, i) => Math.max(...lines.map((l) => l[i].length)));
const md = (l) => `| ${l.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
console.log(md(lines[0]));
console.log(`|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`);
for (const l of lines.slice(1)) console.log(md(l));
console.log('\n(change times are medians over the changes)');

try {
  readFileSync(TESTING);
  const rows = Math.max(...SIZES);
  const fm = await formats(rows);
  console.log(`\nrow formats through the C API (wasm, ${rows.toLocaleString('en')}-row bulk load; 1,000 single-row updates of the filter view):`);
  console.log('| format | load: JS encode ms | load: engine ms | bytes | change µs (encode + apply + read deltas), median |');
  console.log('|---|---|---|---|---|');
  for (const [k, v] of Object.entries(fm)) console.log(`| ${k} | ${f(v.encodeMs)} | ${f(v.loadMs)} | ${v.bytes.toLocaleString('en')} | ${f(v.change.median)} |`);
} catch (e) {
  if (e.code !== 'ENOENT') throw e;
  console.log(`\n(no ${TESTING}: the row-format comparison is skipped)`);
}
