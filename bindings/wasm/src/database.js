// Databases (one engine each), their tables, writes in atomic batches, and
// materialized views with change subscriptions. See README.md for the tour
// and index.d.ts for the contract of every call.

import { Native } from './native.js';
import { Reader, Writer, typeKind } from './codec.js';
import { QueryBuilder, stringify, tablesOf } from './builder.js';
import { ConstraintError, InvalidError, NotFoundError, RindleError } from './errors.js';

const OK = 0;
const NOT_FOUND = 2;
const BINARY = 0;

/**
 * Loads the engine's WebAssembly module. options.wasm: a URL or path, the
 * module's bytes, a fetch Response or a compiled WebAssembly.Module; by
 * default rindle.wasm next to this package's src/.
 */
export async function loadRindle(options = {}) {
  return new Rindle(await Native.load(options.wasm));
}

/** A loaded module. Databases made from it share its memory. */
export class Rindle {
  /** @param {Native} native */
  constructor(native) { this._native = native; }
  /** A new, empty database (engine). Free it with close(). */
  database() { return new Database(this._native); }
  /** Bytes in use on the module's malloc heap (for leak checks). */
  heapBytes() { return this._native.heapInUse(); }
  /** Size of the module's linear memory (it only grows). */
  memoryBytes() { return this._native.memory.buffer.byteLength; }
  /** The engine library's version. */
  version() { return this._native.guard(() => this._native.string(this._native.exports.rindle_version())); }
}

// Engines not closed before they are garbage collected are freed then.
const finalizer = typeof FinalizationRegistry === 'function'
  ? new FinalizationRegistry(({ native, engine }) => { if (!native.dead) native.exports.rindle_engine_free(engine); })
  : null;

function keyString(values) {
  return values.map((v) => (v === null ? 'n' : typeof v === 'string' ? `s${v}` : `${typeof v}:${String(v)}`)).join('\u0000');
}

/** One engine: tables, views and atomic batches of writes. */
export class Database {
  constructor(native) {
    this._n = native;
    this._e = native.guard(() => native.exports.rindle_engine_new());
    this._tables = new Map();   // name -> {name, columns: [{name, type, kind, nullable}], pk: [index], index: Map}
    this._views = new Map();    // id -> View
    this._nextView = 0;
    this._lsn = 0;
    this._dispatching = false;
    this._closed = false;
    this._writer = new Writer(4096);
    finalizer?.register(this, { native, engine: this._e }, this);
  }

  // ---- internals ----

  _live() {
    if (this._closed) throw new InvalidError('the database is closed');
  }
  _call(fn) {
    this._live();
    return this._n.guard(fn);
  }
  _check(code) { this._n.check(this._e, code); }
  _table(name) {
    const t = this._tables.get(name);
    if (!t) throw new NotFoundError(`relation "${name}" does not exist`);
    return t;
  }
  /** A row (object or array) as an array of values in column order. */
  _rowArray(t, row, where) {
    if (Array.isArray(row)) return row;
    if (row === null || typeof row !== 'object') throw new InvalidError(`${where}: expected a row object or array`);
    for (const k of Object.keys(row)) {
      if (!t.index.has(k)) throw new NotFoundError(`${where}: column "${k}" of relation "${t.name}" does not exist`);
    }
    return t.columns.map((c) => (row[c.name] === undefined ? null : row[c.name]));
  }
  /** Primary-key values from a scalar (one-column keys), an array (key order) or an object. */
  _keyArray(t, key, where) {
    if (Array.isArray(key)) return key;
    if (key !== null && typeof key === 'object' && !(key instanceof Date) && !(key instanceof Uint8Array)) {
      return t.pk.map((i) => {
        const v = key[t.columns[i].name];
        if (v === undefined) throw new InvalidError(`${where}: key has no value for "${t.columns[i].name}"`);
        return v;
      });
    }
    if (t.pk.length !== 1) throw new InvalidError(`${where}: the key of "${t.name}" has ${t.pk.length} columns`);
    return [key];
  }
  _writeRow(w, t, values, where) {
    w.u16(values.length);
    const cols = t.columns;
    let i = 0;
    try {
      for (; i < values.length; i++) w.value(values[i], cols[i]?.kind);
    } catch (e) {
      if (!(e instanceof RindleError)) throw e;
      throw new e.constructor(e.message.replace(/^value/, `${where}, column "${cols[i]?.name ?? i}"`));
    }
  }
  _writeKey(w, t, values, where) {
    w.u16(values.length);
    let i = 0;
    try {
      for (; i < values.length; i++) w.value(values[i], t.columns[t.pk[i]]?.kind);
    } catch (e) {
      if (!(e instanceof RindleError)) throw e;
      throw new e.constructor(e.message.replace(/^value/, `${where}, key column "${t.columns[t.pk[i]]?.name ?? i}"`));
    }
  }
  _rowObject(t, values) {
    const o = {};
    for (let i = 0; i < t.columns.length; i++) o[t.columns[i].name] = values[i];
    return o;
  }

  // ---- tables ----

  /**
   * createTable('issues', {columns: {id: 'bigint', title: 'text', score: {type: 'float8', nullable: true}},
   *                       primaryKey: 'id'})
   * Columns may also be an array of {name, type, nullable}. Columns are nullable
   * unless they say nullable: false.
   */
  createTable(name, spec) {
    this._live();
    const cols = Array.isArray(spec?.columns) ? spec.columns
      : Object.entries(spec?.columns ?? {}).map(([n, c]) => (typeof c === 'string' ? { name: n, type: c } : { name: n, ...c }));
    const pk = spec?.primaryKey === undefined ? [] : [spec.primaryKey].flat();
    const schema = JSON.stringify({
      name,
      columns: cols.map((c) => ({ name: c.name, type: String(c.type), nullable: c.nullable !== false })),
      primary_key: pk,
    });
    this._call(() => {
      const [p, n] = this._n.inputs(schema);
      this._check(this._n.exports.rindle_create_table(this._e, p, n));
    });
    const columns = cols.map((c) => ({ name: c.name, type: String(c.type), kind: typeKind(c.type), nullable: c.nullable !== false }));
    const index = new Map(columns.map((c, i) => [c.name, i]));
    this._tables.set(name, { name, columns, pk: pk.map((k) => index.get(k)), index, encodedName: new TextEncoder().encode(name) });
  }

  dropTable(name) {
    this._call(() => {
      const [p, n] = this._n.inputs(name);
      this._check(this._n.exports.rindle_drop_table(this._e, p, n));
    });
    this._tables.delete(name);
  }

  /** Table names and their columns. */
  get tables() {
    return [...this._tables.values()].map((t) => ({
      name: t.name, columns: t.columns.map(({ name, type, nullable }) => ({ name, type, nullable })),
      primaryKey: t.pk.map((i) => t.columns[i].name),
    }));
  }

  /**
   * Bulk-loads rows (objects or arrays) into a table: all or nothing, no
   * per-row deltas. Views reading the table are recomputed and their
   * subscribers get a {reset: true} event.
   */
  load(table, rows) {
    this._noWritesInCallbacks();
    const t = this._table(table);
    const w = this._writer.reset();
    w.u32(rows.length);
    for (let i = 0; i < rows.length; i++) this._writeRow(w, t, this._rowArray(t, rows[i], `row ${i}`), `row ${i}`);
    this._call(() => {
      const [tp, tn, rp, rn] = this._n.inputs(table, w.bytes());
      this._check(this._n.exports.rindle_load(this._e, tp, tn, BINARY, rp, rn));
    });
    for (const v of this._views.values()) if (v._tables.has(table)) v._reset();
  }

  /** The stored row with this primary key (a value, an array, or an object holding the key), or undefined. */
  get(table, key) {
    const t = this._table(table);
    const values = this._getArray(t, this._keyArray(t, key, `get("${table}")`));
    return values && this._rowObject(t, values);
  }
  _getArray(t, keyValues) {
    const w = this._writer.reset();
    this._writeKey(w, t, keyValues, `key of "${t.name}"`);
    return this._call(() => {
      const [tp, tn, kp, kn] = this._n.inputs(t.name, w.bytes());
      const code = this._n.exports.rindle_lookup(this._e, tp, tn, BINARY, kp, kn, this._n.out, this._n.out + 4);
      if (code === NOT_FOUND) return undefined;
      this._check(code);
      return new Reader(this._n.output()).array();
    });
  }

  /** Rows and stored bytes of a table. */
  tableStats(table) {
    return this._call(() => {
      const [p, n] = this._n.inputs(table);
      this._check(this._n.exports.rindle_table_stats(this._e, p, n, this._n.out, this._n.out + 8));
      const [rows, bytes] = this._n.pair();
      return { rows, bytes };
    });
  }

  // ---- writes ----

  _noWritesInCallbacks() {
    if (this._dispatching) {
      throw new InvalidError('writes from inside a subscriber are not allowed; queue them (e.g. with queueMicrotask)');
    }
  }

  /**
   * Applies the writes fn(tx) makes as one atomic batch: either all of them
   * or none (an error is thrown and nothing changed). Subscribers of every
   * view that changed are called before batch() returns.
   * @returns {{engineMs: number, totalMs: number, changes: number, views: number}}
   */
  batch(fn) {
    this._live();
    this._noWritesInCallbacks();
    const tx = new Transaction(this);
    fn(tx);
    return this._commit(tx._changes);
  }
  insert(table, row) { return this.batch((tx) => tx.insert(table, row)); }
  /** update(table, key, changes): changes is an object of new column values (or a whole row array). */
  update(table, key, changes) { return this.batch((tx) => tx.update(table, key, changes)); }
  delete(table, key) { return this.batch((tx) => tx.delete(table, key)); }

  _commit(changes) {
    const start = performance.now();
    const w = this._writer.reset();
    w.i64(++this._lsn);
    w.i64(Date.now() * 1000);
    w.u32(changes.length);
    const touched = new Set();
    for (let i = 0; i < changes.length; i++) {
      const c = changes[i];
      const t = c.t;
      touched.add(t.name);
      w.u8(c.op);
      const name = t.encodedName;
      w.u16(name.length);
      w.ensure(name.length);
      w.buf.set(name, w.n);
      w.n += name.length;
      if (c.op !== 0) this._writeKey(w, t, c.key, `change ${i} (${t.name})`);
      if (c.op !== 1) this._writeRow(w, t, c.row, `change ${i} (${t.name})`);
    }
    let engineMs = 0;
    const perView = this._call(() => {
      const [p, n] = this._n.inputs(w.bytes());
      const t0 = performance.now();
      const code = this._n.exports.rindle_apply(this._e, BINARY, p, n, this._n.out, this._n.out + 4);
      engineMs = performance.now() - t0;
      this._check(code);
      return this._decodeDeltas(new Reader(this._n.output()));
    });
    // Views that failed on this batch's data produce no deltas: find them.
    for (const v of this._views.values()) {
      if (!v._error && !perView.has(v) && [...v._tables].some((t) => touched.has(t))) v._checkStatus();
    }
    const totalMs = performance.now() - start;
    this._dispatching = true;
    try {
      for (const [view, list] of perView) view._deliver({ changes: list, engineMs, lsn: this._lsn });
    } finally {
      this._dispatching = false;
    }
    return { engineMs, totalMs, changes: changes.length, views: perView.size };
  }

  _decodeDeltas(r) {
    const out = new Map();
    const count = r.u32();
    for (let i = 0; i < count; i++) {
      const view = this._views.get(r.u32());
      const n = r.u32();
      const names = view._names;
      const list = new Array(n);
      for (let k = 0; k < n; k++) {
        const op = r.u8();
        const oldPos = r.i64();
        const newPos = r.i64();
        const oldRow = op !== 0 ? r.object(names) : undefined;
        const newRow = op !== 1 ? r.object(names) : undefined;
        list[k] = op === 0 ? { type: 'add', row: newRow, index: newPos }
          : op === 1 ? { type: 'remove', row: oldRow, index: oldPos }
            : { type: 'update', row: newRow, oldRow, index: newPos, oldIndex: oldPos };
      }
      out.set(view, list);
    }
    return out;
  }

  // ---- views ----

  /** from('issues') bound to this database: ...materialize() at the end. */
  from(table, alias) { return new BoundQuery(this, table, alias); }

  /**
   * Registers a view of the query (a builder, an AST object or its JSON
   * text) and computes its rows. options.params bind $1, $2, ...;
   * options.name names it (default v1, v2, ...).
   */
  materialize(query, options = {}) {
    this._live();
    const text = query instanceof QueryBuilder ? query.json() : typeof query === 'string' ? query : stringify(query);
    const ast = typeof query === 'string' ? safeParse(query) : query instanceof QueryBuilder ? query.build() : query;
    const name = options.name ?? `v${++this._nextView}`;
    const params = options.params ?? [];
    const w = this._writer.reset();
    if (params.length) {
      w.u16(params.length);
      params.forEach((p, i) => w.value(p, undefined, () => `params[${i}]`));
    }
    const { id, info } = this._call(() => {
      const [np, nn, qp, qn, pp, pn] = this._n.inputs(name, text, w.bytes());
      this._check(this._n.exports.rindle_add_view(this._e, np, nn, qp, qn, BINARY, pp, pn, this._n.out));
      const vid = this._n.u32At(this._n.out);
      this._check(this._n.exports.rindle_view_info(this._e, vid, this._n.out, this._n.out + 4));
      return { id: vid, info: JSON.parse(new TextDecoder().decode(this._n.output())) };
    });
    const view = new View(this, id, info, tablesOf(ast), text);
    this._views.set(id, view);
    // A view can fail on the data already there (its hydration overflowed).
    view._error = this._viewStatus(view);
    return view;
  }

  /** The live views. */
  get views() { return [...this._views.values()]; }

  _dropView(view) {
    if (this._closed) return;
    this._call(() => this._check(this._n.exports.rindle_drop_view(this._e, view._id)));
    this._views.delete(view._id);
  }
  _viewRows(view) {
    return this._call(() => {
      this._check(this._n.exports.rindle_view_rows(this._e, view._id, BINARY, this._n.out, this._n.out + 4));
      return new Reader(this._n.output()).rows(view._names);
    });
  }
  _viewStatus(view) {
    return this._call(() => {
      const code = this._n.exports.rindle_view_status(this._e, view._id);
      if (code === OK) return null;
      try { this._check(code); } catch (e) { return e; }
      return null;
    });
  }
  _viewStats(view) {
    return this._call(() => {
      this._check(this._n.exports.rindle_view_stats(this._e, view._id, this._n.out, this._n.out + 8));
      const [rows, stateBytes] = this._n.pair();
      return { rows, stateBytes };
    });
  }

  /** Cumulative work counters of the engine. */
  counters() {
    return this._call(() => {
      this._n.exports.rindle_counters(this._e, this._n.out, this._n.out + 8);
      const [indexProbes, rowsTouched] = this._n.pair();
      return { indexProbes, rowsTouched };
    });
  }

  /** Frees the engine and every view. The database is unusable afterwards. Idempotent. */
  close() {
    if (this._closed) return;
    for (const v of this._views.values()) v._destroyed = true;
    this._views.clear();
    finalizer?.unregister(this);
    this._n.guard(() => this._n.exports.rindle_engine_free(this._e));
    this._closed = true;
  }
}

function safeParse(text) {
  try { return JSON.parse(text); } catch { return {}; }  // the engine reports the syntax error
}

/** The writes of one batch. Reads through get() see the batch's own earlier writes. */
class Transaction {
  constructor(db) {
    this._db = db;
    this._changes = [];
    this._pending = new Map();  // table -> Map(key string -> row array | null)
  }
  _pend(t) {
    let m = this._pending.get(t.name);
    if (!m) this._pending.set(t.name, (m = new Map()));
    return m;
  }
  _keyOf(t, row) { return t.pk.map((i) => row[i]); }

  insert(table, row) {
    const t = this._db._table(table);
    const values = this._db._rowArray(t, row, `insert into "${table}"`);
    this._changes.push({ op: 0, t, row: values });
    this._pend(t).set(keyString(this._keyOf(t, values)), values);
    return this;
  }
  /** The row with this key as this batch sees it (an array), or undefined. */
  _current(t, keyValues) {
    const p = this._pend(t).get(keyString(keyValues));
    if (p !== undefined) return p ?? undefined;
    return this._db._getArray(t, keyValues);
  }
  update(table, key, changes) {
    const t = this._db._table(table);
    const keyValues = this._db._keyArray(t, key, `update "${table}"`);
    let values;
    if (Array.isArray(changes)) {
      values = changes;
    } else {
      const current = this._current(t, keyValues);
      if (!current) throw new ConstraintError(`update "${table}": no row with key (${keyValues.join(', ')})`);
      values = current.slice();
      for (const [k, v] of Object.entries(changes ?? {})) {
        const i = t.index.get(k);
        if (i === undefined) throw new NotFoundError(`update "${table}": column "${k}" does not exist`);
        values[i] = v;
      }
    }
    this._changes.push({ op: 2, t, key: keyValues, row: values });
    const pend = this._pend(t);
    pend.set(keyString(keyValues), null);
    pend.set(keyString(this._keyOf(t, values)), values);
    return this;
  }
  delete(table, key) {
    const t = this._db._table(table);
    const keyValues = this._db._keyArray(t, key, `delete from "${table}"`);
    this._changes.push({ op: 1, t, key: keyValues });
    this._pend(t).set(keyString(keyValues), null);
    return this;
  }
  get(table, key) {
    const t = this._db._table(table);
    const values = this._current(t, this._db._keyArray(t, key, `get("${table}")`));
    return values && this._db._rowObject(t, values);
  }
}

/** A materialized view: its rows stay equal to a fresh run of its query. */
export class View {
  constructor(db, id, info, tables, query) {
    this._db = db;
    this._id = id;
    this._info = info;
    this._tables = tables;
    this._query = query;
    this._subscribers = new Set();
    this._rows = null;        // cached rows (null: read from the engine on demand)
    this._error = null;
    this._destroyed = false;
    // Row objects are keyed by column name; repeated names get _2, _3, ...
    const seen = new Map();
    this._names = info.columns.map((c) => {
      const k = (seen.get(c.name) ?? 0) + 1;
      seen.set(c.name, k);
      return k === 1 ? c.name : `${c.name}_${k}`;
    });
  }

  _live() {
    if (this._destroyed) throw new InvalidError(`view "${this._info.name}" was destroyed`);
  }
  get name() { return this._info.name; }
  /** [{name, type}] of the rows' columns. */
  get columns() { return this._info.columns.map((c, i) => ({ name: this._names[i], type: c.type })); }
  /** The columns that identify a row ([] for a keyless view, a multiset). */
  get key() { return this._info.key.map((i) => this._names[i]); }
  /** Whether the view has ORDER BY (rows are in order; changes carry positions). */
  get ordered() { return this._info.ordered; }
  /** The engine's operator plan, one operator per line. */
  get plan() { return this._info.plan; }
  /** The query's JSON text. */
  get query() { return this._query; }
  /** The error that stopped the view (a DataError), or null. */
  get error() { return this._error; }
  get destroyed() { return this._destroyed; }

  /** The current rows, in order for ordered views. Do not modify the array. */
  get rows() {
    this._live();
    if (this._rows === null) this._rows = this._db._viewRows(this);
    return this._rows;
  }

  /**
   * Calls fn(event) after every batch that changes the view:
   *   {changes: [{type: 'add'|'remove'|'update', row, oldRow?, index, oldIndex?}], engineMs, lsn}
   * index/oldIndex are positions (-1 for unordered views): apply removes
   * (and updates' old rows) by oldIndex descending, then adds (and updates'
   * new rows) by index ascending — applyChanges() does it. After a bulk load
   * the event is {reset: true, changes: []} (read rows again); when the view
   * fails on its data, {error}. Returns a function that unsubscribes.
   */
  subscribe(fn) {
    this._live();
    this._subscribers.add(fn);
    return () => { this._subscribers.delete(fn); };
  }

  _deliver(event) {
    if (this._rows !== null) {
      if (this._info.ordered) applyChanges(this._rows, event.changes);
      else this._rows = null;
    }
    this._emit(event);
  }
  _emit(event) {
    for (const fn of [...this._subscribers]) fn(event);
  }
  _reset() {
    this._rows = null;
    if (!this._error) this._checkStatus();
    this._emit({ reset: true, changes: [], engineMs: 0, lsn: this._db._lsn });
  }
  _checkStatus() {
    const e = this._db._viewStatus(this);
    if (e && !this._error) {
      this._error = e;
      this._emit({ error: e, changes: [], engineMs: 0, lsn: this._db._lsn });
    }
  }

  /** Rows and operator-state bytes. */
  stats() { this._live(); return this._db._viewStats(this); }

  /** Drops the view and frees its state. Idempotent. */
  destroy() {
    if (this._destroyed) return;
    this._db._dropView(this);
    this._destroyed = true;
    this._subscribers.clear();
    this._rows = null;
  }
}

/** A builder bound to a database: ...materialize(options) registers it. */
export class BoundQuery extends QueryBuilder {
  constructor(db, table, alias) {
    super(table, alias);
    this._db = db;
  }
  materialize(options) { return this._db.materialize(this, options); }
}

/**
 * Applies a view event's changes to an array of its rows (in place): the
 * removes by old position descending, then the adds by new position
 * ascending. Returns the array.
 */
export function applyChanges(rows, changes) {
  const removes = [];
  const adds = [];
  for (const c of changes) {
    if (c.type === 'remove') removes.push(c.index);
    else if (c.type === 'update') removes.push(c.oldIndex);
    if (c.type === 'add' || c.type === 'update') adds.push(c);
  }
  removes.sort((a, b) => b - a);
  for (const i of removes) rows.splice(i, 1);
  adds.sort((a, b) => a.index - b.index);
  for (const c of adds) rows.splice(c.index, 0, c.row);
  return rows;
}

export { RindleError };
