// The rest of gating as a site uses it: click-to-load iframes (contextual consent), the reload
// offer after a withdrawal, and window.Accord's acceptedCategory / acceptedService /
// loadScript / refresh.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPage, visit, banner, ran, consentCookie } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

test('a gated iframe shows a click-to-load placeholder that grants just its service', async () => {
  const context = await browser.newContext();
  const { page } = await openPage(context);
  await visit(page, '/en/');
  const frame = page.locator('iframe[data-service="tea-video"], iframe[title="Tea ceremony video"]');
  const box = page.locator('.accord-placeholder');
  await box.waitFor({ state: 'visible' });
  assert.equal(await frame.isVisible(), false, 'the iframe is hidden and not loaded');
  assert.equal(await frame.getAttribute('src'), null);
  assert.match(await box.textContent(), /Tea ceremony video/);
  const size = await page.locator('[data-accord-placeholder]').evaluate((b) => [b.offsetWidth, b.offsetHeight]);
  assert.deepEqual(size, [560, 200], 'the placeholder takes the iframe\'s place');

  await box.locator('[data-accord="load"]').click();
  await page.waitForFunction(() => document.querySelector('iframe[title="Tea ceremony video"]').getAttribute('src') === '/embed/video.html');
  assert.equal(await page.locator('[data-accord-placeholder]').count(), 0);
  assert.ok(await frame.isVisible());
  const consent = await page.evaluate(() => window.Accord.consent());
  assert.equal(consent.services['tea-video'], true);
  assert.equal(consent.categories.marketing, false, 'one service does not grant its whole category');
  assert.equal(consent.services['ad-pixel'], false);
  assert.ok(!(await ran(page)).includes('marketing'), 'category-gated marketing scripts stay off');
  await context.close();
});

test('withdrawing what already ran offers a reload', async () => {
  const context = await browser.newContext();
  const { page } = await openPage(context);
  await visit(page, '/en/');
  const notice = page.locator('[data-accord="reload"]');
  await banner(page).locator('[data-accord="accept-all"]').click();
  assert.equal(await notice.isVisible(), false, 'nothing withdrawn, no offer');
  await page.evaluate(() => window.Accord.rejectAll());
  await notice.waitFor({ state: 'visible' });
  assert.equal(await notice.getAttribute('role'), 'status');
  // Whether the notice is what the page shows at its centre.
  const onTop = () => notice.evaluate((n) => {
    const r = n.getBoundingClientRect();
    return n.contains(n.getRootNode().elementFromPoint(r.x + r.width / 2, r.y + r.height / 2));
  });
  assert.equal(await onTop(), true);
  // The panel, opened meanwhile, is a modal: its overlay covers the notice, which does not
  // cover the panel's buttons. Closed, the notice is on top again.
  await page.evaluate(() => window.Accord.showPreferences());
  await page.locator('[data-accord="panel"]').waitFor({ state: 'visible' });
  assert.equal(await onTop(), false, 'beneath the open panel');
  await page.locator('[data-accord="records-download"]').click({ trial: true });
  await page.keyboard.press('Escape');
  await page.locator('[data-accord="panel"]').waitFor({ state: 'hidden' });
  assert.equal(await onTop(), true, 'on top once the panel is closed');
  const reloaded = page.waitForEvent('load');
  await notice.locator('[data-accord="reload-now"]').click();
  await reloaded;
  await page.waitForFunction(() => window.__accord.state === 'ready');
  assert.deepEqual(await ran(page), ['necessary'], 'after the reload only what is allowed runs');
  await context.close();
});

test('acceptedCategory, acceptedService, loadScript and refresh follow the choice', async () => {
  const context = await browser.newContext();
  const { page } = await openPage(context);
  await visit(page, '/en/');
  const state = () => page.evaluate(() => [
    window.Accord.acceptedCategory('necessary'), window.Accord.acceptedCategory('analytics'),
    window.Accord.acceptedService('site-stats'), window.Accord.acceptedService('nope'),
  ]);
  assert.deepEqual(await state(), [true, false, false, false]);
  const refused = await page.evaluate(() => window.Accord.loadScript('/js/stats.js', { category: 'analytics' }).then(() => 'loaded', (e) => e.message));
  assert.equal(refused, 'Accord: no consent for category analytics');
  assert.ok(!(await ran(page)).includes('analytics'));

  await page.evaluate(() => window.Accord.accept(['analytics']));
  assert.deepEqual(await state(), [true, true, true, false]);
  const loaded = await page.evaluate(() => window.Accord.loadScript('/js/stats.js', { service: 'site-stats' }).then(() => 'loaded', (e) => e.message));
  assert.equal(loaded, 'loaded');

  // A single-page app adds gated content after the choice: refresh() picks it up, once.
  await page.evaluate(() => {
    const s = document.createElement('script');
    s.type = 'text/plain';
    s.dataset.category = 'analytics';
    s.textContent = 'window.__spa = (window.__spa || 0) + 1;';
    document.body.appendChild(s);
  });
  assert.equal(await page.evaluate(() => window.__spa), undefined);
  await page.evaluate(() => window.Accord.refresh());
  await page.waitForFunction(() => window.__spa === 1);
  await page.evaluate(() => window.Accord.refresh());
  await page.waitForTimeout(100);
  assert.equal(await page.evaluate(() => window.__spa), 1);
  assert.match((await consentCookie(context)).value, /\.analytics\+necessary\./);
  await context.close();
});
