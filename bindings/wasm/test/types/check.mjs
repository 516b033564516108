// Runs the TypeScript compiler on usage.ts (ctest: wasm_types).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const tsc = join(here, '..', '..', 'node_modules', 'typescript', 'bin', 'tsc');
if (!existsSync(tsc)) {
  console.error('typescript is not installed in bindings/wasm/node_modules: run scripts/npm_deps.sh');
  process.exit(1);
}
const r = spawnSync(process.execPath, [tsc, '-p', here], { stdio: 'inherit' });
if (r.status === 0) console.log('types: usage.ts compiles against src/index.d.ts (strict)');
process.exit(r.status ?? 1);
