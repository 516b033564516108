// Compiled (not run) by `tsc -p` in ctest (wasm_types): the package's types
// accept the documented uses and reject wrong ones (@ts-expect-error lines
// fail the compile if they stop being errors).
import {
  loadRindle, from, col, eq, as, count, lit, param, applyChanges, DataError, RindleError,
  type Row, type ViewEvent, type View, type Query,
} from '../../src/index.js';

async function main(): Promise<void> {
  const rindle = await loadRindle({ wasm: new URL('file:///rindle.wasm') });
  const db = rindle.database();
  db.createTable('issues', { columns: { id: 'bigint', title: { type: 'text', nullable: false } }, primaryKey: 'id' });
  db.createTable('scores', { columns: [{ name: 'issue_id', type: 'bigint' }, { name: 'score', type: 'float8' }], primaryKey: ['issue_id'] });
  db.load('issues', [{ id: 1, title: 'a' }, [2, 'b']]);
  const q = from('issues', 'i')
    .join('scores', 's', eq(col('s', 'issue_id'), col('i', 'id')))
    .where('i.title', 'like', '%a%')
    .select('i.id', as(col('s', 'score'), 'score'), as(count(), 'n'))
    .groupBy('i.id', 's.score')
    .orderBy('score', 'desc', 'last')
    .limit(50);
  const view: View = db.materialize(q, { params: [1, 'x', { type: 'date', value: '2024-01-31' }] });
  const rows: readonly Row[] = view.rows;
  const mirror: Row[] = [...rows];
  const stop: () => void = view.subscribe((e: ViewEvent) => {
    applyChanges(mirror, e.changes);
    for (const c of e.changes) {
      if (c.type === 'update') console.log(c.oldRow, c.oldIndex, c.row.id);
      else console.log(c.row, c.index);
    }
    if (e.error instanceof DataError) console.log(e.error.code);
  });
  const r = db.batch((tx) => {
    tx.insert('issues', { id: 3, title: 'c', when: new Date() });
    tx.update('issues', 3, { title: 'd' }).delete('issues', [2]);
  });
  const ms: number = r.engineMs + r.totalMs;
  const ast: Query = q.build();
  const text: string = q.json();
  db.materialize(ast);
  db.materialize(text);
  db.from('issues').where(eq(col('id'), param(1))).materialize({ name: 'by_id', params: [5n] });
  console.log(lit('2024-01-31', 'date'), ms, view.key, view.ordered, view.columns[0].type, db.counters().rowsTouched);
  try {
    db.insert('issues', { id: 1 });
  } catch (e) {
    if (e instanceof RindleError) console.log(e.code === 'constraint', e.message);
  }
  stop();
  view.destroy();
  db.close();

  // @ts-expect-error: the order is 'asc' or 'desc'
  from('t').orderBy('a', 'up');
  // @ts-expect-error: a comparison operator
  from('t').where('a', '==', 1);
  // @ts-expect-error: rows are read-only
  view.rows.push({});
  // @ts-expect-error: a table needs a primary key
  db.createTable('t', { columns: { id: 'int' } });
  // @ts-expect-error: batch functions get a transaction
  db.batch((tx) => tx.upsert('t', {}));
}
void main;
