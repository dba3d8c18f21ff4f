// Gating, counted where it matters: a tracker server on 127.0.0.1 logs every request it gets.
// Before a choice and after Reject all it must get none; after Accept all, each tracker once.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { readFileSync } from 'node:fs';
import { BASE, launch, CHROMIUM, openPage, visit, banner, fixture, demoConfig, consentCookie, withConfig } from './helpers.mjs';
import { chromium } from 'playwright-core';

const KINDS = ['beacon', 'external.js', 'fetch', 'frame.html', 'inline.gif', 'injected.js', 'pixel.gif', 'style.css', 'tm-pixel.gif', 'tm-tag.js', 'xhr'];
const GIF = Buffer.from('R0lGODlhAQABAAAAACH5BAEKAAEALAAAAAABAAEAAAICTAEAOw==', 'base64');
let browser;
let tracker;
let trackerOrigin;
let site;
let siteOrigin;
const hits = [];
const DIST = new URL('../../dist/', import.meta.url);

before(async () => {
  browser = await launch();
  tracker = http.createServer((req, res) => {
    const name = req.url.split('?')[0].replace(/^\/t\//, '');
    hits.push(name);
    res.setHeader('Access-Control-Allow-Origin', '*');
    if (name.endsWith('.gif')) { res.setHeader('Content-Type', 'image/gif'); return res.end(GIF); }
    if (name.endsWith('.js')) { res.setHeader('Content-Type', 'text/javascript'); return res.end(`window.__ran = (window.__ran || []).concat('${name}');`); }
    if (name.endsWith('.html')) { res.setHeader('Content-Type', 'text/html'); return res.end('<p>tracker frame</p>'); }
    if (name.endsWith('.css')) { res.setHeader('Content-Type', 'text/css'); return res.end('h1 { color: rgb(1, 2, 3); }'); }
    res.statusCode = 204;
    res.end();
  });
  await new Promise((resolve) => tracker.listen(0, '127.0.0.1', resolve));
  trackerOrigin = `http://127.0.0.1:${tracker.address().port}`;
  // The site under test, served from loopback too: a page fulfilled by Playwright would count
  // as public address space, and Chromium's Local Network Access check would then refuse every
  // request to the tracker, hiding what the blocker does.
  const swap = (text) => text.replaceAll('TRACKER_ORIGIN', trackerOrigin);
  site = http.createServer((req, res) => {
    const path = req.url.split('?')[0];
    const send = (type, body) => { res.setHeader('Content-Type', type); res.end(body); };
    if (path === '/gating/') return send('text/html', swap(fixture('tracker-page.html')));
    if (path === '/gating/tag-manager.js') return send('text/javascript', swap(fixture('tag-manager.js')));
    if (path === '/gating/config.json') return send('application/json', JSON.stringify(gatingConfig()));
    const types = { 'accord.js': 'text/javascript', 'accord_bg.wasm': 'application/wasm' };
    const file = path.replace(/^\/accord\//, '');
    if (types[file]) return send(types[file], readFileSync(new URL(file, DIST)));
    res.statusCode = 404;
    res.end();
  });
  await new Promise((resolve) => site.listen(0, '127.0.0.1', resolve));
  siteOrigin = `http://127.0.0.1:${site.address().port}`;
});
after(async () => {
  await browser?.close();
  await new Promise((resolve) => tracker.close(resolve));
  await new Promise((resolve) => site.close(resolve));
});

function gatingConfig() {
  const config = demoConfig();
  config.services.push({
    id: 'tracker-co', name: 'Tracker Co', category: 'marketing',
    trackers: [`127.0.0.1:${tracker.address().port}`],
  });
  return config;
}

const gatingPage = (context) => openPage(context);
const gating = () => `${siteOrigin}/gating/`;

const settle = (page) => page.waitForTimeout(1200);
const counts = () => Object.fromEntries(KINDS.map((k) => [k, hits.filter((h) => h === k).length]));

test('before a choice nothing reaches the tracker', async () => {
  hits.length = 0;
  const context = await browser.newContext();
  const { page } = await gatingPage(context);
  assert.equal(await visit(page, gating()), 'ready');
  await page.waitForLoadState('load');
  await settle(page);
  assert.deepEqual(hits, []);
  const blocked = (await page.evaluate(() => window.Accord.audit())).filter((e) => e.state === 'blocked').map((e) => e.kind).sort();
  assert.deepEqual(blocked, ['beacon', 'fetch', 'iframe', 'img', 'img', 'link', 'script', 'script', 'script', 'script', 'xhr'],
    'the audit log lists each blocked element and request');
  await context.close();
});

test('after Reject all, and after a reload, nothing reaches the tracker', async () => {
  hits.length = 0;
  const context = await browser.newContext();
  const { page } = await gatingPage(context);
  await visit(page, gating());
  await page.waitForLoadState('load');
  await banner(page).locator('[data-accord="reject-all"]').click();
  await settle(page);
  assert.deepEqual(hits, []);
  assert.match(await page.evaluate(() => window.__fetchError), /no consent for service tracker-co/);
  await visit(page, gating());
  await page.waitForLoadState('load');
  await settle(page);
  assert.deepEqual(hits, []);
  await context.close();
});

test('after Accept all each tracker fires exactly once', async () => {
  hits.length = 0;
  const context = await browser.newContext();
  const { page } = await gatingPage(context);
  await visit(page, gating());
  await page.waitForLoadState('load');
  await settle(page);
  assert.deepEqual(hits, []);
  await banner(page).locator('[data-accord="accept-all"]').click();
  await page.waitForFunction((n) => (window.__ran || []).length >= n, 3);
  await settle(page);
  assert.deepEqual(counts(), Object.fromEntries(KINDS.map((k) => [k, 1])));
  assert.deepEqual(hits.filter((h) => !KINDS.includes(h)), []);
  assert.deepEqual((await page.evaluate(() => window.__ran)).sort(), ['external.js', 'injected.js', 'tm-tag.js']);
  assert.equal(await page.evaluate(() => window.__fetched), true, 'the held fetch resolved once sent');
  assert.equal(await page.locator('h1').evaluate((h) => getComputedStyle(h).color), 'rgb(1, 2, 3)', 'the gated stylesheet applies');
  const audit = await page.evaluate(() => window.Accord.audit());
  const external = audit.filter((e) => e.url.endsWith('/t/external.js')).map((e) => e.state);
  assert.deepEqual([external[0], external.at(-1)], ['blocked', 'loaded'], 'blocked, then allowed, then loaded');
  assert.ok(audit.every((e) => !Number.isNaN(Date.parse(e.time))), 'every entry has a time');
  await context.close();
});

test('withdrawal deletes the refused services\' cookies on the host and the parent domain, on / and the page\'s directory, and their storage', async () => {
  const server = new URL(BASE);
  const resolver = await chromium.launch({
    ...CHROMIUM,
    args: [...CHROMIUM.args, '--host-resolver-rules=MAP accord.test 127.0.0.1, MAP *.accord.test 127.0.0.1'],
  });
  const context = await resolver.newContext();
  const { page } = await openPage(context);
  const shop = `http://shop.accord.test:${server.port}`;
  await page.goto(`${shop}/en/`);
  await page.waitForFunction(() => window.__accord.state === 'ready');
  await banner(page).locator('[data-accord="accept-all"]').click();
  await page.waitForFunction(() => 'analytics' in window.__demo.ran);
  await page.evaluate(() => {
    document.cookie = 'lt_stats_visit=1; Path=/; Domain=accord.test';
    document.cookie = 'lt_ad_click=2; Path=/; Domain=accord.test';
    document.cookie = 'lt_basket=tea; Path=/';
    // No Path: the page is /en/, so the cookie's default path is /en (RFC 6265 5.1.4).
    document.cookie = 'lt_ad_click=3';
    localStorage.setItem('lt_reco_profile', '{}');
  });
  const before = (await context.cookies()).map((c) => `${c.name}@${c.domain}`).sort();
  assert.ok((await context.cookies()).some((c) => c.name === 'lt_ad_click' && c.path === '/en'), 'a cookie on the page\'s own directory is there before');
  for (const c of ['lt_stats_id@shop.accord.test', 'lt_stats_visit@.accord.test', 'lt_ad_click@.accord.test', 'lt_ad_click@shop.accord.test']) {
    assert.ok(before.includes(c), `${c} is there before: ${before}`);
  }
  const change = page.evaluate(() => new Promise((resolve) => addEventListener('accord:change', (e) => resolve(e.detail), { once: true })));
  await page.evaluate(() => window.Accord.rejectAll());
  const detail = await change;
  const after = (await context.cookies()).map((c) => `${c.name}@${c.domain}`).sort();
  assert.deepEqual(after.filter((c) => /^lt_(stats|ad|lang|partner)/.test(c)), [], `refused cookies are gone: ${after}`);
  assert.ok(after.includes('lt_basket@shop.accord.test'), 'necessary cookies stay');
  assert.ok(after.some((c) => c.startsWith('accord_consent@')), 'the choice itself stays');
  assert.equal(await page.evaluate(() => localStorage.getItem('lt_reco_profile')), null);
  assert.equal(detail.reload, true, 'scripts ran that are now refused: offer a reload');
  assert.deepEqual(detail.withdrawn.categories.sort(), ['analytics', 'marketing', 'preferences']);
  assert.ok(detail.erased.includes('lt_stats_id') && detail.erased.includes('lt_ad_click'));
  await resolver.close();
});

test('Accept all asks the browser process for nothing new: its own cookie read back, and localStorage (loaded at start) for the choice kept until signed', async () => {
  // A first read of the cookies or of localStorage asks the browser process, and the click
  // that accepts would wait for it. The cookie is read back once, to check it was stored.
  // localStorage keeps the choice until its receipt is signed; Accord reads it at start, in
  // the receipt job that start queues (for a choice an earlier page view left unsigned), so
  // the click does not load it.
  const context = await browser.newContext();
  const { page } = await openPage(context);
  // The demo's Accept all leaves out what needs separate consent, which declares cookies.
  await withConfig(page, (config) => { config.accept_all_includes_separate = true; });
  await page.addInitScript(() => {
    const counts = { cookie: 0, localStorage: 0 };
    window.__reads = counts;
    const cookie = Object.getOwnPropertyDescriptor(Document.prototype, 'cookie');
    Object.defineProperty(Document.prototype, 'cookie', { configurable: true, set: cookie.set, get() { counts.cookie += 1; return cookie.get.call(this); } });
    const storage = Object.getOwnPropertyDescriptor(window, 'localStorage');
    Object.defineProperty(window, 'localStorage', { configurable: true, get() { counts.localStorage += 1; return storage.get.call(this); } });
  });
  await visit(page, '/en/');
  await page.waitForFunction(() => window.__accord.state === 'ready');
  const reads = await page.evaluate(() => {
    const before = { ...window.__reads };
    window.Accord.acceptAll();
    return { cookie: window.__reads.cookie - before.cookie, localStorage: window.__reads.localStorage - before.localStorage, atStart: before.localStorage };
  });
  assert.deepEqual(reads, { cookie: 1, localStorage: 1, atStart: 1 });
  assert.match(await page.evaluate(() => document.cookie), /accord_consent=/, 'the choice is stored');
  await context.close();
});

function dataLayer(page) {
  return page.evaluate(() => window.dataLayer.map((e) => (e && typeof e === 'object' && 'callee' in e ? Array.from(e) : e)));
}

test('gated external scripts are fetched at once and run in document order; an inline one waits for them; a failed one is reported', async () => {
  const context = await browser.newContext();
  const { page } = await openPage(context);
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  const requested = [];
  let releaseSlow;
  const slowHeld = new Promise((resolve) => { releaseSlow = resolve; });
  await page.route(`${BASE}order/`, (r) => r.fulfill({ contentType: 'text/html', body: `<!doctype html><html lang="en"><head>
    <script src="/accord/accord.js" data-config="/accord-config.json"></script>
    </head><body><p>order</p>
    <script type="text/plain" data-category="analytics" src="/order/slow.js"></script>
    <script type="text/plain" data-category="analytics" src="/order/missing.js"></script>
    <script type="text/plain" data-category="analytics" src="/order/fast.js"></script>
    <script type="text/plain" data-category="analytics">(window.__order = window.__order || []).push('inline');</script>
    </body></html>` }));
  await page.route(`${BASE}order/*.js`, async (r) => {
    const name = new URL(r.request().url()).pathname.split('/').pop();
    requested.push(name);
    if (name === 'slow.js') await slowHeld;
    if (name === 'missing.js') return r.fulfill({ status: 404, contentType: 'text/plain', body: 'gone' });
    await r.fulfill({ contentType: 'text/javascript', body: `(window.__order = window.__order || []).push('${name}');` });
  });
  await visit(page, '/order/');
  assert.deepEqual(requested, [], 'nothing before a choice');
  await banner(page).locator('[data-accord="accept-all"]').click();
  for (let waited = 0; !requested.includes('fast.js') && waited < 5000; waited += 50) await page.waitForTimeout(50);
  assert.deepEqual(requested, ['slow.js', 'missing.js', 'fast.js'], 'the later scripts are fetched while the first is still loading');
  await page.waitForTimeout(300);
  assert.equal(await page.evaluate(() => window.__order), undefined, 'nothing runs before the first script has');
  releaseSlow();
  await page.waitForFunction(() => window.__order?.length === 3);
  assert.deepEqual(await page.evaluate(() => window.__order), ['slow.js', 'fast.js', 'inline']);
  const states = await page.evaluate(() => [...document.querySelectorAll('body script')].map((s) => s.getAttribute('data-accord-state')));
  assert.deepEqual(states, ['loaded', 'failed', 'loaded', 'ran']);
  assert.ok(errors.some((e) => e.includes('could not load gated script') && e.includes('/order/missing.js')), `the failure is reported: ${errors}`);
  await context.close();
});

test('Consent Mode: the all-denied default precedes every tag, and updates follow each choice', async () => {
  const context = await browser.newContext();
  const { page } = await openPage(context);
  await page.route(`${BASE}cm/`, (r) => r.fulfill({ contentType: 'text/html', body: `<!doctype html><html lang="en"><head>
    <script src="/accord/accord.js" data-config="/accord-config.json"></script>
    <script>window.dataLayer = window.dataLayer || []; dataLayer.push({event: 'gtm.js', 'gtm.start': Date.now()});</script>
    </head><body><p>tags</p></body></html>` }));
  await visit(page, '/cm/');
  let layer = await dataLayer(page);
  assert.deepEqual(layer[0], ['consent', 'default', {
    ad_storage: 'denied', ad_user_data: 'denied', ad_personalization: 'denied', analytics_storage: 'denied',
    functionality_storage: 'denied', personalization_storage: 'denied', security_storage: 'denied', wait_for_update: 500,
  }]);
  assert.equal(layer[1].event, 'gtm.js', 'the tag comes after the default');

  await banner(page).locator('[data-accord="accept-all"]').click();
  layer = await dataLayer(page);
  assert.deepEqual(layer.at(-1), ['consent', 'update', {
    ad_storage: 'granted', ad_user_data: 'granted', ad_personalization: 'granted', analytics_storage: 'granted',
    functionality_storage: 'granted', personalization_storage: 'granted', security_storage: 'granted',
  }]);
  await page.evaluate(() => window.Accord.accept(['analytics']));
  layer = await dataLayer(page);
  assert.deepEqual(layer.at(-1), ['consent', 'update', {
    ad_storage: 'denied', ad_user_data: 'denied', ad_personalization: 'denied', analytics_storage: 'granted',
    functionality_storage: 'denied', personalization_storage: 'denied', security_storage: 'granted',
  }]);
  // A returning visitor: the stored choice is sent as an update at start.
  await visit(page, '/cm/');
  layer = await dataLayer(page);
  assert.equal(layer[0][1], 'default');
  assert.equal(layer.at(-1)[1], 'update');
  assert.equal(layer.at(-1)[2].analytics_storage, 'granted');
  await context.close();
});

test('Global Privacy Control on: marketing starts denied, even with Accept all, and the banner says so', async () => {
  const context = await browser.newContext();
  await context.addInitScript(() => Object.defineProperty(Navigator.prototype, 'globalPrivacyControl', { get: () => true }));
  const { page } = await openPage(context);
  await visit(page, '/en/');
  const notice = banner(page).locator('[data-accord="gpc"]');
  assert.match(await notice.textContent(), /Global Privacy Control/);
  await banner(page).locator('[data-accord="accept-all"]').click();
  await page.waitForFunction(() => 'analytics' in window.__demo.ran);
  const consent = await page.evaluate(() => window.Accord.consent());
  assert.equal(consent.categories.marketing, false);
  assert.equal(consent.categories.analytics, true);
  assert.ok(!(await page.evaluate(() => 'marketing' in window.__demo.ran)), 'the marketing script did not run');
  assert.match((await consentCookie(context)).value, /\.analytics\+necessary\+preferences\./);
  await page.waitForTimeout(100);
  // Switching it on by hand still works.
  await page.evaluate(() => window.Accord.showPreferences());
  await page.locator('input[data-category="marketing"]').check();
  await page.locator('[data-accord="panel"] [data-accord="save"]').click();
  await page.waitForFunction(() => 'marketing' in window.__demo.ran);

  const plain = await browser.newContext();
  const other = await openPage(plain);
  await visit(other.page, '/en/');
  assert.equal(await banner(other.page).locator('[data-accord="gpc"]').count(), 0, 'no notice without the signal');
  await plain.close();
  await context.close();
});
