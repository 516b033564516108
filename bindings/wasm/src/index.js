// @rindle/wasm: rindle's incremental view maintenance engine in WebAssembly.
//
//   import { loadRindle, from, col, eq } from '@rindle/wasm';
//   const rindle = await loadRindle();
//   const db = rindle.database();
//   db.createTable('issues', { columns: { id: 'bigint', status: 'text' }, primaryKey: 'id' });
//   const view = db.materialize(from('issues').where('status', '=', 'open').orderBy('id').limit(50));
//   view.subscribe(({ changes }) => ...);
//   db.insert('issues', { id: 1, status: 'open' });
export { loadRindle, Rindle, Database, View, BoundQuery, applyChanges } from './database.js';
export {
  from, QueryBuilder, col, star, lit, float64, param, cmp, eq, ne, lt, le, gt, ge, arith, add, sub, mul, div, mod,
  concat, neg, and, or, not, isNull, isNotNull, inList, between, like, ilike, func, caseWhen, cast, count, countStar,
  sum, avg, min, max, exists, notExists, inSubquery, as, Aliased, stringify, formatDouble, isExpr, tablesOf,
} from './builder.js';
export {
  RindleError, InvalidError, NotFoundError, TypeMismatchError, UnsupportedError, ConstraintError, DataError,
  ExistsError, InternalError,
} from './errors.js';
