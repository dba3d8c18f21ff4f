// The wasm's memory. Its stack is 32 KB (xtask/src/dist.rs), where Rust's default is 1 MB,
// and comes first in the memory, so the memory at start is small and an overflow runs below
// address 0 and fails (a trap, or the glue refusing the address) instead of overwriting
// data. These tests measure how deep the stack goes: the init script paints the whole stack
// as the wasm is instantiated, before its first call, and the lowest byte no longer painted
// is the deepest the stack has reached.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { launch, openPage, visit, banner, withConfig } from './helpers.mjs';
import { sections, leb } from '../../bench/coverage.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const PAINT = 0xa5;

// The stack's size: the initial value of the wasm's first global, `__stack_pointer` (the stack
// starts at the top of its region and grows down to 0), read from the built wasm.
function stackSize() {
  const wasm = readFileSync(new URL('../../dist/accord_bg.wasm', import.meta.url));
  const globals = sections(wasm).find((s) => s.id === 6);
  assert.ok(globals, 'dist/accord_bg.wasm has a global section');
  const at = { i: 0 };
  leb(globals.bytes, at); // the number of globals
  const [type, , opcode] = globals.bytes.subarray(at.i, at.i + 3);
  assert.deepEqual([type, opcode], [0x7f, 0x41], 'the first global is an i32 set by i32.const');
  at.i += 3;
  // A signed LEB128, read as unsigned: the stack's top is positive and under 2^31.
  return leb(globals.bytes, at);
}

// A page whose wasm memory is kept in `window.__wasm` ({memory, initial}), with the stack's
// `size` bytes painted as the instance is made.
async function paintedPage(size) {
  const context = await browser.newContext();
  const { page } = await openPage(context);
  await page.addInitScript(([size, paint]) => {
    const Instance = WebAssembly.Instance;
    const Painting = function (module, imports) {
      const instance = new Instance(module, imports);
      const memory = Object.values(instance.exports).find((e) => e instanceof WebAssembly.Memory);
      window.__wasm = { memory, initial: memory.buffer.byteLength };
      new Uint8Array(memory.buffer, 0, size).fill(paint);
      return instance;
    };
    Painting.prototype = Instance.prototype;
    WebAssembly.Instance = Painting;
  }, [size, PAINT]);
  return { context, page };
}

// How many bytes of the stack have been used at the deepest.
function deepest(page, size) {
  return page.evaluate(([size, paint]) => {
    const bytes = new Uint8Array(window.__wasm.memory.buffer, 0, size);
    let i = 0;
    while (i < size && bytes[i] === paint) i++;
    return size - i;
  }, [size, PAINT]);
}

test('the memory at start is small: the stack is 32 KB, not Rust\'s 1 MB', async () => {
  const size = stackSize();
  assert.equal(size, 32 * 1024);
  const { context, page } = await paintedPage(size);
  assert.equal(await visit(page, '/en/'), 'ready');
  const initial = await page.evaluate(() => window.__wasm.initial);
  // The stack, then the data (about 13 KB): one 64 KB page on 2026-12-03. Rust's default
  // stack made it 17 pages, 1,088 KB.
  assert.ok(initial <= 128 * 1024, `the memory at start is ${initial} B`);
  await context.close();
});

test('a page view\'s work (banner, a choice and its receipt, the panel and records) uses under half the stack', async () => {
  const size = stackSize();
  const { context, page } = await paintedPage(size);
  assert.equal(await visit(page, '/en/'), 'ready');
  await banner(page).waitFor({ state: 'visible' });
  await banner(page).locator('[data-accord="accept-all"]').click();
  await page.waitForFunction(async () => (await window.Accord.receipts()).length > 0);
  await page.evaluate(() => window.Accord.showPreferences());
  await page.locator('[data-accord="records"] li').first().waitFor();
  const used = await deepest(page, size);
  assert.ok(used > 0, 'the painted stack shows use');
  assert.ok(used < size / 2, `the stack's deepest use is ${used} of ${size} B`);
  await context.close();
});

test('a config nested to the limit of 32 levels is read and refused with the stack to spare', async () => {
  const size = stackSize();
  const { context, page } = await paintedPage(size);
  // The root and `site` hold 30 nested arrays: 32 levels, the most the reader takes in.
  await withConfig(page, (c) => { c.site.jurisdiction = JSON.parse('['.repeat(30) + ']'.repeat(30)); });
  assert.equal(await visit(page, '/en/'), 'error');
  const message = await page.evaluate(() => window.__accord.message);
  assert.match(message, /site\.jurisdiction: expected a string, found an array/);
  const used = await deepest(page, size);
  assert.ok(used < size / 2, `the stack's deepest use is ${used} of ${size} B`);
  await context.close();
});
