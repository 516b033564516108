// Shared by the package's tests: where the built package and the test module
// are (ctest passes them in the environment), and the test module's oracle.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

export const PKG = process.env.RINDLE_WASM_PKG;
export const TESTING_WASM = process.env.RINDLE_WASM_TESTING;
if (!PKG) throw new Error('RINDLE_WASM_PKG is not set: run the tests through ctest (or set it to <build>/bindings/wasm/pkg)');

/** The built package's entry module. */
export async function importPackage() {
  return import(pathToFileURL(join(PKG, 'src', 'index.js')).href);
}

export function wasmPath() { return join(PKG, 'rindle.wasm'); }

/** A seed from RINDLE_SEED, else the default; printed so a failure can be re-run. */
export function seedFrom(name, fallback) {
  const env = process.env.RINDLE_SEED;
  const seed = env !== undefined ? Number(env) : fallback;
  return seed;
}

/**
 * The test module (rindle_testing.wasm): ivm/testing's random workloads and
 * reference evaluator (native/testing_exports.cc), over JSON strings.
 */
export async function loadOracle() {
  if (!TESTING_WASM) throw new Error('RINDLE_WASM_TESTING is not set');
  const imports = {
    env: { emscripten_notify_memory_growth() {} },
    wasi_snapshot_preview1: { proc_exit(code) { throw new Error(`oracle module aborted (${code})`); } },
  };
  const { instance } = await WebAssembly.instantiate(readFileSync(TESTING_WASM), imports);
  const x = instance.exports;
  x._initialize?.();
  const decoder = new TextDecoder();
  const str = (ptr) => {
    const u8 = new Uint8Array(x.memory.buffer);
    let end = ptr;
    while (u8[end] !== 0) end++;
    return decoder.decode(u8.subarray(ptr, end));
  };
  // The generator's rows carry int64 values beyond 2^53 (edges such as
  // INT64_MAX): integers of 16 digits or more are read as their decimal text
  // (which the API parses exactly, and the comparisons read with BigInt).
  const parseExact = (text) => JSON.parse(text.replace(/"(?:[^"\\]|\\.)*"|(?<![\d.eE+-])-?\d{16,}(?![.\deE])/g,
    (m) => (m[0] === '"' ? m : `"${m}"`)));
  return {
    workload(seed) {
      const w = x.rt_workload_new(seed >>> 0, Math.floor(seed / 2 ** 32) >>> 0);
      return {
        below: (n) => x.rt_below(w, n),
        schema: () => JSON.parse(str(x.rt_schema_json(w))),
        newQuery: () => str(x.rt_new_query(w)),
        querySql: (i) => str(x.rt_query_sql(w, i)),
        initialRows: (perTable) => parseExact(str(x.rt_initial_rows_json(w, perTable))),
        nextBatch: (max) => parseExact(str(x.rt_next_batch_json(w, max))),
        evaluate: (i) => parseExact(str(x.rt_evaluate_json(w, i))),
        free: () => x.rt_workload_free(w),
      };
    },
    heapBytes: () => x.rindle_heap_in_use() >>> 0,
  };
}
