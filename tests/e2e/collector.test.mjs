// The demo's receipts reach the real accord-collector (behind /collector/ on the demo's own
// origin, SQLite underneath): the browser stores the countersignature it answers with, npm
// `jose` verifies that countersignature with the collector's published JWKS and the receipt
// with its embedded key, and the owner API's proof bundle shows the visitor's intact chain.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { compactVerify, createLocalJWKSet, EmbeddedJWK } from 'jose';
import { BASE, launch, openPage, visit, banner } from './helpers.mjs';

const TOKEN = process.env.ACCORD_COLLECTOR_TOKEN;
let browser;
before(async () => { browser = await launch(); });
after(async () => { await browser?.close(); });

const sha256 = (text) => createHash('sha256').update(text).digest('base64url');

async function delivered(page, n) {
  for (let i = 0; i < 150; i++) {
    const list = await page.evaluate(() => window.Accord.receipts());
    if (list.length >= n && list.every((r) => r.delivered)) return list;
    await page.waitForTimeout(100);
  }
  throw new Error(`${n} receipts were not delivered to the collector`);
}

test('receipts are stored and countersigned by accord-collector, verifiable by anyone', async () => {
  assert.ok(TOKEN, 'ACCORD_COLLECTOR_TOKEN is set by cargo xtask test');
  const context = await browser.newContext();
  const { page } = await openPage(context);
  await visit(page, '/en/');
  await banner(page).locator('[data-accord="accept-all"]').click();
  await page.evaluate(() => window.Accord.rejectAll());
  const list = await delivered(page, 2);

  const jwks = await (await fetch(new URL('/collector/.well-known/jwks.json', BASE))).json();
  const collectorKeys = createLocalJWKSet(jwks);
  for (const record of list) {
    assert.equal(typeof record.countersignature, 'string', 'the browser kept the countersignature');
    const { payload, protectedHeader } = await compactVerify(record.countersignature, collectorKeys);
    assert.equal(protectedHeader.alg, 'EdDSA');
    const claims = JSON.parse(new TextDecoder().decode(payload));
    assert.equal(claims.receiptId, record.id);
    assert.equal(claims.receiptSha256, sha256(record.jws), 'it countersigns exactly this receipt');
    await compactVerify(record.jws, EmbeddedJWK);
  }
  const principal = JSON.parse(Buffer.from(list[0].jws.split('.')[1], 'base64url')).piiPrincipalId;

  // The owner's proof bundle for this visitor: both receipts, linked.
  const proofUrl = new URL(`/collector/v1/owner/principals/${principal}/proof`, BASE);
  assert.equal((await fetch(proofUrl)).status, 401, 'the owner API needs the token');
  const proof = await (await fetch(proofUrl, { headers: { Authorization: `Bearer ${TOKEN}` } })).json();
  assert.deepEqual(proof.receipts.map((r) => r.id), list.map((r) => r.id));
  assert.deepEqual(proof.receipts.map((r) => r.chain), ['start', 'linked']);
  assert.equal(proof.chain.intact, true);
  assert.deepEqual(proof.receipts[1].granted, ['necessary']);

  // A tampered receipt is refused with a reason, and the refusal changes nothing.
  const [h, p, s] = list[0].jws.split('.');
  const forged = JSON.parse(Buffer.from(p, 'base64url'));
  forged.consentReceiptID = crypto.randomUUID();
  const response = await fetch(new URL('/collector/v1/receipts', BASE), {
    method: 'POST',
    headers: { 'Content-Type': 'application/jose' },
    body: `${h}.${Buffer.from(JSON.stringify(forged)).toString('base64url')}.${s}`,
  });
  assert.equal(response.status, 400);
  assert.equal((await response.json()).error, 'bad_signature');
  await context.close();
});
