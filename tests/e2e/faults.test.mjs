// Hostile input and faults. Hostile strings in the config and translations render as inert
// text. The wasm may fail to load or arrive slowly. Cookies, localStorage or IndexedDB may be
// unavailable, and the consent cookie may be oversized. In every case the banner fails
// closed: no gated script runs without consent, the page keeps working, and the console says
// what went wrong.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { BASE, launch, openPage, visit, banner, ran, withConfig } from './helpers.mjs';

let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const HOSTILE = {
  controller: '<img src="https://evil.example/c.gif" onerror="window.__pwned=1">',
  title: '<script>window.__pwned=2</script>Analytics',
  description: '"><svg onload="window.__pwned=3"></svg>\u202Egnp.exe\u200B\u200D zero-width and bidi',
  service: '</style><style>*{display:none!important}</style><a href="javascript:window.__pwned=4">x</a>',
  accept: '<b onmouseover="window.__pwned=5">Accept all</b>',
  long: 'Long '.repeat(20_000),
};

// Every request the page makes, so a test can show none left for evil.example.
function watchRequests(page) {
  const urls = [];
  page.on('request', (r) => urls.push(r.url()));
  return urls;
}

test('hostile strings in the config and translations render as inert text', async () => {
  const context = await browser.newContext();
  const { page } = await openPage(context);
  const requests = watchRequests(page);
  await withConfig(page, (c) => {
    c.site.controller = HOSTILE.controller;
    c.categories[2].title.en = HOSTILE.title;
    c.categories[2].description.en = HOSTILE.description;
    c.services[0].name = HOSTILE.service;
    c.services[0].description = { en: HOSTILE.long, 'zh-CN': HOSTILE.long };
    c.translations = { en: { accept_all: HOSTILE.accept } };
  });
  assert.equal(await visit(page, '/en/'), 'ready');
  await banner(page).waitFor({ state: 'visible' });
  const accept = banner(page).locator('[data-accord="accept-all"]');
  assert.equal(await accept.textContent(), HOSTILE.accept, 'markup shows as text');
  await accept.hover();
  await page.evaluate(() => window.Accord.showPreferences());
  const panel = page.locator('[data-accord="panel"]');
  await panel.waitFor({ state: 'visible' });
  const text = await panel.textContent();
  for (const s of [HOSTILE.title, HOSTILE.description, HOSTILE.service]) {
    assert.ok(text.includes(s), `shown verbatim: ${s}`);
  }
  assert.ok(text.includes(HOSTILE.long), 'the 100 KB description is there in full');
  // Nothing the strings describe became an element: no script, image, svg, style or link.
  const made = await page.evaluate(() => {
    const root = document.getElementById('accord').shadowRoot;
    return ['script', 'img', 'svg', 'style', 'a[href^="javascript"]', 'b'].map((s) => root.querySelectorAll(s).length);
  });
  assert.deepEqual(made, [0, 0, 0, 0, 0, 0]);
  await page.waitForTimeout(300);
  assert.equal(await page.evaluate(() => window.__pwned), undefined, 'no injected code ran');
  assert.deepEqual(requests.filter((u) => u.includes('evil.example')), [], 'no request left for the attacker');
  // The page still works, and the choice still works.
  await page.evaluate(() => window.Accord.acceptAll());
  await page.waitForFunction(() => window.__demo.ran.analytics);
  await context.close();
});

// The banner and the panel are built from templates in src/ui/build.rs, whose syntax is
// `;` between elements, `>` for depth, `|` between pieces, `#key`, `$N`, `'text` and `?N`.
// Config strings written in that syntax are arguments, never read as template: they show as
// text, and the interface has the same elements as with the demo's own strings.
const TEMPLATE_LIKE = {
  controller: "x|class=evil;>p|#accept_all|$0;>>img?0",
  title: "#reject_all;?0|section|class=evil",
  description: "'x;>button|data-accord=accept-all|$1",
  service: "$0;>td|$1|class=evil",
  provider: "?9|tr;>>>>th|#kind",
  duration: ">;>>;;;|||",
  accept: "#reject_all|'y;>div",
};

// The elements in Accord's shadow root: [tag, class, data-accord] each.
const shapeOf = (page) => page.evaluate(() => [...document.getElementById('accord').shadowRoot.querySelectorAll('*')]
  .map((e) => [e.localName, e.className, e.getAttribute('data-accord')]));

// The shape with the demo's own strings, the panel open.
async function plainShape(context) {
  const { page } = await openPage(context);
  await withConfig(page, () => {});
  assert.equal(await visit(page, '/en/'), 'ready');
  await banner(page).waitFor({ state: 'visible' });
  await page.evaluate(() => window.Accord.showPreferences());
  await page.locator('[data-accord="panel"]').waitFor({ state: 'visible' });
  return shapeOf(page);
}

test('config strings in the templates\' own syntax stay text, and add no element', async () => {
  const context = await browser.newContext();
  const plain = await plainShape(context);
  const { page } = await openPage(context);
  await withConfig(page, (c) => {
    c.site.controller = TEMPLATE_LIKE.controller;
    c.categories[2].title.en = TEMPLATE_LIKE.title;
    c.categories[2].description.en = TEMPLATE_LIKE.description;
    c.services[0].name = TEMPLATE_LIKE.service;
    c.services[0].provider = TEMPLATE_LIKE.provider;
    c.services[0].cookies[0].duration.en = TEMPLATE_LIKE.duration;
    c.translations = { en: { accept_all: TEMPLATE_LIKE.accept } };
  });
  assert.equal(await visit(page, '/en/'), 'ready');
  await banner(page).waitFor({ state: 'visible' });
  assert.equal(await banner(page).locator('.accord-controller').textContent(), `Data controller: ${TEMPLATE_LIKE.controller}`);
  assert.equal(await banner(page).locator('[data-accord="accept-all"]').textContent(), TEMPLATE_LIKE.accept);
  await page.evaluate(() => window.Accord.showPreferences());
  const panel = page.locator('[data-accord="panel"]');
  await panel.waitFor({ state: 'visible' });
  assert.equal(await panel.locator('[data-category-block="analytics"] .accord-switch-label').first().textContent(), TEMPLATE_LIKE.title);
  assert.equal(await panel.locator('[data-category-block="analytics"] > p.accord-description').first().textContent(), TEMPLATE_LIKE.description);
  const basket = panel.locator('[data-category-block="necessary"] .accord-service').first();
  assert.equal(await basket.locator('.accord-switch-label').textContent(), TEMPLATE_LIKE.service);
  assert.equal(await basket.locator('caption').textContent(), TEMPLATE_LIKE.service);
  const cells = await basket.locator('tbody tr').first().locator('td').allTextContents();
  assert.equal(cells[1], TEMPLATE_LIKE.provider);
  assert.equal(cells[3], TEMPLATE_LIKE.duration);
  assert.deepEqual(await shapeOf(page), plain, 'the same elements, classes and hooks as with the demo\'s strings');
  await context.close();
});

for (const url of [' JaVaScRiPt:window.__pwned=6', 'data:text/html,<script>window.__pwned=7</script>', 'java\tscript:window.__pwned=8']) {
  test(`a policy link of ${JSON.stringify(url)} is refused by name; nothing gated runs`, async () => {
    const context = await browser.newContext();
    const { page, console } = await openPage(context);
    await withConfig(page, (c) => { c.site.policy_url = url; });
    assert.equal(await visit(page, '/en/'), 'error');
    const errors = console.filter((m) => m.type === 'error').map((m) => m.text);
    assert.ok(errors.some((e) => e.includes('site.policy_url')), errors.join('\n'));
    assert.deepEqual(await ran(page), []);
    assert.equal(await page.evaluate(() => window.__pwned), undefined);
    await context.close();
  });
}

test('the wasm 404s: an error names it, no gated script or tracker runs, the page works', async () => {
  const context = await browser.newContext();
  const { page, console } = await openPage(context);
  await page.route('**/accord/accord_bg.wasm', (r) => r.fulfill({ status: 404, body: 'gone' }));
  assert.equal(await visit(page, '/en/'), 'error');
  const errors = console.filter((m) => m.type === 'error' && m.text.startsWith('Accord')).map((m) => m.text);
  assert.equal(errors.length, 1, errors.join('\n'));
  assert.match(errors[0], /accord_bg\.wasm|wasm/i);
  await page.evaluate(() => window.Accord.acceptAll?.());
  await page.waitForTimeout(500);
  assert.deepEqual(await ran(page), []);
  assert.equal(await banner(page).count(), 0);
  // The site's own script ran and its page is usable.
  assert.equal(typeof (await page.evaluate(() => window.__demo)), 'object');
  await page.locator('a').first().focus();
  await context.close();
});

test('the stylesheet cannot be built: a warning names it, and the unstyled banner still takes a choice', async () => {
  const context = await browser.newContext();
  const { page, console } = await openPage(context);
  await page.addInitScript(() => {
    CSSStyleSheet.prototype.replaceSync = function () { throw new DOMException('replaceSync refused', 'NotAllowedError'); };
  });
  assert.equal(await visit(page, '/en/'), 'ready');
  const warnings = console.filter((m) => m.type === 'warning' && m.text.includes('stylesheet')).map((m) => m.text);
  assert.equal(warnings.length, 1, warnings.join('\n'));
  assert.match(warnings[0], /stylesheet could not be built \(replaceSync refused\).*unstyled/);
  // Unstyled: the buttons lack the stylesheet's 10px padding.
  await banner(page).waitFor({ state: 'visible' });
  const padding = await page.locator('[data-accord="banner"] [data-accord="accept-all"]').evaluate((b) => getComputedStyle(b).paddingTop);
  assert.notEqual(padding, '10px');
  assert.deepEqual(await ran(page), ['necessary']);
  await page.locator('[data-accord="banner"] [data-accord="accept-all"]').click();
  await page.waitForFunction(() => window.__demo.ran.analytics && window.__demo.ran.marketing);
  await context.close();
});

test('the wasm is not labelled application/wasm: a warning names it, and Accord starts anyway', async () => {
  const context = await browser.newContext();
  const { page, console } = await openPage(context);
  await page.route('**/accord/accord_bg.wasm', async (r) => {
    const response = await r.fetch();
    await r.fulfill({ response, headers: { ...response.headers(), 'content-type': 'application/octet-stream' } });
  });
  assert.equal(await visit(page, '/en/'), 'ready');
  const warnings = console.filter((m) => m.type === 'warning' && m.text.includes('accord_bg.wasm')).map((m) => m.text);
  assert.equal(warnings.length, 1, warnings.join('\n'));
  assert.match(warnings[0], /"application\/octet-stream", not application\/wasm/);
  assert.deepEqual(await ran(page), ['necessary']);
  await banner(page).locator('[data-accord="accept-all"]').click();
  await page.waitForFunction(() => window.__demo.ran.analytics && window.__demo.ran.marketing);
  await context.close();
});

test('the wasm arrives slowly: nothing gated runs until it has, then the banner works', async () => {
  const context = await browser.newContext();
  const { page } = await openPage(context);
  let release;
  const held = new Promise((resolve) => { release = resolve; });
  await page.route('**/accord/accord_bg.wasm', async (r) => { await held; await r.continue(); });
  await page.goto(new URL('/en/', BASE).href);
  await page.waitForTimeout(1500);
  assert.equal(await page.evaluate(() => window.__accord.state), 'loading');
  await page.evaluate(() => window.Accord.acceptAll()); // queued until Accord has started
  assert.deepEqual(await ran(page), [], 'nothing ran while the wasm was on its way');
  release();
  await page.waitForFunction(() => window.__accord.state === 'ready');
  await page.waitForFunction(() => window.__demo.ran.analytics);
  assert.ok((await ran(page)).includes('marketing'), 'the queued Accept all took effect');
  await context.close();
});

const STORAGE_FAULTS = {
  'cookies blocked': () => {
    Object.defineProperty(Document.prototype, 'cookie', { get: () => '', set: () => {}, configurable: true });
  },
  'localStorage throwing': () => {
    const quota = () => { throw new DOMException('The quota has been exceeded.', 'QuotaExceededError'); };
    for (const m of ['setItem', 'getItem', 'removeItem', 'key', 'clear']) Storage.prototype[m] = quota;
  },
  'IndexedDB missing': () => {
    Object.defineProperty(window, 'indexedDB', { value: undefined, configurable: true });
  },
};

for (const [fault, inject] of Object.entries(STORAGE_FAULTS)) {
  test(`${fault}: the banner works and the choice holds for the page`, async () => {
    const context = await browser.newContext();
    const { page, console } = await openPage(context);
    await page.addInitScript(inject);
    assert.equal(await visit(page, '/en/'), 'ready');
    await banner(page).locator('[data-accord="reject-all"]').waitFor({ state: 'visible' });
    await banner(page).locator('[data-accord="accept-all"]').click();
    await page.waitForFunction(() => window.__demo.ran.analytics);
    assert.equal(await banner(page).isVisible(), false);
    assert.equal(await page.evaluate(() => window.Accord.acceptedCategory('analytics')), true);
    await page.waitForTimeout(500);
    const said = console.filter((m) => m.type === 'warning' || m.type === 'error').map((m) => m.text);
    if (fault === 'IndexedDB missing') {
      assert.ok(said.some((t) => t.includes('receipt') && t.includes('IndexedDB')), said.join('\n'));
    }
    if (fault === 'cookies blocked') {
      assert.ok(said.some((t) => t.includes('cookie') && t.includes('this page')), said.join('\n'));
    }
    assert.ok(!console.some((m) => m.type === 'pageerror'), JSON.stringify(console));
    await context.close();
  });
}

test('an oversized consent cookie is no choice: a warning, and the banner asks again', async () => {
  const context = await browser.newContext();
  await context.addCookies([{ name: 'accord_consent', value: `1.1.${'9'.repeat(3900)}`, url: BASE }]);
  const { page, console } = await openPage(context);
  assert.equal(await visit(page, '/en/'), 'ready');
  await banner(page).waitFor({ state: 'visible' });
  assert.ok(console.some((m) => m.type === 'warning' && m.text.includes('consent cookie')), JSON.stringify(console));
  assert.deepEqual(await ran(page), ['necessary']);
  await context.close();
});

test('a placeholder that cannot go before its iframe is reported; the other iframes get theirs, and a choice still completes', async () => {
  const context = await browser.newContext();
  const { page, console } = await openPage(context);
  // A second gated iframe, first in the document, whose `before` throws, as it would where
  // nothing can go before it.
  await page.addInitScript(() => {
    document.addEventListener('DOMContentLoaded', () => {
      const odd = document.createElement('iframe');
      odd.id = 'odd';
      odd.setAttribute('data-src', '/embed/video.html');
      odd.setAttribute('data-category', 'marketing');
      odd.setAttribute('data-service', 'tea-video');
      odd.before = () => { throw new Error('no room before this iframe'); };
      document.body.prepend(odd);
    });
  });
  assert.equal(await visit(page, '/en/'), 'ready');
  const failures = () => console.filter((m) => m.type === 'error' && m.text.includes('insert a placeholder')).map((m) => m.text);
  await page.locator('.accord-placeholder').waitFor({ state: 'visible' });
  assert.equal(failures().length, 1, JSON.stringify(console));
  assert.match(failures()[0], /no room before this iframe/);
  assert.equal(await page.locator('[data-accord-placeholder]').count(), 1, "the demo's own iframe has its placeholder");
  assert.equal(await page.locator('#odd').getAttribute('src'), null, 'the iframe without one stays blocked');
  // A choice that keeps the iframes blocked meets the failure again, and still completes.
  await banner(page).locator('[data-accord="reject-all"]').click();
  await page.waitForFunction(() => window.__accord.events.some(([name]) => name === 'consent'));
  assert.equal(failures().length, 2);
  assert.equal(await page.locator('#odd').getAttribute('src'), null);
  await context.close();
});

test('the banner taken out of the UI by the page: the preference panel still opens and takes a choice', async () => {
  const context = await browser.newContext();
  const { page } = await openPage(context);
  assert.equal(await visit(page, '/en/'), 'ready');
  await page.evaluate(() => document.getElementById('accord').shadowRoot.querySelector('[data-accord="banner"]').remove());
  await page.evaluate(() => window.Accord.showPreferences());
  const panel = page.locator('[data-accord="panel"]');
  await panel.waitFor({ state: 'visible' });
  await panel.locator('[data-accord="reject-all"]').click();
  await page.waitForFunction(() => window.__accord.events.some(([name]) => name === 'consent'));
  assert.equal(await panel.isVisible(), false, 'the panel closes on the choice');
  await context.close();
});

test('a page whose performance.mark throws still gets its banner, and a choice runs the gated scripts', async () => {
  const context = await browser.newContext();
  const { page } = await openPage(context);
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  // Before any of the page's scripts: User Timing broken, as a stub or a replaced
  // `performance` can leave it.
  await page.addInitScript(() => {
    performance.mark = () => { throw new TypeError('the page broke performance.mark'); };
  });
  assert.equal(await visit(page, '/en/'), 'ready');
  await banner(page).waitFor({ state: 'visible' });
  assert.equal(await page.evaluate(() => performance.getEntriesByType('mark').filter((m) => m.name.startsWith('accord:')).length), 0, 'no marks were made');
  assert.deepEqual(await ran(page), ['necessary'], 'nothing gated before the choice');
  await banner(page).locator('[data-accord="accept-all"]').click();
  await page.waitForFunction(() => Object.keys(window.__demo.ran).length === 4);
  assert.deepEqual(await ran(page), ['analytics', 'marketing', 'necessary', 'preferences']);
  assert.deepEqual(errors, [], 'nothing thrown to the page');
  await context.close();
});
