// Types of @rindle/wasm. The contract of each call is in its comment; the
// engine's guarantees (atomic batches, view == fresh query) are in
// ivm/engine.h and the package's README.md.

// ---- values -----------------------------------------------------------------

/**
 * A value going into a column. Converted to the column's type: safe integers
 * and BigInts are bigint, other numbers double (numeric columns take a
 * number's shortest decimal), strings are read with the column type's
 * PostgreSQL text input ('2024-01-31', '12.50', a uuid), Dates become their
 * UTC day or instant, Uint8Arrays bytea, other objects JSON (json columns).
 */
export type InValue = null | undefined | boolean | number | bigint | string | Date | Uint8Array | object;
/**
 * A value coming out: bigint as a number (a BigInt beyond 2^53), double as a
 * number, boolean, bytea as a Uint8Array; numeric, date, timestamps, uuid and
 * json as their PostgreSQL text.
 */
export type OutValue = null | boolean | number | bigint | string | Uint8Array;
export type Row = Record<string, OutValue>;
/** A row to write: an object by column name (missing columns are NULL) or an array in column order. */
export type InRow = Record<string, InValue> | InValue[];
/** A primary key: the value (one-column keys), the values in key order, or an object holding them. */
export type Key = InValue | InValue[] | Record<string, InValue>;
/** A parameter ($1...): a plain value, or typed: {type: 'date', value: '2024-01-31'}. */
export type Param = InValue | { type: string; value: InValue };

// ---- errors -----------------------------------------------------------------

export type ErrorCode = 'invalid' | 'not_found' | 'type_mismatch' | 'unsupported' | 'constraint' | 'data_error' |
  'exists' | 'internal';
/** Every error the package throws; `message` is the engine's. */
export class RindleError extends Error {
  readonly code: ErrorCode;
}
/** Malformed input: a bad query, row, value or argument. */
export class InvalidError extends RindleError {}
/** An unknown table, column, view or function. */
export class NotFoundError extends RindleError {}
/** A value or expression of the wrong type. */
export class TypeMismatchError extends RindleError {}
/** Valid SQL the engine cannot maintain incrementally. */
export class UnsupportedError extends RindleError {}
/** Duplicate key, missing row, NULL in a NOT NULL column. */
export class ConstraintError extends RindleError {}
/** Evaluating the data failed (overflow, division by zero); the view stops. */
export class DataError extends RindleError {}
/** A table or view of that name exists. */
export class ExistsError extends RindleError {}
/** A broken invariant of the engine, or the module aborted (it is unusable afterwards). */
export class InternalError extends RindleError {}

// ---- loading ------------------------------------------------------------------

export interface LoadOptions {
  /** The module: a URL or path, its bytes, a fetch Response or a compiled module. Default: rindle.wasm of this package. */
  wasm?: string | URL | ArrayBuffer | ArrayBufferView | Response | WebAssembly.Module | Promise<Response>;
}
/** Loads the engine's WebAssembly module. */
export function loadRindle(options?: LoadOptions): Promise<Rindle>;

export class Rindle {
  /** A new, empty database (one engine). Free it with close(). */
  database(): Database;
  /** Bytes in use on the module's malloc heap. */
  heapBytes(): number;
  /** Size of the module's linear memory. */
  memoryBytes(): number;
  version(): string;
}

// ---- databases ------------------------------------------------------------------

/** PostgreSQL type names: bigint int int4 smallint boolean 'double precision' float8 real numeric text varchar bytea date timestamp timestamptz uuid json jsonb, ... */
export type TypeName = string;
export interface ColumnSpec { name?: string; type: TypeName; nullable?: boolean }
export interface TableSpec {
  /** {id: 'bigint', title: {type: 'text', nullable: false}} or [{name, type, nullable}] */
  columns: Record<string, TypeName | ColumnSpec> | Array<ColumnSpec & { name: string }>;
  primaryKey: string | string[];
}
export interface TableInfo {
  name: string;
  columns: Array<{ name: string; type: string; nullable: boolean }>;
  primaryKey: string[];
}
export interface BatchResult {
  /** Milliseconds inside the engine (the rindle_apply call). */
  engineMs: number;
  /** Milliseconds for the whole call, encoding and decoding included (subscribers excluded). */
  totalMs: number;
  /** Source changes in the batch. */
  changes: number;
  /** Views that changed. */
  views: number;
}
/** The writes of one batch; get() sees the batch's own earlier writes. */
export interface Transaction {
  insert(table: string, row: InRow): Transaction;
  /** changes: new values of some columns (merged with the row as the batch sees it), or a whole row array. */
  update(table: string, key: Key, changes: Record<string, InValue> | InValue[]): Transaction;
  delete(table: string, key: Key): Transaction;
  get(table: string, key: Key): Row | undefined;
}
export interface MaterializeOptions {
  /** Values of $1, $2, ... */
  params?: Param[];
  /** The view's name (unique in the database); default v1, v2, ... */
  name?: string;
}

export class Database {
  createTable(name: string, spec: TableSpec): void;
  /** Throws InvalidError while a view reads the table. */
  dropTable(name: string): void;
  readonly tables: TableInfo[];
  /** Bulk-loads rows, all or nothing, without per-row events; views reading the table send {reset: true}. */
  load(table: string, rows: InRow[]): void;
  /** The stored row with this key, or undefined. */
  get(table: string, key: Key): Row | undefined;
  tableStats(table: string): { rows: number; bytes: number };
  /**
   * Applies the writes fn makes as one atomic batch: all, or none (the error
   * is thrown). Subscribers of the views that changed are called before it
   * returns. Writes from inside a subscriber throw InvalidError.
   */
  batch(fn: (tx: Transaction) => void): BatchResult;
  insert(table: string, row: InRow): BatchResult;
  update(table: string, key: Key, changes: Record<string, InValue> | InValue[]): BatchResult;
  delete(table: string, key: Key): BatchResult;
  /** A query builder bound to this database: ...materialize() at the end. */
  from(table: string, alias?: string): BoundQuery;
  /** Registers a view of the query (a builder, an AST object or its JSON text) and computes its rows. */
  materialize(query: QueryBuilder | Query | string, options?: MaterializeOptions): View;
  readonly views: View[];
  /** Cumulative work counters of the engine. */
  counters(): { indexProbes: number; rowsTouched: number };
  /** Frees the engine and every view. Idempotent. */
  close(): void;
}

// ---- views ------------------------------------------------------------------------

export type ViewChange =
  | { type: 'add'; row: Row; index: number }
  | { type: 'remove'; row: Row; index: number }
  | { type: 'update'; row: Row; oldRow: Row; index: number; oldIndex: number };
export interface ViewEvent {
  /**
   * The view's changes in one batch. index/oldIndex are positions in ordered
   * views (-1 otherwise): apply removes and updates' old rows by oldIndex
   * descending, then adds and updates' new rows by index ascending (applyChanges).
   */
  changes: ViewChange[];
  engineMs: number;
  lsn: number;
  /** After a bulk load: read rows again. */
  reset?: boolean;
  /** The view failed on its data and stops. */
  error?: DataError;
}

export class View {
  readonly name: string;
  readonly columns: Array<{ name: string; type: string }>;
  /** Columns identifying a row; [] for a keyless view (a multiset). */
  readonly key: string[];
  /** ORDER BY: rows in order, changes with positions. */
  readonly ordered: boolean;
  /** The operator plan, one operator per line. */
  readonly plan: string;
  /** The query's JSON text. */
  readonly query: string;
  /** The DataError that stopped the view, or null. */
  readonly error: RindleError | null;
  readonly destroyed: boolean;
  /** The current rows (in order where ordered). Do not modify. */
  readonly rows: readonly Row[];
  /** Calls fn after every batch that changes the view; returns the unsubscribe function. */
  subscribe(fn: (event: ViewEvent) => void): () => void;
  stats(): { rows: number; stateBytes: number };
  /** Drops the view and frees its state. Idempotent. */
  destroy(): void;
}

/** Applies an event's changes to an array of rows in place (see ViewEvent). */
export function applyChanges<T extends Row>(rows: T[], changes: ViewChange[]): T[];

// ---- queries ----------------------------------------------------------------------

/** The query AST in its JSON form (ivm/ast_json.h). */
export interface Query {
  from?: FromItem[];
  select?: Array<Expr | { expr: Expr; as: string }>;
  distinct?: boolean;
  where?: Expr;
  group_by?: Expr[];
  having?: Expr;
  union_all?: Array<Omit<Query, 'union_all' | 'order_by' | 'limit' | 'offset' | 'key'>>;
  order_by?: Array<{ expr: Expr; desc?: boolean; nulls?: 'first' | 'last' }>;
  limit?: number;
  offset?: number;
  key?: string[];
}
export interface FromItem { table: string; as?: string; join?: 'inner' | 'left'; on?: Expr }
/** An expression node of the AST. */
export type Expr =
  | { col: string; table?: string }
  | { star: true; table?: string }
  | { lit: null | boolean | number | bigint | string; type?: string }
  | { param: number }
  | { op: string; args: Expr[] }
  | { fn: string; args: Expr[] }
  | { case: Array<[Expr, Expr]>; else?: Expr }
  | { cast: Expr; type: string }
  | { agg: 'count' | 'sum' | 'avg' | 'min' | 'max'; arg?: Expr; star?: true; distinct?: true }
  | { exists: Query } | { not_exists: Query }
  | { in: Query; expr: Expr } | { not_in: Query; expr: Expr };

/** An expression, or a plain value standing for its literal. */
export type ExprLike = Expr | InValue;
/** A column name ('status', 'i.status') or an expression. */
export type ColumnLike = string | Expr;
export type CompareOp = '=' | '<>' | '!=' | '<' | '<=' | '>' | '>=';

/** A select item with an output name (as()). */
export class Aliased {
  readonly expr: Expr;
  readonly alias: string;
}

/** The fluent builder; the same JSON as ivm/builder.h for the same calls. */
export class QueryBuilder {
  join(table: string, alias: string, on?: ExprLike): this;
  join(table: string, on: Expr): this;
  leftJoin(table: string, alias: string, on?: ExprLike): this;
  leftJoin(table: string, on: Expr): this;
  /** Conditions are AND-ed. */
  where(condition: ExprLike): this;
  where(column: ColumnLike, op: CompareOp | 'like' | 'ilike', value: ExprLike): this;
  /** No items means *. */
  select(...items: Array<ColumnLike | Aliased | Array<ColumnLike | Aliased>>): this;
  distinct(on?: boolean): this;
  groupBy(...exprs: Array<ColumnLike | ColumnLike[]>): this;
  having(condition: ExprLike): this;
  unionAll(other: QueryBuilder): this;
  orderBy(expr: ColumnLike, direction?: 'asc' | 'desc', nulls?: 'first' | 'last'): this;
  limit(n: number): this;
  offset(n: number): this;
  key(...columns: Array<string | string[]>): this;
  /** The AST; throws InvalidError on builder mistakes. */
  build(): Query;
  /** The AST's JSON text, byte-identical to the C++ builder's. */
  json(): string;
  toJSON(): Query;
}
export class BoundQuery extends QueryBuilder {
  materialize(options?: MaterializeOptions): View;
}

export function from(table: string, alias?: string): QueryBuilder;
export function col(name: string): Expr;
export function col(table: string, name: string): Expr;
export function star(table?: string): Expr;
/** lit(5) bigint, lit(2.5) double, lit('x') text, lit(true), lit(null), lit('2024-01-31', 'date') any type. */
export function lit(value: InValue, type?: TypeName): Expr;
/** A double literal, also for integral values. */
export function float64(x: number): Expr;
export function param(n: number): Expr;
export function cmp(op: CompareOp, a: ExprLike, b: ExprLike): Expr;
export function eq(a: ExprLike, b: ExprLike): Expr;
export function ne(a: ExprLike, b: ExprLike): Expr;
export function lt(a: ExprLike, b: ExprLike): Expr;
export function le(a: ExprLike, b: ExprLike): Expr;
export function gt(a: ExprLike, b: ExprLike): Expr;
export function ge(a: ExprLike, b: ExprLike): Expr;
export function arith(op: '+' | '-' | '*' | '/' | '%', a: ExprLike, b: ExprLike): Expr;
export function add(a: ExprLike, b: ExprLike): Expr;
export function sub(a: ExprLike, b: ExprLike): Expr;
export function mul(a: ExprLike, b: ExprLike): Expr;
export function div(a: ExprLike, b: ExprLike): Expr;
export function mod(a: ExprLike, b: ExprLike): Expr;
export function concat(a: ExprLike, b: ExprLike): Expr;
export function neg(a: ExprLike): Expr;
export function and(...args: Array<ExprLike | ExprLike[]>): Expr;
export function or(...args: Array<ExprLike | ExprLike[]>): Expr;
export function not(a: ExprLike): Expr;
export function isNull(a: ExprLike): Expr;
export function isNotNull(a: ExprLike): Expr;
export function inList(a: ExprLike, items: ExprLike[], negated?: boolean): Expr;
export function between(a: ExprLike, lo: ExprLike, hi: ExprLike, negated?: boolean): Expr;
export function like(a: ExprLike, pattern: string, caseInsensitive?: boolean, negated?: boolean): Expr;
export function ilike(a: ExprLike, pattern: string, negated?: boolean): Expr;
/** lower upper length abs coalesce nullif greatest least round */
export function func(name: string, ...args: Array<ExprLike | ExprLike[]>): Expr;
export function caseWhen(pairs: Array<[ExprLike, ExprLike]>, otherwise?: ExprLike): Expr;
export function cast(a: ExprLike, type: TypeName): Expr;
/** count() is count(*); count(x, true) is count(DISTINCT x). */
export function count(a?: ExprLike, distinct?: boolean): Expr;
export function countStar(): Expr;
export function sum(a: ExprLike): Expr;
export function avg(a: ExprLike): Expr;
export function min(a: ExprLike): Expr;
export function max(a: ExprLike): Expr;
export function exists(subquery: QueryBuilder | Query, negated?: boolean): Expr;
export function notExists(subquery: QueryBuilder | Query): Expr;
export function inSubquery(a: ExprLike, subquery: QueryBuilder | Query, negated?: boolean): Expr;
export function as(expr: ColumnLike, alias: string): Aliased;
/** The JSON text of an AST, as the C++ writer writes it. */
export function stringify(query: Query | QueryBuilder): string;
/** A double as PostgreSQL prints it. */
export function formatDouble(x: number): string;
export function isExpr(v: unknown): v is Expr;
/** The tables a query reads. */
export function tablesOf(query: Query): Set<string>;
