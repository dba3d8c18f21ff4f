// The demo in a real browser: the banner, gating before and after each choice, the cookie.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPage, visit, banner, ran, cookieNames, consentCookie, withConfig } from './helpers.mjs';

const TRACKER_COOKIES = ['lt_ad_click', 'lt_lang', 'lt_partner_id', 'lt_stats_id'];
let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('before a choice the banner shows and only necessary scripts run', async () => {
  const context = await browser.newContext();
  const { page, console } = await openPage(context);
  assert.equal(await visit(page, '/'), 'ready');
  await banner(page).waitFor({ state: 'visible' });
  for (const hook of ['accept-all', 'reject-all', 'preferences']) {
    assert.ok(await banner(page).locator(`[data-accord="${hook}"]`).isVisible(), `${hook} is visible`);
  }
  assert.deepEqual(await ran(page), ['necessary']);
  const names = await cookieNames(context);
  assert.deepEqual(names.filter((n) => TRACKER_COOKIES.includes(n)), [], 'no tracker cookie');
  assert.equal(await consentCookie(context), undefined);
  assert.equal(await page.evaluate(() => window.Accord.consent()), null);
  assert.deepEqual(console.filter((m) => m.type === 'error' && m.text.startsWith('Accord')), []);
  await context.close();
});

test('the loader marks its start in User Timing, in order; an invalid config marks no boot', async () => {
  const marks = (page) => page.evaluate(() => performance.getEntriesByType('mark')
    .filter((m) => m.name.startsWith('accord:')).map((m) => [m.name, m.startTime]));
  const context = await browser.newContext();
  const { page } = await openPage(context);
  assert.equal(await visit(page, '/'), 'ready');
  const seen = await marks(page);
  assert.deepEqual(seen.map(([name]) => name), ['accord:loader', 'accord:inputs', 'accord:booted']);
  const times = seen.map(([, t]) => t);
  assert.deepEqual([...times].sort((a, b) => a - b), times, 'marked in the order they happen');

  const { page: broken } = await openPage(context);
  await withConfig(broken, (c) => { c.categories = 'analytics'; });
  assert.equal(await visit(broken, '/'), 'error');
  assert.deepEqual((await marks(broken)).map(([name]) => name), ['accord:loader', 'accord:inputs']);
  await context.close();
});

test('the three choices look the same: no nudging', async () => {
  const context = await browser.newContext();
  const { page } = await openPage(context);
  await visit(page, '/');
  const looks = await Promise.all(['accept-all', 'reject-all', 'preferences'].map((hook) =>
    banner(page).locator(`[data-accord="${hook}"]`).evaluate((b) => {
      const s = getComputedStyle(b);
      const r = b.getBoundingClientRect();
      return [s.backgroundColor, s.color, s.fontSize, s.fontWeight, s.borderColor, Math.round(r.height)];
    })));
  assert.deepEqual(looks[1], looks[0]);
  assert.deepEqual(looks[2], looks[0]);
  await context.close();
});

test('after Reject all and a reload: no banner, and still nothing gated ran', async () => {
  const context = await browser.newContext();
  const { page } = await openPage(context);
  await visit(page, '/');
  await banner(page).locator('[data-accord="reject-all"]').click();
  await banner(page).waitFor({ state: 'hidden' });
  assert.deepEqual(await ran(page), ['necessary']);
  const consent = await page.evaluate(() => window.Accord.consent());
  assert.deepEqual(consent.categories, { necessary: true, preferences: false, analytics: false, marketing: false, personalised: false });
  assert.deepEqual(consent.services, { basket: true, lang: false, 'site-stats': false, 'ad-pixel': false, 'tea-video': false, 'ad-partners': false, recommend: false });

  await visit(page, '/');
  assert.equal(await banner(page).isVisible(), false, 'no banner after a choice');
  assert.deepEqual(await ran(page), ['necessary']);
  const names = await cookieNames(context);
  assert.deepEqual(names.filter((n) => TRACKER_COOKIES.includes(n)), []);
  await context.close();
});

test('after Accept all every gated script runs, once, except what needs separate consent; the choice survives a reload', async () => {
  const context = await browser.newContext();
  const { page } = await openPage(context);
  await visit(page, '/en/');
  await banner(page).locator('[data-accord="accept-all"]').click();
  await page.waitForFunction(() => Object.keys(window.__demo.ran).length === 4);
  assert.deepEqual(await ran(page), ['analytics', 'marketing', 'necessary', 'preferences']);
  // The status board says so, visibly.
  assert.match(await page.locator('[data-demo-status="analytics"]').textContent(), /^ran at /);
  const names = await cookieNames(context);
  for (const c of ['lt_ad_click', 'lt_lang', 'lt_stats_id']) assert.ok(names.includes(c), `${c} was set`);
  assert.ok(!names.includes('lt_partner_id'), 'the separate-consent service did not run');
  assert.equal(await page.evaluate(() => localStorage.getItem('lt_reco_profile')), null, 'the separate-consent category did not run');

  // The consent cookie round-trips: what is stored is what Accord reports, before and after a reload.
  const cookie = await consentCookie(context);
  const [version, revision, timestamp, id, granted, services] = cookie.value.split('.');
  assert.equal(version, '1');
  assert.equal(revision, '1');
  assert.equal(granted, 'analytics+marketing+necessary+preferences');
  assert.equal(services, 'ad-pixel+basket+lang+site-stats+tea-video');
  assert.ok(cookie.expires * 1000 - Date.now() > 180 * 86400e3, 'kept for about six months');
  assert.equal(cookie.sameSite, 'Lax');
  const before = await page.evaluate(() => window.Accord.consent());
  assert.equal(before.id, id);
  assert.equal(Date.parse(before.timestamp), Number(timestamp));
  assert.equal(before.revision, 1);
  const events = await page.evaluate(() => window.__accord.events.map((e) => e[0]));
  assert.deepEqual(events, ['ready', 'consent']);

  await visit(page, '/en/');
  assert.equal(await banner(page).isVisible(), false);
  await page.waitForFunction(() => Object.keys(window.__demo.ran).length === 4);
  assert.deepEqual(await page.evaluate(() => window.Accord.consent()), before);
  // Each gated script ran exactly once on this page view: no leftover placeholders, no doubles.
  const states = await page.evaluate(() =>
    [...document.querySelectorAll('script[data-category]')].map((s) => [s.dataset.category, s.type, s.dataset.accordState]));
  assert.deepEqual(states, [
    ['necessary', '', 'ran'], ['preferences', '', 'ran'], ['analytics', '', 'loaded'], ['marketing', '', 'ran'],
    ['marketing', 'text/plain', undefined], ['personalised', 'text/plain', undefined],
  ]);
  await context.close();
});

test('a choice made in the preference panel grants exactly what was switched on', async () => {
  const context = await browser.newContext();
  const { page } = await openPage(context);
  await visit(page, '/');
  await banner(page).locator('[data-accord="preferences"]').click();
  const panel = page.locator('[data-accord="panel"]');
  await panel.waitFor({ state: 'visible' });
  assert.equal(await page.locator('input[data-category="necessary"]').isDisabled(), true);
  assert.equal(await page.locator('input[data-category="necessary"]').isChecked(), true);
  assert.equal(await page.locator('input[data-category="analytics"]').isChecked(), false, 'nothing pre-ticked');
  await page.locator('input[data-category="analytics"]').check();
  await page.locator('[data-accord="save"]').click();
  await panel.waitFor({ state: 'hidden' });
  await page.waitForFunction(() => 'analytics' in window.__demo.ran);
  assert.deepEqual(await ran(page), ['analytics', 'necessary']);
  assert.match((await consentCookie(context)).value, /\.analytics\+necessary\.basket\+site-stats$/);
  await context.close();
});

test('Accord.accept() from the page grants the named categories, and refuses unknown ones', async () => {
  const context = await browser.newContext();
  const { page } = await openPage(context);
  await visit(page, '/');
  await page.evaluate(() => window.Accord.accept(['marketing']));
  await page.waitForFunction(() => 'marketing' in window.__demo.ran);
  assert.deepEqual(await ran(page), ['marketing', 'necessary']);
  const error = (arg) => page.evaluate((a) => { try { window.Accord.accept(a); return null; } catch (e) { return e.message; } }, arg);
  assert.equal(await error(['ads']), 'unknown category "ads"');
  // Anything but an array of id strings is refused by name, and changes nothing (a lone string
  // was once read as its characters: 'unknown category "a"').
  assert.equal(await error('analytics'), 'categories must be an array of category ids, like ["analytics"]');
  assert.equal(await error(undefined), 'categories must be an array of category ids, like ["analytics"]');
  assert.equal(await error(['analytics', 5]), 'categories[1] is not a category id (a string)');
  assert.deepEqual((await page.evaluate(() => window.Accord.consent())).categories,
    { necessary: true, preferences: false, analytics: false, marketing: true, personalised: false });
  await context.close();
});
