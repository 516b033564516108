// The playground: three sources in the wasm engine, one materialized view
// built from the knobs, a stream of single-row writes, and the view updated
// in place from the engine's incremental changes.
//
// The code panel shows the query code that is running: the page builds that
// text from the knobs and runs exactly that text (new Function), so the two
// cannot disagree.
import * as rindleApi from './rindle/src/index.js';
import { SCHEMA, initialData, writeStream } from './data.js';

const { loadRindle, eq, col, as, count, applyChanges } = rindleApi;
const $ = (sel) => document.querySelector(sel);
const SIZES = { issues: 10000, reactions: 20000 };

const state = {
  db: null,
  rindle: null,
  view: null,
  code: '',
  knobs: { status: 'open', priority: 1, scores: true, reactions: true, sort: 'score', limit: 50 },
  rows: [],               // what the table shows (kept from the view's events)
  pending: null,          // the event of the batch being applied
  writes: 0,
  engineUs: [],           // engine time per change, last 500
  hydrateMs: 0,
  paused: false,
  rate: 20,
  timer: null,
  stream: null,
  materializations: 0,
};

// ---- the query code --------------------------------------------------------

/** The JavaScript that materializes the view for the knobs (shown, then run as is). */
function queryCode(k) {
  const lines = ["db.from('issues', 'i')"];
  if (k.scores) lines.push("  .join('scores', 's', eq(col('s', 'issue_id'), col('i', 'id')))");
  if (k.reactions) lines.push("  .leftJoin('reactions', 'r', eq(col('r', 'issue_id'), col('i', 'id')))");
  if (k.status !== 'any') lines.push(`  .where('i.status', '=', '${k.status}')`);
  if (k.priority > 1) lines.push(`  .where('i.priority', '>=', ${k.priority})`);
  const items = ["'i.id'", "'i.title'", "'i.status'", "'i.priority'"];
  if (k.scores) items.push("as('s.score', 'score')");
  if (k.reactions) items.push("as(count(col('r', 'id')), 'reactions')");
  lines.push(`  .select(${items.join(', ')})`);
  if (k.reactions) {
    const groups = ["'i.id'", "'i.title'", "'i.status'", "'i.priority'"];
    if (k.scores) groups.push("'s.score'");
    lines.push(`  .groupBy(${groups.join(', ')})`);
  }
  if (k.sort === 'id') {
    lines.push("  .orderBy('id')");
  } else {
    lines.push(`  .orderBy('${k.sort}', 'desc')`);
    lines.push("  .orderBy('id')");
  }
  lines.push(`  .limit(${k.limit})`);
  lines.push("  .key('id')");
  lines.push('  .materialize()');
  return lines.join('\n');
}

function runQueryCode(code) {
  // eslint-disable-next-line no-new-func
  return new Function('db', 'eq', 'col', 'as', 'count', `return (\n${code}\n);`)(state.db, eq, col, as, count);
}

// ---- rendering ----------------------------------------------------------------

const columnsFor = (k) => ['rank', 'id', 'title', 'status', 'priority', ...(k.scores ? ['score'] : []),
  ...(k.reactions ? ['reactions'] : [])];

function renderHead() {
  const labels = { rank: '#', id: 'issue', title: 'title', status: 'status', priority: 'prio', score: 'relevance', reactions: 'reactions' };
  $('#view thead').innerHTML = `<tr>${columnsFor(state.knobs).map((c) => `<th>${labels[c]}</th>`).join('')}</tr>`;
}

function escapeHtml(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
}

function rowHtml(row, rank, moved) {
  const cells = [];
  for (const c of columnsFor(state.knobs)) {
    switch (c) {
      case 'rank':
        cells.push(`<td class="rank">${rank + 1}${moved ? `<span class="move ${moved > 0 ? 'up' : 'down'}">${moved > 0 ? '▲' : '▼'}</span>` : ''}</td>`);
        break;
      case 'id': cells.push(`<td class="id">#${row.id}</td>`); break;
      case 'title': cells.push(`<td class="title" title="${escapeHtml(row.title)}">${escapeHtml(row.title)}</td>`); break;
      case 'status': cells.push(`<td><span class="status ${row.status}">${row.status}</span></td>`); break;
      case 'priority': cells.push(`<td class="num">P${row.priority}</td>`); break;
      case 'score':
        cells.push(`<td class="num"><span class="bar"><i style="width:${Math.round((row.score ?? 0) * 100)}%"></i></span>${(row.score ?? 0).toFixed(4)}</td>`);
        break;
      case 'reactions': cells.push(`<td class="num">${row.reactions}</td>`); break;
      default: break;
    }
  }
  return cells.join('');
}

function makeRow(row, rank, flash, moved = 0) {
  const tr = document.createElement('tr');
  tr.dataset.id = row.id;
  tr.innerHTML = rowHtml(row, rank, moved);
  if (flash) tr.className = flash;
  return tr;
}

function renderAll() {
  const body = $('#view tbody');
  body.replaceChildren(...state.rows.map((r, i) => makeRow(r, i)));
  $('#view-caption').textContent = `${state.rows.length} rows`;
}

/** Applies one event's changes to the table in place, by position. */
function patchTable(changes) {
  const body = $('#view tbody');
  const removes = [];
  const adds = [];
  for (const c of changes) {
    if (c.type === 'remove') removes.push(c.index);
    if (c.type === 'update') removes.push(c.oldIndex);
    if (c.type !== 'remove') adds.push(c);
  }
  removes.sort((a, b) => b - a);
  for (const i of removes) body.children[i]?.remove();
  adds.sort((a, b) => a.index - b.index);
  const inserted = new Set();
  for (const c of adds) {
    const moved = c.type === 'update' ? c.oldIndex - c.index : 0;
    const flash = c.type === 'add' ? 'flash-add' : moved ? 'flash-move' : 'flash-update';
    const tr = makeRow(c.row, c.index, flash, moved);
    inserted.add(tr);
    body.insertBefore(tr, body.children[c.index] ?? null);
  }
  // Renumber; earlier rows lose their flash and move arrows.
  for (let i = 0; i < body.children.length; i++) {
    const tr = body.children[i];
    const cell = tr.firstElementChild;
    cell.firstChild.textContent = String(i + 1);
    if (!inserted.has(tr) && tr.className) {
      tr.className = '';
      cell.querySelector('.move')?.remove();
    }
  }
  $('#view-caption').textContent = `${body.children.length} rows`;
}

/** Syntax colouring of the shown code: one pass over the raw text, each piece escaped. */
function highlight(code) {
  const re = /(\/\/[^\n]*)|('(?:[^'\\]|\\.)*')|(\b\d+(?:\.\d+)?\b)|\.(\w+)(?=\()|\b(eq|col|as|count|const)\b/g;
  let out = '';
  let last = 0;
  for (const m of code.matchAll(re)) {
    out += escapeHtml(code.slice(last, m.index));
    if (m[1]) out += `<span class="tok-c">${escapeHtml(m[1])}</span>`;
    else if (m[2]) out += `<span class="tok-s">${escapeHtml(m[2])}</span>`;
    else if (m[3]) out += `<span class="tok-n">${m[3]}</span>`;
    else if (m[4]) out += `.<span class="tok-f">${m[4]}</span>`;
    else out += `<span class="tok-k">${m[5]}</span>`;
    last = m.index + m[0].length;
  }
  return out + escapeHtml(code.slice(last));
}

function renderCode() {
  const shown = `// ${new Date().toLocaleTimeString()} — the view of the knobs, exactly as evaluated:\n` +
    `const view = ${state.code};\n\n` +
    '// every write is one batch; the view changes arrive as positioned events:\n' +
    'view.subscribe(({ changes, engineMs }) => patchTable(changes));\n' +
    "db.batch((tx) => tx.update('scores', id, { score }));";
  $('#code-js code').innerHTML = highlight(shown);
  $('#code-ast code').textContent = JSON.stringify(JSON.parse(state.view.query), null, 2);
  $('#code-plan code').textContent = state.view.plan;
}

function percentile(list, p) {
  if (!list.length) return 0;
  const s = [...list].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))];
}

function renderStats() {
  const heapMb = (state.rindle.heapBytes() / 1048576).toFixed(1);
  const items = [
    ['writes applied', state.writes.toLocaleString()],
    ['engine / change, median', `${percentile(state.engineUs, 0.5).toFixed(0)} µs`, true],
    ['engine / change, p99', `${percentile(state.engineUs, 0.99).toFixed(0)} µs`],
    ['last materialize', `${state.hydrateMs.toFixed(1)} ms`],
    ['rows in view', String(state.rows.length)],
    ['issues', state.db.tableStats('issues').rows.toLocaleString()],
    ['scores', state.db.tableStats('scores').rows.toLocaleString()],
    ['reactions', state.db.tableStats('reactions').rows.toLocaleString()],
    ['wasm heap', `${heapMb} MB`],
  ];
  $('#stats').innerHTML = items.map(([k, v, hot]) => `<dt>${k}</dt><dd${hot ? ' class="hot"' : ''}>${v}</dd>`).join('');
}

function logEntry(source, what, changes, ms) {
  const li = document.createElement('li');
  li.className = 'fresh';
  const chips = changes === null ? '' : changes.length === 0
    ? '<span class="chip none">view unchanged</span>'
    : changes.map((c) => (c.type === 'add' ? `<span class="chip add">+#${c.row.id} @${c.index + 1}</span>`
      : c.type === 'remove' ? `<span class="chip remove">−#${c.row.id} @${c.index + 1}</span>`
        : `<span class="chip update">~#${c.row.id} @${c.oldIndex + 1}${c.oldIndex !== c.index ? `→${c.index + 1}` : ''}</span>`)).join('');
  li.innerHTML = `<span class="t">${new Date().toLocaleTimeString([], { hour12: false })}</span>` +
    `<span class="src ${source}">${source}</span>` +
    `<span class="what">${escapeHtml(what)}<span class="deltas">${chips}</span></span>` +
    `<span class="ms">${ms}</span>`;
  li.dataset.changes = changes === null ? 'none' : String(changes.length);
  const log = $('#log');
  log.prepend(li);
  while (log.children.length > 150) log.lastElementChild.remove();
}

// ---- the view and the stream ------------------------------------------------------

function materialize() {
  const code = queryCode(state.knobs);
  if (state.view) state.view.destroy();
  const t0 = performance.now();
  const view = runQueryCode(code);
  state.rows = view.rows.slice();
  state.hydrateMs = performance.now() - t0;
  state.view = view;
  state.code = code;
  state.materializations++;
  view.subscribe((event) => { state.pending = event; });
  renderHead();
  renderAll();
  renderCode();
  $('#hydrate').textContent = `materialized in ${state.hydrateMs.toFixed(1)} ms`;
  logEntry('view', `re-materialized: ${state.rows.length} rows from ${(SIZES.issues).toLocaleString()} issues`, null,
    `${state.hydrateMs.toFixed(1)} ms`);
  document.body.dataset.materializations = String(state.materializations);
}

function tick() {
  const visible = state.rows.map((r) => r.id);
  const write = state.stream.next(visible, state.db);
  state.pending = null;
  const result = state.db.batch((tx) => write.apply(tx));
  const changes = state.pending?.changes ?? [];
  if (changes.length) {
    applyChanges(state.rows, changes);
    patchTable(changes);
  }
  state.writes++;
  state.engineUs.push(result.engineMs * 1000);
  if (state.engineUs.length > 500) state.engineUs.shift();
  logEntry(write.source, write.text, changes, `${(result.engineMs * 1000).toFixed(0)} µs`);
  document.body.dataset.writes = String(state.writes);
}

function schedule() {
  clearInterval(state.timer);
  if (state.paused) return;
  // Up to 50 ticks a second; higher rates apply several writes per tick.
  const perTick = Math.max(1, Math.round(state.rate / 50));
  const interval = Math.max(20, 1000 / state.rate) * perTick;
  state.timer = setInterval(() => {
    for (let i = 0; i < perTick; i++) tick();
  }, interval);
}

/** For tests: a fresh view of the same query must show exactly the table's rows. */
function verify() {
  const fresh = runQueryCode(state.code.replace('.materialize()', ".materialize({ name: 'verify' })"));
  const expected = fresh.rows.map((r) => r.id);
  fresh.destroy();
  const shown = [...$('#view tbody').children].map((tr) => Number(tr.dataset.id));
  const kept = state.rows.map((r) => r.id);
  const ok = expected.length === shown.length && expected.every((id, i) => id === shown[i] && id === kept[i]);
  return { ok, expected, shown };
}

// ---- boot ---------------------------------------------------------------------------

function bindKnobs() {
  const apply = () => {
    const k = state.knobs;
    k.status = $('#knob-status').value;
    k.priority = Number($('#knob-priority').value);
    k.scores = $('#knob-scores').checked;
    k.reactions = $('#knob-reactions').checked;
    k.limit = Number($('#knob-limit').value);
    // Sorts need their source joined.
    for (const opt of $('#knob-sort').options) {
      opt.disabled = (opt.value === 'score' && !k.scores) || (opt.value === 'reactions' && !k.reactions);
    }
    if ($('#knob-sort').selectedOptions[0].disabled) $('#knob-sort').value = k.scores ? 'score' : k.reactions ? 'reactions' : 'priority';
    k.sort = $('#knob-sort').value;
    materialize();
    renderStats();
  };
  for (const id of ['#knob-status', '#knob-priority', '#knob-scores', '#knob-reactions', '#knob-sort', '#knob-limit']) {
    $(id).addEventListener('change', apply);
  }
  $('#knob-rate').addEventListener('input', (e) => {
    state.rate = Number(e.target.value);
    $('#rate-out').textContent = String(state.rate);
    schedule();
  });
  $('#pause').addEventListener('click', () => {
    state.paused = !state.paused;
    $('#pause').textContent = state.paused ? 'Resume' : 'Pause';
    schedule();
  });
  for (const b of document.querySelectorAll('.tabs button')) {
    b.addEventListener('click', () => {
      for (const o of document.querySelectorAll('.tabs button')) o.setAttribute('aria-selected', String(o === b));
      for (const t of ['js', 'ast', 'plan']) $(`#code-${t}`).hidden = t !== b.dataset.tab;
    });
  }
}

async function boot() {
  const t0 = performance.now();
  state.rindle = await loadRindle();
  const wasmBytes = (await fetch('./rindle/rindle.wasm', { method: 'HEAD' })).headers.get('content-length');
  const db = state.rindle.database();
  state.db = db;
  for (const [name, spec] of Object.entries(SCHEMA)) db.createTable(name, spec);
  const data = initialData(SIZES);
  const t1 = performance.now();
  for (const [name, rows] of Object.entries(data)) db.load(name, rows);
  const loadMs = performance.now() - t1;
  state.stream = writeStream(SIZES);
  $('#badges').innerHTML = [
    `engine <b>${state.rindle.version()}</b>`,
    `rindle.wasm <b>${wasmBytes ? `${(wasmBytes / 1024).toFixed(0)} KiB` : '?'}</b>`,
    `<b>${SIZES.issues.toLocaleString()}</b> issues · <b>${SIZES.reactions.toLocaleString()}</b> reactions`,
    `bulk load <b>${loadMs.toFixed(0)} ms</b>`,
  ].map((b) => `<span class="badge">${b}</span>`).join('');
  bindKnobs();
  materialize();
  renderStats();
  setInterval(renderStats, 500);
  schedule();
  $('#status').textContent = `ready in ${(performance.now() - t0).toFixed(0)} ms · ` +
    `${crossOriginIsolated ? 'cross-origin isolated: timers at 5 µs' : 'timers at browser resolution'}`;
  document.body.dataset.ready = '1';
}

window.playground = { state, verify, queryCode };
boot().catch((e) => {
  $('#status').textContent = `failed: ${e.message}`;
  document.body.dataset.error = e.message;
  console.error(e);
});
