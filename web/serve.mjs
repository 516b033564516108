// A tiny static server for the playground: web/ at /, the built wasm package
// at /rindle/. Cross-origin isolated (COOP/COEP), so performance.now() has
// 5 µs resolution for the per-change engine times.
//
//   node web/serve.mjs --pkg build/release/bindings/wasm/pkg [--port 8080] [--host 127.0.0.1]
//
// Tests import startServer() and use an ephemeral port.
import { createServer } from 'node:http';
import { createReadStream, statSync } from 'node:fs';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const WEB = dirname(fileURLToPath(import.meta.url));
const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.wasm': 'application/wasm', '.json': 'application/json', '.ts': 'text/plain',
  '.md': 'text/plain; charset=utf-8', '.png': 'image/png', '.svg': 'image/svg+xml',
};

/** Starts the server; resolves to {url, close()}. port 0 picks a free port. */
export function startServer({ pkg, port = 0, host = '127.0.0.1' }) {
  const roots = [['/rindle/', resolve(pkg)], ['/', WEB]];
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    const [prefix, root] = roots.find(([p]) => path.startsWith(p));
    let file = normalize(join(root, path.slice(prefix.length)));
    if (!file.startsWith(root + sep) && file !== root) return send(res, 403, 'forbidden');
    if (path.endsWith('/')) file = join(file, 'index.html');
    let st;
    try { st = statSync(file); } catch { return send(res, 404, 'not found'); }
    if (!st.isFile()) return send(res, 404, 'not found');
    res.writeHead(200, {
      'content-type': TYPES[extname(file)] ?? 'application/octet-stream',
      'content-length': st.size,
      'cache-control': 'no-store',
      'cross-origin-opener-policy': 'same-origin',
      'cross-origin-embedder-policy': 'require-corp',
    });
    if (req.method === 'HEAD') return res.end();
    createReadStream(file).pipe(res);
  });
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(port, host, () => {
      const a = server.address();
      ok({ url: `http://${host}:${a.port}/`, close: () => new Promise((done) => server.close(done)) });
    });
  });
}

function send(res, code, text) {
  res.writeHead(code, { 'content-type': 'text/plain' });
  res.end(text);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const arg = (name, fallback) => {
    const i = process.argv.indexOf(`--${name}`);
    return i > 0 ? process.argv[i + 1] : fallback;
  };
  const pkg = arg('pkg', join(WEB, '..', 'build', 'release', 'bindings', 'wasm', 'pkg'));
  try {
    statSync(join(pkg, 'rindle.wasm'));
  } catch {
    console.error(`no rindle.wasm in ${pkg}: build first (cmake --build build/release) or pass --pkg <dir>`);
    process.exit(1);
  }
  const { url } = await startServer({ pkg, port: Number(arg('port', 8080)), host: arg('host', '127.0.0.1') });
  console.log(`rindle playground: ${url}  (package: ${pkg})`);
}
