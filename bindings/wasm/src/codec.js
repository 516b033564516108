// The C API's binary format (ivm/c_api/c_api.h, "BINARY") in JavaScript:
// values, rows and batches written, rows and deltas read. Little-endian.
//
// JavaScript values going in, by column type:
//   null/undefined     NULL
//   boolean            boolean
//   number             safe integer -> bigint; otherwise double; for a numeric
//                      column its shortest decimal text (exact as written)
//   bigint             bigint (-2^63 .. 2^63-1); numeric columns take its digits
//   string             read with the column type's PostgreSQL text input
//                      ('2024-01-31', '12.50', a uuid, ...)
//   Date               date: its UTC day; timestamps: its ISO instant
//   Uint8Array         bytea
//   any other object   json columns: JSON.stringify(value)
// Values coming out: bigint as a number (a BigInt beyond 2^53), double as a
// number, numeric, date, timestamps, uuid and json as their PostgreSQL text,
// bytea as a Uint8Array.

import { InvalidError } from './errors.js';

// ivm::Type values: the binary tags.
export const TAG = {
  null: 0, boolean: 1, bigint: 2, double: 3, numeric: 4, text: 5, bytea: 6, date: 7, timestamp: 8,
  timestamptz: 9, uuid: 10, json: 11,
};

const ALIASES = new Map([
  ['bool', 'boolean'], ['boolean', 'boolean'],
  ['int2', 'bigint'], ['int4', 'bigint'], ['int8', 'bigint'], ['smallint', 'bigint'], ['int', 'bigint'],
  ['integer', 'bigint'], ['bigint', 'bigint'],
  ['float4', 'double'], ['float8', 'double'], ['real', 'double'], ['float', 'double'],
  ['double precision', 'double'], ['double', 'double'],
  ['numeric', 'numeric'], ['decimal', 'numeric'],
  ['text', 'text'], ['varchar', 'text'], ['character varying', 'text'], ['char', 'text'], ['character', 'text'],
  ['bpchar', 'text'], ['name', 'text'],
  ['bytea', 'bytea'], ['date', 'date'],
  ['timestamp', 'timestamp'], ['timestamp without time zone', 'timestamp'],
  ['timestamptz', 'timestamptz'], ['timestamp with time zone', 'timestamptz'],
  ['uuid', 'uuid'], ['json', 'json'], ['jsonb', 'json'],
]);

/** The engine's kind of a type name ('int4' -> 'bigint', 'varchar(20)' -> 'text'), or undefined. */
export function typeKind(name) {
  const n = String(name).toLowerCase().replace(/\(.*?\)/, '').trim();
  return ALIASES.get(n);
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const TWO32 = 4294967296;

/** A growable little-endian byte buffer. */
export class Writer {
  constructor(capacity = 1024) {
    this.buf = new Uint8Array(capacity);
    this.dv = new DataView(this.buf.buffer);
    this.n = 0;
  }
  reset() { this.n = 0; return this; }
  bytes() { return this.buf.subarray(0, this.n); }
  ensure(extra) {
    if (this.n + extra <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < this.n + extra) cap *= 2;
    const b = new Uint8Array(cap);
    b.set(this.buf.subarray(0, this.n));
    this.buf = b;
    this.dv = new DataView(b.buffer);
  }
  u8(v) { this.ensure(1); this.buf[this.n++] = v; }
  u16(v) { this.ensure(2); this.dv.setUint16(this.n, v, true); this.n += 2; }
  u32(v) { this.ensure(4); this.dv.setUint32(this.n, v, true); this.n += 4; }
  /** A safe integer (number) or a BigInt as i64. */
  i64(v) {
    this.ensure(8);
    if (typeof v === 'bigint') {
      this.dv.setBigInt64(this.n, v, true);
    } else {
      const hi = Math.floor(v / TWO32);
      this.dv.setUint32(this.n, v - hi * TWO32, true);
      this.dv.setInt32(this.n + 4, hi, true);
    }
    this.n += 8;
  }
  f64(v) { this.ensure(8); this.dv.setFloat64(this.n, v, true); this.n += 8; }
  /** tag, u32 length, UTF-8 bytes */
  string(tag, s) {
    const len = s.length;
    this.ensure(5 + len * 3);
    const buf = this.buf;
    const at = this.n + 5;
    buf[this.n] = tag;
    // ASCII (the common case) byte by byte: no subarray, no encoder call.
    let i = 0;
    if (len < 256) {
      for (; i < len; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0x80) break;
        buf[at + i] = c;
      }
    }
    const written = i === len ? len : encoder.encodeInto(s, buf.subarray(at)).written;
    this.dv.setUint32(this.n + 1, written, true);
    this.n = at + written;
  }
  raw(tag, bytes) {
    this.ensure(5 + bytes.length);
    this.buf[this.n] = tag;
    this.dv.setUint32(this.n + 1, bytes.length, true);
    this.buf.set(bytes, this.n + 5);
    this.n += 5 + bytes.length;
  }

  /**
   * One value for a column of the given kind (see typeKind; undefined: no
   * column context, as for parameters). `where()` names it in errors.
   */
  value(v, kind, where = noWhere) {
    if (v === null || v === undefined) return this.u8(TAG.null);
    switch (typeof v) {
      case 'boolean':
        this.u8(TAG.boolean);
        return this.u8(v ? 1 : 0);
      case 'number':
        if (kind === 'numeric') return this.string(TAG.text, numberText(v, where));
        if (kind !== 'double' && Number.isSafeInteger(v)) {
          this.u8(TAG.bigint);
          return this.i64(v);
        }
        if (kind === 'bigint' && Number.isInteger(v)) {
          throw new InvalidError(`${where()}: ${v} is beyond 2^53, not exact as a number; pass a BigInt or a string`);
        }
        this.u8(TAG.double);
        return this.f64(v);
      case 'bigint':
        if (kind === 'numeric' || kind === 'double') return this.string(TAG.text, v.toString());
        if (v < -(2n ** 63n) || v >= 2n ** 63n) throw new InvalidError(`${where()}: ${v} is out of range for bigint`);
        this.u8(TAG.bigint);
        return this.i64(v);
      case 'string':
        return this.string(TAG.text, v);
      default:
        break;
    }
    if (v instanceof Date) {
      if (Number.isNaN(v.getTime())) throw new InvalidError(`${where()}: invalid Date`);
      const iso = v.toISOString();
      return this.string(TAG.text, kind === 'date' ? iso.slice(0, 10) : iso);
    }
    if (v instanceof Uint8Array) return this.raw(TAG.bytea, v);
    if (typeof v === 'object' && v.type !== undefined && 'value' in v && kind === undefined) {
      // A typed parameter: {type: 'date', value: '2024-01-31'}.
      const k = typeKind(v.type);
      if (!k) throw new InvalidError(`${where()}: unknown type "${v.type}"`);
      if (v.value === null || v.value === undefined) return this.u8(TAG.null);
      if (k === 'bigint' || k === 'double' || k === 'boolean' || k === 'bytea' || k === 'text') {
        return this.value(k === 'bigint' && typeof v.value === 'string' ? BigInt(v.value)
          : k === 'double' ? Number(v.value) : v.value, k, where);
      }
      return this.string(TAG[k], typeof v.value === 'string' ? v.value : String(v.value));
    }
    if (kind === 'json' && typeof v === 'object') return this.string(TAG.json, JSON.stringify(v));
    throw new InvalidError(`${where()}: cannot store ${Object.prototype.toString.call(v)} in a ${kind ?? 'parameter'}`);
  }
}

const noWhere = () => 'value';

function numberText(v, where) {
  if (!Number.isFinite(v)) {
    if (Number.isNaN(v)) return 'NaN';
    throw new InvalidError(`${where()}: ${v} cannot be stored in a numeric column`);
  }
  return String(v);
}

/** Reads the binary format from a byte view (in wasm memory: decode before the next call). */
export class Reader {
  constructor(bytes) {
    this.b = bytes;
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.p = 0;
  }
  u8() { return this.b[this.p++]; }
  u16() { const v = this.dv.getUint16(this.p, true); this.p += 2; return v; }
  u32() { const v = this.dv.getUint32(this.p, true); this.p += 4; return v; }
  i64() {
    const lo = this.dv.getUint32(this.p, true);
    const hi = this.dv.getInt32(this.p + 4, true);
    this.p += 8;
    const v = hi * TWO32 + lo;
    return Number.isSafeInteger(v) ? v : (BigInt(hi) << 32n) | BigInt(lo);
  }
  value() {
    const tag = this.b[this.p++];
    switch (tag) {
      case TAG.null: return null;
      case TAG.boolean: return this.b[this.p++] === 1;
      case TAG.bigint: return this.i64();
      case TAG.double: { const v = this.dv.getFloat64(this.p, true); this.p += 8; return v; }
      case TAG.bytea: { const n = this.u32(); const v = this.b.slice(this.p, this.p + n); this.p += n; return v; }
      default: {
        const n = this.u32();
        const v = decoder.decode(this.b.subarray(this.p, this.p + n));
        this.p += n;
        return v;
      }
    }
  }
  /** A row as an array of values. */
  array() {
    const n = this.u16();
    const row = new Array(n);
    for (let i = 0; i < n; i++) row[i] = this.value();
    return row;
  }
  /** A row as an object keyed by `names` (which must match its width). */
  object(names) {
    const n = this.u16();
    const row = {};
    for (let i = 0; i < n; i++) row[names[i]] = this.value();
    return row;
  }
  /** rows: count, then rows. */
  rows(names) {
    const n = this.u32();
    const out = new Array(n);
    for (let i = 0; i < n; i++) out[i] = names ? this.object(names) : this.array();
    return out;
  }
}
