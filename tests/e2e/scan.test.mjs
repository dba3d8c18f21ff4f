// accord-scan, the Rust scanner, run as a user would run it: against the demo it finds no
// violation; against a page broken on purpose it finds exactly its three faults: a tracker
// outside gating, an undeclared cookie, and a cookie outliving its declaration; served over
// plain http from an address that is not loopback, it also finds that no choice got its receipt.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { spawn } from 'node:child_process';
import { readFileSync, mkdtempSync, existsSync } from 'node:fs';
import { tmpdir, networkInterfaces } from 'node:os';
import { join } from 'node:path';
import { BASE } from './helpers.mjs';

const root = new URL('../../', import.meta.url).pathname;
const SCAN = process.env.ACCORD_SCAN_BIN || join(root, 'target/debug/accord-scan');
const fixtures = join(root, 'tests/fixtures/scan');
let server;
let port;

const GIF = Buffer.from('R0lGODlhAQABAAAAACH5BAEKAAEALAAAAAABAAEAAAICTAEAOw==', 'base64');
before(async () => {
  server = http.createServer((req, res) => {
    const path = req.url.split('?')[0];
    const send = (type, body) => { res.setHeader('Content-Type', type); res.end(body); };
    if (path === '/' || path === '/index.html') return send('text/html', readFileSync(join(fixtures, 'broken.html'), 'utf8').replaceAll('__PORT__', port));
    if (path === '/second.html') return send('text/html', readFileSync(join(fixtures, 'second.html')));
    if (path === '/config.json') return send('application/json', readFileSync(join(fixtures, 'config.json')));
    if (path === '/js/rogue.js') return send('text/javascript', readFileSync(join(fixtures, 'rogue.js')));
    if (path === '/js/fx-stats.js') return send('text/javascript', readFileSync(join(fixtures, 'fx-stats.js')));
    if (path === '/px.gif') return send('image/gif', GIF);
    const dist = path.match(/^\/accord\/(accord\.js|accord_bg\.wasm|accord\.css)$/);
    if (dist) return send({ js: 'text/javascript', wasm: 'application/wasm', css: 'text/css' }[dist[1].split('.').pop()], readFileSync(join(root, 'dist', dist[1])));
    res.statusCode = 404;
    res.end('not found');
  });
  await new Promise((resolve) => server.listen(0, resolve));
  port = server.address().port;
});
after(() => new Promise((resolve) => server.close(resolve)));

// Runs the scanner without blocking this process, which serves the broken fixture.
async function scan(url) {
  const out = mkdtempSync(join(tmpdir(), 'accord-scan-'));
  const run = await new Promise((resolve) => {
    const child = spawn(SCAN, [url, '--out', out, '--pages', '5']);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
  assert.ok(existsSync(join(out, 'report.json')), `no report: ${run.stdout}${run.stderr}`);
  return { status: run.status, stdout: run.stdout, report: JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')), html: readFileSync(join(out, 'report.html'), 'utf8') };
}

test('scanning the demo reports no violation, and the scan saw the demo work', async () => {
  const { status, report, stdout } = await scan(new URL('/en/', BASE).href);
  assert.equal(status, 0, stdout);
  assert.deepEqual(report.violations, []);
  assert.ok(report.pages.length >= 3, report.pages.join(' '));
  const accepted = report.requests.filter((r) => r.state === 'accept all').map((r) => r.url);
  assert.ok(accepted.some((u) => u.endsWith('/js/stats.js')), 'Accept all ran the analytics script');
  assert.ok(!report.requests.some((r) => r.state !== 'accept all' && r.url.endsWith('/js/stats.js')), 'and nothing else did');
  const names = report.cookies.filter((c) => c.state === 'accept all').map((c) => c.name);
  assert.ok(names.includes('lt_stats_id') && names.includes('accord_consent'), names.join(' '));
  assert.ok(report.cookies.every((c) => c.party === 'first'), 'the demo sets first-party cookies only');
});

test('scanning a broken page reports exactly its three violations, and exits non-zero', async () => {
  const { status, report, html, stdout } = await scan(`http://127.0.0.1:${port}/`);
  assert.equal(status, 1, stdout);
  const found = report.violations.map((v) => [v.kind, v.subject]);
  assert.deepEqual(found, [
    ['tracker before consent', `http://localhost:${port}/px.gif`],
    ['undeclared cookie', 'fx_rogue'],
    ['cookie outlives its declaration', 'fx_stats'],
  ], JSON.stringify(report.violations, null, 2));
  assert.deepEqual(report.violations[0].states, ['no choice', 'reject all']);
  assert.equal(report.violations[0].service, 'fx-stats');
  assert.match(report.violations[2].detail, /lives 365 days, declared at most 30/);
  assert.ok(report.pages.includes(`http://127.0.0.1:${port}/second.html`), 'it followed the link');
  assert.match(html, /3 violation\(s\)/);
  assert.ok(!/<script/i.test(html), 'the HTML report is self-contained and runs nothing');
});

test('scanning a page served over plain http (not a secure context) also reports that its choices get no signed receipt, and why', async () => {
  // The same page from this machine's own address rather than loopback: Chromium counts such
  // an http page as insecure, as it would a site on the web without TLS, and gives it no WebCrypto.
  const own = Object.values(networkInterfaces()).flat().filter((i) => !i.internal);
  const address = own.find((i) => i.family === 'IPv4') ?? own[0];
  assert.ok(address, 'the machine has an address other than loopback to serve the page on');
  const host = address.family === 'IPv4' ? address.address : `[${address.address}]`;
  const page = `http://${host}:${port}/`;
  const { status, report, html, stdout } = await scan(page);
  assert.equal(status, 1, stdout);
  assert.deepEqual(report.violations.map((v) => [v.kind, v.subject]), [
    ['tracker before consent', `http://localhost:${port}/px.gif`],
    ['undeclared cookie', 'fx_rogue'],
    ['cookie outlives its declaration', 'fx_stats'],
    ['choice without a signed receipt', page],
  ], JSON.stringify(report.violations, null, 2));
  const [, , , unsigned] = report.violations;
  assert.deepEqual(unsigned.states, ['reject all', 'accept all']);
  assert.match(unsigned.detail, /not a secure context \(served over plain http\).*serve the site over https; the page reported: Accord: receipts: could not sign: WebCrypto is only in secure contexts/);
  assert.match(stdout, /choice without a signed receipt/);
  assert.match(html, /4 violation\(s\)/);
});
