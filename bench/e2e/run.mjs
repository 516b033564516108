// The end-to-end benchmark: rindled vs. what users do today, on real US
// flights at 1x and 30x, in one run. Started by scripts/bench_e2e.sh (which
// installs, builds and prepares first); see bench/README.md, "End to end".
//
//   node bench/e2e/run.mjs [--quick | --smoke] [--scales 1,30] [--stride N]
//        [--build build/release] [--out build/e2e-results] [--cache build/e2e-cache]
//        [--rindled PATH | --no-rindled] [--config bench/e2e/rindle.yaml] [--keep]
//
// rindled is measured only when its binary is named: --rindled PATH, or the
// environment variable RINDLE_E2E_RINDLED=PATH (--no-rindled overrides both).
// --config names the rindled config used as the template (default: the
// committed bench/e2e/rindle.yaml); only its connection, state directory and
// metrics lines are replaced per scale. If rindled fails (start-up, a timeout,
// a sink that differs from its view), its log is copied to OUT, the error is
// recorded in results.json and the report, the other measurements go on, and
// the run exits 1 at the end.
//
// It starts its own PostgreSQL (scripts/pg_tmp.sh, loopback and a Unix socket
// in a temp dir), makes one database per scale, and per scale measures:
//   baselines  re-running each view's SELECT; REFRESH MATERIALIZED VIEW (plain and
//              CONCURRENTLY); pgbench write throughput and latency without and with
//              hand-written triggers (which are checked against the views' SQL)
//   rindled    initial snapshot time, memory, commit-to-sink latency (idle), sustained
//              changes/s with lag < 100 ms and CPU per change, pgbench throughput with
//              rindled's slot active; sink tables checked against the views' SQL
//   engine     the same views and writes in process (e2e_bench engine)
// Results: OUT/results.json (everything), OUT/report.md (tables and ratios),
// OUT/latency.svg (per-change latency vs table size). The cluster is destroyed at the end.
import { execFileSync, spawn } from 'node:child_process'
import fs from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { writeReport } from './report.mjs'

const here = path.dirname(fileURLToPath(import.meta.url))
const root = path.resolve(here, '..', '..')
const PGBIN = process.env.PGBIN || '/usr/lib/postgresql/15/bin'

// ---------------------------------------------------------------- options
const PROFILES = {
  // stride: every stride-th flight of the 12 days; durations in seconds.
  full: { stride: 1, scales: [1, 30], selectReps: 5, refreshReps: 3, pgbenchSeconds: 20, probes: 2000,
          rates: [250, 500, 1000, 2000, 4000, 8000], rateSeconds: 15, engineProbes: 20000, engineChanges: 200000,
          clients: 4 },
  quick: { stride: 10, scales: [1, 30], selectReps: 3, refreshReps: 2, pgbenchSeconds: 5, probes: 300,
           rates: [250, 1000, 4000], rateSeconds: 5, engineProbes: 5000, engineChanges: 30000, clients: 4 },
  smoke: { stride: 100, scales: [1, 3], selectReps: 1, refreshReps: 1, pgbenchSeconds: 1, probes: 30,
           rates: [100], rateSeconds: 2, engineProbes: 500, engineChanges: 2000, clients: 2 },
}

function parseArgs(argv) {
  const o = { profile: 'full', build: path.join(root, 'build/release'), out: path.join(root, 'build/e2e-results'),
              cache: path.join(root, 'build/e2e-cache'), rindled: process.env.RINDLE_E2E_RINDLED || null,
              config: path.join(here, 'rindle.yaml'), keep: false }
  const over = {}
  for (let i = 2; i < argv.length; i++) {
    const a = argv[i]
    const val = () => { if (i + 1 >= argv.length) die(`missing value for ${a}`); return argv[++i] }
    if (a === '--quick') o.profile = 'quick'
    else if (a === '--smoke') o.profile = 'smoke'
    else if (a === '--scales') over.scales = val().split(',').map(Number)
    else if (a === '--stride') over.stride = Number(val())
    else if (a === '--build') o.build = path.resolve(val())
    else if (a === '--out') o.out = path.resolve(val())
    else if (a === '--cache') o.cache = path.resolve(val())
    else if (a === '--no-rindled') o.noRindled = true
    else if (a === '--rindled') o.rindled = path.resolve(val())
    else if (a === '--config') o.config = path.resolve(val())
    else if (a === '--keep') o.keep = true
    else die(`unknown option ${a}`)
  }
  if (o.noRindled) o.rindled = null
  else if (o.rindled) o.rindled = path.resolve(o.rindled)
  o.p = { ...PROFILES[o.profile], ...over }
  return o
}

function die(msg) {
  console.error(`run.mjs: ${msg}`)
  process.exit(2)
}

// ---------------------------------------------------------------- helpers
const t0 = Date.now()
const elapsed = () => ((Date.now() - t0) / 1000).toFixed(0).padStart(5) + ' s'
function say(msg) { console.log(`[${elapsed()}] ${msg}`) }
const sleep = (ms) => new Promise((r) => setTimeout(r, ms))
const children = new Set()  // long-running processes to stop if the run fails

function run(cmd, args, opts = {}) {
  return execFileSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'pipe'], ...opts })
}

// A child process as a promise of {code, stdout, stderr}; stderr lines are passed through (progress).
function spawnP(cmd, args, { passStderr = true } = {}) {
  return new Promise((resolve, reject) => {
    const c = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    c.stdout.on('data', (d) => { out += d })
    c.stderr.on('data', (d) => { err += d; if (passStderr) process.stderr.write(d) })
    c.on('error', reject)
    c.on('close', (code) => resolve({ code, stdout: out, stderr: err }))
  })
}

class Pg {
  constructor(dir) { this.dir = dir }
  start() {
    run(path.join(root, 'scripts/pg_tmp.sh'), ['start', this.dir])
    this.port = fs.readFileSync(path.join(this.dir, 'port'), 'utf8').trim()
    this.sock = path.join(this.dir, 'sock')
  }
  stop() { run(path.join(root, 'scripts/pg_tmp.sh'), ['stop', this.dir]) }
  destroy() { try { run(path.join(root, 'scripts/pg_tmp.sh'), ['destroy', this.dir]) } catch {} }
  serverArgs() { return ['-h', this.sock, '-p', this.port, '-U', 'postgres'] }
  connArgs(db) { return [...this.serverArgs(), '-d', db] }
  // One statement's rows, fields split on tabs.
  sql(db, sql) {
    const out = run(path.join(PGBIN, 'psql'), ['-X', '-q', '-A', '-t', '-F', '\t', '-v', 'ON_ERROR_STOP=1',
      ...this.connArgs(db), '-c', sql])
    return out.split('\n').filter((l) => l.length > 0).map((l) => l.split('\t'))
  }
  value(db, sql) { const r = this.sql(db, sql); return r.length ? r[0][0] : null }
  file(db, file, vars = {}) {
    const args = ['-X', '-q', '-v', 'ON_ERROR_STOP=1', ...this.connArgs(db), '-f', file]
    for (const [k, v] of Object.entries(vars)) args.push('-v', `${k}=${v}`)
    return run(path.join(PGBIN, 'psql'), args)
  }
}

// CPU seconds (user + system) of a process, from /proc/PID/stat.
const TICKS = Number(run('getconf', ['CLK_TCK']).trim())
function cpuSeconds(pid) {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8')
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(f[11]) + Number(f[12])) / TICKS
  } catch { return 0 }
}
function memory(pid) {
  const s = fs.readFileSync(`/proc/${pid}/status`, 'utf8')
  const kb = (k) => Number((s.match(new RegExp(`^${k}:\\s+(\\d+)`, 'm')) || [0, 0])[1]) * 1024
  return { rss_bytes: kb('VmRSS'), peak_rss_bytes: kb('VmHWM') }
}

// ---------------------------------------------------------------- pgbench
const MIX = [['update_delay.sql', 60], ['insert_flight.sql', 15], ['delete_flight.sql', 10], ['update_score.sql', 15]]

async function pgbench(pg, db, meta, { clients, seconds, rate }) {
  const args = ['-n', ...pg.serverArgs(),
    '-c', String(clients), '-j', String(Math.min(clients, 2)), '-T', String(seconds),
    '-D', `day_first=${meta.day_first_id}`, '-D', `day_last=${meta.day_last_id}`,
    '-D', `active_airports=${meta.airports_with_departures}`]
  if (rate) args.push('-R', String(rate))
  for (const [f, w] of MIX) args.push('-f', `${path.join(here, 'pgbench', f)}@${w}`)
  args.push(db)
  const r = await spawnP(path.join(PGBIN, 'pgbench'), args, { passStderr: false })
  if (r.code !== 0) throw new Error(`pgbench failed (${r.code}):\n${r.stderr}\n${r.stdout}`)
  const num = (re) => { const m = r.stdout.match(re); return m ? Number(m[1]) : null }
  return {
    clients, seconds, rate: rate || null,
    transactions: num(/number of transactions actually processed: (\d+)/),
    failed: num(/number of failed transactions: (\d+)/) || 0,
    tps: num(/tps = ([\d.]+) \(without initial connection time\)/),
    latency_ms: num(/latency average = ([\d.]+) ms/),
    schedule_lag_ms: num(/rate limit schedule lag: avg ([\d.]+)/),
  }
}

// Row changes applied to the source tables so far (inserts + updates + deletes).
function changesSoFar(pg, db) {
  return Number(pg.value(db, `SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) FROM pg_stat_user_tables
    WHERE schemaname = 'public' AND relname IN ('flights', 'airport_scores', 'airports')`))
}

// ---------------------------------------------------------------- one scale
async function measureScale(o, pg, meta, scale, e2e, rindled) {
  const db = `bench_${scale}x`
  const R = { scale, database: db }
  const cfg = path.join(o.work, `rindle_${scale}x.yaml`)
  // The committed config with only the connection, state and metrics lines replaced.
  const metricsPort = 20000 + Math.floor(Math.random() * 20000)
  const yaml = fs.readFileSync(o.config, 'utf8')
    .replace(/^( {2}host:).*$/m, `$1 ${pg.sock}`)
    .replace(/^( {2}port:).*$/m, `$1 ${pg.port}`)
    .replace(/^( {2}dbname:).*$/m, `$1 ${db}`)
    .replace(/^( {2}directory:).*$/m, `$1 ${path.join(o.work, `state_${scale}x`)}`)
    .replace(/^( {2}listen:).*$/m, `$1 127.0.0.1:${metricsPort}`)
  fs.writeFileSync(cfg, yaml)
  fs.mkdirSync(path.join(o.work, `state_${scale}x`), { recursive: true })
  const e2eRun = async (cmd, args) => {
    const outFile = path.join(o.work, `${cmd}_${scale}x_${Date.now()}.json`)
    const r = await spawnP(e2e, [cmd, '--config', cfg, '--out', outFile, ...args])
    if (r.code !== 0) throw new Error(`e2e_bench ${cmd} failed (${r.code})`)
    return JSON.parse(fs.readFileSync(outFile, 'utf8'))
  }
  const day = ['--day-first', String(meta.day_first_id), '--day-last', String(meta.day_last_id)]

  say(`${scale}x: loading ${(meta.flights * scale).toLocaleString('en-US')} flights into ${db}`)
  pg.sql('postgres', `DROP DATABASE IF EXISTS ${db}`)
  pg.sql('postgres', `CREATE DATABASE ${db}`)
  pg.file(db, path.join(here, 'sql/schema.sql'))
  let t = Date.now()
  pg.file(db, path.join(here, 'sql/load.sql'), {
    airports_tsv: path.join(o.data, 'airports.tsv'), scores_tsv: path.join(o.data, 'airport_scores.tsv'),
    flights_tsv: path.join(o.data, 'flights.tsv'), scale, span_days: meta.span_days, day: meta.day })
  R.load_seconds = (Date.now() - t) / 1000
  R.rows = Object.fromEntries(pg.sql(db, `SELECT relname, n_live_tup FROM pg_stat_user_tables WHERE schemaname = 'public'`)
    .map(([k, v]) => [k, Number(v)]))
  R.rows.flights = Number(pg.value(db, 'SELECT count(*) FROM flights'))
  R.database_bytes = Number(pg.value(db, `SELECT pg_database_size('${db}')`))
  say(`${scale}x: ${R.rows.flights.toLocaleString('en-US')} flights loaded in ${R.load_seconds.toFixed(1)} s ` +
      `(database ${(R.database_bytes / 2 ** 20).toFixed(0)} MiB)`)

  R.views = await e2eRun('views', [])
  say(`${scale}x: the SQL front end accepts all ${R.views.length} views`)

  say(`${scale}x: re-running each view's SELECT`)
  R.select = await e2eRun('select', ['--reps', String(o.p.selectReps)])
  say(`${scale}x: REFRESH MATERIALIZED VIEW`)
  R.refresh = await e2eRun('refresh', ['--reps', String(o.p.refreshReps), ...day])

  const bench = (opts) => pgbench(pg, db, meta, opts)
  say(`${scale}x: pgbench write mix without triggers (${o.p.pgbenchSeconds} s x 2)`)
  R.writes = { plain: { throughput: await bench({ clients: o.p.clients, seconds: o.p.pgbenchSeconds }),
                        single: await bench({ clients: 1, seconds: o.p.pgbenchSeconds }) } }
  say(`${scale}x: hand-written triggers: install, pgbench, check against the views' SQL`)
  t = Date.now()
  pg.file(db, path.join(here, 'sql/triggers.sql'))
  R.writes.triggers_install_seconds = (Date.now() - t) / 1000
  R.writes.triggers = { throughput: await bench({ clients: o.p.clients, seconds: o.p.pgbenchSeconds }),
                        single: await bench({ clients: 1, seconds: o.p.pgbenchSeconds }) }
  R.writes.triggers_verify = await e2eRun('verify', ['--schema', 'trig'])
  if (!R.writes.triggers_verify.all_equal) throw new Error('the trigger-maintained tables differ from the views')
  pg.file(db, path.join(here, 'sql/drop_triggers.sql'))
  pg.sql(db, 'VACUUM ANALYZE flights, airport_scores')

  if (rindled) {
    try {
      R.rindled = await measureRindled(o, pg, db, meta, cfg, R.views.length, e2eRun, rindled, bench)
    } catch (e) {
      const log = path.join(o.out, `rindled_${db}.log`)
      try { fs.copyFileSync(path.join(o.work, `rindled_${db}.log`), log) } catch {}
      R.rindled_error = { message: String(e.message || e), log }
      say(`${scale}x: rindled FAILED: ${R.rindled_error.message} (log: ${log}); going on without it`)
      // Whatever it left behind must not disturb the rest of the run.
      pg.sql(db, `SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = '${db}' AND NOT active`)
    }
  }

  say(`${scale}x: the engine alone, in process (${o.p.engineProbes} probes, ${o.p.engineChanges} mixed changes)`)
  R.engine = await e2eRun('engine', [...day, '--active-airports', String(meta.airports_with_departures),
    '--probes', String(o.p.engineProbes), '--changes', String(o.p.engineChanges)])
  if (!R.engine.verify.all_equal) throw new Error('the engine\'s views differ from the views\' SQL after the same writes')
  pg.sql('postgres', `DROP DATABASE ${db}`)
  return R
}

// ---------------------------------------------------------------- rindled
async function measureRindled(o, pg, db, meta, cfg, viewCount, e2eRun, rindledBin, bench) {
  const R = {}
  const sourceRows = Number(pg.value(db, 'SELECT (SELECT count(*) FROM flights) + (SELECT count(*) FROM airports) + (SELECT count(*) FROM airport_scores)'))
  const logFile = path.join(o.work, `rindled_${db}.log`)
  const log = fs.openSync(logFile, 'w')
  say(`${db}: starting rindled (initial snapshot of ${sourceRows.toLocaleString('en-US')} source rows)`)
  const t = Date.now()
  const child = spawn(rindledBin, ['--config', cfg], { stdio: ['ignore', log, log] })
  children.add(child)
  child.on('exit', () => children.delete(child))
  let exited = null
  child.on('exit', (code, sig) => { exited = { code, signal: sig } })
  try {
    return await measureRunning(o, pg, db, R, sourceRows, viewCount, e2eRun, bench, child, () => exited, t, logFile)
  } finally {
    if (!exited) {
      const ts = Date.now()
      child.kill('SIGTERM')
      while (!exited && Date.now() - ts < 120e3) await sleep(50)
      R.shutdown = { seconds: (Date.now() - ts) / 1000, ...exited }
      if (!exited) child.kill('SIGKILL')
    }
    while (!exited) await sleep(50)
    fs.closeSync(log)
    R.log = logFile
    pg.sql(db, `SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = '${db}' AND NOT active`)
  }
}

// rindled started (child): snapshot, latency, sustained rates, writes, verification.
async function measureRunning(o, pg, db, R, sourceRows, views, e2eRun, bench, child, exitedNow, t, logFile) {
  // Ready: every sink has its contents (a progress row each).
  for (;;) {
    if (exitedNow()) throw new Error(`rindled exited during start-up (${JSON.stringify(exitedNow())})`)
    let n = 0
    try { n = Number(pg.value(db, `SELECT count(*) FROM rindle_views.rindle_progress`)) } catch {}
    if (n >= views) break
    if (Date.now() - t > 3600e3) throw new Error('rindled did not finish its snapshot within an hour')
    await sleep(100)
  }
  const snapshot = (Date.now() - t) / 1000
  R.snapshot = { seconds: snapshot, source_rows: sourceRows, rows_per_s: sourceRows / snapshot }
  R.memory_after_snapshot = memory(child.pid)
  R.memory_after_snapshot.bytes_per_source_row = R.memory_after_snapshot.rss_bytes / sourceRows
  say(`${db}: snapshot done in ${snapshot.toFixed(1)} s (${(sourceRows / snapshot).toFixed(0)} rows/s), ` +
      `RSS ${(R.memory_after_snapshot.rss_bytes / 2 ** 20).toFixed(0)} MiB`)

  // Server processes working for rindled: its walsender and its sink connections.
  const helpers = () => pg.sql(db, `SELECT pid FROM pg_stat_activity WHERE datname = '${db}' AND
      (backend_type = 'walsender' OR application_name LIKE 'rindle%') AND pid <> pg_backend_pid()`).map((r) => Number(r[0]))

  say(`${db}: commit-to-sink latency, ${o.p.probes} sequential probes`)
  R.latency = await e2eRun('latency', ['--probes', String(o.p.probes)])
  say(`${db}: latency p50 ${R.latency.all_views_ms.p50} ms, p99 ${R.latency.all_views_ms.p99} ms (all four views)`)

  // Sustained rate: pgbench at a fixed rate, probes every 50 ms measure the lag.
  R.sustained = []
  for (const rate of o.p.rates) {
    say(`${db}: sustained ${rate} changes/s for ${o.p.rateSeconds} s`)
    const pids = helpers()
    const cpu0 = cpuSeconds(child.pid)
    const pcpu0 = pids.reduce((s, p) => s + cpuSeconds(p), 0)
    const ch0 = changesSoFar(pg, db)
    const [load, lag] = await Promise.all([
      bench({ clients: o.p.clients, seconds: o.p.rateSeconds, rate }),
      e2eRun('lag', ['--seconds', String(o.p.rateSeconds), '--interval-ms', '50']),
    ])
    const changes = changesSoFar(pg, db) - ch0
    const cpu = cpuSeconds(child.pid) - cpu0
    const pcpu = pids.reduce((s, p) => s + cpuSeconds(p), 0) - pcpu0
    const step = { rate, load, lag: { ...lag, timeline: undefined }, timeline: lag.timeline, changes,
      rindled_cpu_seconds: cpu, rindled_cpu_us_per_change: (cpu * 1e6) / changes,
      server_cpu_us_per_change: (pcpu * 1e6) / changes }
    step.kept_up = load.tps >= 0.95 * rate && lag.timeouts === 0 && lag.all_views_ms.p99 < 100
    R.sustained.push(step)
    say(`${db}:   achieved ${load.tps.toFixed(0)} tps, lag p50 ${lag.all_views_ms.p50} ms p99 ${lag.all_views_ms.p99} ms, ` +
        `rindled CPU ${step.rindled_cpu_us_per_change.toFixed(1)} us/change -> ${step.kept_up ? 'kept up' : 'did not keep up'}`)
    if (!step.kept_up) break
  }
  say(`${db}: pgbench write throughput with rindled's slot active`)
  R.writes_with_slot = await bench({ clients: o.p.clients, seconds: o.p.pgbenchSeconds })
  R.writes_with_slot_single = await bench({ clients: 1, seconds: o.p.pgbenchSeconds })
  // Let it catch up (one probe), then the sink tables must equal the views' SQL.
  await e2eRun('latency', ['--probes', '3', '--warmup', '0'])
  R.verify = await e2eRun('verify', [])
  if (!R.verify.all_equal) throw new Error('a sink table differs from its view')
  R.memory_end = memory(child.pid)
  R.cpu_total_seconds = cpuSeconds(child.pid)
  return R
}

// ---------------------------------------------------------------- main
async function main() {
  const o = parseArgs(process.argv)
  const e2e = path.join(o.build, 'bench/e2e/e2e_bench')
  if (!fs.existsSync(e2e)) die(`${e2e} is missing: build the e2e_bench target first (scripts/bench_e2e.sh does)`)
  const rindled = o.rindled
  if (rindled && !fs.existsSync(rindled)) die(`${rindled} is missing (or pass --no-rindled)`)
  if (!fs.existsSync(o.config)) die(`${o.config} is missing`)
  o.data = path.join(o.cache, `stride${o.p.stride}`)
  run(process.execPath, [path.join(here, 'prepare.mjs'), '--out', o.data, '--stride', String(o.p.stride)], { stdio: 'inherit' })
  const meta = JSON.parse(fs.readFileSync(path.join(o.data, 'meta.json'), 'utf8'))
  fs.mkdirSync(o.out, { recursive: true })
  o.work = fs.mkdtempSync(path.join(os.tmpdir(), 'rindle-e2e-'))
  fs.chmodSync(o.work, 0o755)
  const pg = new Pg(path.join(o.work, 'pg'))
  const results = {
    started: new Date().toISOString(), profile: o.profile, options: o.p, dataset: meta,
    machine: { cpus: os.cpus().length, cpu_model: os.cpus()[0]?.model, memory_bytes: os.totalmem(),
               loadavg_start: os.loadavg(), node: process.version,
               postgres: run(path.join(PGBIN, 'postgres'), ['--version']).trim() },
    scales: [],
  }
  const cleanup = () => {
    for (const c of children) c.kill('SIGKILL')
    if (!o.keep) { pg.destroy(); fs.rmSync(o.work, { recursive: true, force: true }) } else {
      try { pg.stop() } catch {}
      console.log(`kept (server stopped; scripts/pg_tmp.sh start ${pg.dir} restarts it): ${o.work}`)
    }
  }
  process.on('SIGINT', () => { cleanup(); process.exit(130) })
  try {
    const est = { full: '25-40 minutes', quick: '4-8 minutes', smoke: 'under a minute' }[o.profile]
    say(`profile ${o.profile} (usually ${est} on 2 cores): scales ${o.p.scales.join(', ')}x of ` +
        `${meta.flights.toLocaleString('en-US')} flights; work dir ${o.work}`)
    pg.start()
    // Commit timestamps (the latency probes read them); room for bulk loads.
    pg.sql('postgres', `ALTER SYSTEM SET track_commit_timestamp = on`)
    pg.sql('postgres', `ALTER SYSTEM SET shared_buffers = '1GB'`)
    pg.sql('postgres', `ALTER SYSTEM SET max_wal_size = '8GB'`)
    pg.stop()
    pg.start()
    results.postgres_settings = Object.fromEntries(pg.sql('postgres', `SELECT name, setting FROM pg_settings WHERE name IN
      ('fsync', 'synchronous_commit', 'wal_level', 'shared_buffers', 'track_commit_timestamp', 'max_wal_size', 'autovacuum')`))
    for (const scale of o.p.scales) {
      results.scales.push(await measureScale(o, pg, meta, scale, e2e, rindled))
      fs.writeFileSync(path.join(o.out, 'results.json'), JSON.stringify(results, null, 2) + '\n')
    }
    results.machine.loadavg_end = os.loadavg()
    results.seconds = (Date.now() - t0) / 1000
    fs.writeFileSync(path.join(o.out, 'results.json'), JSON.stringify(results, null, 2) + '\n')
    const md = writeReport(results, o.out)
    console.log('\n' + md)
    say(`done in ${(results.seconds / 60).toFixed(1)} minutes: ${o.out}/{report.md,results.json,latency.svg}`)
    const failed = results.scales.filter((s) => s.rindled_error)
    if (failed.length) {
      for (const s of failed) console.error(`run.mjs: rindled failed at ${s.scale}x: ${s.rindled_error.message} (log: ${s.rindled_error.log})`)
      process.exitCode = 1
    }
  } finally {
    cleanup()
  }
}

main().catch((e) => { console.error(`run.mjs: ${e.stack || e}`); process.exit(1) })
