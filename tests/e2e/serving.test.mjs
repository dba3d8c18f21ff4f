// How Accord's files go over the wire: `cargo xtask dist` writes a gzip and a brotli copy of
// each, and a server that sends them as they are (the demo's, nginx's gzip_static) saves the
// browser the bytes. The copies must decode to exactly the files they stand for.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { gunzipSync, brotliDecompressSync } from 'node:zlib';
import { BASE, launch, openPage, visit, banner } from './helpers.mjs';

const FILES = ['accord.js', 'accord_bg.wasm'];
let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

// Node's http client, so that the body arrives as sent (fetch would decode it).
async function raw(path, acceptEncoding) {
  const { request } = await import('node:http');
  return new Promise((resolve, reject) => {
    request(new URL(path, BASE), { headers: { 'Accept-Encoding': acceptEncoding } }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
    }).on('error', reject).end();
  });
}

// Resource Timing's entries for Accord's own files (FILES, under /accord/), as the page saw
// them: the name, the bytes on the wire and the bytes decoded.
function received(page) {
  return page.evaluate((files) => performance.getEntriesByType('resource')
    .map((e) => ({ path: new URL(e.name).pathname, encoded: e.encodedBodySize, decoded: e.decodedBodySize }))
    .filter((e) => files.some((file) => e.path === `/accord/${file}`))
    .map(({ path, encoded, decoded }) => ({ name: path.split('/').pop(), encoded, decoded })), FILES);
}

test('each file goes out as brotli, gzip or as it is, as the browser accepts, and decodes to the same bytes', async () => {
  for (const file of FILES) {
    const plain = await raw(`/accord/${file}`, 'identity');
    assert.equal(plain.headers['content-encoding'], undefined, file);
    assert.equal(plain.headers.vary, 'Accept-Encoding', file);
    const br = await raw(`/accord/${file}`, 'gzip, deflate, br');
    assert.equal(br.headers['content-encoding'], 'br', file);
    assert.ok(br.body.length < plain.body.length, `${file}: brotli ${br.body.length} B, plain ${plain.body.length} B`);
    assert.ok(brotliDecompressSync(br.body).equals(plain.body), `${file}: the .br decodes to the file`);
    const gz = await raw(`/accord/${file}`, 'gzip, deflate, br;q=0');
    assert.equal(gz.headers['content-encoding'], 'gzip', file);
    assert.ok(gunzipSync(gz.body).equals(plain.body), `${file}: the .gz decodes to the file`);
    assert.equal(br.headers['content-type'], plain.headers['content-type'], file);
  }
});

test('the browser receives the compressed wasm, streams it into the compiler, and the banner shows', async () => {
  const context = await browser.newContext();
  const { page, console } = await openPage(context);
  assert.equal(await visit(page, '/'), 'ready');
  await banner(page).waitFor({ state: 'visible' });
  const sizes = await received(page);
  assert.equal(sizes.length, FILES.length, JSON.stringify(sizes));
  for (const { name, encoded, decoded } of sizes) {
    assert.ok(encoded > 0 && encoded < decoded / 2, `${name}: ${encoded} B on the wire for ${decoded} B`);
  }
  assert.deepEqual(console.filter((m) => m.type === 'warning' && m.text.includes('application/wasm')), []);
  await context.close();
});

// The .gz copies are zopfli's: gzip streams that zlib did not write. A browser that does not
// take brotli must still decode them into a working banner.
test('a browser that takes gzip but not brotli gets the .gz copies, and the banner shows', async () => {
  const context = await browser.newContext({ extraHTTPHeaders: { 'Accept-Encoding': 'gzip' } });
  const { page } = await openPage(context);
  const encodings = {};
  page.on('response', async (r) => {
    const name = new URL(r.url()).pathname.split('/').pop();
    if (FILES.includes(name)) encodings[name] = (await r.allHeaders())['content-encoding'];
  });
  assert.equal(await visit(page, '/'), 'ready');
  await banner(page).waitFor({ state: 'visible' });
  assert.deepEqual(encodings, Object.fromEntries(FILES.map((file) => [file, 'gzip'])));
  const onWire = Object.fromEntries((await received(page)).map(({ name, encoded }) => [name, encoded]));
  for (const file of FILES) {
    const gz = await raw(`/accord/${file}`, 'gzip');
    assert.equal(onWire[file], gz.body.length, `${file}: the browser got the .gz copy`);
  }
  await context.close();
});

// When Accord's own files are requested, against the page's parsing: the wasm and the config
// each once, and no stylesheet (it is inside accord.js); when each request started (Resource
// Timing), with the page's DOMContentLoaded and the loader's first mark.
const REQUESTED = ['accord-config.json', 'accord_bg.wasm'];
async function loadTimes(page) {
  return page.evaluate(() => {
    const nav = performance.getEntriesByType('navigation')[0];
    const ours = performance.getEntriesByType('resource').filter((r) => /\/accord\/accord(_bg\.wasm|\.css)$|\/accord-config\.json$/.test(r.name));
    return {
      parsed: nav.domContentLoadedEventStart,
      loader: performance.getEntriesByName('accord:loader')[0].startTime,
      requests: ours.map((r) => ({ name: r.name.split('/').pop(), start: r.startTime })),
    };
  });
}

test('Accord requests its files once the page is parsed, not while its first paint waits, and by 100 ms after accord.js when parsing takes longer', async () => {
  const context = await browser.newContext();
  const { page } = await openPage(context);
  const head = '<script src="/accord/accord.js" data-config="/accord-config.json"></script>';
  await page.route(`${BASE}load-order/quick/`, (r) => r.fulfill({ contentType: 'text/html',
    body: `<!doctype html><html lang="en"><head>${head}</head><body><p>parsed at once</p></body></html>` }));
  // A page script after accord.js that takes 1.5 s to arrive: the parser waits for it.
  await page.route(`${BASE}load-order/slow/`, (r) => r.fulfill({ contentType: 'text/html',
    body: `<!doctype html><html lang="en"><head>${head}<script src="/load-order/slow.js"></script></head><body><p>parsed late</p></body></html>` }));
  await page.route(`${BASE}load-order/slow.js`, async (r) => {
    await new Promise((resolve) => setTimeout(resolve, 1500));
    await r.fulfill({ contentType: 'text/javascript', body: 'window.__slow = true;' });
  });

  assert.equal(await visit(page, '/load-order/quick/'), 'ready');
  await banner(page).waitFor();
  const quick = await loadTimes(page);
  assert.deepEqual(quick.requests.map((r) => r.name).sort(), REQUESTED, JSON.stringify(quick));
  // Parsed at once, but a loaded machine can take 100 ms to get there: the timer may come first.
  for (const r of quick.requests) {
    assert.ok(r.start >= quick.parsed || r.start - quick.loader >= 100,
      `${r.name} requested at ${r.start} ms, before the page was parsed (${quick.parsed} ms) and ${r.start - quick.loader} ms after accord.js ran`);
  }

  assert.equal(await visit(page, '/load-order/slow/'), 'ready');
  await banner(page).waitFor();
  const slow = await loadTimes(page);
  assert.ok(slow.parsed >= 1500, `the page was parsed at ${slow.parsed} ms`);
  assert.deepEqual(slow.requests.map((r) => r.name).sort(), REQUESTED, JSON.stringify(slow));
  for (const r of slow.requests) {
    const after = r.start - slow.loader;
    assert.ok(after >= 100 && r.start < slow.parsed - 500,
      `${r.name} requested ${after} ms after accord.js ran (at ${r.start} ms; the page parsed at ${slow.parsed} ms)`);
  }
  await context.close();
});
