// Bad input: a broken config, a corrupt cookie, a new config revision. Each gets a clear
// console message; no gated script runs by accident; the page keeps working.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch, openPage, visit, banner, ran, fixture, consentCookie } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

// Serves tests/fixtures/page.html at /fixture/ with `config` as its config.
async function fixturePage(context, config) {
  const { page, console } = await openPage(context);
  await page.route(`${BASE}fixture/`, (r) => r.fulfill({ contentType: 'text/html', body: fixture('page.html') }));
  await page.route(`${BASE}fixture/config.json`, (r) => r.fulfill({ contentType: 'application/json', body: config }));
  return { page, console };
}

const BROKEN = [
  // In Chromium's words: the wasm reads the config with the browser's JSON.parse.
  ['malformed JSON', 'malformed.json', 'invalid JSON: Expected \',\' or \']\' after array element in JSON at position 197 (line 7 column 5)'],
  ['a service naming an unknown category', 'unknown-category.json', 'services[1].category: unknown category "advertising"'],
  ['a duplicate category id', 'duplicate-id.json', 'categories[3].id: duplicate "analytics"'],
];

for (const [what, file, expected] of BROKEN) {
  test(`${what}: a console error names it, nothing gated runs, the page works`, async () => {
    const context = await browser.newContext();
    const { page, console } = await fixturePage(context, fixture(file));
    assert.equal(await visit(page, '/fixture/'), 'error');
    const errors = console.filter((m) => m.type === 'error').map((m) => m.text);
    assert.equal(errors.length, 1, JSON.stringify(errors));
    assert.ok(errors[0].startsWith('Accord: invalid config, no gated script will run:'), errors[0]);
    assert.ok(errors[0].includes(expected), `${errors[0]}\nshould include\n${expected}`);
    // Even the accept-all API cannot make a script run under a broken config.
    await page.evaluate(() => { try { window.Accord.acceptAll(); } catch (e) { /* refused is fine */ } });
    await page.waitForTimeout(200);
    assert.deepEqual(await ran(page), []);
    assert.equal(await page.locator('script[type="text/plain"]').count(), 3);
    assert.equal(await banner(page).count(), 0);
    await page.locator('#site-button').click();
    assert.equal(await page.locator('#site-button').textContent(), 'clicked');
    await context.close();
  });
}

test('a corrupt consent cookie is no choice: a warning, and the banner asks again', async () => {
  const context = await browser.newContext();
  await context.addCookies([{ name: 'accord_consent', value: '1.1.garbage', url: BASE }]);
  const { page, console } = await openPage(context);
  assert.equal(await visit(page, '/'), 'ready');
  await banner(page).waitFor({ state: 'visible' });
  const warnings = console.filter((m) => m.type === 'warning').map((m) => m.text);
  assert.deepEqual(warnings, [
    'Accord: the stored consent cookie is unreadable (expected 6 fields separated by \'.\', found 3); treating it as no choice',
  ]);
  assert.deepEqual(await ran(page), ['necessary']);
  await context.close();
});

test('a forged cookie granting an unknown category is not honoured', async () => {
  const context = await browser.newContext();
  const value = `1.1.${Date.now()}.3f2b8c1e-9a4d-4c6e-8f00-123456789abc.ads+analytics+necessary.basket`;
  await context.addCookies([{ name: 'accord_consent', value, url: BASE }]);
  const { page } = await openPage(context);
  await visit(page, '/');
  await banner(page).waitFor({ state: 'visible' });
  assert.deepEqual(await ran(page), ['necessary']);
  await context.close();
});

test('a new config revision asks again and runs nothing granted under the old one', async () => {
  const context = await browser.newContext();
  const { page } = await openPage(context);
  await visit(page, '/');
  await banner(page).locator('[data-accord="accept-all"]').click();
  await page.waitForFunction(() => Object.keys(window.__demo.ran).length === 4);

  const next = JSON.parse(fixture('../../www/accord-config.json'));
  next.revision = 2;
  await page.route(`${BASE}accord-config.json`, (r) => r.fulfill({ contentType: 'application/json', body: JSON.stringify(next) }));
  await visit(page, '/');
  await banner(page).waitFor({ state: 'visible' });
  assert.deepEqual(await ran(page), ['necessary']);
  assert.equal(await page.evaluate(() => window.Accord.consent()), null);
  await banner(page).locator('[data-accord="reject-all"]').click();
  assert.match((await consentCookie(context)).value, /^1\.2\./);
  await context.close();
});

test('the inline-config example from examples/ works as documented', async () => {
  const context = await browser.newContext();
  const { page } = await openPage(context);
  await page.route(`${BASE}example/`, (r) => r.fulfill({ contentType: 'text/html', body: fixture('../../examples/inline-config.html') }));
  assert.equal(await visit(page, '/example/'), 'ready');
  assert.equal(await page.locator('#status').textContent(), 'analytics: not run');
  await banner(page).locator('[data-accord="accept-all"]').click();
  await page.waitForFunction(() => document.getElementById('status').textContent === 'analytics: ran');
  await context.close();
});

test('an unreachable config is named in the error and nothing gated runs', async () => {
  const context = await browser.newContext();
  const { page, console } = await openPage(context);
  await page.route(`${BASE}fixture/`, (r) => r.fulfill({ contentType: 'text/html', body: fixture('page.html') }));
  await page.route(`${BASE}fixture/config.json`, (r) => r.fulfill({ status: 404, body: 'gone' }));
  assert.equal(await visit(page, '/fixture/'), 'error');
  const errors = console.filter((m) => m.type === 'error' && m.text.startsWith('Accord')).map((m) => m.text);
  assert.deepEqual(errors, ['Accord: config /fixture/config.json: HTTP 404']);
  assert.deepEqual(await ran(page), []);
  await context.close();
});
