// The shipped module's size budget (issue 8: <= 228 KB uncompressed, goal
// <= 150 KB) and its imports (a standalone module: nothing but the two the
// loader provides, so no undefined symbol slipped in as an import).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { wasmPath } from './helpers.js';

const BUDGET = 228 * 1024;
const GOAL = 150 * 1024;

test('rindle.wasm fits the size budget', () => {
  const bytes = readFileSync(wasmPath());
  const gz = gzipSync(bytes, { level: 9 }).length;
  const kib = (n) => (n / 1024).toFixed(1);
  console.log(`rindle.wasm: ${bytes.length} bytes (${kib(bytes.length)} KiB; budget ${kib(BUDGET)} KiB, ` +
    `goal ${kib(GOAL)} KiB), gzip -9 ${gz} bytes (${kib(gz)} KiB)`);
  assert.ok(bytes.length <= BUDGET, `rindle.wasm is ${bytes.length} bytes, over the ${BUDGET}-byte budget`);
});

test('rindle.wasm imports only what the loader provides', () => {
  const mod = new WebAssembly.Module(readFileSync(wasmPath()));
  const imports = WebAssembly.Module.imports(mod).map((i) => `${i.module}.${i.name}`).sort();
  assert.deepEqual(imports, ['env.emscripten_notify_memory_growth', 'wasi_snapshot_preview1.proc_exit']);
  const exports = WebAssembly.Module.exports(mod).map((e) => e.name);
  for (const fn of ['rindle_engine_new', 'rindle_apply', 'rindle_add_view', 'rindle_view_rows', 'rindle_malloc', '_initialize']) {
    assert.ok(exports.includes(fn), `missing export ${fn}`);
  }
});
