// Shared set-up for the end-to-end tests: Debian's Chromium through playwright-core, the demo
// served by `cargo xtask serve` (its URL in ACCORD_DEMO_URL), and page probes.
import { chromium } from 'playwright-core';
import { readFileSync } from 'node:fs';
// Debian's Chromium and its arguments, the options of every launch: one list for the tests and
// the benchmark (bench/harness.mjs), so both run the browser alike.
import { CHROMIUM } from '../../bench/harness.mjs';

export { CHROMIUM };

export const BASE = process.env.ACCORD_DEMO_URL;
if (!BASE) throw new Error('ACCORD_DEMO_URL is not set: run these through `cargo xtask test`');

export function launch() {
  return chromium.launch(CHROMIUM);
}

export function fixture(name) {
  return readFileSync(new URL(`../fixtures/${name}`, import.meta.url), 'utf8');
}

// Each page's console log, for the error of a `visit` that times out.
const pageConsole = new WeakMap();

// A page that records console messages and whether Accord started or failed.
export async function openPage(context, { locale } = {}) {
  const page = await context.newPage();
  const console = [];
  page.on('console', (m) => console.push({ type: m.type(), text: m.text() }));
  page.on('pageerror', (e) => console.push({ type: 'pageerror', text: e.message }));
  page.on('requestfailed', (r) => console.push({ type: 'requestfailed', text: `${r.url()}: ${r.failure()?.errorText}` }));
  pageConsole.set(page, console);
  await page.addInitScript(() => {
    window.__accord = { state: 'loading', events: [] };
    addEventListener('accord:ready', (e) => { window.__accord.state = 'ready'; window.__accord.events.push(['ready', e.detail]); });
    addEventListener('accord:error', (e) => { window.__accord.state = 'error'; window.__accord.message = e.detail.message; });
    addEventListener('accord:consent', (e) => window.__accord.events.push(['consent', e.detail]));
  });
  return { page, console };
}

// Loads `path` and waits until Accord has started or reported an error. If it does neither,
// the error says what the page had loaded by then (a resource missing from the list never
// finished) and what the console said.
export async function visit(page, path) {
  await page.goto(new URL(path, BASE).href);
  try {
    await page.waitForFunction(() => window.__accord.state !== 'loading');
  } catch (e) {
    const seen = await page.evaluate(() => ({
      accord: window.__accord.state,
      readyState: document.readyState,
      now: Math.round(performance.now()),
      finished: performance.getEntriesByType('resource')
        .map((r) => `${r.name} ${Math.round(r.startTime)}-${Math.round(r.responseEnd)} ms HTTP ${r.responseStatus}`),
    })).catch((err) => `(the page could not be probed: ${err.message})`);
    e.message += `\nAccord neither started nor failed on ${path}. Page: ${JSON.stringify(seen)}` +
      `\nConsole: ${JSON.stringify(pageConsole.get(page) ?? [])}`;
    throw e;
  }
  return page.evaluate(() => window.__accord.state);
}

export const banner = (page) => page.locator('[data-accord="banner"]');
export const ran = (page) => page.evaluate(() => Object.keys(window.__demo?.ran ?? {}).sort());
export async function cookieNames(context) {
  return (await context.cookies()).map((c) => c.name).sort();
}
export async function consentCookie(context) {
  return (await context.cookies()).find((c) => c.name === 'accord_consent');
}

// What has focus inside Accord's shadow root: its data-accord hook, data-category /
// data-service id, or tag name; null when focus is outside.
export function focused(page) {
  return page.evaluate(() => {
    const host = document.getElementById('accord');
    const a = host && document.activeElement === host ? host.shadowRoot.activeElement : null;
    if (!a) return null;
    if (a.dataset.accord) return a.dataset.accord;
    if (a.dataset.category) return `category:${a.dataset.category}`;
    if (a.dataset.service) return `service:${a.dataset.service}`;
    if (a.tagName === 'SUMMARY') return `summary:${a.closest('[data-category-block]').dataset.categoryBlock}`;
    return a.tagName.toLowerCase();
  });
}

// Waits (up to `timeout` ms) for focus to reach `want`; returns what has focus then.
// Resolves once the entrance animations in Accord's shadow root have ended: a dialog is
// measured where it settles, not 8px below mid-rise.
export function animationsDone(page) {
  return page.evaluate(() => Promise.all(document.getElementById('accord').shadowRoot.getAnimations().map((a) => a.finished)));
}

export async function focusReaches(page, want, timeout = 5000) {
  const end = Date.now() + timeout;
  let now = await focused(page);
  while (now !== want && Date.now() < end) {
    await page.waitForTimeout(20);
    now = await focused(page);
  }
  return now;
}

// Presses Tab (Shift+Tab with back) until `want` has focus; fails after `max` presses.
export async function tabTo(page, want, { max = 40, back = false } = {}) {
  for (let i = 0; i < max; i++) {
    if ((await focused(page)) === want) return;
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
  }
  throw new Error(`Tab never reached ${want}; focus is on ${await focused(page)}`);
}

export const demoConfig = () => JSON.parse(fixture('../../www/accord-config.json'));

// Serves the demo config changed by `patch` to this page.
export async function withConfig(page, patch) {
  const config = demoConfig();
  patch(config);
  await page.route(`${BASE}accord-config.json`, (r) =>
    r.fulfill({ contentType: 'application/json', body: JSON.stringify(config) }));
}
