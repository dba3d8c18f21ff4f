// Which of the wasm's functions run, step by step of a page view, and how small a first
// module of just those would be: the measure behind splitting the wasm in two (a module for
// the page view's start, one loaded later for the rest). Usage: node coverage.mjs BASE_URL
// [--wasm FILE] [--cut DIR], with BASE_URL serving dist/ under /accord/ and the demo (`cargo
// xtask coverage` does both); --wasm: a build of the same wasm that keeps its function names,
// for a table by Accord's modules (`cargo xtask coverage --names`); --cut: see main().
//
// The wasm is instrumented: each function's body starts by storing 1 at the address of its
// index. The first 1 KB of memory holds no data (the build checks it: xtask/src/lowmem.rs),
// and the stack grows down towards it from 32 KB (its deepest use is under 5 KB:
// tests/e2e/memory.test.mjs), so with fewer than 1,024 functions the marks overwrite
// nothing; the page reads them back from the instance's memory after each step.
// `accord.js` is served with its wasm hash taken out, so the instrumented wasm is not refused
// by its integrity check.
//
// A first module's size: the wasm with each function that did not run replaced by
// `unreachable`, everything else (imports, data, table) kept, compressed by zlib at level 9
// (Node's, which comes out about 150 B above the Size section's flate2 on the whole wasm).
// That is what a split would leave in the first module, before what the split itself adds:
// a way to reach each moved function that the first module calls, and the second module's
// imports.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { CHROMIUM, compressed } from './harness.mjs';

const MARKS_END = 1024;

/// An unsigned LEB128 at `at.i` in `bytes`, moving `at.i` past it.
export function leb(bytes, at) {
  let value = 0, shift = 0, byte;
  do {
    byte = bytes[at.i++];
    value += (byte & 0x7f) * 2 ** shift;
    shift += 7;
  } while (byte & 0x80);
  return value;
}

function pushLeb(out, value) {
  do {
    let byte = value % 128;
    value = Math.floor(value / 128);
    if (value) byte |= 0x80;
    out.push(byte);
  } while (value);
}

function pushSleb(out, value) {
  for (;;) {
    const byte = value & 0x7f;
    value >>= 7;
    if ((value === 0 && !(byte & 0x40)) || (value === -1 && byte & 0x40)) return out.push(byte);
    out.push(byte | 0x80);
  }
}

/// The module's sections, each `{ id, bytes }`.
export function sections(wasm) {
  if (wasm.readUInt32LE(0) !== 0x6d736100) throw new Error('not a wasm module');
  const out = [];
  const at = { i: 8 };
  while (at.i < wasm.length) {
    const id = wasm[at.i++];
    const size = leb(wasm, at);
    out.push({ id, bytes: wasm.subarray(at.i, at.i + size) });
    at.i += size;
  }
  return out;
}

function assemble(parts) {
  const out = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00];
  for (const { id, bytes } of parts) {
    out.push(id);
    pushLeb(out, bytes.length);
    for (const b of bytes) out.push(b);
  }
  return Buffer.from(out);
}

/// The code section's bodies, each split into its locals' declaration and its expression.
export function bodies(code) {
  const at = { i: 0 };
  const count = leb(code, at);
  const out = [];
  for (let f = 0; f < count; f++) {
    const size = leb(code, at);
    const start = at.i;
    const groups = leb(code, at);
    for (let g = 0; g < groups; g++) {
      leb(code, at);
      at.i += 1;
    }
    out.push({ locals: code.subarray(start, at.i), expr: code.subarray(at.i, start + size) });
    at.i = start + size;
  }
  if (at.i !== code.length) throw new Error(`the code section has ${code.length - at.i} bytes after its bodies`);
  return out;
}

function withCode(parts, fns) {
  const code = [];
  pushLeb(code, fns.length);
  for (const { locals, expr } of fns) {
    pushLeb(code, locals.length + expr.length);
    for (const b of locals) code.push(b);
    for (const b of expr) code.push(b);
  }
  return assemble(parts.map((s) => (s.id === 10 ? { id: 10, bytes: code } : s)));
}

/// The module with each body starting `i32.const <its index>; i32.const 1; i32.store8`.
export function instrument(wasm) {
  const parts = sections(wasm);
  const code = parts.find((s) => s.id === 10);
  const fns = bodies(code.bytes);
  if (fns.length > MARKS_END) throw new Error(`${fns.length} functions: more than the ${MARKS_END} bytes of marks`);
  const marked = fns.map(({ locals, expr }, f) => {
    const mark = [0x41];
    pushSleb(mark, f);
    mark.push(0x41, 0x01, 0x3a, 0x00, 0x00);
    return { locals, expr: Buffer.concat([Buffer.from(mark), expr]) };
  });
  return { wasm: withCode(parts, marked), functions: fns.length };
}

/// The module with every body not in `keep` (a set of indices) replaced by `unreachable`, and
/// without custom sections (names), as `dist/` ships it.
export function only(wasm, keep) {
  const parts = sections(wasm).filter((s) => s.id !== 0);
  const fns = bodies(parts.find((s) => s.id === 10).bytes);
  const trap = { locals: Buffer.from([0x00]), expr: Buffer.from([0x00, 0x0b]) };
  return withCode(parts, fns.map((f, i) => (keep.has(i) ? f : trap)));
}

/// The function names of the module's `name` section, by body index (imports left out), or
/// `null` when it has none (the shipped build has none: `cargo xtask dist` strips it).
export function names(wasm) {
  const parts = sections(wasm);
  const section = parts.find((s) => s.id === 0 && s.bytes.subarray(1, 1 + s.bytes[0]).toString() === 'name');
  if (!section) return null;
  const imported = importedFunctions(parts);
  const bytes = section.bytes;
  const at = { i: 1 + bytes[0] };
  const out = [];
  while (at.i < bytes.length) {
    const id = bytes[at.i++];
    const size = leb(bytes, at);
    const end = at.i + size;
    if (id === 1) {
      for (let n = leb(bytes, at); n > 0; n--) {
        const f = leb(bytes, at);
        const length = leb(bytes, at);
        out[f - imported] = bytes.subarray(at.i, at.i + length).toString();
        at.i += length;
      }
    }
    at.i = end;
  }
  return out;
}

function importedFunctions(parts) {
  const imports = parts.find((s) => s.id === 2);
  if (!imports) return 0;
  const bytes = imports.bytes;
  const at = { i: 0 };
  let functions = 0;
  for (let n = leb(bytes, at); n > 0; n--) {
    for (let name = 0; name < 2; name++) {
      const length = leb(bytes, at);
      at.i += length;
    }
    const kind = bytes[at.i++];
    if (kind === 0) { functions++; leb(bytes, at); }
    else if (kind === 1) { at.i++; const flags = leb(bytes, at); leb(bytes, at); if (flags & 1) leb(bytes, at); }
    else if (kind === 2) { const flags = leb(bytes, at); leb(bytes, at); if (flags & 1) leb(bytes, at); }
    else if (kind === 3) at.i += 2;
    else throw new Error(`an import of kind ${kind}, which coverage.mjs does not read`);
  }
  return functions;
}

// Before any page script: keep the memory of the instance the glue makes.
function keepMemory() {
  const Instance = WebAssembly.Instance;
  WebAssembly.Instance = function (module, imports) {
    const instance = new Instance(module, imports);
    for (const value of Object.values(instance.exports)) if (value instanceof WebAssembly.Memory) window.__accordMemory = value;
    return instance;
  };
  WebAssembly.Instance.prototype = Instance.prototype;
}

/// The functions run so far in the page's current instance. Fails when the marks' bytes hold
/// anything but the marks (something else wrote below 1 KB: the marks would be wrong) or none
/// is set (the instrumented wasm did not run).
export function ran(bytes, functions) {
  const bad = bytes.findIndex((b, i) => (i < functions ? b > 1 : b !== 0));
  if (bad >= 0) throw new Error(`memory byte ${bad} is ${bytes[bad]}: something other than the marks wrote below ${MARKS_END}`);
  const out = new Set();
  bytes.forEach((b, f) => { if (b) out.add(f); });
  if (out.size === 0) throw new Error('no function marked: the instrumented wasm did not run');
  return out;
}

async function marks(page, functions) {
  const bytes = await page.evaluate((n) => {
    if (!window.__accordMemory) throw new Error('no wasm instance in the page');
    return Array.from(new Uint8Array(window.__accordMemory.buffer, 0, n));
  }, MARKS_END);
  return ran(bytes, functions);
}

const shadow = (selector) => `document.getElementById('accord')?.shadowRoot?.querySelector('${selector}')`;
async function visible(page, selector) {
  await page.waitForFunction((expr) => {
    const el = new Function(`return ${expr}`)();
    return el && el.checkVisibility() && el.getBoundingClientRect().height > 0;
  }, shadow(selector), { timeout: 30_000 });
}
async function booted(page) {
  await page.waitForFunction(() => performance.getEntriesByName('accord:booted').length > 0, null, { timeout: 30_000 });
}

// Each scenario: a page and its steps, in one browser context (so the choice's cookie and the
// receipts' store carry over to the reload). A step's set is every function run so far in
// the current page view. The steps marked 'start' (a page view's start, before any click) are
// what a first module would have to hold; a last row per scenario gives their union.
const SCENARIOS = [
  { page: 'bench/pages/accord.html', steps: [
    ['first visit: banner visible', (p) => visible(p, '[data-accord="banner"]'), 'start'],
    ['then Accept all (1 s after)', async (p) => { await p.click('[data-accord="banner"] [data-accord="accept-all"]'); await p.waitForTimeout(1000); }],
    ['reload: a return visit, booted', async (p) => { await p.reload(); await booted(p); }, 'start'],
    ['then 2 s later', (p) => p.waitForTimeout(2000)],
  ] },
  { page: '', steps: [
    ['demo, first visit: banner visible', (p) => visible(p, '[data-accord="banner"]'), 'start'],
    ['then Reject all (1 s after)', async (p) => { await p.click('[data-accord="banner"] [data-accord="reject-all"]'); await p.waitForTimeout(1000); }],
    ['then the panel opened', async (p) => { await p.evaluate(() => window.Accord.showPreferences()); await visible(p, '[data-accord="panel"]'); await p.waitForTimeout(500); }],
    ['reload: a return visit, booted', async (p) => { await p.reload(); await booted(p); }, 'start'],
  ] },
];

async function main() {
  // Here, not at the top: the tests of the rewriting above run before `cargo xtask test` has
  // installed the benchmark's npm packages.
  const { chromium } = await import('playwright-core');
  const [base, ...flags] = process.argv.slice(2);
  if (!base) throw new Error('usage: node coverage.mjs BASE_URL [--wasm FILE] [--cut DIR]');
  // --cut: write to DIR the wasm of just what either start of the benchmark's page ran, with
  // an accord.js that loads it (the shipped one, its wasm hash changed to the cut wasm's),
  // for an A/B of a split's first module against the whole build: `cargo xtask bench
  // --against DIR --no-click` (the cut wasm has no code for the Accept-all click).
  const cutAt = flags.indexOf('--cut');
  const cut = cutAt < 0 ? null : flags[cutAt + 1];
  if (cutAt >= 0 && !cut) throw new Error('--cut needs a folder');
  if (cut && flags.includes('--wasm')) throw new Error('--cut cuts dist/\'s wasm, not a --wasm build');
  const root = new URL('../', import.meta.url).pathname;
  // --wasm: another build of dist/'s wasm, one that keeps its names (for the by-module table).
  const other = flags.indexOf('--wasm');
  const wasm = readFileSync(other < 0 ? root + 'dist/accord_bg.wasm' : flags[other + 1]);
  const named = names(wasm);
  const js = readFileSync(root + 'dist/accord.js').toString();
  // The wasm's hash, which the build writes into accord.js once: taken out for the
  // instrumented wasm, replaced by the cut wasm's for --cut.
  const pinned = js.match(/sha384-[A-Za-z0-9+/=]{64}/g);
  if (pinned?.length !== 1) throw new Error(`dist/accord.js holds ${pinned?.length ?? 0} wasm hashes, not one`);
  const loader = js.replace(pinned[0], 'unpinned');
  const { wasm: marked, functions } = instrument(wasm);
  const sizes = bodies(sections(wasm).find((s) => s.id === 10).bytes).map((f) => f.locals.length + f.expr.length);
  const browser = await chromium.launch(CHROMIUM);
  const rows = [];
  const shipped = only(wasm, new Set(sizes.keys()));
  const whole = { ...compressed(shipped), none: compressed(only(wasm, new Set())).gzip };
  for (const { page: path, steps } of SCENARIOS) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.addInitScript(keepMemory);
    await context.route('**/accord/accord.js', (r) => r.fulfill({ body: loader, contentType: 'text/javascript' }));
    await context.route('**/accord/accord_bg.wasm', (r) => r.fulfill({ body: marked, contentType: 'application/wasm' }));
    const page = await context.newPage();
    page.on('console', (m) => { if (m.type() === 'error') console.error(`  console: ${m.text()}`); });
    await page.goto(new URL(path, base).href);
    const row = (name, set) => {
      rows.push({ name, functions: set.size, raw: [...set].reduce((n, f) => n + sizes[f], 0), ...compressed(only(wasm, set)), ran: [...set] });
    };
    const starts = new Set();
    for (const [name, step, start] of steps) {
      await step(page);
      const set = await marks(page, functions);
      row(name, set);
      if (start) for (const f of set) starts.add(f);
    }
    row('the starts above, together', starts);
    if (cut && path === SCENARIOS[0].page) {
      const first = only(wasm, starts);
      const hash = `sha384-${createHash('sha384').update(first).digest('base64')}`;
      mkdirSync(cut, { recursive: true });
      writeFileSync(`${cut}/accord_bg.wasm`, first);
      writeFileSync(`${cut}/accord.js`, js.replace(pinned[0], hash));
    }
    await context.close();
  }
  await browser.close();
  const js9 = compressed(js).gzip;
  console.log(`${functions} functions, ${sizes.reduce((a, b) => a + b, 0)} B of code; the whole wasm ${whole.gzip} B gzip -9 (${whole.brotli} brotli), with every body \`unreachable\` ${whole.none}; accord.js ${js9}\n`);
  console.log('| step | functions run | their code B | wasm without the rest, gzip -9 B | brotli B | with accord.js, gzip -9 B |');
  console.log('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) console.log(`| ${r.name} | ${r.functions} | ${r.raw} | ${r.gzip} | ${r.brotli} | ${r.gzip + js9} |`);
  if (named) {
    // Each function's code counted in the first of Accord's modules its name names.
    const part = (f) => /accord\[[0-9a-f]+\]::((?:browser::|config::|receipt::|ui::)?[a-z_0-9]+)/.exec(named[f] || '')?.[1] || '(std, bindgen, allocator)';
    const parts = [...new Set(sizes.map((_, f) => part(f)))];
    const total = (p, set) => set.filter((f) => part(f) === p).reduce((n, f) => n + sizes[f], 0);
    const all = sizes.map((_, f) => f);
    parts.sort((a, b) => total(b, all) - total(a, all));
    console.log(`\n| module (code B) | all | ${rows.map((r) => r.name).join(' | ')} |`);
    console.log(`| --- | ---: | ${rows.map(() => '---:').join(' | ')} |`);
    for (const p of parts) console.log(`| ${p} | ${total(p, all)} | ${rows.map((r) => total(p, r.ran)).join(' | ')} |`);
  }
  if (cut) console.log(`\nThe wasm of just what either start of the benchmark's page ran, and an accord.js that loads it: ${cut}/`);
  console.log(JSON.stringify({ functions, whole, accordJs: js9, rows: rows.map(({ ran, ...r }) => ({ ...r, ran: named ? ran.map((f) => named[f]) : ran })) }));
}

if (process.argv[1] === new URL(import.meta.url).pathname) await main();
