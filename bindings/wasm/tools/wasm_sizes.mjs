// Prints a .wasm file's size by section and, if it has a name section (build
// with --profiling-funcs), its largest functions and the bytes per C++
// namespace/prefix. Usage: node wasm_sizes.mjs file.wasm [top=30]
import { readFileSync } from 'node:fs';

const bytes = readFileSync(process.argv[2]);
const top = Number(process.argv[3] ?? 30);
let pos = 8;
const leb = () => {
  let result = 0, shift = 0, b;
  do { b = bytes[pos++]; result += (b & 0x7f) * 2 ** shift; shift += 7; } while (b & 0x80);
  return result;
};
const names = new Map();
const sectionNames = ['custom', 'type', 'import', 'function', 'table', 'memory', 'global', 'export', 'start', 'element', 'code', 'data', 'datacount'];
let imports = 0;
const bodies = [];
while (pos < bytes.length) {
  const id = bytes[pos++];
  const size = leb();
  const start = pos;
  let label = sectionNames[id] ?? `#${id}`;
  if (id === 0) {
    const n = leb();
    label = 'custom:' + bytes.subarray(pos, pos + n).toString();
    if (label === 'custom:name') {
      pos += n;
      while (pos < start + size) {
        const sub = bytes[pos++], subSize = leb(), subStart = pos;
        if (sub === 1) {
          const count = leb();
          for (let i = 0; i < count; i++) {
            const idx = leb(), len = leb();
            names.set(idx, bytes.subarray(pos, pos + len).toString());
            pos += len;
          }
        }
        pos = subStart + subSize;
      }
    }
  } else if (id === 2) {
    const count = leb();
    for (let i = 0; i < count; i++) {
      for (let k = 0; k < 2; k++) { const n = leb(); pos += n; }
      const kind = bytes[pos++];
      if (kind === 0) { leb(); imports++; } else if (kind === 1) { pos++; const f = bytes[pos++]; leb(); if (f & 1) leb(); }
      else if (kind === 2) { const f = bytes[pos++]; leb(); if (f & 1) leb(); } else { pos += 2; }
    }
  } else if (id === 10) {
    const count = leb();
    for (let i = 0; i < count; i++) { const s = leb(); bodies.push({ index: imports + i, size: s }); pos += s; }
  }
  console.log(`${label.padEnd(24)} ${String(size).padStart(8)}`);
  pos = start + size;
}
console.log(`total ${bytes.length} bytes`);
if (names.size) {
  bodies.sort((a, b) => b.size - a.size);
  console.log(`\nlargest ${top} functions:`);
  for (const b of bodies.slice(0, top)) console.log(String(b.size).padStart(7), names.get(b.index) ?? b.index);
  const groups = new Map();
  for (const b of bodies) {
    const n = names.get(b.index) ?? '?';
    const m = n.match(/^(?:[a-z_ ]+ )?(rindle::ivm::[a-z_]+::|rindle::ivm::|std::__2::[a-z_]+|[A-Za-z_]+)/);
    const g = m ? m[1] : n;
    groups.set(g, (groups.get(g) ?? 0) + b.size);
  }
  console.log('\nby prefix:');
  for (const [g, s] of [...groups].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(String(s).padStart(7), g);
}
