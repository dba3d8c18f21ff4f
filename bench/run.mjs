// `cargo xtask bench`: Accord against vanilla-cookieconsent 3.1.0, klaro 0.7.22 and
// cookieconsent 3.1.1 on equivalent pages (bench/pages/), in Debian's Chromium through
// playwright-core, runs interleaved, with and without CPU throttling (4x, or R with
// --throttle R). Prints a markdown table of medians and p90s with ratios to Accord, the same
// page without a consent manager (its first contentful paint, the floor of every page's),
// then Accord against each peer paired by run (bench/compare.mjs). Usage: node run.mjs BASE_URL
// [RUNS] [--against] [--throttle R] [--no-click]; with --against, the two builds in
// bench/tmp/ (see `cargo xtask bench --against DIR`) instead, and at the end the steps of
// Accord's start paired by run (bench/compare.mjs's pairedSteps).
import { chromium } from 'playwright-core';
import { existsSync, readFileSync } from 'node:fs';
import { CHROMIUM, compressed } from './harness.mjs';
import { quantile, paired, pairedCell, phases, pairedSteps } from './compare.mjs';

const BASE = process.argv[2];
const RUNS = Number(process.argv[3] || 15);
const root = new URL('../', import.meta.url).pathname;

// With --against: this build against another, both copied to bench/tmp/ by
// `cargo xtask bench --against DIR` and served alike, instead of the peers.
const flags = process.argv.slice(4);
const AGAINST = flags.includes('--against');
// --no-click: no Accept-all click, and no figures for it; for a build that cannot handle one
// (a wasm cut down to what the start runs: `cargo xtask coverage --cut DIR`).
const NO_CLICK = flags.includes('--no-click');
// Whether a table row `[key, …]` has figures in this run: the click's have none with --no-click.
const measured = ([key]) => !(NO_CLICK && key.startsWith('accept'));
// The throttled runs' CPU slowdown: 4 is the issue's; more stands in for a slower machine.
const at = flags.indexOf('--throttle');
const THROTTLE = at < 0 ? 4 : Number(flags[at + 1]);
if (!(Number.isInteger(THROTTLE) && THROTTLE >= 2)) throw new Error(`--throttle needs a whole number of 2 or more, not ${flags[at + 1]}`);
const RATES = [1, THROTTLE];
// A build from before 2026-12-03 (an A/B's other build) has its stylesheet in a file of its own.
const accord = (name, page, dir) => ({
  name, page,
  files: [`${dir}/accord.js`, `${dir}/accord_bg.wasm`, `${dir}/accord.css`].filter((f) => !f.endsWith('.css') || existsSync(root + f)),
  banner: `document.getElementById('accord')?.shadowRoot?.querySelector('[data-accord="banner"]')`,
  accept: `document.getElementById('accord')?.shadowRoot?.querySelector('[data-accord="banner"] [data-accord="accept-all"]')`,
});
const MANAGERS = AGAINST ? [
  accord('Accord', '../tmp/this.html', 'bench/tmp/this'),
  accord('Accord, the build --against', '../tmp/against.html', 'bench/tmp/against'),
] : [
  accord('Accord', 'accord.html', 'dist'),
  {
    name: 'vanilla-cookieconsent 3.1.0', page: 'vanilla.html',
    files: ['bench/node_modules/vanilla-cookieconsent/dist/cookieconsent.umd.js', 'bench/node_modules/vanilla-cookieconsent/dist/cookieconsent.css'],
    banner: `document.querySelector('#cc-main .cm')`,
    accept: `document.querySelector('#cc-main .cm [data-role="all"]')`,
  },
  {
    name: 'klaro 0.7.22', page: 'klaro.html',
    files: ['bench/node_modules/klaro/dist/klaro.js'],
    banner: `document.querySelector('.klaro .cookie-notice')`,
    accept: `document.querySelector('.klaro .cookie-notice .cm-btn-success')`,
  },
  {
    name: 'cookieconsent 3.1.1', page: 'osano.html',
    files: ['bench/node_modules/cookieconsent/build/cookieconsent.min.js', 'bench/node_modules/cookieconsent/build/cookieconsent.min.css'],
    banner: `document.querySelector('.cc-window')`,
    accept: `document.querySelector('.cc-window .cc-allow')`,
  },
];

// The same page with no consent manager, loaded in the same rotation: its first contentful
// paint is the floor every manager's page starts from, and says how fast the VM of an
// invocation was without leaning on a peer's time. Not with --against.
const BASELINE = AGAINST ? null : { name: 'no consent manager', page: 'none.html', banner: null };

function sizes(m) {
  let gzip = 0, brotli = 0;
  for (const f of m.files) {
    const size = compressed(readFileSync(root + f));
    gzip += size.gzip;
    brotli += size.brotli;
  }
  return { gzip, brotli };
}

// Before any page script: observers for CLS and long tasks, a frame-by-frame check for the
// banner becoming visible, and the times of the first real click and of the next paint
// after it.
function probe(bannerExpr) {
  window.__m = { cls: 0, longTasks: 0, longTaskMs: 0, fcp: null, visible: null, click: null, paint: null };
  // Registered first, on the window's capture phase, so it sees the click before the
  // consent manager does. The click's time is the input's own (event.timeStamp), so the time
  // the page took to start handling it counts too, as in Interaction to Next Paint. A
  // message posted from the next animation frame is handled once that frame's rendering is
  // done: the first paint the visitor can see the click's effect in. (Event Timing gives
  // this too, but only for interactions of 16 ms or more, in steps of 8 ms.)
  addEventListener('click', (e) => {
    if (!e.isTrusted || window.__m.click !== null) return;
    window.__m.click = e.timeStamp;
    requestAnimationFrame(() => {
      const channel = new MessageChannel();
      channel.port1.onmessage = () => { window.__m.paint = performance.now(); };
      channel.port2.postMessage(null);
    });
  }, { capture: true });
  new PerformanceObserver((l) => { for (const e of l.getEntries()) if (!e.hadRecentInput) window.__m.cls += e.value; })
    .observe({ type: 'layout-shift', buffered: true });
  new PerformanceObserver((l) => { for (const e of l.getEntries()) { window.__m.longTasks += 1; window.__m.longTaskMs += e.duration; } })
    .observe({ type: 'longtask', buffered: true });
  // The page's own first contentful paint (its heading and text): on the page without a
  // consent manager (no `bannerExpr`), what the load waits for instead of a banner.
  new PerformanceObserver((l) => {
    for (const e of l.getEntries()) {
      if (e.name !== 'first-contentful-paint') continue;
      window.__m.fcp = e.startTime;
      if (!bannerExpr) console.debug('accord-bench:visible');
    }
  }).observe({ type: 'paint', buffered: true });
  if (!bannerExpr) return;
  const find = new Function(`return ${bannerExpr}`);
  (function poll() {
    const el = find();
    if (el && el.checkVisibility({ opacityProperty: true, visibilityProperty: true }) && el.getBoundingClientRect().height > 0) {
      window.__m.visible = performance.now();
      console.debug('accord-bench:visible');
      return;
    }
    requestAnimationFrame(poll);
  })();
}

// Two loads per sample. The timed load has no DevTools domain enabled beyond CPU throttling:
// with the Performance domain on, Accord's banner came about 100 ms later at 4x throttling
// (vanilla-cookieconsent's did not move), so the instrument would have skewed what it
// measures. The second load reads main-thread scripting time through that domain.
async function load(browser, m, throttle, withMetrics) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  const cdp = await context.newCDPSession(page);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: throttle });
  if (withMetrics) await cdp.send('Performance.enable');
  await page.addInitScript(probe, m.banner);
  // The probe says when the banner is visible by a console message. Waiting with
  // page.waitForFunction instead would have Playwright evaluate its injected script (about
  // 50 ms of main thread at 4x throttling) in the page while it is still loading: it ran
  // before Accord's wasm started and pushed its banner back by about 130 ms, while a banner
  // built during the page's own scripts (vanilla-cookieconsent's) was built before it ran.
  const visible = page.waitForEvent('console', { predicate: (msg) => msg.text() === 'accord-bench:visible', timeout: 30_000 });
  await page.goto(new URL(`/bench/pages/${m.page}`, BASE).href);
  await visible;
  await page.waitForTimeout(500);
  return { context, page, cdp };
}

async function measure(browser, m, throttle) {
  const { context, page, cdp } = await load(browser, m, throttle, false);
  const before = await page.evaluate(() => ({ ...window.__m }));
  if (before.fcp === null) throw new Error(`${m.name} (${m.page}, CPU ÷${throttle}): no first contentful paint reported`);
  if (!m.banner) {
    await context.close();
    return { fcpMs: before.fcp };
  }
  // Accord's loader marks its start in User Timing (`accord:loader`, `accord:inputs`,
  // `accord:booted`); the peers have none.
  const marks = await page.evaluate(() => Object.fromEntries(performance.getEntriesByType('mark')
    .filter((m) => m.name.startsWith('accord:')).map((m) => [m.name.slice('accord:'.length), m.startTime])));
  const heap = await cdp.send('Runtime.getHeapUsage');
  const accept = NO_CLICK ? null : await acceptAll(page, m, throttle);
  // After the click: finding the memories walks the heap, which the click is not to share.
  const wasm = await wasmMemory(cdp);
  await context.close();

  const second = await load(browser, m, throttle, true);
  const metrics = Object.fromEntries((await second.cdp.send('Performance.getMetrics')).metrics.map((x) => [x.name, x.value]));
  await second.context.close();
  return {
    fcpMs: before.fcp,
    visibleMs: before.visible,
    afterFcpMs: before.visible - before.fcp,
    scriptingMs: metrics.ScriptDuration * 1000,
    longTasks: before.longTasks,
    longTaskMs: before.longTaskMs,
    cls: before.cls,
    ...(accept && { acceptMs: accept.ranMs, acceptPaintMs: accept.paintMs }),
    heapKB: heap.usedSize / 1024,
    wasmKB: wasm / 1024,
    marks,
  };
}

// The bytes of every WebAssembly memory in the page: Accord's linear memory (its stack, data
// and heap); the peers have none. The JS heap above does not count them, nor do
// `Runtime.getHeapUsage`'s backing stores. Found by their prototype (`Runtime.queryObjects`).
async function wasmMemory(cdp) {
  const { result: proto } = await cdp.send('Runtime.evaluate', { expression: 'WebAssembly.Memory.prototype' });
  const { objects } = await cdp.send('Runtime.queryObjects', { prototypeObjectId: proto.objectId });
  const { result } = await cdp.send('Runtime.callFunctionOn', {
    objectId: objects.objectId,
    functionDeclaration: 'function () { return this.reduce((n, m) => n + m.buffer.byteLength, 0); }',
    returnByValue: true,
  });
  return result.value;
}

// A real click (through the browser's input pipeline, as a visitor's mouse), at the middle
// of the Accept-all button; the times to the next paint and to both gated scripts run.
async function acceptAll(page, m, throttle) {
  const at = await page.evaluate((acceptExpr) => {
    const r = new Function(`return ${acceptExpr}`)().getBoundingClientRect();
    return { x: r.left + r.width / 2, y: r.top + r.height / 2 };
  }, m.accept);
  await page.mouse.click(at.x, at.y);
  return page.evaluate(async () => {
    const deadline = performance.now() + 30_000;
    while (!(window.__ran && window.__ran.analytics && window.__ran.marketing && window.__m.paint !== null)) {
      if (performance.now() > deadline) {
        throw new Error(`30 s after the click on Accept all: click seen ${window.__m.click !== null}, gated scripts run ${JSON.stringify(window.__ran || {})}`);
      }
      await new Promise((r) => setTimeout(r, 1));
    }
    return { ranMs: Math.max(window.__ran.analytics, window.__ran.marketing) - window.__m.click, paintMs: window.__m.paint - window.__m.click };
  }).catch((e) => { throw new Error(`${m.name} (${m.page}, CPU ÷${throttle}): ${e.message}`); });
}

const browser = await chromium.launch(CHROMIUM);
const results = {};
for (let run = 0; run < RUNS; run++) {
  // The order rotates from run to run, so each manager comes first as often as the others:
  // where a load falls in the sequence can move its times (see README, Benchmark).
  const loads = BASELINE ? [...MANAGERS, BASELINE] : MANAGERS;
  const order = loads.map((_, i) => loads[(run + i) % loads.length]);
  for (const throttle of RATES) {
    for (const m of order) {
      const r = await measure(browser, m, throttle);
      for (const [k, v] of Object.entries(r)) ((results[`${m.name}|${throttle}|${k}`] ??= [])).push(k === 'marks' ? { ...v, visible: r.visibleMs } : v);
    }
  }
}
await browser.close();

const METRICS = [
  ['fcpMs', 'navigation to the page\'s first contentful paint, ms', 1],
  ['visibleMs', 'navigation to banner visible, ms', 1],
  ['afterFcpMs', 'the page\'s first contentful paint to banner visible, ms', 1],
  ['scriptingMs', 'main-thread scripting, ms', 1],
  ['longTasks', 'long tasks', 0],
  ['longTaskMs', 'long-task time, ms', 0],
  ['cls', 'CLS', 3],
  ['acceptPaintMs', 'Accept all click to next paint, ms', 1],
  ['acceptMs', 'Accept all click to gated scripts run, ms', 1],
  ['heapKB', 'JS heap used, KB', 0],
  ['wasmKB', NO_CLICK ? 'WebAssembly memory, KB' : 'WebAssembly memory after the Accept-all click, KB', 0],
].filter(measured);
const json = { date: new Date().toISOString(), runs: RUNS, throttle: THROTTLE, sizes: {}, metrics: {} };
const lines = [];
lines.push(`| | ${MANAGERS.map((m) => m.name).join(' | ')} |`);
lines.push(`|---|${MANAGERS.map(() => '---:').join('|')}|`);
const sz = MANAGERS.map(sizes);
MANAGERS.forEach((m, i) => { json.sizes[m.name] = sz[i]; });
for (const kind of ['gzip', 'brotli']) {
  lines.push(`| own files, ${kind === 'gzip' ? 'gzip -9' : 'brotli q11'}, bytes | ${sz.map((s) => `${s[kind].toLocaleString('en')} (×${(s[kind] / sz[0][kind]).toFixed(2)})`).join(' | ')} |`);
}
for (const throttle of RATES) {
  for (const [key, label, digits] of METRICS) {
    const cells = MANAGERS.map((m) => {
      const xs = results[`${m.name}|${throttle}|${key}`];
      const med = quantile(xs, 0.5), p90 = quantile(xs, 0.9);
      const base = quantile(results[`${MANAGERS[0].name}|${throttle}|${key}`], 0.5);
      json.metrics[`${m.name}|${throttle}x|${key}`] = { median: med, p90 };
      // No ratio where a median is zero or below (a banner already in the page's first paint).
      const ratio = base > 0 && med >= 0 ? ` ×${(med / base).toFixed(2)}` : '';
      return `${med.toFixed(digits)} (p90 ${p90.toFixed(digits)})${ratio}`;
    });
    lines.push(`| ${label}${throttle > 1 ? `, CPU ÷${throttle}` : ''} | ${cells.join(' | ')} |`);
  }
}
console.log(`\nMedian (p90) over ${RUNS} interleaved runs, ratio of medians to Accord (×1.00):\n`);
console.log(lines.join('\n'));

if (BASELINE) {
  // The floor: the same page's first contentful paint without a consent manager.
  const floor = RATES.map((throttle) => results[`${BASELINE.name}|${throttle}|fcpMs`]);
  const stats = floor.map((xs) => ({ median: quantile(xs, 0.5), p90: quantile(xs, 0.9) }));
  json.baseline = Object.fromEntries(RATES.map((throttle, i) => [`${throttle}x`, stats[i]]));
  const floorLines = [`| ms | first contentful paint | CPU ÷${THROTTLE}: first contentful paint |`, '|---|---:|---:|'];
  floorLines.push(`| ${BASELINE.name} | ${stats.map((s) => `${s.median.toFixed(1)} (p90 ${s.p90.toFixed(1)})`).join(' | ')} |`);
  console.log(`\nThe same page without a consent manager, in the same runs: median (p90) over ${RUNS} loads.\n`);
  console.log(floorLines.join('\n'));
}

// The times again, as Accord minus each peer run by run (negative: Accord's is lower).
const PAIRED = [['fcpMs', 'navigation to the page\'s first contentful paint'], ['visibleMs', 'navigation to banner visible'], ['scriptingMs', 'main-thread scripting'], ['acceptPaintMs', 'Accept all click to next paint'], ['acceptMs', 'Accept all click to gated scripts run']]
  .filter(measured);
const peers = MANAGERS.slice(1);
const pairedLines = [`| Accord minus, ms | ${peers.map((m) => m.name).join(' | ')} |`, `|---|${peers.map(() => '---').join('|')}|`];
json.paired = {};
for (const throttle of RATES) {
  for (const [key, label] of PAIRED) {
    const accord = results[`${MANAGERS[0].name}|${throttle}|${key}`];
    const cells = peers.map((m) => {
      const p = paired(accord, results[`${m.name}|${throttle}|${key}`]);
      json.paired[`${m.name}|${throttle}x|${key}`] = p;
      return pairedCell(p);
    });
    pairedLines.push(`| ${label}${throttle > 1 ? `, CPU ÷${throttle}` : ''} | ${cells.join(' | ')} |`);
  }
}
console.log(`\nAccord minus each peer, paired by run: the median difference (its 95% interval, distribution-free), the runs in which Accord's value was lower, and the verdict (lower or higher when the interval excludes zero):\n`);
console.log(pairedLines.join('\n'));

// Where Accord's banner time goes: its loader's marks, then the probe's visible time.
const POINTS = [
  ['loader', '`accord.js` fetched and evaluated up to its loader'],
  ['inputs', 'config, compiled wasm, stylesheet and parsed document all in'],
  ['booted', '`initSync` and `boot` done: the banner mounted'],
  ['visible', 'banner visible: its style, layout and first paint'],
];
const markNames = POINTS.map(([p]) => p);
const steps = RATES.map((throttle) => phases(results[`${MANAGERS[0].name}|${throttle}|marks`], markNames));
json.phases = { '1x': steps[0], [`${THROTTLE}x`]: steps[1] };
const phaseLines = [`| step, ms | to (median since navigation) | step (median per run) | CPU ÷${THROTTLE}: to | CPU ÷${THROTTLE}: step |`, '|---|---:|---:|---:|---:|'];
const ms = (x) => (x === null ? 'n/a' : x.toFixed(1));
POINTS.forEach(([, label], i) => {
  const cells = steps.flatMap(({ at, steps: s }) => [ms(at[i].median), i === 0 ? ms(at[0].median) : ms(s[i - 1].median)]);
  phaseLines.push(`| ${label} | ${cells.join(' | ')} |`);
});
console.log(`\nAccord's start, step by step (the loader's User Timing marks, then the probe's banner visible; each step is the median of its per-run durations, so the steps need not add up to the last point):\n`);
console.log(phaseLines.join('\n'));

if (AGAINST) {
  // The same steps, this build minus the other, run by run: a step leaves out the VM's drift
  // before and after it, so a change that acts on one step shows there sooner than in the
  // banner's time.
  const byRate = RATES.map((throttle) => pairedSteps(...MANAGERS.map((m) => results[`${m.name}|${throttle}|marks`]), markNames));
  json.pairedSteps = Object.fromEntries(RATES.map((throttle, i) => [`${throttle}x`, byRate[i]]));
  const stepLines = [`| step, this build minus the other, ms | unthrottled | CPU ÷${THROTTLE} |`, '|---|---|---|'];
  POINTS.forEach(([, label], i) => {
    stepLines.push(`| ${i === 0 ? `navigation to ${label}` : label} | ${byRate.map((steps) => (steps[i].paired ? pairedCell(steps[i].paired) : 'no run has both ends')).join(' | ')} |`);
  });
  console.log(`\nThe same steps paired by run, this build minus the build --against (the median difference, its 95% interval, the runs in which this build's step was shorter, and the verdict):\n`);
  console.log(stepLines.join('\n'));
}
console.log(`\nJSON: ${JSON.stringify(json)}`);
