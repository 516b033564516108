// The fluent query builder: the JavaScript twin of ivm/builder.h. It makes
// the query AST in its JSON form (ivm/ast_json.h), and json() writes it
// byte for byte as the C++ builder + query_to_json() do for the same query
// (test/builder.test.js checks this against the C++ builder).
//
//   from('issues')
//     .where('status', '=', 'open')
//     .join('scores', 's', eq(col('issues', 'id'), col('s', 'issue_id')))
//     .select(col('issues', 'id'), 'issues.title', as(col('s', 'score'), 'score'))
//     .orderBy('score', 'desc')
//     .limit(50)
//
// Strings where a column is expected (where's first argument, select,
// orderBy, groupBy) are column names; 'i.status' means column status of i.
// Everywhere else (expression helpers' arguments, where's value) plain
// JavaScript values are literals: safe integers and BigInts are bigint, other
// numbers double (float64(2) for an integral double), strings text, lit(v,
// type) any type.
// Builder mistakes are collected and thrown by build()/json() as an
// InvalidError with the C++ builder's message.

import { InvalidError } from './errors.js';
import { typeKind } from './codec.js';

const FLOAT = Symbol('rindle.float64');
const TAG_KEYS = ['col', 'star', 'lit', 'param', 'op', 'fn', 'case', 'cast', 'agg', 'exists', 'not_exists', 'in', 'not_in'];

/** An expression node (the AST's JSON shape), for a raw value a literal. */
export function isExpr(v) {
  return v !== null && typeof v === 'object' && !(v instanceof Date) && !(v instanceof Uint8Array) &&
    !Array.isArray(v) && !(v instanceof Aliased) && TAG_KEYS.some((k) => k in v);
}
function expr(v) { return isExpr(v) ? v : lit(v); }
/** 'name' -> col('name'); 'i.name' -> col('i', 'name'); expressions as they are. */
function column(v) {
  if (typeof v !== 'string') return expr(v);
  const dot = v.indexOf('.');
  return dot > 0 ? col(v.slice(0, dot), v.slice(dot + 1)) : col(v);
}

// ---- expressions ----------------------------------------------------------

/** col('status') or col('i', 'status'). Names are never split at dots here. */
export function col(table, name) {
  return name === undefined ? { col: table } : { col: name, table };
}
/** t.* (as a select item). */
export function star(table) { return table === undefined ? { star: true } : { star: true, table }; }

const CANONICAL = {
  boolean: 'boolean', bigint: 'bigint', double: 'double precision', numeric: 'numeric', text: 'text',
  bytea: 'bytea', date: 'date', timestamp: 'timestamp without time zone',
  timestamptz: 'timestamp with time zone', uuid: 'uuid', json: 'json',
};

/**
 * A literal. lit(5) bigint, lit(2.5) double, lit('x') text, lit(true),
 * lit(null), lit(10n) bigint; lit('2024-01-31', 'date') any type by name,
 * from its PostgreSQL text (write it canonically, as the engine prints it).
 */
export function lit(value, type) {
  if (type !== undefined) {
    const kind = typeKind(type);
    if (!kind) throw new InvalidError(`unknown type "${type}"`);
    if (value === null || value === undefined) return { lit: null };
    if (kind === 'bigint') return { lit: BigInt(value) };
    if (kind === 'double') return float64(Number(value));
    if (kind === 'text') return { lit: String(value) };
    if (kind === 'boolean') return { lit: value === true || /^(t|true|y|yes|on|1)$/i.test(String(value)) };
    return { lit: String(value), type: CANONICAL[kind] };
  }
  if (value === undefined || value === null) return { lit: null };
  if (typeof value === 'number') return Number.isSafeInteger(value) && !Object.is(value, -0) ? { lit: value } : float64(value);
  if (typeof value === 'bigint' || typeof value === 'string' || typeof value === 'boolean') return { lit: value };
  if (value instanceof Date) {
    const text = value.toISOString().replace('T', ' ').replace(/\.000Z$|Z$/, '+00');
    return { lit: text, type: 'timestamp with time zone' };
  }
  throw new InvalidError(`cannot make a literal of ${Object.prototype.toString.call(value)}`);
}
/** A double literal, also for integral values: float64(2) is 2.0. */
export function float64(x) {
  const node = { lit: Number(x) };
  Object.defineProperty(node, FLOAT, { value: true });
  return node;
}
/** $n (1-based). */
export function param(n) { return { param: n }; }

function op(name, args) { return { op: name, args }; }
const CMP = new Map([['=', '='], ['<>', '<>'], ['!=', '<>'], ['<', '<'], ['<=', '<='], ['>', '>'], ['>=', '>=']]);
/** A comparison from its SQL operator (= <> != < <= > >=). */
export function cmp(operator, a, b) {
  const o = CMP.get(operator);
  if (!o) throw new InvalidError(`unknown comparison operator "${operator}"`);
  return op(o, [expr(a), expr(b)]);
}
export const eq = (a, b) => op('=', [expr(a), expr(b)]);
export const ne = (a, b) => op('<>', [expr(a), expr(b)]);
export const lt = (a, b) => op('<', [expr(a), expr(b)]);
export const le = (a, b) => op('<=', [expr(a), expr(b)]);
export const gt = (a, b) => op('>', [expr(a), expr(b)]);
export const ge = (a, b) => op('>=', [expr(a), expr(b)]);
/** + - * / % */
export function arith(operator, a, b) {
  if (!['+', '-', '*', '/', '%'].includes(operator)) throw new InvalidError(`unknown arithmetic operator "${operator}"`);
  return op(operator, [expr(a), expr(b)]);
}
export const add = (a, b) => arith('+', a, b);
export const sub = (a, b) => arith('-', a, b);
export const mul = (a, b) => arith('*', a, b);
export const div = (a, b) => arith('/', a, b);
export const mod = (a, b) => arith('%', a, b);
export const concat = (a, b) => op('||', [expr(a), expr(b)]);
export const neg = (a) => op('neg', [expr(a)]);
export function and(...args) { return op('and', args.flat().map(expr)); }
export function or(...args) { return op('or', args.flat().map(expr)); }
export function not(a) { return op('not', [expr(a)]); }
export const isNull = (a) => op('is_null', [expr(a)]);
export const isNotNull = (a) => op('is_not_null', [expr(a)]);
export function inList(a, items, negated = false) { return op(negated ? 'not_in' : 'in', [expr(a), ...items.map(expr)]); }
export function between(a, lo, hi, negated = false) {
  return op(negated ? 'not_between' : 'between', [expr(a), expr(lo), expr(hi)]);
}
/** a LIKE pattern; like(a, p, true) is ILIKE. */
export function like(a, pattern, caseInsensitive = false, negated = false) {
  const name = (negated ? 'not_' : '') + (caseInsensitive ? 'ilike' : 'like');
  return op(name, [expr(a), lit(String(pattern))]);
}
export const ilike = (a, pattern, negated = false) => like(a, pattern, true, negated);
/** name(args...): lower upper length abs coalesce nullif greatest least round */
export function func(name, ...args) { return { fn: name, args: args.flat().map(expr) }; }
/** CASE WHEN w THEN t ... [ELSE e]: caseWhen([[w, t], ...], e) */
export function caseWhen(pairs, otherwise) {
  const node = { case: pairs.map(([w, t]) => [expr(w), expr(t)]) };
  if (otherwise !== undefined) node.else = expr(otherwise);
  return node;
}
export function cast(a, type) {
  const kind = typeKind(type);
  if (!kind) throw new InvalidError(`unknown type "${type}"`);
  return { cast: expr(a), type: CANONICAL[kind] };
}
function agg(name, arg, distinct) {
  const node = arg === undefined ? { agg: name, star: true } : { agg: name, arg: expr(arg) };
  if (distinct) node.distinct = true;
  return node;
}
/** count() is count(*); count(x, true) is count(DISTINCT x). */
export const count = (a, distinct = false) => agg('count', a, distinct);
export const countStar = () => agg('count');
export const sum = (a) => agg('sum', a);
export const avg = (a) => agg('avg', a);
export const min = (a) => agg('min', a);
export const max = (a) => agg('max', a);
/** [NOT] EXISTS (subquery) */
export function exists(subquery, negated = false) {
  return { [negated ? 'not_exists' : 'exists']: subqueryAst(subquery) };
}
export const notExists = (subquery) => exists(subquery, true);
/** a [NOT] IN (subquery) */
export function inSubquery(a, subquery, negated = false) {
  return { [negated ? 'not_in' : 'in']: subqueryAst(subquery), expr: expr(a) };
}
function subqueryAst(q) { return q instanceof QueryBuilder ? q.build() : q; }

/** A select item with an output name. */
export class Aliased {
  constructor(e, alias) { this.expr = e; this.alias = alias; }
}
export function as(e, alias) { return new Aliased(column(e), alias); }

// ---- the builder ------------------------------------------------------------

export class QueryBuilder {
  #selects;
  #orderBy = [];
  #limit;
  #offset = 0;
  #key = [];
  #error = '';

  constructor(table, alias) {
    this.#selects = [{ from: [{ table, alias: alias ?? '', join: null, on: undefined }], items: [], distinct: false,
      where: undefined, groupBy: [], having: undefined }];
  }

  #fail(message) { if (!this.#error) this.#error = message; }
  #current() { return this.#selects[this.#selects.length - 1]; }

  /** join(table, alias, on) or join(table, on); without on, a cross join. */
  join(table, alias, on) { return this.#join('inner', table, alias, on); }
  leftJoin(table, alias, on) { return this.#join('left', table, alias, on); }
  #join(kind, table, alias, on) {
    if (isExpr(alias)) [alias, on] = ['', alias];
    this.#current().from.push({ table, alias: alias ?? '', join: kind, on: on === undefined ? undefined : expr(on) });
    return this;
  }

  /**
   * where(condition), or where(column, op, value) with op one of
   * = <> != < <= > >= like ilike. Conditions are AND-ed.
   */
  where(a, operator, value) {
    if (operator === undefined) return this.#where(expr(a));
    const c = column(a);
    if (operator === 'like' || operator === 'ilike') return this.#where(like(c, String(value), operator === 'ilike'));
    const o = CMP.get(operator);
    if (!o) {
      this.#fail(`unknown comparison operator "${operator}"`);
      return this;
    }
    return this.#where(op(o, [c, expr(value)]));
  }
  #where(condition) {
    const s = this.#current();
    if (!s.where) s.where = condition;
    else if (s.where.op === 'and') s.where = op('and', [...s.where.args, condition]);
    else s.where = op('and', [s.where, condition]);
    return this;
  }

  /** select('id', 'i.title', col('s', 'score'), as(count(), 'n'), ...); none means *. */
  select(...items) {
    this.#current().items = items.flat().map((i) => (i instanceof Aliased ? i : new Aliased(column(i), '')));
    return this;
  }
  distinct(on = true) { this.#current().distinct = on; return this; }
  groupBy(...exprs) { this.#current().groupBy = exprs.flat().map(column); return this; }
  having(condition) { this.#current().having = expr(condition); return this; }
  /** Appends the other builder's SELECT blocks (its ORDER BY/LIMIT are ignored). */
  unionAll(other) {
    if (other.#error) this.#fail(other.#error);
    for (const s of other.#selects) this.#selects.push(s);
    return this;
  }
  /** orderBy(columnOrExpr, 'asc' | 'desc', 'first' | 'last'). */
  orderBy(e, direction = 'asc', nulls) {
    const item = { expr: column(e) };
    if (direction === 'desc') item.desc = true;
    else if (direction !== 'asc') this.#fail(`unknown order "${direction}" (asc or desc)`);
    if (nulls === 'first' || nulls === 'last') item.nulls = nulls;
    else if (nulls !== undefined) this.#fail(`unknown nulls order "${nulls}" (first or last)`);
    this.#orderBy.push(item);
    return this;
  }
  limit(n) {
    if (n < 0) this.#fail('limit must not be negative');
    this.#limit = n;
    return this;
  }
  offset(n) {
    if (n < 0) this.#fail('offset must not be negative');
    this.#offset = n;
    return this;
  }
  /** Output columns that identify a view row. */
  key(...columns) { this.#key = columns.flat(); return this; }

  /** The query AST (the JSON form as plain objects). Throws InvalidError on builder mistakes. */
  build() {
    if (this.#error) throw new InvalidError(`query builder: ${this.#error}`);
    const q = {};
    if (this.#selects.length === 1) {
      Object.assign(q, block(this.#selects[0]));
    } else {
      q.union_all = this.#selects.map(block);
    }
    if (this.#orderBy.length) q.order_by = this.#orderBy.map((o) => ({ ...o }));
    if (this.#limit !== undefined) q.limit = this.#limit;
    if (this.#offset) q.offset = this.#offset;
    if (this.#key.length) q.key = [...this.#key];
    return q;
  }
  /** The AST as JSON text, identical to the C++ builder's query_to_json(). */
  json() { return stringify(this.build()); }
  toJSON() { return this.build(); }
  toString() { return this.json(); }
}

function block(s) {
  const b = {
    from: s.from.map((t, i) => {
      const r = { table: t.table };
      if (t.alias) r.as = t.alias;
      if (i > 0) r.join = t.join === 'left' ? 'left' : 'inner';
      if (t.on !== undefined) r.on = t.on;
      return r;
    }),
  };
  if (s.items.length) b.select = s.items.map((i) => (i.alias ? { expr: i.expr, as: i.alias } : i.expr));
  if (s.distinct) b.distinct = true;
  if (s.where) b.where = s.where;
  if (s.groupBy.length) b.group_by = s.groupBy;
  if (s.having) b.having = s.having;
  return b;
}

/** from('issues') or from('issues', 'i'): a new builder. */
export function from(table, alias) { return new QueryBuilder(table, alias); }

// ---- JSON text, written as ivm/ast_json.cc writes it ------------------------

/** A string as the C++ writer escapes it (control characters as \u00XX except \n \r \t). */
function jsonString(s) {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x22) out += '\\"';
    else if (c === 0x5c) out += '\\\\';
    else if (c === 0x0a) out += '\\n';
    else if (c === 0x0d) out += '\\r';
    else if (c === 0x09) out += '\\t';
    else if (c < 0x20) out += '\\u' + c.toString(16).padStart(4, '0');
    else out += s[i];
  }
  return out + '"';
}

/** PostgreSQL's float8 output (shortest round-trip digits, %g-style exponents), as ivm's to_text. */
export function formatDouble(x) {
  if (Number.isNaN(x)) return 'NaN';
  if (!Number.isFinite(x)) return x > 0 ? 'Infinity' : '-Infinity';
  if (x === 0) return Object.is(x, -0) ? '-0' : '0';
  const [mantissa, e] = x.toExponential().split('e');
  const exp = Number(e);
  const neg = mantissa[0] === '-';
  const digits = mantissa.replace('-', '').replace('.', '');
  let out = neg ? '-' : '';
  if (exp < -4 || exp >= 15) {
    out += digits[0];
    if (digits.length > 1) out += '.' + digits.slice(1);
    return out + 'e' + (exp < 0 ? '-' : '+') + String(Math.abs(exp)).padStart(2, '0');
  }
  if (exp < 0) return out + '0.' + '0'.repeat(-exp - 1) + digits;
  if (digits.length <= exp + 1) return out + digits + '0'.repeat(exp + 1 - digits.length);
  return out + digits.slice(0, exp + 1) + '.' + digits.slice(exp + 1);
}

function literalText(node) {
  const v = node.lit;
  if (node.type !== undefined) return `{"lit":${v === null ? 'null' : jsonString(String(v))},"type":${jsonString(node.type)}}`;
  if (v === null) return '{"lit":null}';
  if (typeof v === 'boolean') return `{"lit":${v}}`;
  if (typeof v === 'bigint') return `{"lit":${v.toString()}}`;
  if (typeof v === 'string') return `{"lit":${jsonString(v)}}`;
  if (typeof v === 'number' && !node[FLOAT] && Number.isSafeInteger(v) && !Object.is(v, -0)) return `{"lit":${v}}`;
  // A double.
  if (!Number.isFinite(v)) return `{"lit":${jsonString(formatDouble(v))},"type":"double precision"}`;
  let t = formatDouble(v);
  if (!/[.eE]/.test(t)) t += '.0';
  return `{"lit":${t}}`;
}

function exprText(e) {
  if (!isExpr(e)) throw new InvalidError(`not an expression: ${JSON.stringify(e)}`);
  if ('col' in e) return `{"col":${jsonString(e.col)}${e.table !== undefined ? `,"table":${jsonString(e.table)}` : ''}}`;
  if ('agg' in e) {
    let s = `{"agg":${jsonString(e.agg)}`;
    s += e.star ? ',"star":true' : `,"arg":${exprText(e.arg)}`;
    if (e.distinct) s += ',"distinct":true';
    return s + '}';
  }
  if ('star' in e) return `{"star":true${e.table !== undefined ? `,"table":${jsonString(e.table)}` : ''}}`;
  if ('lit' in e) return literalText(e);
  if ('param' in e) return `{"param":${e.param}}`;
  if ('op' in e) return `{"op":${jsonString(e.op)},"args":[${e.args.map(exprText).join(',')}]}`;
  if ('fn' in e) return `{"fn":${jsonString(e.fn)},"args":[${(e.args ?? []).map(exprText).join(',')}]}`;
  if ('case' in e) {
    const pairs = e.case.map(([w, t]) => `[${exprText(w)},${exprText(t)}]`).join(',');
    return `{"case":[${pairs}]${e.else !== undefined ? `,"else":${exprText(e.else)}` : ''}}`;
  }
  if ('cast' in e) return `{"cast":${exprText(e.cast)},"type":${jsonString(e.type)}}`;
  for (const k of ['exists', 'not_exists']) if (k in e) return `{"${k}":${queryText(e[k])}}`;
  for (const k of ['in', 'not_in']) if (k in e) return `{"${k}":${queryText(e[k])},"expr":${exprText(e.expr)}}`;
  throw new InvalidError(`not an expression: ${JSON.stringify(e)}`);
}

function blockText(b) {
  let s = '"from":[' + b.from.map((t) => {
    let r = `{"table":${jsonString(t.table)}`;
    if (t.as) r += `,"as":${jsonString(t.as)}`;
    if (t.join) r += `,"join":${jsonString(t.join)}`;
    if (t.on !== undefined) r += `,"on":${exprText(t.on)}`;
    return r + '}';
  }).join(',') + ']';
  if (b.select) {
    s += ',"select":[' + b.select.map((i) => ('as' in i && 'expr' in i && !isExpr(i)
      ? `{"expr":${exprText(i.expr)},"as":${jsonString(i.as)}}` : exprText(i))).join(',') + ']';
  }
  if (b.distinct) s += ',"distinct":true';
  if (b.where) s += `,"where":${exprText(b.where)}`;
  if (b.group_by) s += `,"group_by":[${b.group_by.map(exprText).join(',')}]`;
  if (b.having) s += `,"having":${exprText(b.having)}`;
  return s;
}

/** The JSON text of a query AST (from build() or parsed JSON), in the C++ writer's exact form. */
export function stringify(q) {
  if (q instanceof QueryBuilder) return q.json();
  try {
    return queryText(q);
  } catch (e) {
    if (e instanceof RangeError) throw new InvalidError('query nested too deeply');
    throw e;
  }
}

function queryText(q) {
  let s = '{' + (q.union_all ? `"union_all":[${q.union_all.map((b) => `{${blockText(b)}}`).join(',')}]` : blockText(q));
  if (q.order_by?.length) {
    s += ',"order_by":[' + q.order_by.map((o) => {
      let r = `{"expr":${exprText(o.expr)}`;
      if (o.desc) r += ',"desc":true';
      if (o.nulls) r += `,"nulls":${jsonString(o.nulls)}`;
      return r + '}';
    }).join(',') + ']';
  }
  if (q.limit !== undefined && q.limit !== null) s += `,"limit":${q.limit}`;
  if (q.offset) s += `,"offset":${q.offset}`;
  if (q.key?.length) s += `,"key":[${q.key.map(jsonString).join(',')}]`;
  return s + '}';
}

/** Every table a query reads (FROM items, also of subqueries). */
export function tablesOf(q, out = new Set()) {
  const visit = (v) => {
    if (Array.isArray(v)) { v.forEach(visit); return; }
    if (v === null || typeof v !== 'object') return;
    if (Array.isArray(v.from)) for (const t of v.from) if (typeof t.table === 'string') out.add(t.table);
    for (const k of Object.keys(v)) visit(v[k]);
  };
  visit(q);
  return out;
}
