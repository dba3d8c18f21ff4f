// Accessibility and layout stability, measured in the real page: axe-core (WCAG 2.0-2.2 A/AA
// rules) over the banner and the open panel in zh-CN and en, light and dark; and cumulative
// layout shift from a `layout-shift` PerformanceObserver.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { launch, openPage, visit, banner, animationsDone } from './helpers.mjs';

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];
let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

// axe's violations whose nodes are inside Accord's shadow root (the demo page's own are not ours).
async function accordViolations(page) {
  await animationsDone(page);
  if (!(await page.evaluate(() => 'axe' in window))) await page.addScriptTag({ path: AXE });
  return page.evaluate(async (tags) => {
    const result = await window.axe.run(document, { runOnly: { type: 'tag', values: tags } });
    return result.violations
      .map((v) => ({ id: v.id, help: v.help, nodes: v.nodes.filter((n) => JSON.stringify(n.target).includes('#accord')).map((n) => n.html) }))
      .filter((v) => v.nodes.length > 0);
  }, TAGS);
}

for (const [lang, path] of [['zh-CN', '/'], ['en', '/en/']]) {
  for (const colorScheme of ['light', 'dark']) {
    test(`axe: no violations in the banner and the open panel (${lang}, ${colorScheme})`, async () => {
      const context = await browser.newContext({ colorScheme });
      const { page } = await openPage(context);
      await visit(page, path);
      await banner(page).waitFor({ state: 'visible' });
      const bg = await banner(page).evaluate((b) => getComputedStyle(b).backgroundColor);
      assert.equal(bg, colorScheme === 'dark' ? 'rgb(28, 33, 40)' : 'rgb(255, 255, 255)', 'the theme follows the system');
      assert.deepEqual(await accordViolations(page), [], 'banner');

      await banner(page).locator('[data-accord="preferences"]').click();
      await page.locator('[data-accord="panel"]').waitFor({ state: 'visible' });
      await page.locator('[data-accord="panel"] details').evaluateAll((all) => all.forEach((d) => { d.open = true; }));
      assert.deepEqual(await accordViolations(page), [], 'panel with every service list open');

      await page.locator('input[data-category="personalised"]').click();
      await page.locator('[data-accord="confirm"]').waitFor({ state: 'visible' });
      assert.deepEqual(await accordViolations(page), [], 'separate-consent step');
      await context.close();
    });
  }
}

test('axe: the floating button and the forced dark theme have no violations', async () => {
  const context = await browser.newContext({ colorScheme: 'light' });
  const { page } = await openPage(context);
  await page.route('**/accord-config.json', async (route) => {
    const config = JSON.parse(await (await route.fetch()).text());
    config.ui = { layout: 'box', theme: 'dark' };
    await route.fulfill({ contentType: 'application/json', body: JSON.stringify(config) });
  });
  await visit(page, '/en/');
  await banner(page).waitFor({ state: 'visible' });
  assert.equal(await banner(page).evaluate((b) => getComputedStyle(b).backgroundColor), 'rgb(28, 33, 40)');
  assert.deepEqual(await accordViolations(page), []);
  await banner(page).locator('[data-accord="reject-all"]').click();
  await page.locator('[data-accord="floating"]').waitFor({ state: 'visible' });
  assert.deepEqual(await accordViolations(page), []);
  await context.close();
});

// Sums layout-shift entries not caused by input, from the start of the page.
const measureCls = () => {
  window.__cls = { total: 0, entries: 0 };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      if (!e.hadRecentInput) {
        window.__cls.total += e.value; window.__cls.entries += 1;
        window.__clsSources = (window.__clsSources || []).concat((e.sources || []).map((s) => {
          const n = s.node;
          const name = n ? (n.nodeName + (n.id ? '#' + n.id : '') + (n.className ? '.' + n.className : '')) : '?';
          return `${name} ${JSON.stringify(s.previousRect)} -> ${JSON.stringify(s.currentRect)} at ${Math.round(e.startTime)}ms`;
        }));
      }
    }
  }).observe({ type: 'layout-shift', buffered: true });
};

test('CLS is 0 with the banner shown', async () => {
  const context = await browser.newContext();
  const { page } = await openPage(context);
  await page.addInitScript(measureCls);
  await visit(page, '/');
  await banner(page).waitFor({ state: 'visible' });
  await page.waitForTimeout(1000);
  const cls = await page.evaluate(() => ({ ...window.__cls, sources: window.__clsSources || [] }));
  assert.deepEqual({ total: cls.total, entries: cls.entries }, { total: 0, entries: 0 }, `shifted: ${cls.sources.join('; ')}`);

  // Control: the same observer does see a real shift on this page, so 0 above is a measurement.
  await page.evaluate(() => {
    const bump = document.createElement('div');
    bump.style.height = '120px';
    document.body.prepend(bump);
  });
  await page.waitForTimeout(500);
  assert.ok((await page.evaluate(() => window.__cls.total)) > 0, 'the observer measures shifts');
  await context.close();
});
