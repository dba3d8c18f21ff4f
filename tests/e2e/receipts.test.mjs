// Signed consent receipts, checked by an independent JOSE implementation (npm `jose`), not by
// Accord's own code: signatures, tampering, the wrong key, the key's non-extractability, the
// hash chain, and delivery to an endpoint that is down for a while, across a reload.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { createHash } from 'node:crypto';
import { compactVerify, importJWK, decodeProtectedHeader, calculateJwkThumbprint, generateKeyPair, exportJWK } from 'jose';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { BASE, CHROMIUM, launch, openPage, visit, banner, ran, withConfig } from './helpers.mjs';

let browser;
let collector;
let collectorUp = false;
// When set, the next receipt is refused with a 400 and a reason, as a real collector does.
let refuseNext = false;
// What the collector stored: one entry per receipt id, in order of first arrival. Like a real
// collector it is idempotent: a repeat (a pagehide beacon, then the next page's POST) gets the
// same answer and is not stored twice.
const received = [];
const posts = [];
before(async () => {
  browser = await launch();
  collector = http.createServer((req, res) => {
    res.setHeader('Access-Control-Allow-Origin', '*');
    res.setHeader('Access-Control-Allow-Headers', 'Content-Type');
    res.setHeader('Access-Control-Allow-Methods', 'POST');
    if (req.method === 'OPTIONS') { res.statusCode = 204; return res.end(); }
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      if (!collectorUp) { res.statusCode = 503; return res.end('down'); }
      if (refuseNext) {
        refuseNext = false;
        res.statusCode = 400;
        res.setHeader('Content-Type', 'application/json');
        return res.end(JSON.stringify({ error: 'bad_timestamp', message: 'payload.consentTimestamp: refused by the test' }));
      }
      posts.push(req.headers['content-type']);
      const id = JSON.parse(Buffer.from(body.split('.')[1], 'base64url').toString()).consentReceiptID;
      let index = received.findIndex((r) => r.id === id);
      if (index < 0) index = received.push({ id, type: req.headers['content-type'], jws: body }) - 1;
      res.setHeader('Content-Type', 'application/json');
      res.end(JSON.stringify({ countersignature: `cs-${index + 1}` }));
    });
  });
  await new Promise((resolve) => collector.listen(0, '127.0.0.1', resolve));
});
after(async () => {
  await browser?.close();
  await new Promise((resolve) => collector.close(resolve));
});

const b64urlSha256 = (text) => createHash('sha256').update(text).digest('base64url');
const receipts = (page) => page.evaluate(() => window.Accord.receipts());
// The same, with a page that has no store to list yet (its `Accord.receipts()` rejects) read as none.
const receiptsOrNone = (page) => page.evaluate(() => window.Accord.receipts().catch(() => []));
// Polls until `check(receipts)` holds (waitForFunction cannot await a promise), or fails;
// `read` reads the receipts.
async function until(page, check, what, read = receipts) {
  for (let i = 0; i < 100; i++) {
    const list = await read(page);
    if (check(list)) return list;
    await page.waitForTimeout(100);
  }
  throw new Error(`timed out waiting until ${what}`);
}
const receiptCount = (page, n) => until(page, (list) => list.length >= n, `${n} receipts exist`);
// The page's next call of `crypto.subtle[method]` waits until `window.__release()` is called
// (which appears once it is waiting); later calls go through at once.
const holdFirstCall = (page, method) => page.evaluate((method) => {
  const subtle = crypto.subtle;
  const real = subtle[method].bind(subtle);
  let held = true;
  subtle[method] = (...args) => {
    if (!held) return real(...args);
    held = false;
    return new Promise((resolve) => { window.__release = () => resolve(real(...args)); });
  };
}, method);

// The page's `crypto.subtle.sign` rejects with an OperationError: its next `count` calls or,
// with `granting`, every call for a receipt that grants that category. Other calls go through.
const failSigns = (page, count = 1, granting = null) => page.evaluate(([count, granting]) => {
  const subtle = crypto.subtle;
  const real = subtle.sign.bind(subtle);
  const grants = (data) => {
    const payload = new TextDecoder().decode(data).split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    return JSON.parse(atob(payload)).accord.granted.categories.includes(granting);
  };
  let failing = count;
  subtle.sign = (algorithm, key, data) => {
    if (granting ? !grants(data) : failing === 0) return real(algorithm, key, data);
    failing -= 1;
    return Promise.reject(new DOMException('the test fails this signature', 'OperationError'));
  };
}, [count, granting]);

// From now on, the page's localStorage cannot take `accord_unsigned` (as if it were full).
const fillStorage = (page) => page.evaluate(() => {
  const setItem = Storage.prototype.setItem;
  Storage.prototype.setItem = function (key, value) {
    if (key === 'accord_unsigned') throw new DOMException('the test fills the storage', 'QuotaExceededError');
    return setItem.call(this, key, value);
  };
});

// A page whose receipts go to this file's collector, which is up or down; what it received
// before is cleared.
async function withCollector(up) {
  collectorUp = up;
  received.length = 0;
  posts.length = 0;
  const context = await browser.newContext();
  const { page } = await openPage(context);
  const endpoint = `http://127.0.0.1:${collector.address().port}/v1/receipts`;
  await withConfig(page, (c) => { c.receipts = { endpoint }; });
  return { context, page };
}

// A page at /en/ whose acceptance's receipt this file's collector, down, failed to take once.
async function acceptedUndelivered() {
  const { context, page } = await withCollector(false);
  await visit(page, '/en/');
  await page.evaluate(() => window.Accord.acceptAll());
  await until(page, (list) => list.length === 1 && list[0].attempts >= 1, 'a delivery was tried');
  return { context, page };
}

// A new context's page at /en/ with its banner shown, and the receipt jobs' console errors.
// `init`, when given, runs first in every page view of the context (Playwright's init script).
// Also collects the warnings that name `accord_unsigned`.
async function bannerWithErrors(init) {
  const context = await browser.newContext();
  const { page } = await openPage(context);
  const errors = [];
  const warnings = [];
  page.on('console', (m) => {
    if (m.type() === 'error' && m.text().includes('receipts: ')) errors.push(m.text());
    if (m.type() === 'warning' && m.text().includes('accord_unsigned')) warnings.push(m.text());
  });
  if (init) await page.addInitScript(init);
  assert.equal(await visit(page, '/en/'), 'ready');
  await banner(page).waitFor({ state: 'visible' });
  return { context, page, errors, warnings };
}
// Waits until `messages` (the console's errors or warnings that a test collects) has `count`
// entries, and checks it has no more.
async function reported(page, messages, count = 1) {
  for (let i = 0; i < 100 && messages.length < count; i++) await page.waitForTimeout(50);
  assert.equal(messages.length, count, `${count} reported: ${messages.join('\n')}`);
}
// Opens the panel and waits until its "Your consent records" lists at least `n` records (the
// list is filled from IndexedDB once the panel opens); their texts, newest first.
async function records(page, n) {
  await page.evaluate(() => window.Accord.showPreferences());
  const items = page.locator('[data-accord="records"] .accord-record');
  await items.nth(n - 1).waitFor();
  return items.allTextContents();
}
// The panel's "Download my records (JSON)", parsed (the panel open).
async function downloaded(page) {
  const download = page.waitForEvent('download');
  await page.locator('[data-accord="records-download"]').click();
  const chunks = [];
  for await (const chunk of await (await download).createReadStream()) chunks.push(chunk);
  return JSON.parse(Buffer.concat(chunks).toString());
}
// Checks that the page's store holds two receipts, jose-verified: an acceptance of all (the
// choice `accepted`, when given), then a refusal chained to it and in force, with nothing
// left waiting.
async function acceptedThenRefused(page, accepted) {
  const list = await receiptCount(page, 2);
  if (accepted) assert.equal(list[0].id, accepted, 'the acceptance is the choice made first');
  await page.waitForTimeout(300);
  assert.equal((await receipts(page)).length, 2, 'one receipt for each choice');
  const bodies = [];
  for (const r of list) {
    const { payload } = await compactVerify(r.jws, await importJWK(decodeProtectedHeader(r.jws).jwk, 'ES256'));
    bodies.push(JSON.parse(new TextDecoder().decode(payload)));
  }
  assert.deepEqual(bodies[0].accord.granted.categories, ['analytics', 'marketing', 'necessary', 'preferences'], 'the first receipt is the acceptance');
  assert.deepEqual(bodies[1].accord.granted.categories, ['necessary'], 'the second is the refusal');
  assert.equal(bodies[1].accord.prev, b64urlSha256(list[0].jws), 'chained in the order made');
  assert.equal(list[1].id, (await page.evaluate(() => window.Accord.consent())).id, 'the choice in force is the later one');
  assert.equal(await page.evaluate(() => localStorage.getItem('accord_unsigned')), null, 'nothing kept once both are signed');
}

test('each choice is a JWS that jose verifies with the embedded key; tampering and a wrong key fail', async () => {
  const context = await browser.newContext();
  const { page } = await openPage(context);
  await visit(page, '/en/');
  await banner(page).locator('[data-accord="accept-all"]').click();
  const [record] = await receiptCount(page, 1);
  const consent = await page.evaluate(() => window.Accord.consent());
  assert.equal(record.id, consent.id);

  const header = decodeProtectedHeader(record.jws);
  assert.equal(header.alg, 'ES256');
  assert.equal(header.kid, await calculateJwkThumbprint(header.jwk, 'sha256'), 'kid is the RFC 7638 thumbprint');
  const key = await importJWK(header.jwk, 'ES256');
  const { payload } = await compactVerify(record.jws, key);
  const body = JSON.parse(new TextDecoder().decode(payload));
  assert.equal(body.consentReceiptID, consent.id);
  assert.equal(body.piiPrincipalId, header.kid);
  assert.equal(body.version, 'KI-CR-v1.1.0');
  assert.equal(body.collectionMethod, 'banner');
  assert.equal(body.language, 'en');
  assert.deepEqual(body.accord.granted.categories, ['analytics', 'marketing', 'necessary', 'preferences']);
  assert.deepEqual(body.accord.denied.categories, ['personalised']);
  assert.equal(body.accord.prev, null);
  assert.match(body.accord.textsSha256, /^[A-Za-z0-9_-]{43}$/);

  // One character of the payload changed: the signature no longer holds.
  const [h, p, s] = record.jws.split('.');
  const forged = JSON.stringify({ ...body, accord: { ...body.accord, denied: { categories: [], services: [] } } });
  await assert.rejects(compactVerify(`${h}.${Buffer.from(forged).toString('base64url')}.${s}`, key));
  const flipped = p.slice(0, 10) + (p[10] === 'A' ? 'B' : 'A') + p.slice(11);
  await assert.rejects(compactVerify(`${h}.${flipped}.${s}`, key));
  // Another key (a forger's) does not verify it either.
  const other = await generateKeyPair('ES256');
  await assert.rejects(compactVerify(record.jws, other.publicKey));
  assert.ok((await exportJWK(other.publicKey)).x !== header.jwk.x);
  await context.close();
});

test('a choice whose page reloads at once, on accord:consent, still gets its receipt, signed at the next page view', async () => {
  const context = await browser.newContext();
  const { page } = await openPage(context);
  // The site reloads as soon as the visitor chooses (a common way to start what was allowed):
  // the receipt's signing, which waits for IndexedDB and WebCrypto, has not ended by then.
  await page.addInitScript(() => {
    if (sessionStorage.getItem('reloaded')) return;
    addEventListener('accord:consent', () => { sessionStorage.setItem('reloaded', '1'); location.reload(); });
  });
  await visit(page, '/en/');
  await banner(page).locator('[data-accord="accept-all"]').click();
  await page.waitForFunction(() => sessionStorage.getItem('reloaded') && window.__accord.state === 'ready');
  const [record] = await receiptCount(page, 1);
  const consent = await page.evaluate(() => window.Accord.consent());
  assert.equal(record.id, consent.id, 'the receipt is for the choice made before the reload');
  const { payload } = await compactVerify(record.jws, await importJWK(decodeProtectedHeader(record.jws).jwk, 'ES256'));
  const body = JSON.parse(new TextDecoder().decode(payload));
  assert.equal(body.collectionMethod, 'banner');
  assert.equal(body.language, 'en');
  assert.equal(body.consentTimestamp, Math.floor(Date.parse(consent.timestamp) / 1000), 'stamped with the time of the choice');
  assert.deepEqual(body.accord.granted.categories, ['analytics', 'marketing', 'necessary', 'preferences']);
  await page.waitForFunction(() => localStorage.getItem('accord_unsigned') === null, null, { timeout: 5000 }); // nothing kept once signed
  // Another page view signs nothing again.
  await visit(page, '/en/');
  await page.waitForTimeout(500);
  assert.equal((await receipts(page)).length, 1);
  await context.close();
});

test('two choices made in one task before the page reloads each get a receipt, in the order made', async () => {
  const context = await browser.newContext();
  const { page } = await openPage(context);
  assert.equal(await visit(page, '/en/'), 'ready');
  await banner(page).waitFor({ state: 'visible' });
  // Nothing is signed on this page view: its first signature waits for ever (and the second
  // job waits for the first).
  await holdFirstCall(page, 'sign');
  const reloaded = page.waitForEvent('framenavigated');
  const kept = await page.evaluate(() => {
    window.Accord.acceptAll();
    window.Accord.rejectAll();
    const kept = localStorage.getItem('accord_unsigned');
    location.reload();
    return kept;
  });
  assert.equal(kept.split('\n').length, 2, `both choices kept, a line each: ${kept}`);
  await reloaded;
  await page.waitForFunction(() => window.__accord.state === 'ready');
  await acceptedThenRefused(page);
  await context.close();
});

test('a choice whose receipt fails to be signed is signed again before the next choice, and the chain keeps the order made', async () => {
  const { context, page, errors } = await bannerWithErrors();
  // This page view's first signature fails; the ones after it go through.
  await failSigns(page);
  const accepted = await page.evaluate(() => { window.Accord.acceptAll(); return window.Accord.consent().id; });
  await reported(page, errors);
  assert.match(errors[0], /the test fails this signature/);
  const kept = await page.evaluate(() => localStorage.getItem('accord_unsigned'));
  assert.ok(kept.startsWith('site script|') && kept.includes(`.${accepted}.`) && !kept.includes('\n'), `the acceptance is kept: ${kept}`);
  assert.equal((await receipts(page)).length, 0);
  // The refusal's job signs the acceptance first, on this page view.
  await page.evaluate(() => window.Accord.rejectAll());
  await acceptedThenRefused(page, accepted);
  assert.equal(errors.length, 1, 'no error once signing works again');
  await context.close();
});

test('while signing keeps failing, each choice waits in the order made, and the next page view signs them all', async () => {
  const { context, page, errors } = await bannerWithErrors();
  // The first two signatures fail: the acceptance's, then its second try in the refusal's job.
  await failSigns(page, 2);
  const accepted = await page.evaluate(() => { window.Accord.acceptAll(); return window.Accord.consent().id; });
  await reported(page, errors);
  await page.evaluate(() => window.Accord.rejectAll());
  await reported(page, errors, 2);
  await page.waitForTimeout(500);
  assert.equal((await receipts(page)).length, 0, 'nothing signed out of order');
  const kept = (await page.evaluate(() => localStorage.getItem('accord_unsigned'))).split('\n');
  assert.equal(kept.length, 2, `both choices kept: ${kept}`);
  assert.ok(kept[0].startsWith('site script|') && kept[0].includes(`.${accepted}.`), `the acceptance first: ${kept[0]}`);
  await visit(page, '/en/');
  await acceptedThenRefused(page, accepted);
  assert.equal(errors.length, 2, 'no error on the page view that signed them');
  await context.close();
});

test('with localStorage full, a choice after a failed signature is still signed on the same page view', async () => {
  const { context, page, errors } = await bannerWithErrors();
  // Nothing can be kept for the next page view, and the first signature fails.
  await fillStorage(page);
  await failSigns(page);
  await page.evaluate(() => window.Accord.acceptAll());
  await reported(page, errors);
  // The refusal is not waiting anywhere: it is signed now rather than lost.
  const refused = await page.evaluate(() => { window.Accord.rejectAll(); return window.Accord.consent().id; });
  const [only] = await receiptCount(page, 1);
  assert.equal(only.id, refused);
  assert.equal(await page.evaluate(() => localStorage.getItem('accord_unsigned')), null);
  await context.close();
});

test('with localStorage full, a new choice is signed even while an earlier kept one keeps failing', async () => {
  const { context, page, errors } = await bannerWithErrors();
  // Every signature of a receipt that grants marketing fails.
  await failSigns(page, 0, 'marketing');
  const accepted = await page.evaluate(() => { window.Accord.acceptAll(); return window.Accord.consent().id; });
  await reported(page, errors);
  await fillStorage(page);
  // The refusal cannot be kept, so its job signs it before trying the kept acceptance again.
  const refused = await page.evaluate(() => { window.Accord.rejectAll(); return window.Accord.consent().id; });
  await reported(page, errors, 2);
  const list = await receiptCount(page, 1);
  assert.deepEqual(list.map((r) => r.id), [refused], 'the refusal is signed, not lost');
  assert.ok((await page.evaluate(() => localStorage.getItem('accord_unsigned'))).includes(`.${accepted}.`), 'the acceptance still waits');
  await context.close();
});

test('a kept choice that does not read back is reported and dropped; the page works', async () => {
  const { context, page, warnings } = await bannerWithErrors(() => {
    if (!sessionStorage.getItem('seeded')) {
      sessionStorage.setItem('seeded', '1');
      localStorage.setItem('accord_unsigned', 'banner|0|en|<img src=x onerror=alert(1)>');
    }
  });
  await reported(page, warnings, 1);
  assert.ok(warnings[0].includes('<img src=x'), warnings[0]);
  assert.equal(await page.evaluate(() => localStorage.getItem('accord_unsigned')), null);
  assert.equal((await receipts(page)).length, 0, 'no receipt for something never chosen');
  await banner(page).locator('[data-accord="reject-all"]').click();
  await receiptCount(page, 1);
  // With nothing waiting, the next page view has nothing to say about it.
  assert.equal(await visit(page, '/en/'), 'ready');
  await page.waitForTimeout(500);
  assert.equal(warnings.length, 1, warnings.join('\n'));
  assert.equal((await receipts(page)).length, 1);
  await context.close();
});

test('with IndexedDB missing, the choices wait in localStorage, reported; the next page view that has it signs them in order', async () => {
  // The first page view has no IndexedDB, and localStorage holds a line that is not a choice.
  const { context, page, errors, warnings } = await bannerWithErrors(() => {
    if (!sessionStorage.getItem('seeded')) {
      sessionStorage.setItem('seeded', '1');
      sessionStorage.setItem('no-idb', '1');
      localStorage.setItem('accord_unsigned', 'not a choice');
    }
    if (sessionStorage.getItem('no-idb')) Object.defineProperty(window, 'indexedDB', { value: undefined, configurable: true });
  });
  // Each job reports it: the signing's and the delivery's, at the start and for each choice.
  await reported(page, errors, 2);
  // The store of receipts will not open, so the visitor's records say they could not be read
  // (not "No records yet.": receipts may be in it); the line that is not a choice is not listed.
  const unread = 'Your records could not be read in this browser.';
  const items = page.locator('[data-accord="records"] li');
  const download = page.locator('[data-accord="records-download"]');
  await page.evaluate(() => window.Accord.showPreferences());
  await items.first().waitFor();
  assert.deepEqual(await items.allTextContents(), [unread]);
  assert.equal(await download.isDisabled(), true, 'no download that would say there are no records');
  await page.keyboard.press('Escape');
  const accepted = await page.evaluate(() => { window.Accord.acceptAll(); return window.Accord.consent().id; });
  await reported(page, errors, 4);
  await page.evaluate(() => window.Accord.rejectAll());
  await reported(page, errors, 6);
  assert.ok(errors.every((e) => e.includes('IndexedDB')), errors.join('\n'));
  // The visitor still sees both choices in their records, waiting; the line that is not a
  // choice is not one of them.
  const shown = await records(page, 2);
  assert.equal(shown.length, 2, shown.join('\n'));
  assert.ok(shown.every((t) => t.includes('not signed yet; kept in this browser')), shown.join('\n'));
  assert.equal(await items.count(), 3);
  assert.equal(await items.first().textContent(), unread, 'said above the choices waiting');
  assert.equal(await download.isEnabled(), true, 'the choices waiting can be downloaded');
  assert.ok(!shown[0].includes('Analytics') && shown[1].includes('Analytics'), `the refusal, then the acceptance: ${shown.join('\n')}`);
  const kept = (await page.evaluate(() => localStorage.getItem('accord_unsigned'))).split('\n');
  assert.equal(kept.length, 3, `both choices kept after the line already there: ${kept}`);
  assert.equal(kept[0], 'not a choice', 'nothing is dropped before the store can be read');
  assert.ok(kept[1].includes(`.${accepted}.`), `the acceptance before the refusal: ${kept[1]}`);
  assert.deepEqual(warnings, []);
  await page.evaluate(() => sessionStorage.removeItem('no-idb'));
  await visit(page, '/en/');
  await acceptedThenRefused(page, accepted);
  assert.equal(warnings.length, 1, `the line that is not a choice is reported, then dropped: ${warnings.join('\n')}`);
  assert.equal(errors.length, 6, 'no error once IndexedDB is there');
  await context.close();
});

test('with IndexedDB missing and no choice waiting, the visitor\'s records say they could not be read, and why on the console; no download', async () => {
  const { context, page, errors: jobs } = await bannerWithErrors(() => Object.defineProperty(window, 'indexedDB', { value: undefined, configurable: true }));
  // Nothing is kept, so the start queues only the delivery job, which reports it first.
  await reported(page, jobs);
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.evaluate(() => window.Accord.showPreferences());
  const items = page.locator('[data-accord="records"] li');
  await items.first().waitFor();
  assert.deepEqual(await items.allTextContents(), ['Your records could not be read in this browser.']);
  // Nothing to download that would be true: the button is off, not a click that saves nothing.
  assert.equal(await page.locator('[data-accord="records-download"]').isDisabled(), true);
  await reported(page, errors);
  assert.match(errors[0], /^Accord: .*IndexedDB/);
  await context.close();
});

test('without IndexedDB, a choice localStorage cannot keep is signed into the page view\'s memory; the choices kept there still wait for IndexedDB', async () => {
  // Page view 1: no IndexedDB, so the acceptance waits in localStorage. Page view 2: no
  // IndexedDB, and localStorage reads but refuses writes. Page view 3: both work.
  const { context, page } = await bannerWithErrors(() => {
    if (window !== window.top) return; // the demo's frames are not page views
    const view = Number(sessionStorage.getItem('view') ?? 0) + 1;
    sessionStorage.setItem('view', String(view));
    if (view < 3) Object.defineProperty(window, 'indexedDB', { value: undefined, configurable: true });
    if (view === 2) {
      const real = Storage.prototype.setItem;
      Storage.prototype.setItem = function (...args) {
        if (this === localStorage) throw new DOMException('The quota has been exceeded.', 'QuotaExceededError');
        return real.apply(this, args);
      };
    }
  });
  const accepted = await page.evaluate(() => { window.Accord.acceptAll(); return window.Accord.consent().id; });
  const kept = await page.evaluate(() => localStorage.getItem('accord_unsigned'));
  assert.ok(kept.includes(`.${accepted}.`) && !kept.includes('\n'), `the acceptance is kept: ${kept}`);

  await visit(page, '/en/');
  const refusedId = await page.evaluate(() => { window.Accord.rejectAll(); return window.Accord.consent().id; });
  const inMemory = await until(page, (l) => l.length === 1, 'the refusal is signed in memory', receiptsOrNone);
  assert.equal(inMemory[0].id, refusedId);
  await page.waitForTimeout(300);
  assert.equal(await page.evaluate(() => localStorage.getItem('accord_unsigned')), kept, 'the acceptance still waits, untouched');
  const shown = await records(page, 2);
  assert.equal(shown.filter((t) => t.includes('not signed yet')).length, 1, shown.join('\n'));

  await visit(page, '/en/');
  const signed = await receiptCount(page, 1);
  assert.equal(signed[0].id, accepted, 'the next page view with IndexedDB signs the acceptance');
  assert.equal(await page.evaluate(() => localStorage.getItem('accord_unsigned')), null);
  await context.close();
});

test('the private key cannot be exported, and stays the same across page views', async () => {
  const context = await browser.newContext();
  const { page } = await openPage(context);
  await visit(page, '/en/');
  await banner(page).locator('[data-accord="reject-all"]').click();
  await receiptCount(page, 1);
  const result = await page.evaluate(() => new Promise((resolve) => {
    const open = indexedDB.open('accord');
    open.onsuccess = () => {
      const get = open.result.transaction('keys').objectStore('keys').get('visitor');
      get.onsuccess = async () => {
        const key = get.result.private;
        let error = null;
        try { await crypto.subtle.exportKey('jwk', key); } catch (e) { error = e.name; }
        let pkcs8 = null;
        try { await crypto.subtle.exportKey('pkcs8', key); } catch (e) { pkcs8 = e.name; }
        resolve({ extractable: key.extractable, type: key.type, usages: key.usages, error, pkcs8 });
      };
    };
  }));
  assert.deepEqual(result, { extractable: false, type: 'private', usages: ['sign'], error: 'InvalidAccessError', pkcs8: 'InvalidAccessError' });
  const first = decodeProtectedHeader((await receipts(page))[0].jws).kid;
  await visit(page, '/en/');
  await page.evaluate(() => window.Accord.acceptAll());
  const [, second] = await receiptCount(page, 2);
  assert.equal(decodeProtectedHeader(second.jws).kid, first, 'one browser, one key');
  await context.close();
});

test('two tabs making the browser\'s first key at the same moment: one key, kept and used by both', async () => {
  const context = await browser.newContext();
  const first = (await openPage(context)).page;
  await visit(first, '/en/');
  const second = (await openPage(context)).page;
  await visit(second, '/en/');
  // The first tab's new key waits, unstored, until the test releases it: by then the second
  // tab has made, stored and used a key of its own.
  await holdFirstCall(first, 'exportKey');
  await first.evaluate(() => window.Accord.rejectAll());
  await first.waitForFunction(() => typeof window.__release === 'function');
  await second.evaluate(() => window.Accord.accept(['analytics']));
  await receiptCount(second, 1);
  await first.evaluate(() => window.__release());
  const chain = await receiptCount(first, 2);
  const headers = chain.map((r) => decodeProtectedHeader(r.jws));
  assert.equal(headers[1].kid, headers[0].kid, 'one browser, one key');
  for (const [i, r] of chain.entries()) {
    await compactVerify(r.jws, await importJWK(headers[i].jwk, 'ES256'));
  }
  const payloads = chain.map((r) => JSON.parse(Buffer.from(r.jws.split('.')[1], 'base64url').toString()));
  assert.deepEqual(payloads.map((p) => p.piiPrincipalId), [headers[0].kid, headers[0].kid]);
  assert.equal(payloads[1].accord.prev, b64urlSha256(chain[0].jws));
  await context.close();
});

test('a key record that is not a key is replaced by a new key, and the next receipt is signed', async () => {
  const context = await browser.newContext();
  const { page } = await openPage(context);
  await visit(page, '/en/');
  await page.evaluate(() => window.Accord.acceptAll());
  await receiptCount(page, 1);
  await page.evaluate(() => new Promise((resolve, reject) => {
    const open = indexedDB.open('accord');
    open.onsuccess = () => {
      const put = open.result.transaction('keys', 'readwrite').objectStore('keys').put({ private: 'not a key', kid: 'x' }, 'visitor');
      put.onsuccess = () => { open.result.close(); resolve(); };
      put.onerror = () => reject(put.error);
    };
  }));
  await page.evaluate(() => window.Accord.rejectAll());
  const chain = await receiptCount(page, 2);
  const header = decodeProtectedHeader(chain[1].jws);
  await compactVerify(chain[1].jws, await importJWK(header.jwk, 'ES256'));
  assert.notEqual(header.kid, decodeProtectedHeader(chain[0].jws).kid, 'a new key');
  const stored = await page.evaluate(() => new Promise((resolve) => {
    const open = indexedDB.open('accord');
    open.onsuccess = () => {
      const get = open.result.transaction('keys').objectStore('keys').get('visitor');
      get.onsuccess = () => { open.result.close(); resolve({ isKey: get.result.private instanceof CryptoKey, kid: get.result.kid }); };
    };
  }));
  assert.deepEqual(stored, { isKey: true, kid: header.kid });
  await context.close();
});

test('a key that IndexedDB stores but does not give back is reported once, and the page goes on', async () => {
  const context = await browser.newContext();
  const { page } = await openPage(context);
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  // Reads of the key find nothing, whatever was stored: without a bound, Accord would make
  // and store keys for ever.
  await page.addInitScript(() => {
    const get = IDBObjectStore.prototype.get;
    IDBObjectStore.prototype.get = function (key) { return get.call(this, key === 'visitor' ? 'nothing here' : key); };
  });
  await visit(page, '/en/');
  await page.evaluate(() => window.Accord.acceptAll());
  for (let i = 0; i < 50 && !errors.some((e) => e.includes('keep the signing key')); i++) await page.waitForTimeout(100);
  await page.waitForTimeout(500);
  assert.equal(errors.filter((e) => e.includes('keep the signing key') && e.includes('IndexedDB did not give it back')).length, 1, errors.join('\n'));
  assert.equal((await page.evaluate(() => window.Accord.consent())).categories.analytics, true, 'the choice holds');
  assert.deepEqual(await receipts(page), [], 'no receipt without a key');
  await context.close();
});

test('receipts form a hash chain: deleting one leaves a detectable gap', async () => {
  const context = await browser.newContext();
  const { page } = await openPage(context);
  await visit(page, '/en/');
  await page.evaluate(() => window.Accord.acceptAll());
  await page.evaluate(() => window.Accord.rejectAll());
  await page.evaluate(() => window.Accord.accept(['analytics']));
  const chain = await receiptCount(page, 3);
  const payloads = chain.map((r) => JSON.parse(Buffer.from(r.jws.split('.')[1], 'base64url').toString()));
  assert.equal(payloads[0].accord.prev, null);
  assert.equal(payloads[1].accord.prev, b64urlSha256(chain[0].jws));
  assert.equal(payloads[2].accord.prev, b64urlSha256(chain[1].jws));
  assert.deepEqual(chain.map((r) => r.seq), [1, 2, 3]);

  // Someone deletes the middle receipt: the third no longer links to what comes before it.
  const kept = [chain[0], chain[2]];
  const broken = kept.findIndex((r, i) => i > 0 &&
    JSON.parse(Buffer.from(r.jws.split('.')[1], 'base64url').toString()).accord.prev !== b64urlSha256(kept[i - 1].jws));
  assert.equal(broken, 1, 'the gap shows at the receipt after the deleted one');
  await context.close();
});

test('two tabs choosing at the same moment: neither receipt is lost, and the chain keeps the order they were made in', async () => {
  const context = await browser.newContext();
  const first = (await openPage(context)).page;
  await visit(first, '/en/');
  await first.evaluate(() => window.Accord.acceptAll());
  await receiptCount(first, 1);
  const second = (await openPage(context)).page;
  await visit(second, '/en/');
  // The first tab's next signature waits until the test releases it: by then it has read the
  // chain (one receipt) and chosen its place, and the second tab stores receipts there.
  await holdFirstCall(first, 'sign');
  const refused = await first.evaluate(() => { window.Accord.rejectAll(); return window.Accord.consent().id; });
  await first.waitForFunction(() => typeof window.__release === 'function');
  // The second tab chooses once it sees the first tab's choice waiting in localStorage (which
  // Chromium passes between tabs a moment later): its job signs that one first, then its own.
  await second.waitForFunction((id) => (localStorage.getItem('accord_unsigned') || '').includes(`.${id}.`), refused);
  await second.evaluate(() => window.Accord.accept(['analytics']));
  await receiptCount(second, 3);
  await first.evaluate(() => window.__release());
  await first.waitForFunction(() => localStorage.getItem('accord_unsigned') === null);
  const chain = await receiptCount(first, 3);
  assert.equal((await receipts(first)).length, 3, 'the first tab stored nothing twice');
  assert.deepEqual(chain.map((r) => r.seq), [1, 2, 3]);
  assert.equal(new Set(chain.map((r) => r.id)).size, 3, 'three choices, three receipts');
  const payloads = chain.map((r) => JSON.parse(Buffer.from(r.jws.split('.')[1], 'base64url').toString()));
  assert.deepEqual(payloads.map((p) => p.accord.granted.categories.includes('marketing')), [true, false, false]);
  assert.equal(chain[1].id, refused, "the first tab's refusal, made first, comes second");
  const accepted = (await second.evaluate(() => window.Accord.consent())).id;
  assert.equal(chain[2].id, accepted, "the second tab's choice, made last, comes last");
  assert.ok((await first.evaluate(() => document.cookie)).includes(`.${accepted}.`), 'and it is the one the consent cookie holds');
  assert.deepEqual(payloads[2].accord.granted.categories, ['analytics', 'necessary']);
  assert.equal(payloads[1].accord.prev, b64urlSha256(chain[0].jws));
  assert.equal(payloads[2].accord.prev, b64urlSha256(chain[1].jws));
  await context.close();
});

test('with the endpoint down for N choices, then back, all N arrive exactly once and in chain order, across a reload', async () => {
  const { context, page } = await withCollector(false);
  await visit(page, '/en/');
  await page.evaluate(() => window.Accord.acceptAll());
  await page.evaluate(() => window.Accord.rejectAll());
  await page.evaluate(() => window.Accord.accept(['preferences']));
  const pending = await receiptCount(page, 3);
  assert.deepEqual(pending.map((r) => r.delivered), [false, false, false]);
  await until(page, (list) => list[0].attempts >= 1, 'a delivery was tried');
  assert.equal(received.length, 0);

  collectorUp = true;
  await visit(page, '/en/'); // the next page view flushes the outbox
  await until(page, (list) => list.every((r) => r.delivered), 'all are delivered');
  await page.waitForTimeout(500);
  const mine = (await receipts(page)).map((r) => r.jws);
  const arrived = received.map((r) => r.jws).filter((j) => mine.includes(j));
  assert.deepEqual(arrived, mine, 'each stored exactly once, in chain order');
  assert.ok(posts.includes('application/jose'), 'delivered as application/jose');
  assert.deepEqual((await receipts(page)).map((r) => r.countersignature), ['cs-1', 'cs-2', 'cs-3'], 'countersignatures are kept');
  await context.close();
});

test('a receipt the endpoint refuses keeps its reason, stays in the browser, and does not block the next', async () => {
  const { context, page } = await withCollector(true);
  refuseNext = true;
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await visit(page, '/en/');
  await page.evaluate(() => window.Accord.acceptAll());
  await until(page, (list) => list.length === 1 && list[0].refused, 'the first is refused');
  await page.evaluate(() => window.Accord.rejectAll());
  const list = await until(page, (l) => l.length === 2 && l[1].delivered, 'the second is delivered');
  assert.deepEqual(list[0].refused, { status: 400, error: 'bad_timestamp', message: 'payload.consentTimestamp: refused by the test' });
  assert.equal(list[0].delivered, false);
  assert.ok(list[0].jws, 'the refused receipt is kept, signed');
  assert.ok(errors.some((e) => e.includes('refused') && e.includes('bad_timestamp')), errors.join('\n'));
  // Not sent again: the next page view delivers nothing new.
  await visit(page, '/en/');
  await page.waitForTimeout(500);
  assert.equal(received.length, 1);
  await page.evaluate(() => window.Accord.showPreferences());
  const items = page.locator('[data-accord="records"] .accord-record');
  await items.nth(1).waitFor();
  assert.match(await items.nth(1).textContent(), /refused by the site/);
  await context.close();
});

test('the records follow the receipts while the panel stays open: a delivery that succeeds on its retry turns "kept in this browser" into "sent to the site"', async () => {
  const { context, page } = await acceptedUndelivered();
  await page.evaluate(() => window.Accord.showPreferences());
  const items = page.locator('[data-accord="records"] .accord-record');
  await items.first().waitFor();
  assert.equal(await items.count(), 1);
  assert.match(await items.first().textContent(), /kept in this browser$/, 'not delivered yet');
  // The retry comes 1 to 2 s after the failure; the panel is neither closed nor reopened.
  collectorUp = true;
  await page.locator('[data-accord="records"] .accord-record', { hasText: 'sent to the site' }).waitFor({ timeout: 10_000 });
  assert.equal(await items.count(), 1, 'the same record, listed once');
  assert.equal(received.length, 1);
  assert.ok(await page.locator('[data-accord="panel"]').isVisible(), 'the panel stayed open');
  await context.close();
});

test('with the panel closed, the receipts\' work does not read the records again; open, it does', async () => {
  const { context, page } = await acceptedUndelivered();
  await records(page, 1);
  await page.keyboard.press('Escape');
  await page.waitForTimeout(300); // a read begun while the panel was open ends
  // From now on, each change to the records list is counted (the list stays in the closed
  // panel, hidden).
  await page.locator('[data-accord="records"]').evaluate((list) => {
    window.__listChanges = 0;
    new MutationObserver((m) => { window.__listChanges += m.length; }).observe(list, { childList: true, subtree: true, characterData: true });
  });
  const changes = () => page.evaluate(() => window.__listChanges);
  // Each failed delivery ends the receipts' jobs; the retries come 1, 2, 4... s (and up to
  // 1 s) apart.
  const tried = (n) => until(page, (list) => list[0].attempts >= n, `delivery attempt ${n}`);
  await tried(((await receipts(page))[0].attempts) + 1);
  await page.waitForTimeout(500);
  assert.equal(await changes(), 0, 'the closed panel\'s list was not read again');
  // The same jobs with the panel open: the list is read again (so the count above could
  // have seen it).
  await page.evaluate(() => window.Accord.showPreferences());
  await page.waitForFunction(() => window.__listChanges > 0);
  await page.waitForTimeout(300);
  await page.evaluate(() => { window.__listChanges = 0; });
  await tried(((await receipts(page))[0].attempts) + 1);
  await page.waitForFunction(() => window.__listChanges > 0, null, { timeout: 2000 });
  await context.close();
});

test('without an endpoint, receipts are still made and kept', async () => {
  const context = await browser.newContext();
  const { page } = await openPage(context);
  await withConfig(page, (c) => { delete c.receipts; });
  await visit(page, '/');
  await banner(page).locator('[data-accord="reject-all"]').click();
  const [record] = await receiptCount(page, 1);
  assert.equal(record.delivered, false);
  assert.equal(JSON.parse(Buffer.from(record.jws.split('.')[1], 'base64url').toString()).language, 'zh-CN');
  await context.close();
});

test('the panel shows "Your consent records", and downloads them as JSON', async () => {
  const context = await browser.newContext({ acceptDownloads: true });
  const { page } = await openPage(context);
  await visit(page, '/en/');
  await banner(page).locator('[data-accord="reject-all"]').click();
  await page.evaluate(() => window.Accord.accept(['analytics']));
  // The demo sends its receipts to its collector.
  const mine = await until(page, (list) => list.length >= 2 && list.every((r) => r.delivered), 'both reached the collector');
  await page.evaluate(() => window.Accord.showPreferences());
  const items = page.locator('[data-accord="records"] .accord-record');
  await items.nth(1).waitFor();
  assert.equal(await items.count(), 2);
  assert.match(await items.nth(0).textContent(), /Strictly necessary, Analytics/, 'newest first, with what it granted');
  assert.match(await items.nth(0).textContent(), /sent to the site/);

  const download = page.waitForEvent('download');
  await page.locator('[data-accord="records-download"]').click();
  const file = await download;
  assert.equal(file.suggestedFilename(), 'consent-records.json');
  const chunks = [];
  for await (const chunk of await file.createReadStream()) chunks.push(chunk);
  const saved = JSON.parse(Buffer.concat(chunks).toString());
  assert.deepEqual(saved.map((r) => r.jws), mine.map((r) => r.jws), 'the download is the signed records themselves');
  for (const r of saved) {
    const header = decodeProtectedHeader(r.jws);
    await compactVerify(r.jws, await importJWK(header.jwk, 'ES256'));
  }
  await context.close();
});

test('a choice waiting for its receipt is in the visitor\'s records and their download, marked as waiting; once signed, it is listed once', async () => {
  const { context, page, errors } = await bannerWithErrors();
  await failSigns(page);
  const accepted = await page.evaluate(() => { window.Accord.acceptAll(); return window.Accord.consent().id; });
  await reported(page, errors);
  const line = await page.evaluate(() => localStorage.getItem('accord_unsigned'));
  assert.deepEqual(await receipts(page), [], 'Accord.receipts() gives the signed receipts only');
  const waiting = await records(page, 1);
  assert.equal(waiting.length, 1, waiting.join('\n'));
  const [shown] = waiting;
  assert.match(shown, /Strictly necessary, Preferences, Analytics, Marketing/);
  assert.match(shown, /not signed yet; kept in this browser/);
  const file = await downloaded(page);
  assert.equal(file.length, 1);
  const [saved] = file;
  assert.equal(saved.id, accepted);
  assert.equal(saved.waiting, true);
  assert.equal(saved.jws, undefined, 'nothing signed to download yet');
  assert.deepEqual(saved.categories, ['analytics', 'marketing', 'necessary', 'preferences']);
  assert.equal(saved.time, (await page.evaluate(() => window.Accord.consent())).timestamp, 'the time of the choice');

  // The refusal's job signs the acceptance, then the refusal.
  await page.evaluate(() => window.Accord.rejectAll());
  await acceptedThenRefused(page, accepted);
  // The acceptance's line back in localStorage, as a page view leaves it that ends between
  // storing a receipt and forgetting its line: the records list that receipt once.
  await page.evaluate((line) => localStorage.setItem('accord_unsigned', line), line);
  const signed = await records(page, 2);
  assert.equal(signed.length, 2, signed.join('\n'));
  assert.ok(signed.every((t) => !t.includes('not signed yet')), signed.join('\n'));
  assert.equal(errors.length, 1);
  await context.close();
});

// The page's wasm instance, to read its memory's size (grown in 64 KiB pages, never shrunk).
const watchMemory = (page) => page.addInitScript(() => {
  const Instance = WebAssembly.Instance;
  WebAssembly.Instance = function (module, imports) {
    const instance = new Instance(module, imports);
    window.__wasmExports = instance.exports;
    return instance;
  };
  WebAssembly.Instance.prototype = Instance.prototype;
});
const memory = (page) => page.evaluate(() => Object.values(window.__wasmExports).find((v) => v instanceof WebAssembly.Memory).buffer.byteLength);
// The JavaScript values the wasm holds, which live outside its memory: the glue's array of them
// (wasm-bindgen's heap, the wasm being built without reference types), found among the page's
// arrays by its shape: 1,024 empty slots, then undefined, null, true and false, then the slots
// handed out. A free slot holds the index of the next free one. Its length grows when more
// values are held at once than ever before, and never shrinks.
async function held(page) {
  const cdp = await page.context().newCDPSession(page);
  try {
    const { result: proto } = await cdp.send('Runtime.evaluate', { expression: 'Array.prototype' });
    const { objects } = await cdp.send('Runtime.queryObjects', { prototypeObjectId: proto.objectId });
    const { result } = await cdp.send('Runtime.callFunctionOn', {
      objectId: objects.objectId,
      returnByValue: true,
      functionDeclaration: `function () {
        return this.filter((a) => a.length >= 1028 && a[0] === undefined && a[1025] === null && a[1026] === true && a[1027] === false)
          .map((a) => ({ slots: a.length, values: a.slice(1028).filter((v) => typeof v !== 'number').map((v) => Object.prototype.toString.call(v)).sort() }));
      }`,
    });
    assert.equal(result.value.length, 1, `one array of the wasm's JavaScript values in the page, found ${result.value.length}`);
    return result.value[0];
  } finally {
    await cdp.detach();
  }
}
// `choices` choices 40 ms apart, rejecting and accepting all in turn.
async function choose(page, choices) {
  for (let i = 0; i < choices; i++) {
    await page.evaluate((i) => (i % 2 ? window.Accord.acceptAll() : window.Accord.rejectAll()), i);
    await page.waitForTimeout(40);
  }
}

test('neither the wasm\'s memory nor the JavaScript values it holds grow with use: 300 panel openings and 60 choices after the first', async () => {
  const context = await browser.newContext();
  const { page } = await openPage(context);
  // Without an endpoint (delivery has a test of its own, below).
  await withConfig(page, (c) => { delete c.receipts; });
  await watchMemory(page);
  assert.equal(await visit(page, '/en/'), 'ready');
  await banner(page).waitFor({ state: 'visible' });
  const use = async (openings, choices) => {
    for (let i = 0; i < openings; i++) {
      await page.evaluate(() => window.Accord.showPreferences());
      await page.waitForTimeout(15);
      await page.keyboard.press('Escape');
    }
    await choose(page, choices);
  };
  // Warm up: the panel built, the database and the key made, a few receipts kept.
  await use(20, 6);
  await until(page, (list) => list.length === 6, '6 receipts');
  const before = await memory(page);
  const heldBefore = await held(page);
  await use(300, 60);
  await until(page, (list) => list.length === 66, '66 receipts');
  const after = await memory(page);
  assert.equal(after, before, `the wasm's memory grew from ${before} to ${after} B`);
  assert.deepEqual(await held(page), heldBefore, 'the JavaScript values the wasm holds are the same as before');
  await context.close();
});

test('with the endpoint down, one retry waits at a time and 60 failed deliveries leave the memory and the values held as they were; back, all arrive in order', async () => {
  const { context, page } = await withCollector(false);
  await watchMemory(page);
  // The retries waiting: timeouts of a second or more (the backoff starts at 1 s) scheduled
  // and not yet run. The page's own scripts set none.
  await page.addInitScript(() => {
    const waiting = new Set();
    window.__retries = waiting;
    const { setTimeout, clearTimeout } = window;
    window.setTimeout = function (callback, delay, ...args) {
      if (!(delay >= 1000)) return setTimeout.call(this, callback, delay, ...args);
      const id = setTimeout.call(this, (...given) => { waiting.delete(id); return callback(...given); }, delay, ...args);
      waiting.add(id);
      return id;
    };
    window.clearTimeout = function (id) { waiting.delete(id); return clearTimeout.call(this, id); };
  });
  assert.equal(await visit(page, '/en/'), 'ready');
  await banner(page).waitFor({ state: 'visible' });
  // Warm up: the database and the key made, delivery tried after each choice.
  await choose(page, 6);
  await until(page, (list) => list.length === 6 && list[0].attempts >= 6, '6 receipts, each choice followed by a delivery');
  const before = await memory(page);
  const heldBefore = await held(page);
  await choose(page, 60);
  await until(page, (list) => list.length === 66 && list[0].attempts >= 66, '66 receipts, each choice followed by a delivery');
  assert.equal(received.length, 0);
  assert.equal(await page.evaluate(() => window.__retries.size), 1, 'one retry is scheduled, however many deliveries failed');
  const after = await memory(page);
  assert.equal(after, before, `the wasm's memory grew from ${before} to ${after} B`);
  assert.deepEqual(await held(page), heldBefore, 'the JavaScript values the wasm holds are the same as before');

  // Back: the next choice's delivery takes every receipt waiting, in chain order.
  collectorUp = true;
  await choose(page, 1);
  const list = await until(page, (l) => l.length === 67 && l.every((r) => r.delivered), 'all 67 are delivered');
  assert.deepEqual(received.map((r) => r.jws), list.map((r) => r.jws), 'each stored once, in chain order');
  await context.close();
});

// A Chromium whose own settings block every site's cookies and site data, as a visitor sets
// them (Settings, Privacy, "Don't allow sites to save data"): a profile of its own, since the
// setting is the browser's, not a page's.
async function launchKeepingNoSiteData(args = []) {
  const dir = mkdtempSync(join(tmpdir(), 'accord-no-site-data-'));
  mkdirSync(join(dir, 'Default'));
  writeFileSync(join(dir, 'Default', 'Preferences'),
    JSON.stringify({ profile: { default_content_setting_values: { cookies: 2 } } }));
  const context = await chromium.launchPersistentContext(dir, { ...CHROMIUM, args: [...CHROMIUM.args, ...args] });
  return { context, done: async () => { await context.close(); rmSync(dir, { recursive: true, force: true }); } };
}

test('in a browser that keeps no data for the site, each choice still gets its receipt: signed with a key of the page view, delivered, verifiable, listed', async () => {
  const endpoint = `http://127.0.0.1:${collector.address().port}/v1/receipts`;
  collectorUp = true;
  const { context, done } = await launchKeepingNoSiteData();
  try {
    const { page, console } = await openPage(context);
    await withConfig(page, (c) => { c.receipts = { endpoint }; });
    assert.equal(await visit(page, '/en/'), 'ready');
    // The browser itself refuses: no cookie, no localStorage, no IndexedDB.
    const refused = await page.evaluate(async () => {
      document.cookie = 'probe=1; path=/';
      let storage = 'readable';
      try { void window.localStorage; } catch (e) { storage = e.name; }
      const idb = await new Promise((resolve) => {
        const open = indexedDB.open('probe');
        open.onsuccess = () => resolve('opened');
        open.onerror = () => resolve(open.error.name);
      });
      return { cookie: document.cookie, storage, idb };
    });
    assert.deepEqual(refused, { cookie: '', storage: 'SecurityError', idb: 'UnknownError' });
    assert.ok(!(await ran(page)).some((c) => c === 'analytics' || c === 'marketing'), 'nothing gated before a choice');
    // Before a choice the visitor's records say there are none (nothing could be kept), and
    // the download is an empty list.
    await banner(page).locator('[data-accord="preferences"]').click();
    await page.locator('[data-accord="records"] li').first().waitFor();
    assert.deepEqual(await page.locator('[data-accord="records"] li').allTextContents(), ['No records yet.']);
    assert.deepEqual(await downloaded(page), []);
    await page.keyboard.press('Escape');
    assert.deepEqual(await receipts(page), [], 'Accord.receipts() too');

    await banner(page).locator('[data-accord="accept-all"]').click();
    await page.waitForFunction(() => window.__demo.ran.analytics);
    const accepted = await page.evaluate(() => window.Accord.consent().id);
    const refusedId = await page.evaluate(() => { window.Accord.rejectAll(); return window.Accord.consent().id; });
    const list = await until(page, (l) => l.length === 2 && l.every((r) => r.delivered), 'both receipts are delivered', receipts);
    assert.deepEqual(list.map((r) => r.id), [accepted, refusedId], 'in the order made');
    const headers = list.map((r) => decodeProtectedHeader(r.jws));
    for (const [i, r] of list.entries()) {
      await compactVerify(r.jws, await importJWK(headers[i].jwk, 'ES256'));
      assert.equal(headers[i].kid, await calculateJwkThumbprint(headers[i].jwk, 'sha256'));
    }
    assert.equal(headers[0].kid, headers[1].kid, "one key for the page view's receipts");
    const payloads = list.map((r) => JSON.parse(Buffer.from(r.jws.split('.')[1], 'base64url').toString()));
    assert.equal(payloads[0].accord.prev, null);
    assert.equal(payloads[1].accord.prev, b64urlSha256(list[0].jws), 'chained');
    const mine = list.map((r) => r.jws);
    assert.deepEqual(received.map((r) => r.jws).filter((j) => mine.includes(j)), mine, 'the endpoint has both, in order');
    assert.deepEqual(list.map((r) => r.countersignature !== null), [true, true]);

    // The visitor's records list them, as receipts that reached the site.
    const shown = await records(page, 2);
    assert.equal(shown.length, 2, shown.join('\n'));
    assert.ok(shown.every((t) => !t.includes('not signed yet')), shown.join('\n'));

    const warned = console.filter((m) => m.type === 'warning').map((m) => m.text);
    const memory = warned.filter((t) => t.includes("receipts are kept in this page view's memory only") && t.includes('IndexedDB'));
    assert.equal(memory.length, 1, `said once: ${warned.join('\n')}`);
    assert.ok(warned.some((t) => t.includes('cookie') && t.includes('this page')), warned.join('\n'));
    assert.ok(!console.some((m) => m.type === 'pageerror'), JSON.stringify(console));

    // The next page view starts again: no receipt is left, and its choice has a key of its own.
    assert.equal(await visit(page, '/en/'), 'ready');
    assert.deepEqual(await receipts(page), [], "the next page view's start has none");
    await page.evaluate(() => window.Accord.acceptAll());
    const next = await until(page, (l) => l.length === 1 && l[0].delivered, "the next page view's receipt is delivered", receipts);
    assert.notEqual(decodeProtectedHeader(next[0].jws).kid, headers[0].kid);
    // Neither page view's start reported an error: earlier page views could leave nothing to
    // sign or deliver in this browser, which the site could not fix. (Each start's job runs
    // before its page view's choices' jobs, so by now it has.)
    const errors = console.filter((m) => m.type === 'error' && m.text.startsWith('Accord:')).map((m) => m.text);
    assert.deepEqual(errors, [], 'no error from Accord');
  } finally {
    await done();
  }
});

// The demo under a name that is not localhost: Chromium gives such an http page no
// `crypto.subtle`, as it would a site on the web served without TLS. `INSECURE_ARGS` make
// Chromium resolve the name to the demo.
const INSECURE_HOST = 'accord-shop.test';
const INSECURE_ARGS = [`--host-resolver-rules=MAP ${INSECURE_HOST} 127.0.0.1`];

// The demo's /en/ under `INSECURE_HOST`.
function insecureUrl() {
  const url = new URL('/en/', BASE);
  url.hostname = INSECURE_HOST;
  return url.href;
}

// The receipt jobs' errors on `page`'s console, collected as they come.
function receiptErrors(page) {
  const errors = [];
  page.on('console', (m) => { if (m.type() === 'error' && m.text().includes('Accord: receipts: ')) errors.push(m.text()); });
  return errors;
}

test('on a page served over plain http (not a secure context, so no WebCrypto), the choice works and waits unsigned, with an error that names the cause', async () => {
  const insecure = await chromium.launch({ ...CHROMIUM, args: [...CHROMIUM.args, ...INSECURE_ARGS] });
  try {
    const { page, console } = await openPage(await insecure.newContext());
    const errors = receiptErrors(page);
    const url = insecureUrl();
    assert.equal(await visit(page, url), 'ready');
    assert.deepEqual(await page.evaluate(() => [window.isSecureContext, typeof crypto.subtle]), [false, 'undefined']);
    assert.ok(!(await ran(page)).some((c) => c === 'analytics' || c === 'marketing'), 'nothing gated before a choice');

    await banner(page).locator('[data-accord="accept-all"]').click();
    await page.waitForFunction(() => window.__demo.ran.analytics && window.__demo.ran.marketing);
    const accepted = await page.evaluate(() => window.Accord.consent().id);
    await reported(page, errors);
    assert.deepEqual(errors, ['Accord: receipts: could not sign: WebCrypto is only in secure contexts (https), and this page is not one; its choices wait unsigned in localStorage']);
    const kept = await page.evaluate(() => localStorage.getItem('accord_unsigned'));
    assert.ok(kept.includes(`.${accepted}.`), `the choice waits in localStorage: ${kept}`);
    assert.deepEqual(await receipts(page), [], 'no receipt could be signed');
    const shown = await records(page, 1);
    assert.equal(shown.length, 1, shown.join('\n'));
    assert.match(shown[0], /not signed yet; kept in this browser/);
    assert.ok(!console.some((m) => m.type === 'pageerror'), JSON.stringify(console));

    // The next page view keeps the choice, and says the same once for the choice still waiting.
    assert.equal(await visit(page, url), 'ready');
    assert.equal(await banner(page).isVisible(), false, 'the choice holds');
    await page.waitForFunction(() => window.__demo.ran.analytics);
    await reported(page, errors, 2);
    assert.equal(await page.evaluate(() => localStorage.getItem('accord_unsigned')), kept, 'still waiting, not dropped');
  } finally {
    await insecure.close();
  }
});

test('on a page served over plain http in a browser that keeps no data for the site, the error says the choice has no receipt, where nothing keeps it to wait', async () => {
  const { context, done } = await launchKeepingNoSiteData(INSECURE_ARGS);
  try {
    const { page, console } = await openPage(context);
    const errors = receiptErrors(page);
    assert.equal(await visit(page, insecureUrl()), 'ready');
    const facts = await page.evaluate(() => {
      let storage = 'readable';
      try { void window.localStorage; } catch (e) { storage = e.name; }
      return [window.isSecureContext, typeof crypto.subtle, storage];
    });
    assert.deepEqual(facts, [false, 'undefined', 'SecurityError']);

    await banner(page).locator('[data-accord="accept-all"]').click();
    await page.waitForFunction(() => window.__demo.ran.analytics && window.__demo.ran.marketing);
    await reported(page, errors);
    assert.deepEqual(errors, ['Accord: receipts: could not sign: WebCrypto is only in secure contexts (https), and this page is not one; localStorage would not keep this choice (blocked or full), so it has no receipt']);
    assert.deepEqual(await receipts(page), [], 'no receipt could be signed');
    assert.ok(!console.some((m) => m.type === 'pageerror'), JSON.stringify(console));
  } finally {
    await done();
  }
});
