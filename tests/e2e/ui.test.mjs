// The banner and panel as a visitor uses them: keyboard only, both languages, separate consent,
// reopening, Esc, and the modal layout's focus trap.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  BASE, launch, openPage, visit, banner, ran, consentCookie, focused, focusReaches, animationsDone, tabTo, withConfig, fixture,
} from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const panel = (page) => page.locator('[data-accord="panel"]');
const confirmStep = (page) => page.locator('[data-accord="confirm"]');
const cookieParts = async (context) => {
  const [, , , , categories, services] = (await consentCookie(context)).value.split('.');
  return { categories, services };
};

test('keyboard only: open the panel, switch one category and one service, save', async () => {
  const context = await browser.newContext();
  const { page } = await openPage(context);
  await visit(page, '/en/');
  await banner(page).waitFor({ state: 'visible' });
  // Focus moves in once the banner has been painted (two animation frames later).
  assert.equal(await focusReaches(page, 'banner'), 'banner', 'focus moves into the banner when it opens');

  await tabTo(page, 'preferences');
  await page.keyboard.press('Enter');
  await panel(page).waitFor({ state: 'visible' });
  assert.equal(await focused(page), 'panel', 'focus moves into the panel');

  await tabTo(page, 'category:analytics');
  await page.keyboard.press('Space');
  assert.equal(await page.locator('input[data-category="analytics"]').isChecked(), true);

  await tabTo(page, 'summary:marketing');
  await page.keyboard.press('Enter');
  await tabTo(page, 'service:ad-pixel');
  await page.keyboard.press('Space');
  assert.equal(await page.locator('input[data-service="ad-pixel"]').isChecked(), true);
  assert.equal(await page.locator('input[data-category="marketing"]').isChecked(), true, 'a service brings its category');

  await tabTo(page, 'save');
  await page.keyboard.press('Enter');
  await panel(page).waitFor({ state: 'hidden' });
  assert.deepEqual(await cookieParts(context), {
    categories: 'analytics+marketing+necessary', services: 'ad-pixel+basket+site-stats',
  });
  await page.waitForFunction(() => 'marketing' in window.__demo.ran && 'analytics' in window.__demo.ran);
  assert.deepEqual(await ran(page), ['analytics', 'marketing', 'necessary']);
  await context.close();
});

test('the language follows <html lang>, then the browser; the panel switcher changes it in place', async () => {
  const context = await browser.newContext({ locale: 'en-US' });
  const { page } = await openPage(context);
  await visit(page, '/');
  assert.equal(await banner(page).locator('[data-accord="accept-all"]').textContent(), '全部接受', 'zh-CN page');
  await page.goto('about:blank');
  await visit(page, '/en/');
  assert.equal(await banner(page).locator('[data-accord="accept-all"]').textContent(), 'Accept all', 'en page');

  // A page without lang: the browser's languages decide.
  const zhContext = await browser.newContext({ locale: 'zh-CN' });
  const zh = await openPage(zhContext);
  const noLang = fixture('page.html').replace('<html lang="en">', '<html>').replace('/fixture/config.json', '/accord-config.json');
  await zh.page.route(`${BASE}nolang/`, (r) => r.fulfill({ contentType: 'text/html', body: noLang }));
  await visit(zh.page, '/nolang/');
  assert.equal(await banner(zh.page).locator('[data-accord="reject-all"]').textContent(), '全部拒绝');
  // A lang with white space around the tag: the tag still decides, before the browser's languages.
  const spaced = fixture('page.html').replace('<html lang="en">', '<html lang=" en\t">').replace('/fixture/config.json', '/accord-config.json');
  await zh.page.route(`${BASE}spaced/`, (r) => r.fulfill({ contentType: 'text/html', body: spaced }));
  await visit(zh.page, '/spaced/');
  assert.equal(await banner(zh.page).locator('[data-accord="reject-all"]').textContent(), 'Reject all', 'lang=" en\\t"');
  await zhContext.close();

  // The switcher: the panel changes language, keeps its switches, keeps focus on the switcher.
  await banner(page).locator('[data-accord="preferences"]').click();
  const records = page.locator('[data-accord="records"] li');
  await records.first().waitFor();
  assert.deepEqual(await records.allTextContents(), ['No records yet.']);
  await page.locator('input[data-category="analytics"]').check();
  await page.locator('[data-accord="language"]').selectOption('zh-CN');
  // The panel, built again in Chinese, reads the visitor's records again.
  await records.first().waitFor();
  assert.deepEqual(await records.allTextContents(), ['暂无记录。']);
  assert.equal(await page.locator('[data-accord="records-download"]').isEnabled(), true, 'the store was read: its [] can be saved');
  assert.equal(await panel(page).locator('#accord-panel-title').textContent(), '隐私偏好设置');
  assert.equal(await page.locator('[data-accord="panel"] [data-accord="save"]').textContent(), '保存我的选择');
  assert.equal(await page.locator('input[data-category="analytics"]').isChecked(), true);
  assert.equal(await focused(page), 'language');
  assert.equal(await page.locator('.accord[data-layout]').getAttribute('lang'), 'zh-CN');
  assert.equal(await page.locator('.accord-placeholder').getAttribute('lang'), 'zh-CN', 'the placeholders follow the switcher');
  await context.close();
});

test('separate consent: switching on asks first; cancel leaves it off; agreeing turns it on', async () => {
  const context = await browser.newContext();
  const { page } = await openPage(context);
  await visit(page, '/en/');
  await banner(page).locator('[data-accord="preferences"]').click();
  const personalised = page.locator('input[data-category="personalised"]');

  await personalised.click();
  await confirmStep(page).waitFor({ state: 'visible' });
  assert.equal(await personalised.isChecked(), false, 'not on before confirmation');
  assert.equal(await focused(page), 'confirm');
  assert.equal(await page.locator('[data-accord="confirm-item"]').textContent(), 'Personalised recommendations');
  await page.locator('[data-accord="confirm-no"]').click();
  await confirmStep(page).waitFor({ state: 'hidden' });
  assert.equal(await personalised.isChecked(), false);
  assert.equal(await focused(page), 'category:personalised', 'focus goes back to the switch');

  await personalised.click();
  await page.keyboard.press('Escape');
  await confirmStep(page).waitFor({ state: 'hidden' });
  assert.equal(await personalised.isChecked(), false, 'Esc cancels, it never agrees');
  assert.ok(await panel(page).isVisible(), 'Esc on the confirmation leaves the panel open');

  await personalised.click();
  await page.locator('[data-accord="confirm-yes"]').click();
  assert.equal(await personalised.isChecked(), true);
  assert.equal(await page.locator('input[data-service="recommend"]').isChecked(), true);

  // A separate-consent service inside an ordinary category.
  await page.locator('[data-category-block="marketing"] summary').click();
  await page.locator('input[data-category="marketing"]').check();
  assert.equal(await page.locator('input[data-service="ad-partners"]').isChecked(), false, 'its category does not switch it on');
  await page.locator('input[data-service="ad-partners"]').click();
  await page.locator('[data-accord="confirm-yes"]').click();
  assert.equal(await page.locator('input[data-service="ad-partners"]').isChecked(), true);

  await page.locator('[data-accord="panel"] [data-accord="save"]').click();
  assert.deepEqual(await cookieParts(context), {
    categories: 'marketing+necessary+personalised', services: 'ad-partners+ad-pixel+basket+recommend+tea-video',
  });
  await page.waitForFunction(() => 'personalised' in window.__demo.ran && 'ad-partners' in window.__demo.ran);
  await context.close();
});

test('Esc closes the panel without choosing: the banner comes back until a choice is made', async () => {
  const context = await browser.newContext();
  const { page } = await openPage(context);
  await visit(page, '/en/');
  await banner(page).locator('[data-accord="preferences"]').click();
  await panel(page).waitFor({ state: 'visible' });
  await page.locator('input[data-category="analytics"]').check();
  await page.keyboard.press('Escape');
  await panel(page).waitFor({ state: 'hidden' });
  assert.ok(await banner(page).isVisible());
  assert.equal(await focused(page), 'preferences');
  assert.equal(await consentCookie(context), undefined, 'Esc is never a choice');
  assert.deepEqual(await ran(page), ['necessary']);
  await context.close();
});

test('reopening: the floating button and any data-accord-open element open the panel; focus returns', async () => {
  const context = await browser.newContext();
  const { page } = await openPage(context);
  await visit(page, '/en/');
  const floating = page.locator('[data-accord="floating"]');
  assert.equal(await floating.isVisible(), false, 'no floating button before a choice');
  await banner(page).locator('[data-accord="reject-all"]').click();
  await floating.waitFor({ state: 'visible' });

  await floating.click();
  await panel(page).waitFor({ state: 'visible' });
  assert.equal(await floating.isVisible(), false);
  assert.equal(await page.locator('input[data-category="analytics"]').isChecked(), false, 'switches show the choice');
  await page.locator('[data-accord="panel"] [data-accord="close"]').click();
  await panel(page).waitFor({ state: 'hidden' });
  assert.equal(await banner(page).isVisible(), false, 'a choice holds, so no banner');

  const opener = page.locator('footer [data-accord-open]');
  await opener.focus();
  await page.keyboard.press('Enter');
  await panel(page).waitFor({ state: 'visible' });
  await page.locator('input[data-category="preferences"]').check();
  await page.keyboard.press('Escape');
  await panel(page).waitFor({ state: 'hidden' });
  assert.equal(await opener.evaluate((b) => b === document.activeElement), true, 'focus is back on the opener');
  assert.deepEqual((await cookieParts(context)).categories, 'necessary', 'closing changed nothing');

  await page.evaluate(() => window.Accord.showPreferences());
  await panel(page).waitFor({ state: 'visible' });
  assert.equal(await page.locator('input[data-category="preferences"]').isChecked(), false, 'unsaved changes are gone');
  await context.close();
});

test('focus returns to an SVG element of the page that had it when the panel opened', async () => {
  const context = await browser.newContext();
  const { page } = await openPage(context);
  await visit(page, '/en/');
  await banner(page).locator('[data-accord="reject-all"]').click();
  await banner(page).waitFor({ state: 'hidden' });
  // A focusable SVG element (an icon button, say): not an HTMLElement, but it takes focus.
  const icon = await page.evaluateHandle(() => {
    const svg = document.createElementNS('http://www.w3.org/2000/svg', 'svg');
    svg.setAttribute('tabindex', '0');
    svg.setAttribute('width', '20');
    svg.setAttribute('height', '20');
    document.body.prepend(svg);
    svg.focus();
    return svg;
  });
  assert.equal(await icon.evaluate((el) => el === document.activeElement && !(el instanceof HTMLElement)), true, 'the SVG element has focus');
  await page.evaluate(() => window.Accord.showPreferences());
  await panel(page).waitFor({ state: 'visible' });
  await page.keyboard.press('Escape');
  await panel(page).waitFor({ state: 'hidden' });
  assert.equal(await icon.evaluate((el) => el === document.activeElement), true, 'focus is back on the SVG element');
  await context.close();
});

test('modal layout with block_page: aria-modal, an overlay, and Tab stays inside', async () => {
  const context = await browser.newContext();
  const { page } = await openPage(context);
  await withConfig(page, (c) => { c.ui = { layout: 'modal', block_page: true }; });
  await visit(page, '/en/');
  await banner(page).waitFor({ state: 'visible' });
  assert.equal(await banner(page).getAttribute('aria-modal'), 'true');
  assert.ok(await page.locator('[data-accord="overlay"]').isVisible());
  const seen = new Set();
  for (let i = 0; i < 12; i++) {
    await page.keyboard.press('Tab');
    seen.add(await focused(page));
  }
  // The policy link (an <a>) and the three choices, and nothing of the page.
  assert.deepEqual([...seen].sort(), ['a', 'accept-all', 'preferences', 'reject-all'], 'focus stays in the banner');
  for (let i = 0; i < 6; i++) {
    await page.keyboard.press('Shift+Tab');
    assert.notEqual(await focused(page), null);
  }
  // The page behind cannot be clicked.
  const blocked = await page.locator('footer [data-accord-open]').click({ timeout: 500 }).then(() => false, () => true);
  assert.ok(blocked, 'the overlay covers the page');
  await context.close();
});

test('the bar, box and modal layouts each render, in their place', async () => {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  for (const [ui, check] of [
    [{ layout: 'bar', position: 'top' }, (r) => r.top < 40 && r.width > 900],
    [{ layout: 'box', position: 'bottom-left' }, (r) => r.left < 40 && r.bottom > 760 && r.width <= 400],
    [{ layout: 'box', position: 'top-right' }, (r) => r.right > 1240 && r.top < 40],
    [{ layout: 'modal' }, (r) => Math.abs((r.left + r.right) / 2 - 640) < 2 && Math.abs((r.top + r.bottom) / 2 - 400) < 2],
  ]) {
    const { page } = await openPage(context);
    await withConfig(page, (c) => { c.ui = ui; });
    await visit(page, '/en/');
    await banner(page).waitFor({ state: 'visible' });
    await animationsDone(page);
    const box = await banner(page).evaluate((b) => b.getBoundingClientRect().toJSON());
    assert.ok(check(box), `${JSON.stringify(ui)}: ${JSON.stringify(box)}`);
    await page.close();
  }
  await context.close();
});

// The interface's optional parts (src/ui/build.rs's `?N` elements) are built only when the
// config has what they show, and what would have been inside one is left out with it: no
// language switcher for one language, no services list for a category without services, no
// policy link without a policy, no GPC line without the signal.
test('what the config leaves out is left out of the interface, with what it would hold', async () => {
  const context = await browser.newContext();
  const { page } = await openPage(context);
  await withConfig(page, (c) => {
    c.languages = ['en'];
    c.services = c.services.filter((s) => s.category !== 'preferences');
    delete c.site.policy_url;
  });
  assert.equal(await visit(page, '/en/'), 'ready');
  await banner(page).waitFor({ state: 'visible' });
  assert.equal(await banner(page).locator('a').count(), 0, 'no policy link');
  assert.equal(await banner(page).locator('#accord-text').textContent(), await banner(page).locator('#accord-text').evaluate((p) => p.textContent.trimEnd()), 'no space left for a link');
  assert.equal(await banner(page).locator('[data-accord="gpc"]').count(), 0, 'no GPC line');
  assert.deepEqual(
    await banner(page).evaluate((b) => [...b.children].map((e) => e.localName + '.' + e.className)),
    ['h2.accord-title', 'p.accord-text', 'p.accord-controller', 'div.accord-actions'],
  );
  await page.evaluate(() => window.Accord.showPreferences());
  await panel(page).waitFor({ state: 'visible' });
  assert.deepEqual(
    await panel(page).evaluate((p) => [...p.children].map((e) => e.localName + '.' + e.className)),
    ['div.accord-panel-head', 'p.accord-text', 'div.accord-categories', 'div.accord-actions', 'section.accord-records'],
    'no language switcher, and nothing of it elsewhere',
  );
  assert.equal(await panel(page).locator('select, label[for="accord-language"]').count(), 0);
  const preferences = panel(page).locator('[data-category-block="preferences"]');
  assert.deepEqual(
    await preferences.evaluate((s) => [...s.children].map((e) => e.localName + '.' + e.className)),
    ['div.accord-row', 'p.accord-description'],
    'no services list, and no summary of one',
  );
  // Where the parts are called for, they are there: analytics has its service, necessary
  // its reason.
  assert.equal(await panel(page).locator('[data-category-block="analytics"] > details > summary').textContent(), 'Services (1)');
  assert.equal(await panel(page).locator('[data-category-block="necessary"] > p#accord-why-necessary').count(), 1);
  await context.close();
});
