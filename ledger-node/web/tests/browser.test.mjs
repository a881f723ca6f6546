// End-to-end tests of the citizens' page in a real headless browser (Debian
// chromium driven by playwright-core) against a real `ledger-node --demo`.
// Tampering is simulated by intercepting the node's answers with page.route.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { ed25519 } from '@noble/curves/ed25519.js';
import { startBrowser, startNode } from './harness.mjs';
import { base64ToBytes, bytesToBase64, keyId, parseNote } from '../src/verify.js';

let node;
let browser;
let log;
let village; // a village with received money, projects and subsidies
let household; // a household reference paid in that village

const TIMEOUT = { timeout: 30_000 };

before(async () => {
  node = await startNode();
  browser = await startBrowser();
  log = await (await fetch(`${node.url}/v1/log`)).json();
  const { regions } = await (await fetch(`${node.url}/v1/regions`)).json();
  village = regions
    .filter((r) => r.level === 'village' && r.totals.households > 0 && r.totals.projects > 0 && r.totals.received_fen > 0)
    .sort((a, b) => b.totals.received_fen - a.totals.received_fen)[0];
  assert.ok(village, 'the demo has a village with money, projects and subsidies');
  const flows = await (await fetch(`${node.url}/v1/regions/${village.code}/flows`)).json();
  household = flows.subsidies.items[0].household;
});

after(async () => {
  await browser?.close();
  await node?.stop();
});

/** A fresh page that records console errors and every request URL. */
async function newPage(t) {
  const page = await browser.context.newPage();
  const problems = [];
  const requests = [];
  page.on('pageerror', (e) => problems.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error' && !/Failed to load resource: the server responded with a status of 404/.test(m.text())) problems.push(m.text());
  });
  page.on('request', (r) => requests.push(r.url()));
  t.after(() => page.close());
  return { page, problems, requests };
}

/** Catches rendering slips such as "null", "undefined", "[object …]" or "NaN" in the page text. */
async function assertCleanText(page) {
  const text = await page.locator('main').textContent();
  assert.doesNotMatch(text, /\bnull\b|undefined|\[object|NaN/);
}

async function clearStorage(page) {
  await page.goto(`${node.url}/`);
  await page.evaluate(() => localStorage.clear());
}

/** Routes /v1/proof/inclusion through `change(json)`. */
async function tamperProofs(page, change) {
  await page.route('**/v1/proof/inclusion**', async (route) => {
    const response = await route.fetch();
    const json = await response.json();
    change(json);
    await route.fulfill({ response, json });
  });
}

function flipHexChar(hex, i) {
  return hex.slice(0, i) + ((parseInt(hex[i], 16) ^ 1).toString(16)) + hex.slice(i + 1);
}

async function openHousehold(page) {
  await page.goto(`${node.url}/#/h/${household}`);
  const summary = page.getByTestId('verify-summary');
  await summary.and(page.locator('[data-status="ok"], [data-status="fail"]')).waitFor(TIMEOUT);
  return summary;
}

describe('the citizens page against a demo node', () => {
  test('serves its own assets with content types, caching and a strict CSP; small bundle', async () => {
    const index = await fetch(`${node.url}/`);
    assert.equal(index.status, 200);
    assert.match(index.headers.get('content-type'), /^text\/html; charset=utf-8/);
    assert.equal(index.headers.get('cache-control'), 'no-cache');
    assert.match(index.headers.get('content-security-policy'), /script-src 'self'/);
    const etag = index.headers.get('etag');
    assert.ok(etag);
    const again = await fetch(`${node.url}/`, { headers: { 'If-None-Match': etag } });
    assert.equal(again.status, 304);
    const html = await index.text();
    const assets = [...html.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]);
    assert.equal(assets.length, 2, 'one script and one stylesheet');
    let gzipped = 0;
    for (const a of assets) {
      const r = await fetch(node.url + a);
      assert.equal(r.status, 200);
      assert.match(r.headers.get('content-type'), a.endsWith('.js') ? /^text\/javascript/ : /^text\/css/);
      assert.match(r.headers.get('cache-control'), /immutable/);
      gzipped += gzipSync(Buffer.from(await r.arrayBuffer())).length;
    }
    assert.ok(gzipped < 150 * 1024, `JS+CSS is ${gzipped} bytes gzipped`);
    const missing = await fetch(`${node.url}/assets/app.000000000000.js`);
    assert.equal(missing.status, 404);
  });

  test('choose a town, then a village: totals, the flow picture, projects and subsidies', async (t) => {
    const { page, problems, requests } = await newPage(t);
    await page.goto(`${node.url}/`);
    await page.getByTestId('town-list').waitFor(TIMEOUT);
    await page.selectOption('#town-select', village.parent);
    await page.selectOption('#village-select', village.code);
    await page.click('#region-go');
    await page.getByTestId('region-name').filter({ hasText: village.name }).waitFor(TIMEOUT);
    assert.match(page.url(), new RegExp(`#/r/${village.code}$`));
    // Totals in 元 with separators, from the node's numbers.
    const received = await page.getByTestId('received').locator('.stat-value').textContent();
    const fen = village.totals.received_fen;
    const yuan = `${Math.floor(fen / 100).toLocaleString('en-US')}.${String(fen % 100).padStart(2, '0')} 元`;
    assert.equal(received, yuan);
    // The Sankey: an SVG with one band per link and nodes labelled in Chinese.
    const svg = page.getByTestId('sankey').locator('svg.sankey');
    await svg.waitFor(TIMEOUT);
    assert.ok((await svg.locator('path').count()) >= 5, 'flow bands drawn');
    const labels = await svg.locator('text').allTextContents();
    assert.ok(labels.some((l) => l.includes(village.name)), 'the village is in the picture');
    assert.ok(labels.some((l) => l.includes('财政')), 'a fund source is in the picture');
    assert.ok((await page.getByTestId('projects').locator('tbody tr').count()) >= 1);
    assert.ok((await page.getByTestId('subsidies').locator('tbody tr').count()) >= 1);
    const masked = await page.getByTestId('subsidies').locator('tbody tr td').first().textContent();
    assert.match(masked, /\*/, 'names are masked');
    await assertCleanText(page);
    assert.deepEqual(problems, []);
    assert.ok(requests.every((u) => u.startsWith(node.url) || u.startsWith('data:')), `only same-origin requests: ${requests.filter((u) => !u.startsWith(node.url))}`);
  });

  test('phone width: the village view fits and the picture scrolls sideways', async (t) => {
    const { page, problems } = await newPage(t);
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${node.url}/#/r/${village.code}`);
    await page.getByTestId('sankey').locator('svg').waitFor(TIMEOUT);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `page is ${overflow}px wider than the phone`);
    assert.deepEqual(problems, []);
  });

  test('search by name finds the village', async (t) => {
    const { page } = await newPage(t);
    await page.goto(`${node.url}/`);
    await page.fill('#search', village.name.slice(0, 2));
    await page.press('#search', 'Enter');
    await page.locator('.search-results a', { hasText: village.name }).first().click(TIMEOUT);
    await page.getByTestId('region-name').filter({ hasText: village.name }).waitFor(TIMEOUT);
  });

  test('fund view: trace a fund from its document number to the payees', async (t) => {
    const { page, problems } = await newPage(t);
    await page.goto(`${node.url}/#/r/${village.code}`);
    const first = page.getByTestId('funds-in').locator('tbody a').first();
    const docNo = await first.textContent();
    await first.click();
    await page.getByTestId('fund-title').waitFor(TIMEOUT);
    assert.match(await page.locator('.region-head').textContent(), new RegExp(docNo.replace(/[()〔〕]/g, '.')));
    await page.getByTestId('sankey').locator('svg').waitFor(TIMEOUT);
    assert.ok((await page.getByTestId('payees').locator('tbody tr').count()) >= 1);
    assert.ok((await page.getByTestId('movements').locator('tbody tr').count()) >= 2);
    await assertCleanText(page);
    assert.deepEqual(problems, []);
  });

  test('check my household: every entry verified in the browser, and the key shown', async (t) => {
    const { page, problems } = await newPage(t);
    await clearStorage(page);
    // From the village list, as a citizen would.
    await page.goto(`${node.url}/#/r/${village.code}`);
    await page.getByTestId('subsidies').locator(`a[href="#/h/${household}"]`).last().click();
    const summary = page.getByTestId('verify-summary');
    await summary.and(page.locator('[data-status="ok"], [data-status="fail"]')).waitFor(TIMEOUT);
    assert.equal(await summary.getAttribute('data-status'), 'ok', await summary.textContent());
    assert.match(await summary.textContent(), /已验证/);
    const entries = page.getByTestId('entries').locator('article.entry');
    const n = await entries.count();
    assert.ok(n >= 1);
    assert.equal(await page.locator('article.entry[data-verify="ok"]').count(), n);
    // Every step listed and passed, with the log key named.
    const steps = await entries.first().locator('.steps li').evaluateAll((lis) => lis.map((li) => [li.dataset.step, li.className]));
    assert.deepEqual(steps.map((s) => s[0]), ['decode', 'leaf', 'signers', 'inclusion', 'checkpoint', 'signature']);
    assert.ok(steps.every((s) => s[1] === 'ok'));
    const keyIdHex = log.log_vkey.split('+')[1];
    assert.equal(await page.getByTestId('key-id').textContent(), keyIdHex);
    await page.getByTestId('consistency').and(page.locator('[data-status="ok"]')).waitFor(TIMEOUT);
    await assertCleanText(page);
    assert.deepEqual(problems, []);
  });

  test('a reversed payment: the reversal entry is fetched and verified too', async (t) => {
    const { page, problems } = await newPage(t);
    // Find a reversed household payment in the demo log.
    let target = null;
    for (let start = 0; !target && start < log.size; start += 1000) {
      const { entries } = await (await fetch(`${node.url}/v1/entries?start=${start}&limit=1000`)).json();
      for (const e of entries) {
        if (e.kind !== 'reversal') continue;
        const t = await (await fetch(`${node.url}/v1/entries/${e.body.Reversal.target_seq}`)).json();
        if (t.entry.kind === 'household_subsidy') {
          target = { seq: t.entry.seq, ref: t.entry.body.HouseholdSubsidy.household, reason: e.body.Reversal.reason };
          break;
        }
      }
    }
    assert.ok(target, 'the demo reverses a household payment');
    await page.goto(`${node.url}/#/h/${target.ref}`);
    await page.getByTestId('verify-summary').and(page.locator('[data-status="ok"], [data-status="fail"]')).waitFor(TIMEOUT);
    assert.equal(await page.getByTestId('verify-summary').getAttribute('data-status'), 'ok');
    const card = page.locator(`article.entry[data-seq="${target.seq}"]`);
    assert.equal(await card.getAttribute('data-verify'), 'ok');
    assert.equal(await card.locator('.steps li[data-step="reversal"]').getAttribute('class'), 'ok');
    assert.match(await card.textContent(), new RegExp(target.reason.slice(0, 6)));
    await assertCleanText(page);
    assert.deepEqual(problems, []);
  });

  test('a tampered inclusion proof is caught', async (t) => {
    const { page } = await newPage(t);
    await tamperProofs(page, (p) => {
      p.hashes[0] = flipHexChar(p.hashes[0], 7);
    });
    const summary = await openHousehold(page);
    assert.equal(await summary.getAttribute('data-status'), 'fail');
    assert.match(await summary.textContent(), /验证失败/);
    const failed = page.locator('article.entry[data-verify="fail"]').first();
    assert.equal(await failed.locator('.steps li.fail').first().getAttribute('data-step'), 'inclusion');
    assert.ok(await failed.locator('details').evaluate((d) => d.open), 'details are opened on failure');
    assert.match(await failed.locator('.steps li.fail').first().textContent(), /根哈希/);
  });

  test('a tampered checkpoint signature is caught', async (t) => {
    const { page } = await newPage(t);
    await tamperProofs(page, (p) => {
      const lines = p.checkpoint.split('\n');
      const i = lines.findIndex((l) => l.startsWith('\u2014 '));
      const parts = lines[i].split(' ');
      const sig = base64ToBytes(parts[2]);
      sig[10] ^= 0x01; // a byte of the Ed25519 signature (after the 4-byte key ID)
      parts[2] = bytesToBase64(sig);
      lines[i] = parts.join(' ');
      p.checkpoint = lines.join('\n');
    });
    await openHousehold(page);
    const failed = page.locator('article.entry[data-verify="fail"]').first();
    await failed.waitFor(TIMEOUT);
    const step = failed.locator('.steps li.fail').first();
    assert.equal(await step.getAttribute('data-step'), 'signature');
    assert.match(await step.textContent(), /签名验证失败/);
  });

  test('a checkpoint with a changed root is caught', async (t) => {
    const { page } = await newPage(t);
    await tamperProofs(page, (p) => {
      const lines = p.checkpoint.split('\n');
      const root = base64ToBytes(lines[2]);
      root[0] ^= 0x80;
      lines[2] = bytesToBase64(root);
      p.checkpoint = lines.join('\n');
    });
    await openHousehold(page);
    const failed = page.locator('article.entry[data-verify="fail"]').first();
    await failed.waitFor(TIMEOUT);
    assert.equal(await failed.locator('.steps li.fail').first().getAttribute('data-step'), 'checkpoint');
  });

  test('an amount changed in the JSON (not in the signed bytes) is caught', async (t) => {
    const { page } = await newPage(t);
    await page.route('**/v1/households/**', async (route) => {
      const response = await route.fetch();
      const json = await response.json();
      json.entries[0].body.HouseholdSubsidy.amount += 100000;
      await route.fulfill({ response, json });
    });
    await openHousehold(page);
    const failed = page.locator('article.entry[data-verify="fail"]').first();
    await failed.waitFor(TIMEOUT);
    const step = failed.locator('.steps li.fail').first();
    assert.equal(await step.getAttribute('data-step'), 'decode');
    assert.match(await step.textContent(), /不一致.*amount/);
  });

  test('changed entry bytes are caught', async (t) => {
    const { page } = await newPage(t);
    await page.route('**/v1/households/**', async (route) => {
      const response = await route.fetch();
      const json = await response.json();
      const raw = base64ToBytes(json.entries[0].raw);
      raw[raw.length - 100] ^= 0x01; // inside the operator signatures
      json.entries[0].raw = bytesToBase64(raw);
      await route.fulfill({ response, json });
    });
    await openHousehold(page);
    const failed = page.locator('article.entry[data-verify="fail"]').first();
    await failed.waitFor(TIMEOUT);
    const failedSteps = await failed.locator('.steps li.fail').evaluateAll((l) => l.map((x) => x.dataset.step));
    assert.ok(failedSteps.includes('leaf'), failedSteps.join(','));
  });

  test('a pinned key catches a node that swaps its log key', async (t) => {
    const { page } = await newPage(t);
    await clearStorage(page);
    // Pin the genuine key after a successful check.
    const summary = await openHousehold(page);
    assert.equal(await summary.getAttribute('data-status'), 'ok');
    await page.getByTestId('pin-key').click();
    await page.getByTestId('key-panel').getByText('已固定在本机').waitFor(TIMEOUT);
    // Now the node answers with its own key, and re-signs the checkpoints with it.
    const sk = ed25519.utils.randomSecretKey();
    const typed = Uint8Array.of(1, ...ed25519.getPublicKey(sk));
    const id = keyId(log.origin, typed);
    const vkey = `${log.origin}+${id.toString(16).padStart(8, '0')}+${bytesToBase64(typed)}`;
    await page.route('**/v1/log', async (route) => {
      const response = await route.fetch();
      const json = await response.json();
      await route.fulfill({ response, json: { ...json, log_vkey: vkey, log_keys: [{ from_size: 0, vkey }] } });
    });
    await tamperProofs(page, (p) => {
      const text = parseNote(p.checkpoint).text;
      const sig = ed25519.sign(new TextEncoder().encode(text), sk);
      const blob = Uint8Array.of(id >>> 24, (id >>> 16) & 255, (id >>> 8) & 255, id & 255, ...sig);
      p.checkpoint = `${text}\n\u2014 ${log.origin} ${bytesToBase64(blob)}\n`;
    });
    await page.reload();
    await page.getByTestId('verify-summary').and(page.locator('[data-status="ok"], [data-status="fail"]')).waitFor(TIMEOUT);
    assert.equal(await page.getByTestId('verify-summary').getAttribute('data-status'), 'fail');
    const failed = page.locator('article.entry[data-verify="fail"]').first();
    const step = failed.locator('.steps li.fail').first();
    assert.equal(await step.getAttribute('data-step'), 'pinned');
    assert.match(await step.textContent(), /与您固定的公钥.*不同/);
    assert.match(await page.getByTestId('key-panel').textContent(), /另一把公钥/);
  });

  test('the key page verifies the latest checkpoint and catches a rewritten history', async (t) => {
    const { page } = await newPage(t);
    await clearStorage(page);
    await page.goto(`${node.url}/#/key`);
    await page.getByTestId('checkpoint-status').and(page.locator('[data-status="ok"]')).waitFor(TIMEOUT);
    await page.getByTestId('consistency').and(page.locator('[data-status="ok"]')).waitFor(TIMEOUT);
    // Pretend this browser saw an older, different tree of a smaller size.
    await page.evaluate((origin) => {
      const seen = JSON.parse(localStorage.getItem('sunshine-ledger.last-checkpoint'));
      const note = seen[origin].note.split('\n');
      note[1] = '100';
      note[2] = 'AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=';
      seen[origin] = { ...seen[origin], size: 100, root: note[2], note: note.join('\n') };
      localStorage.setItem('sunshine-ledger.last-checkpoint', JSON.stringify(seen));
    }, log.origin);
    await page.reload();
    const box = page.getByTestId('consistency').and(page.locator('[data-status="fail"]'));
    await box.waitFor(TIMEOUT);
    assert.match(await box.textContent(), /历史被改写|一致性/);
  });
});
