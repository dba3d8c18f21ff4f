// Chromium's launch switches are written in three places that cannot share one list: here
// (bench/harness.mjs, which the end-to-end tests import too), webdriver.json (read as a file
// by wasm-bindgen-test-runner for the browser tests) and scan/src/cdp.rs (accord-scan's own
// launcher, in Rust). This test holds them to the same switches, so a change to one that
// misses another fails here.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { CHROMIUM } from './harness.mjs';

const read = (path) => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');

// What each launcher adds for itself: headless mode (Playwright sets its own), and the
// DevTools port accord-scan connects to.
const OWN = /^--headless(=new)?$|^--remote-debugging-port=/;

const shared = (args) => args.filter((a) => !OWN.test(a)).sort();

test('webdriver.json and accord-scan launch Chromium with the harness\'s switches', () => {
  const webdriver = JSON.parse(read('webdriver.json'))['goog:chromeOptions'].args;
  const cdp = read('scan/src/cdp.rs');
  const block = cdp.match(/const FLAGS: \[&str; \d+\] = \[([^\]]*)\]/);
  assert.ok(block, 'scan/src/cdp.rs has its FLAGS array');
  const scan = [...block[1].matchAll(/"([^"]+)"/g)].map((m) => m[1]);
  const harness = shared(CHROMIUM.args);
  assert.ok(harness.length >= 8, 'the harness has its switches');
  assert.deepEqual(shared(webdriver), harness, 'webdriver.json');
  assert.deepEqual(shared(scan), harness, 'scan/src/cdp.rs');
});
