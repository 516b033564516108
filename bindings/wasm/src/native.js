// The WebAssembly module and the C API (ivm/c_api/c_api.h) as JavaScript
// functions: instantiation with the module's two imports, memory access,
// strings and bytes in and out, result codes turned into typed errors.
//
// The module is standalone (no emscripten JavaScript glue). It imports
//   env.emscripten_notify_memory_growth(index)   memory grew: views are refreshed lazily
//   wasi_snapshot_preview1.proc_exit(code)         abort(): the module is unusable afterwards
// and exports the C API (rindle_*), its memory and _initialize (static constructors).

import { InternalError, errorFor } from './errors.js';

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: false });

/** The module aborted (abort(), a trap); every later call fails. */
class ModuleExit extends Error {}

const isNode = typeof process === 'object' && process !== null && typeof process.versions?.node === 'string';

async function bytesOrModule(source) {
  if (source === undefined) source = new URL('../rindle.wasm', import.meta.url);
  if (source instanceof WebAssembly.Module || source instanceof ArrayBuffer || ArrayBuffer.isView(source)) return source;
  if (typeof Response !== 'undefined' && source instanceof Response) return source;
  if (typeof source === 'string' || source instanceof URL) {
    const url = source instanceof URL ? source : new URL(source, isNode ? `file://${process.cwd()}/` : globalThis.location?.href);
    if (url.protocol === 'file:' && isNode) {
      const { readFile } = await import('node:fs/promises');
      const { fileURLToPath } = await import('node:url');
      return readFile(fileURLToPath(url));
    }
    return fetch(url);
  }
  if (typeof source?.then === 'function') return bytesOrModule(await source);
  throw new TypeError('wasm: expected a URL, a path, bytes, a Response or a WebAssembly.Module');
}

async function instantiate(source, imports) {
  const s = await bytesOrModule(source);
  if (s instanceof WebAssembly.Module) return WebAssembly.instantiate(s, imports);
  if (typeof Response !== 'undefined' && s instanceof Response) {
    if (!s.ok) throw new InternalError(`cannot load the engine's module: ${s.status} ${s.statusText} (${s.url})`);
    if (WebAssembly.instantiateStreaming && s.headers.get('content-type') === 'application/wasm') {
      return (await WebAssembly.instantiateStreaming(s, imports)).instance;
    }
    return (await WebAssembly.instantiate(await s.arrayBuffer(), imports)).instance;
  }
  return (await WebAssembly.instantiate(s, imports)).instance;
}

/** One instance of the module. All engines of a Rindle share it. */
export class Native {
  /** @param {any} source see loadRindle() */
  static async load(source) {
    let native = null;
    const imports = {
      env: { emscripten_notify_memory_growth() { native?.refresh(); } },
      wasi_snapshot_preview1: { proc_exit(code) { throw new ModuleExit(`the engine aborted (exit ${code})`); } },
    };
    const instance = await instantiate(source, imports);
    native = new Native(instance);
    return native;
  }

  constructor(instance) {
    this.exports = instance.exports;
    this.memory = instance.exports.memory;
    this.exports._initialize?.();
    this.refresh();
    this.dead = null;           // the message of the abort, once the module died
    this.scratch = 0;           // a reusable input buffer in wasm memory
    this.scratchSize = 0;
    this.out = this.exports.rindle_malloc(16);  // out-parameters: pointer and size, or two u64
    this.depth = 0;
  }

  refresh() {
    this.u8 = new Uint8Array(this.memory.buffer);
    this.dv = new DataView(this.memory.buffer);
  }

  /** Current views of memory (it may have grown since the last call). */
  heap() {
    if (this.u8.buffer !== this.memory.buffer) this.refresh();
    return this.u8;
  }

  /** A pointer to at least n writable bytes, valid until the next reserve(). */
  reserve(n) {
    if (n > this.scratchSize) {
      this.guard(() => {
        if (this.scratch) this.exports.rindle_free(this.scratch);
        this.scratchSize = Math.max(n, this.scratchSize * 2, 4096);
        this.scratch = this.exports.rindle_malloc(this.scratchSize);
      });
    }
    return this.scratch;
  }

  /**
   * Copies inputs (strings or Uint8Arrays) into wasm memory, one after the
   * other. Returns [ptr, len] pairs, flattened.
   */
  inputs(...values) {
    const encoded = values.map((v) => (typeof v === 'string' ? null : v));
    let cap = 0;
    for (let i = 0; i < values.length; i++) cap += encoded[i] ? encoded[i].length : values[i].length * 3;
    const base = this.reserve(cap + 1);
    const heap = this.heap();
    const out = [];
    let at = base;
    for (let i = 0; i < values.length; i++) {
      let n;
      if (encoded[i]) {
        heap.set(encoded[i], at);
        n = encoded[i].length;
      } else {
        n = encoder.encodeInto(values[i], heap.subarray(at, at + values[i].length * 3)).written;
      }
      out.push(at, n);
      at += n;
    }
    return out;
  }

  /** Runs fn (which calls exports); a trap or abort kills the module for good. */
  guard(fn) {
    if (this.dead) throw new InternalError(`the engine is unusable after an earlier abort: ${this.dead}`);
    try {
      return fn();
    } catch (e) {
      if (e instanceof ModuleExit || e instanceof WebAssembly.RuntimeError) {
        this.dead = e.message;
        throw new InternalError(`the engine aborted: ${e.message}`);
      }
      throw e;
    }
  }

  /** Throws the typed error for a nonzero result code of `engine`. */
  check(engine, code) {
    if (code === 0) return;
    throw errorFor(code, this.string(this.exports.rindle_last_error(engine)));
  }

  /** A NUL-terminated string at ptr. */
  string(ptr) {
    const heap = this.heap();
    let end = ptr;
    while (heap[end] !== 0) end++;
    return decoder.decode(heap.subarray(ptr, end));
  }

  /** The output bytes of the last call (out pointer and size), without copying. */
  output() {
    this.heap();
    const ptr = this.dv.getUint32(this.out, true);
    const size = this.dv.getUint32(this.out + 4, true);
    return this.u8.subarray(ptr, ptr + size);
  }

  /** A u32 in wasm memory. */
  u32At(ptr) {
    this.heap();
    return this.dv.getUint32(ptr, true);
  }

  /** Two u64 out-parameters (at out and out + 8) as numbers. */
  pair() {
    this.heap();
    return [Number(this.dv.getBigUint64(this.out, true)), Number(this.dv.getBigUint64(this.out + 8, true))];
  }

  /** Bytes malloc reports in use inside the module. */
  heapInUse() { return this.guard(() => this.exports.rindle_heap_in_use() >>> 0); }
}
