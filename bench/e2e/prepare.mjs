// Prepares the end-to-end benchmark's dataset from the vega-datasets npm package:
// US domestic flights of January 2001 (data/flights-3m.parquet, read with
// hyparquet) and the airports they fly between (data/airports.csv).
//
//   node bench/e2e/prepare.mjs --out DIR [--stride 1]
//
// Writes, in PostgreSQL COPY text format (tab-separated, \N for NULL):
//   DIR/flights.tsv          id, date, delay, distance, origin, destination: the
//                            flights of 2001-01-01 .. 2001-01-12 (the first 12
//                            whole days of the file), every `stride`-th one
//                            (stride 1: all, 197,510 flights), ids 1..N in date order
//   DIR/airports.tsv         iata, name, city, state, country, latitude, longitude
//   DIR/airport_scores.tsv   iata, n, score: one "model score" per airport; n numbers
//                            the airports (those with departures first, busiest
//                            first) so load generators can pick one by number
//   DIR/meta.json            counts, the last day ("the day" of the top-k view) and
//                            the id range of its flights
// The base set is scaled (30x) by the loader (bench/e2e/load.sql), in SQL.
// Idempotent: does nothing if DIR/meta.json was made with the same options.
import fs from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { parquetReadObjects } from 'hyparquet'
import { compressors } from 'hyparquet-compressors'

const here = path.dirname(fileURLToPath(import.meta.url))

function parseArgs(argv) {
  const opts = { out: null, days: 12, stride: 1 }  // days: fixed (the views name the 12th)
  for (let i = 2; i < argv.length; i += 2) {
    const [k, v] = [argv[i], argv[i + 1]]
    if (v === undefined) usage(`missing value for ${k}`)
    if (k === '--out') opts.out = v
    else if (k === '--stride') opts.stride = Number(v)
    else usage(`unknown option ${k}`)
  }
  if (!opts.out) usage('--out DIR is required')
  if (!(Number.isInteger(opts.stride) && opts.stride >= 1)) usage('--stride must be a positive integer')
  return opts
}

function usage(msg) {
  console.error(`prepare.mjs: ${msg}\nusage: node bench/e2e/prepare.mjs --out DIR [--stride 1]`)
  process.exit(2)
}

// COPY text format: backslash, tab, newline and carriage return escaped.
function field(v) {
  if (v === null || v === undefined || v === '') return '\\N'
  return String(v).replace(/\\/g, '\\\\').replace(/\t/g, '\\t').replace(/\n/g, '\\n').replace(/\r/g, '\\r')
}

// "2001-01-12 06:35:00" from a parquet TIMESTAMP (micros, not adjusted to UTC:
// hyparquet gives a Date whose UTC fields are the wall-clock time).
function timestampText(d) {
  return d.toISOString().slice(0, 19).replace('T', ' ')
}

// mulberry32: the model's initial scores are deterministic.
function mulberry32(seed) {
  return () => {
    seed |= 0
    seed = (seed + 0x6d2b79f5) | 0
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

function parseCsv(text) {
  // airports.csv has a header, commas inside double-quoted fields, no embedded newlines.
  const lines = text.split(/\r?\n/).filter((l) => l.length > 0)
  const rows = []
  for (const line of lines) {
    const out = []
    let cur = ''
    let quoted = false
    for (let i = 0; i < line.length; i++) {
      const c = line[i]
      if (quoted) {
        if (c === '"' && line[i + 1] === '"') { cur += '"'; i++ }
        else if (c === '"') quoted = false
        else cur += c
      } else if (c === '"') quoted = true
      else if (c === ',') { out.push(cur); cur = '' }
      else cur += c
    }
    out.push(cur)
    rows.push(out)
  }
  return rows
}

async function main() {
  const opts = parseArgs(process.argv)
  const dataDir = path.join(here, 'node_modules', 'vega-datasets', 'data')
  const version = JSON.parse(fs.readFileSync(path.join(dataDir, '..', 'package.json'), 'utf8')).version
  fs.mkdirSync(opts.out, { recursive: true })
  const metaPath = path.join(opts.out, 'meta.json')
  const wanted = { source: `vega-datasets@${version}`, days: opts.days, stride: opts.stride, format: 1 }
  if (fs.existsSync(metaPath)) {
    const old = JSON.parse(fs.readFileSync(metaPath, 'utf8'))
    if (JSON.stringify(old.options) === JSON.stringify(wanted)) {
      console.log(`prepare: ${opts.out} is up to date (${old.flights} flights)`)
      return
    }
  }
  const t0 = Date.now()
  const buf = fs.readFileSync(path.join(dataDir, 'flights-3m.parquet'))
  const file = buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength)
  // Rows are in date order: read row groups until past the last wanted day.
  const first = Date.UTC(2001, 0, 1)
  const end = first + opts.days * 86400000
  const flights = []
  const chunk = 100000
  let done = false
  for (let start = 0; !done; start += chunk) {
    const rows = await parquetReadObjects({ file, rowStart: start, rowEnd: start + chunk, compressors })
    if (rows.length === 0) break
    for (const r of rows) {
      const t = r.date.getTime()
      if (t < first) throw new Error(`unexpected date before 2001-01-01: ${r.date.toISOString()}`)
      if (t >= end) { done = true; break }
      flights.push(r)
    }
    process.stdout.write(`\rprepare: read ${flights.length} flights`)
  }
  process.stdout.write('\n')
  const airportRows = parseCsv(fs.readFileSync(path.join(dataDir, 'airports.csv'), 'utf8'))
  const header = airportRows.shift()
  if (header.join(',') !== 'iata,name,city,state,country,latitude,longitude') {
    throw new Error(`unexpected airports.csv header: ${header.join(',')}`)
  }
  const airports = new Map()
  for (const a of airportRows) if (!airports.has(a[0])) airports.set(a[0], a)

  const lines = []
  let id = 0
  const departures = new Map()
  const lastDay = timestampText(new Date(end - 86400000)).slice(0, 10)
  let dayFirst = 0
  let dayLast = 0
  for (let i = 0; i < flights.length; i += opts.stride) {
    const f = flights[i]
    for (const code of [f.origin, f.destination]) {
      if (!airports.has(code)) throw new Error(`flight ${i}: airport ${code} is not in airports.csv`)
    }
    id++
    const ts = timestampText(f.date)
    if (ts.startsWith(lastDay)) {
      if (dayFirst === 0) dayFirst = id
      dayLast = id
    }
    departures.set(f.origin, (departures.get(f.origin) || 0) + 1)
    lines.push([id, ts, f.delay, f.distance, f.origin, f.destination].map(field).join('\t'))
  }
  if (dayFirst === 0) throw new Error(`no flights on ${lastDay}`)
  fs.writeFileSync(path.join(opts.out, 'flights.tsv'), lines.join('\n') + '\n')
  fs.writeFileSync(path.join(opts.out, 'airports.tsv'),
    [...airports.values()].map((a) => a.map(field).join('\t')).join('\n') + '\n')
  // Airports with departures first (busiest first), then the rest by code.
  const order = [...airports.keys()].sort((a, b) =>
    (departures.get(b) || 0) - (departures.get(a) || 0) || (a < b ? -1 : a > b ? 1 : 0))
  const rand = mulberry32(20010112)
  fs.writeFileSync(path.join(opts.out, 'airport_scores.tsv'),
    order.map((code, i) => [code, i + 1, (Math.round(rand() * 1e6) / 1e6).toFixed(6)].map(field).join('\t')).join('\n') + '\n')
  const meta = {
    options: wanted,
    flights: id,
    airports: airports.size,
    airports_with_departures: departures.size,
    first_day: '2001-01-01',
    day: lastDay,
    day_first_id: dayFirst,
    day_last_id: dayLast,
    span_days: opts.days,
  }
  fs.writeFileSync(metaPath, JSON.stringify(meta, null, 2) + '\n')
  console.log(`prepare: ${id} flights (${lastDay}: ids ${dayFirst}..${dayLast}), ${airports.size} airports, ` +
    `${((Date.now() - t0) / 1000).toFixed(1)} s -> ${opts.out}`)
}

main().catch((e) => { console.error(`prepare.mjs: ${e.stack || e}`); process.exit(1) })
