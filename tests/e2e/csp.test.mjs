// Accord under a strict Content-Security-Policy, and pinned by Subresource Integrity.
// `/csp.html` is served with `script-src 'self' 'wasm-unsafe-eval'; style-src 'self'`, and
// `/csp-nonce.html` adds a fresh nonce per response for gated inline scripts. The banner, the
// panel and gating work, and not one `securitypolicyviolation` event fires. The build's SRI
// hashes match the files, and a changed wasm is refused, so Accord fails closed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { BASE, launch, openPage, visit, banner, ran, fixture } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

async function watchViolations(page) {
  await page.addInitScript(() => {
    window.__violations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__violations.push(`${e.violatedDirective} ${e.blockedURI} ${e.sample}`);
    });
  });
}

for (const path of ['/csp.html', '/csp-nonce.html']) {
  test(`${path}: banner, panel and gating work with no CSP violation`, async () => {
    const context = await browser.newContext();
    const { page } = await openPage(context);
    await watchViolations(page);
    const response = await page.goto(new URL(path, BASE).href);
    const policy = response.headers()['content-security-policy'];
    assert.match(policy, /^script-src 'self' 'wasm-unsafe-eval'( 'nonce-[0-9a-f]{32}')?; style-src 'self'$/);
    assert.doesNotMatch(policy, /unsafe-inline/);
    await page.waitForFunction(() => window.__accord.state !== 'loading');
    assert.equal(await page.evaluate(() => window.__accord.state), 'ready');
    await banner(page).waitFor({ state: 'visible' });
    // Styled by Accord's stylesheet (inside accord.js), adopted as a constructed stylesheet:
    // the buttons have its padding (10px; a browser's own button padding is 1px).
    const padding = await banner(page).locator('[data-accord="accept-all"]').evaluate((b) => getComputedStyle(b).paddingTop);
    assert.equal(padding, '10px');
    // On these pages the necessary script is an external file, so it runs once it has loaded,
    // which may be after the banner shows (a busy machine made this check fail once).
    await page.waitForFunction(() => window.__demo?.ran?.necessary);
    assert.deepEqual(await ran(page), ['necessary']);
    await banner(page).locator('[data-accord="preferences"]').click();
    await page.locator('[data-accord="panel"]').waitFor({ state: 'visible' });
    await page.locator('[data-accord="panel"] [data-accord="accept-all"]').click();
    await page.waitForFunction(() => window.__demo.ran.marketing && window.__demo.ran.analytics);
    await page.waitForTimeout(300);
    assert.deepEqual(await page.evaluate(() => window.__violations), []);
    await context.close();
  });
}

test('without the nonce a gated inline script is blocked by the policy, so the nonce test measures something', async () => {
  const context = await browser.newContext();
  const { page } = await openPage(context);
  await watchViolations(page);
  // The nonce page under its policy, with the marketing script's nonce left out.
  const nonce = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
  const body = fixture('../../www/csp-nonce.html')
    .replace(/(data-category="marketing") nonce="__NONCE__"/, '$1')
    .replaceAll('__NONCE__', nonce);
  const headers = { 'content-security-policy': `script-src 'self' 'wasm-unsafe-eval' 'nonce-${nonce}'; style-src 'self'` };
  await page.route(`${BASE}csp-nonce.html`, (r) => r.fulfill({ contentType: 'text/html', headers, body }));
  await visit(page, '/csp-nonce.html');
  await page.evaluate(() => window.Accord.acceptAll());
  await page.waitForFunction(() => window.__demo.ran.analytics);
  await page.waitForTimeout(300);
  assert.ok(!(await ran(page)).includes('marketing'));
  assert.ok((await page.evaluate(() => window.__violations)).some((v) => v.startsWith('script-src')));
  await context.close();
});

const sha384 = (bytes) => `sha384-${createHash('sha384').update(bytes).digest('base64')}`;

test('dist/integrity.json holds the SRI hashes of the served files; a pinned page loads', async () => {
  const integrity = await (await fetch(new URL('/accord/integrity.json', BASE))).json();
  for (const file of ['accord.js', 'accord_bg.wasm']) {
    const bytes = Buffer.from(await (await fetch(new URL(`/accord/${file}`, BASE))).arrayBuffer());
    assert.equal(integrity[file], sha384(bytes), file);
  }
  const context = await browser.newContext();
  const { page } = await openPage(context);
  const html = fixture('page.html').replace('<script src="/accord/accord.js"', `<script integrity="${integrity['accord.js']}" src="/accord/accord.js"`);
  assert.ok(html.includes('integrity='), 'the fixture loads accord.js from /accord/');
  await page.route(`${BASE}fixture/`, (r) => r.fulfill({ contentType: 'text/html', body: html }));
  await page.route(`${BASE}fixture/config.json`, (r) => r.fulfill({ contentType: 'application/json', body: fixture('../../www/accord-config.json') }));
  assert.equal(await visit(page, '/fixture/'), 'ready');
  await context.close();
});

test('a changed wasm fails its integrity check: Accord reports it and nothing gated runs', async () => {
  const context = await browser.newContext();
  const { page, console } = await openPage(context);
  await page.route('**/accord/accord_bg.wasm', async (r) => {
    const res = await r.fetch();
    const bytes = Buffer.from(await res.body());
    bytes[bytes.length - 1] ^= 0xff;
    await r.fulfill({ response: res, body: bytes });
  });
  assert.equal(await visit(page, '/en/'), 'error');
  assert.ok(console.some((m) => m.type === 'error' && /integrity/i.test(m.text)), JSON.stringify(console));
  await page.evaluate(() => window.Accord.acceptAll?.());
  await page.waitForTimeout(300);
  assert.deepEqual(await ran(page), []);
  await context.close();
});
