// The end-to-end benchmark's report: OUT/report.md and OUT/latency.svg from
// the results run.mjs collected. Also usable alone, to re-render a report:
//
//   node bench/e2e/report.mjs OUT/results.json
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { fmtMs, lineChartSvg } from './chart.mjs'

const n0 = (v) => (v == null ? '–' : Math.round(v).toLocaleString('en-US'))
const f1 = (v) => (v == null ? '–' : v.toFixed(1))
const f2 = (v) => (v == null ? '–' : v.toFixed(2))
const ms = (v) => (v == null ? '–' : fmtMs(v))
const ratio = (a, b) => (a == null || b == null || b === 0 ? null : a / b)
const rx = (v, d = 2) => (v == null ? '–' : `${v >= 100 ? n0(v) : v.toFixed(d)}×`)
const mib = (b) => (b == null ? '–' : `${(b / 2 ** 20).toFixed(0)} MiB`)
const sum = (xs) => xs.reduce((a, b) => a + b, 0)

function table(head, rows) {
  return [`| ${head.join(' | ')} |`, `|${head.map((h, i) => (i === 0 ? '---' : '---:')).join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n')
}

// Per-change numbers of each approach at one scale, in milliseconds.
function perChange(S) {
  const views = S.views.map((v) => v.name)
  const r = {
    select: sum(views.map((v) => S.select[v].p50)),
    refresh: sum(views.map((v) => S.refresh[v].refresh.p50)),
    refresh_concurrently: sum(views.map((v) => S.refresh[v].refresh_concurrently.p50)),
    // What the triggers add to one write (single client, average latency).
    triggers: S.writes.triggers.single.latency_ms - S.writes.plain.single.latency_ms,
    engine_probe: S.engine.probe_us.p50 / 1000,
    engine_probe_p99: S.engine.probe_us.p99 / 1000,
    engine_mix: S.engine.mix_us.p50 / 1000,
    engine_mix_p99: S.engine.mix_us.p99 / 1000,
  }
  if (S.rindled) {
    r.rindled = S.rindled.latency.all_views_ms.p50
    r.rindled_p99 = S.rindled.latency.all_views_ms.p99
    const kept = S.rindled.sustained.filter((s) => s.kept_up)
    r.rindled_cpu = kept.length ? kept[kept.length - 1].rindled_cpu_us_per_change / 1000 : null
  }
  return r
}

export function renderReport(res) {
  const S = res.scales
  const lo = S[0]
  const hi = S[S.length - 1]
  const pc = S.map(perChange)
  const P0 = pc[0]
  const P1 = pc[pc.length - 1]
  const head = ['', ...S.map((s) => `${s.scale}× (${n0(s.rows.flights)} flights)`)]
  const scaleRatio = S.length > 1 ? `${hi.scale}× ÷ ${lo.scale}×` : null
  if (scaleRatio) head.push(scaleRatio)
  const row = (name, vals, fmt = ms) => {
    const r = [name, ...vals.map(fmt)]
    if (scaleRatio) r.push(rx(ratio(vals[vals.length - 1], vals[0])))
    return r
  }
  const out = []
  const m = res.machine
  out.push(`Run: ${res.started}, profile \`${res.profile}\`, ${(res.seconds / 60).toFixed(1)} minutes; ` +
    `${m.cpus} cores (${m.cpu_model}), load average ${m.loadavg_start.map((x) => x.toFixed(1)).join(' ')} at the start, ` +
    `${(m.loadavg_end || []).map((x) => x.toFixed(1)).join(' ')} at the end; ${m.postgres}; ` +
    `settings: ${Object.entries(res.postgres_settings || {}).map(([k, v]) => `${k}=${v}`).join(', ')}.`)
  out.push('')
  out.push(`Dataset: ${res.dataset.options.source}, flights of 2001-01-01..${res.dataset.day} ` +
    `(every ${res.options.stride === 1 ? '' : `${res.options.stride}th `}flight: ${n0(res.dataset.flights)}), ` +
    `${n0(res.dataset.airports)} airports; scaled copies shifted ${res.dataset.span_days} days back each.`)
  out.push('')
  for (const s of S) {
    if (s.rindled_error) out.push(`**rindled failed at ${s.scale}×**: ${s.rindled_error.message} (log: \`${s.rindled_error.log}\`).`, '')
  }
  if (!S.some((s) => s.rindled || s.rindled_error)) {
    out.push('rindled was not measured in this run (no `--rindled PATH`): the rows below are the baselines and the ' +
      'engine in process.', '')
  }
  out.push('**Per-change latency** (how long until one write shows in the views; lower is better):')
  out.push('')
  const rows = []
  if (pc.some((p) => p.rindled != null)) {
    rows.push(row('rindled: commit → all four sink tables, p50', pc.map((p) => p.rindled)))
    rows.push(row('rindled: commit → all four sink tables, p99', pc.map((p) => p.rindled_p99)))
    rows.push(row('rindled: CPU per change (at the highest sustained rate)', pc.map((p) => p.rindled_cpu)))
  }
  rows.push(row('engine in process: one change, p50 (probe write)', pc.map((p) => p.engine_probe)))
  rows.push(row('engine in process: one change, p50 (write mix)', pc.map((p) => p.engine_mix)))
  rows.push(row('engine in process: one change, p99 (write mix)', pc.map((p) => p.engine_mix_p99)))
  rows.push(row('re-run the four SELECTs', pc.map((p) => p.select)))
  rows.push(row('REFRESH MATERIALIZED VIEW ×4', pc.map((p) => p.refresh)))
  rows.push(row('REFRESH MATERIALIZED VIEW CONCURRENTLY ×4', pc.map((p) => p.refresh_concurrently)))
  rows.push(row('triggers (views 1–3): added to each write', pc.map((p) => p.triggers)))
  out.push(table(head, rows))
  out.push('')

  out.push('**Ratios** (goals from the issue):')
  out.push('')
  const rr = []
  if (P0.rindled != null && S.length > 1) {
    const a = ratio(P1.rindled, P0.rindled)
    rr.push([`rindled per-change latency p50, ${scaleRatio}`, rx(a), '≤ 1.3', a <= 1.3 ? 'met' : 'not met'])
    const b = ratio(P1.rindled_p99, P0.rindled_p99)
    rr.push([`rindled per-change latency p99, ${scaleRatio}`, rx(b), '≤ 1.3', b <= 1.3 ? 'met' : 'not met'])
  }
  if (S.length > 1) {
    const e = ratio(P1.engine_mix, P0.engine_mix)
    rr.push([`engine in process, write mix p50, ${scaleRatio}`, rx(e), '', ''])
  }
  if (P1.rindled != null) {
    const c = ratio(P1.refresh, P1.rindled)
    rr.push([`REFRESH ×4 ÷ rindled commit-to-sink p50, at ${hi.scale}×`, rx(c), '≥ 10,000×', c >= 1e4 ? 'met' : 'not met'])
    if (P1.rindled_cpu) {
      const d = ratio(P1.refresh, P1.rindled_cpu)
      rr.push([`REFRESH ×4 ÷ rindled CPU per change, at ${hi.scale}×`, rx(d), '≥ 10,000×', d >= 1e4 ? 'met' : 'not met'])
    }
  }
  const e1 = ratio(P1.refresh, P1.engine_mix)
  rr.push([`REFRESH ×4 ÷ engine per change (mix p50), at ${hi.scale}×`, rx(e1), '', ''])
  for (const s of S) {
    const w = s.writes
    rr.push([`write throughput with triggers ÷ without, ${s.scale}× (pgbench, ${w.plain.throughput.clients} clients)`,
      rx(ratio(w.triggers.throughput.tps, w.plain.throughput.tps)), '', ''])
    if (s.rindled) {
      rr.push([`write throughput with rindled's slot active ÷ without, ${s.scale}×`,
        rx(ratio(s.rindled.writes_with_slot.tps, w.plain.throughput.tps)), '', ''])
    }
  }
  out.push(table(['ratio', 'value', 'goal', ''], rr))
  out.push('')

  out.push('**Per view** (medians; rindled: commit → that view\'s sink table):')
  out.push('')
  const pv = []
  for (const v of lo.views.map((x) => x.name)) {
    for (const s of S) {
      const rl = s.rindled ? s.rindled.latency.per_view_ms[v] : null
      pv.push([`${v} ${s.scale}×`, n0(s.select[v].rows), ms(s.select[v].p50), ms(s.refresh[v].refresh.p50),
        ms(s.refresh[v].refresh_concurrently.p50), rl ? ms(rl.p50) : '–', rl ? ms(rl.p99) : '–',
        s.engine.views[v] ? ms(s.engine.views[v].hydrate_ms) : '–'])
    }
  }
  out.push(table(['view, scale', 'rows', 'SELECT', 'REFRESH', 'REFRESH CONC.', 'rindled p50', 'rindled p99', 'engine hydrate'], pv))
  out.push('')

  out.push('**Writes** (pgbench, the benchmark\'s write mix, one change per transaction):')
  out.push('')
  const wr = []
  for (const s of S) {
    const w = s.writes
    wr.push([`${s.scale}× plain`, n0(w.plain.throughput.tps), f2(w.plain.single.latency_ms), '1.00×'])
    wr.push([`${s.scale}× with triggers`, n0(w.triggers.throughput.tps), f2(w.triggers.single.latency_ms),
      rx(ratio(w.triggers.throughput.tps, w.plain.throughput.tps))])
    if (s.rindled) {
      wr.push([`${s.scale}× rindled running (slot active)`, n0(s.rindled.writes_with_slot.tps),
        s.rindled.writes_with_slot_single ? f2(s.rindled.writes_with_slot_single.latency_ms) : '–',
        rx(ratio(s.rindled.writes_with_slot.tps, w.plain.throughput.tps))])
    }
  }
  out.push(table([`setup`, `tps (${lo.writes.plain.throughput.clients} clients)`, 'latency ms (1 client)', 'tps ÷ plain'], wr))
  out.push('')

  const RS = S.filter((s) => s.rindled)
  if (RS.length) {
    out.push('**rindled** (the daemon, its slot, four table sinks):')
    out.push('')
    const rd = []
    const r = (name, f) => rd.push([name, ...RS.map((s) => f(s.rindled))])
    r('initial snapshot (start → all sinks filled)', (x) => `${f1(x.snapshot.seconds)} s`)
    r('snapshot source rows/s', (x) => n0(x.snapshot.rows_per_s))
    r('resident memory after the snapshot', (x) => mib(x.memory_after_snapshot.rss_bytes))
    r('peak resident memory', (x) => mib(x.memory_end.peak_rss_bytes))
    r('bytes per stored source row (RSS ÷ rows)', (x) => n0(x.memory_after_snapshot.bytes_per_source_row))
    r('sustained changes/s with lag p99 < 100 ms', (x) => {
      const k = x.sustained.filter((s) => s.kept_up)
      const last = x.sustained[x.sustained.length - 1]
      const cap = last && last.kept_up ? ' (highest rate tried)' : ''
      return k.length ? `${n0(k[k.length - 1].load.tps)}${cap}` : 'none of the rates'
    })
    r('rindled CPU per change (µs)', (x) => {
      const k = x.sustained.filter((s) => s.kept_up)
      return k.length ? f1(k[k.length - 1].rindled_cpu_us_per_change) : '–'
    })
    r('PostgreSQL CPU per change for rindled (walsender + sink sessions, µs)', (x) => {
      const k = x.sustained.filter((s) => s.kept_up)
      return k.length ? f1(k[k.length - 1].server_cpu_us_per_change) : '–'
    })
    r('client view: commit returned → content seen, p50', (x) => ms(x.latency.client_ms.p50))
    r('sink tables equal to the views\' SQL afterwards', (x) => (x.verify.all_equal ? 'yes' : 'NO'))
    r('stop (SIGTERM → exit)', (x) => (x.shutdown ? `${f2(x.shutdown.seconds)} s, exit ${x.shutdown.code}` : '–'))
    out.push(table(['', ...RS.map((s) => `${s.scale}×`)], rd))
    out.push('')
    out.push('Sustained load steps (pgbench at a fixed rate; a probe every 50 ms measures commit → all four sinks):')
    out.push('')
    const st = []
    for (const s of RS) {
      for (const x of s.rindled.sustained) {
        st.push([`${s.scale}×`, n0(x.rate), n0(x.load.tps), ms(x.lag.all_views_ms.p50), ms(x.lag.all_views_ms.p99),
          ms(x.lag.all_views_ms.max), f1(x.rindled_cpu_us_per_change), f1(x.server_cpu_us_per_change), x.kept_up ? 'yes' : 'no'])
      }
    }
    out.push(table(['scale', 'target/s', 'achieved/s', 'lag p50', 'lag p99', 'lag max', 'rindled µs/change', 'server µs/change', 'kept up'], st))
    out.push('')
  }

  out.push('**Engine alone** (in process, same views and writes, no PostgreSQL on the path):')
  out.push('')
  const en = []
  const e = (name, f) => en.push([name, ...S.map((s) => f(s.engine))])
  e('load (rows/s, through the replication library\'s COPY reader)', (x) => n0(x.load.rows_per_s))
  e('probe write p50 / p99', (x) => `${ms(x.probe_us.p50 / 1000)} / ${ms(x.probe_us.p99 / 1000)}`)
  e('write mix p50 / p99', (x) => `${ms(x.mix_us.p50 / 1000)} / ${ms(x.mix_us.p99 / 1000)}`)
  for (const k of ['update_delay', 'insert_flight', 'delete_flight', 'update_score']) {
    e(`  ${k} p50 / p99`, (x) => `${ms(x.mix_by_kind_us[k].p50 / 1000)} / ${ms(x.mix_by_kind_us[k].p99 / 1000)}`)
  }
  e('changes/s (write mix, one per transaction)', (x) => n0(x.mix_us.changes_per_s))
  e('work per change (index probes + rows touched, mix)', (x) => f1(x.mix_us.index_probes_per_change + x.mix_us.rows_touched_per_change))
  e('engine bytes per stored row (tables + view state)', (x) => n0(x.memory.engine_bytes_per_row))
  e('process RSS', (x) => mib(x.memory.rss_bytes))
  e('views equal to the views\' SQL after the same writes (replayed into PostgreSQL)', (x) =>
    (x.verify ? `${x.verify.all_equal ? 'yes' : 'NO'} (${n0(x.verify.writes_replayed)} writes)` : '–'))
  out.push(table(['', ...S.map((s) => `${s.scale}×`)], en))
  out.push('')
  return out.join('\n')
}

export function chartSvg(res) {
  const S = res.scales
  const pc = S.map(perChange)
  const x = S.map((s) => s.rows.flights)
  const series = (name, color, key, dash) => ({ name, color, dash, points: x.map((xx, i) => [xx, pc[i][key]]) })
  const list = []
  if (pc.some((p) => p.rindled != null)) {
    list.push(series('rindled, commit → sinks, p50', '#d62728', 'rindled'))
    list.push(series('rindled, commit → sinks, p99', '#d62728', 'rindled_p99', '6 4'))
  }
  list.push(series('engine in process, p50 (mix)', '#ff7f0e', 'engine_mix'))
  list.push(series('triggers: added per write', '#2ca02c', 'triggers'))
  list.push(series('re-run the 4 SELECTs', '#1f77b4', 'select'))
  list.push(series('REFRESH MATERIALIZED VIEW ×4', '#9467bd', 'refresh'))
  list.push(series('REFRESH … CONCURRENTLY ×4', '#8c564b', 'refresh_concurrently', '6 4'))
  return lineChartSvg({ title: 'Per-change latency vs table size (four views, real US flights)',
    xLabel: 'flights in the table (log scale)', yLabel: 'time per change (log scale)', series: list })
}

export function writeReport(res, outDir) {
  const md = renderReport(res)
  fs.writeFileSync(path.join(outDir, 'report.md'), md + '\n')
  fs.writeFileSync(path.join(outDir, 'latency.svg'), chartSvg(res))
  return md
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const file = process.argv[2]
  if (!file) { console.error('usage: node bench/e2e/report.mjs OUT/results.json'); process.exit(2) }
  const res = JSON.parse(fs.readFileSync(file, 'utf8'))
  console.log(writeReport(res, path.dirname(path.resolve(file))))
}
