// A small SVG line chart with logarithmic axes: per-change latency vs table size.
//
//   lineChartSvg({ title, xLabel, yLabel, series: [{ name, color, dash, points: [[x, y], ...] }] })
// returns the SVG document as a string. Points with y <= 0 or null are skipped.

const esc = (s) => String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')

function fmtNumber(v) {
  if (v >= 1e6) return `${+(v / 1e6).toPrecision(3)}M`
  if (v >= 1e3) return `${+(v / 1e3).toPrecision(3)}k`
  return `${+v.toPrecision(3)}`
}

// Milliseconds as a readable duration.
export function fmtMs(ms) {
  if (ms >= 1000) return `${+(ms / 1000).toPrecision(3)} s`
  if (ms >= 1) return `${+ms.toPrecision(3)} ms`
  return `${+(ms * 1000).toPrecision(3)} µs`
}

export function lineChartSvg({ title, xLabel, yLabel, series, width = 860, height = 480 }) {
  const m = { left: 78, right: 290, top: 46, bottom: 58 }
  const pw = width - m.left - m.right
  const ph = height - m.top - m.bottom
  const pts = series.flatMap((s) => s.points.filter(([, y]) => y > 0))
  const xs = pts.map(([x]) => x)
  const ys = pts.map(([, y]) => y)
  // Whole decades around the data, with a little room on the x axis.
  let xlo = Math.log10(Math.min(...xs)) - 0.15
  let xhi = Math.log10(Math.max(...xs)) + 0.15
  if (xhi - xlo < 1) { const c = (xlo + xhi) / 2; xlo = c - 0.5; xhi = c + 0.5 }
  const ylo = Math.floor(Math.log10(Math.min(...ys)))
  const yhi = Math.ceil(Math.log10(Math.max(...ys)))
  const X = (x) => m.left + ((Math.log10(x) - xlo) / (xhi - xlo)) * pw
  const Y = (y) => m.top + ph - ((Math.log10(y) - ylo) / Math.max(1, yhi - ylo)) * ph
  const out = []
  out.push(`<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ` +
           `font-family="Helvetica, Arial, sans-serif" font-size="12">`)
  out.push(`<rect width="${width}" height="${height}" fill="white"/>`)
  out.push(`<text x="${m.left}" y="24" font-size="15" font-weight="bold">${esc(title)}</text>`)
  // Grid: a line per decade of y (labelled as a duration), a line per data x.
  for (let d = ylo; d <= yhi; d++) {
    const y = Y(10 ** d)
    out.push(`<line x1="${m.left}" x2="${m.left + pw}" y1="${y}" y2="${y}" stroke="#ddd"/>`)
    out.push(`<text x="${m.left - 8}" y="${y + 4}" text-anchor="end" fill="#444">${esc(fmtMs(10 ** d))}</text>`)
  }
  for (const x of [...new Set(xs)].sort((a, b) => a - b)) {
    const px = X(x)
    out.push(`<line x1="${px}" x2="${px}" y1="${m.top}" y2="${m.top + ph}" stroke="#eee"/>`)
    out.push(`<text x="${px}" y="${m.top + ph + 18}" text-anchor="middle" fill="#444">${esc(fmtNumber(x))}</text>`)
  }
  out.push(`<rect x="${m.left}" y="${m.top}" width="${pw}" height="${ph}" fill="none" stroke="#888"/>`)
  out.push(`<text x="${m.left + pw / 2}" y="${height - 14}" text-anchor="middle">${esc(xLabel)}</text>`)
  out.push(`<text transform="translate(18 ${m.top + ph / 2}) rotate(-90)" text-anchor="middle">${esc(yLabel)}</text>`)
  // Series, then the legend (name and the value at each x).
  series.forEach((s, i) => {
    const p = s.points.filter(([, y]) => y > 0)
    if (p.length === 0) return
    const dash = s.dash ? ` stroke-dasharray="${s.dash}"` : ''
    out.push(`<polyline fill="none" stroke="${s.color}" stroke-width="2.2"${dash} points="${p.map(([x, y]) => `${X(x).toFixed(1)},${Y(y).toFixed(1)}`).join(' ')}"/>`)
    for (const [x, y] of p) out.push(`<circle cx="${X(x).toFixed(1)}" cy="${Y(y).toFixed(1)}" r="3.5" fill="${s.color}"/>`)
    const ly = m.top + 8 + i * 38
    const lx = m.left + pw + 16
    out.push(`<line x1="${lx}" x2="${lx + 22}" y1="${ly}" y2="${ly}" stroke="${s.color}" stroke-width="2.2"${dash}/>`)
    out.push(`<text x="${lx + 28}" y="${ly + 4}">${esc(s.name)}</text>`)
    out.push(`<text x="${lx + 28}" y="${ly + 19}" fill="#555" font-size="11">${esc(p.map(([, y]) => fmtMs(y)).join(' → '))}</text>`)
  })
  out.push('</svg>')
  return out.join('\n') + '\n'
}
