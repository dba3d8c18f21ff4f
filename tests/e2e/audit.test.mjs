// The tracker-audit dashboard (/audit.html): each declared service's consent, load status and
// time, and cookies; cookies nobody declared; and the timeline, as the visitor chooses.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { launch, openPage, visit, banner, demoConfig } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const row = (page, id) => page.locator(`[data-audit="services"] tr[data-service="${id}"]`);
const status = (page, id) => row(page, id).locator('[data-audit-status]').getAttribute('data-audit-status');

test('the dashboard shows each service blocked, then loaded with its time and cookies, and a timeline', async () => {
  const context = await browser.newContext({ viewport: { width: 1100, height: 1400 } });
  const { page } = await openPage(context);
  assert.equal(await visit(page, '/audit.html'), 'ready');
  await row(page, 'site-stats').waitFor();
  const ids = demoConfig().services.map((s) => s.id);
  assert.equal(await page.locator('[data-audit="services"] tr').count(), ids.length, 'one row per declared service');
  assert.equal(await status(page, 'basket'), 'loaded', 'necessary runs at once');
  assert.equal(await status(page, 'site-stats'), 'blocked');
  assert.equal(await status(page, 'recommend'), 'absent', 'not on this page');
  assert.match(await row(page, 'site-stats').textContent(), /blocked · 拦截/);
  assert.match(await row(page, 'basket').textContent(), /lt_basket/);

  await banner(page).locator('[data-accord="accept-all"]').click();
  await page.waitForFunction(() => document.querySelector('tr[data-service="site-stats"] [data-audit-status]')?.dataset.auditStatus === 'loaded');
  const stats = await row(page, 'site-stats').textContent();
  assert.match(stats, /loaded at \d\d:\d\d:\d\d/);
  assert.match(stats, /lt_stats_id/, 'the cookie stats.js set, matched to its service');
  assert.equal(await status(page, 'ad-partners'), 'blocked', 'separate consent: not in Accept all');
  const timeline = await page.locator('[data-audit="timeline"] li').allTextContents();
  assert.ok(timeline.some((t) => t.includes('loaded · site-stats · script /js/stats.js')), timeline.join('\n'));
  assert.ok(timeline.some((t) => t.includes('blocked · site-stats')), 'the block before the choice is in the timeline');

  // A cookie no service declares is called out.
  await page.evaluate(() => { document.cookie = 'rogue_id=1; Path=/'; });
  await page.waitForFunction(() => document.querySelector('[data-audit="undeclared"]').textContent.includes('rogue_id'));
  assert.doesNotMatch(await page.locator('[data-audit="undeclared"]').textContent(), /lt_stats_id/);
  await context.close();
});
