// Takes the screenshots under docs/screenshots/: each layout in zh-CN and en, light and dark,
// plus the preference panel. Run through `cargo xtask screenshots` (it builds and serves).
import { mkdirSync } from 'node:fs';
import { launch, BASE } from './helpers.mjs';

const out = process.argv[2];
if (!out) throw new Error('usage: node screenshots.mjs OUT_DIR');
mkdirSync(out, { recursive: true });

const LAYOUTS = {
  bar: { layout: 'bar', position: 'bottom' },
  box: { layout: 'box', position: 'bottom-right' },
  modal: { layout: 'modal', block_page: true },
};
const browser = await launch();
for (const [lang, path] of [['zh-CN', '/'], ['en', '/en/']]) {
  for (const colorScheme of ['light', 'dark']) {
    for (const [name, ui] of Object.entries(LAYOUTS)) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, colorScheme, reducedMotion: 'reduce' });
      const page = await context.newPage();
      await page.route('**/accord-config.json', async (route) => {
        const config = JSON.parse(await (await route.fetch()).text());
        config.ui = ui;
        await route.fulfill({ contentType: 'application/json', body: JSON.stringify(config) });
      });
      await page.goto(new URL(path, BASE).href);
      await page.locator('[data-accord="banner"]').waitFor({ state: 'visible' });
      await page.screenshot({ path: `${out}/${name}-${lang}-${colorScheme}.png` });
      if (name === 'bar') {
        await page.locator('[data-accord="banner"] [data-accord="preferences"]').click();
        await page.locator('[data-category-block="marketing"] summary').click();
        await page.screenshot({ path: `${out}/panel-${lang}-${colorScheme}.png` });
      }
      await context.close();
    }
  }
}
// The tracker-audit dashboard after Accept all, with the timeline.
{
  const context = await browser.newContext({ viewport: { width: 1100, height: 1300 } });
  const page = await context.newPage();
  await page.goto(new URL('/audit.html', BASE).href);
  await page.locator('[data-accord="banner"] [data-accord="accept-all"]').click();
  await page.waitForFunction(() => document.querySelector('tr[data-service="site-stats"] [data-audit-status]')?.dataset.auditStatus === 'loaded');
  await page.waitForTimeout(1200);
  await page.screenshot({ path: `${out}/audit-dashboard-en.png`, fullPage: true });
  await context.close();
}
await browser.close();
console.log(`screenshots written to ${out}`);
