// End-to-end tests of the citizens' page in a real headless browser (Debian
// chromium driven by playwright-core) against a real `ledger-node --demo`.
// Tampering is simulated by intercepting the node's answers with page.route.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { ed25519 } from '@noble/curves/ed25519.js';
import { startBrowser, startNode } from './harness.mjs';
import { base64ToBytes, bytesToBase64, keyId, parseNote } from '../src/verify.js';
import { procedureFixture, routeProcedures } from './procedure-fixture.mjs';

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
    // Projects: by stage from /v1/regions/{code}/projects (or the flows' table on a node without it).
    await page.getByTestId('projects').locator('[data-testid="project-item"], tbody tr').first().waitFor(TIMEOUT);
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
    assert.match(await summary.textContent(), /✔ 已记录且未被篡改/);
    const entries = page.getByTestId('entries').locator('article.entry');
    const n = await entries.count();
    assert.ok(n >= 1);
    assert.equal(await page.locator('article.entry[data-verify="ok"]').count(), n);
    // Every step listed and passed, with the log key named.
    const steps = await entries.first().locator('.steps li').evaluateAll((lis) => lis.map((li) => [li.dataset.step, li.className]));
    // (then the confirmation entry's own check, for a confirmed payment)
    assert.deepEqual(steps.map((s) => s[0]).slice(0, 6), ['decode', 'leaf', 'signers', 'inclusion', 'checkpoint', 'signature']);
    assert.ok(steps.slice(6).every((s) => ['household', 'confirmation', 'reversal'].includes(s[0])), steps.join(' '));
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
    assert.ok(await failed.locator('details.verify-details').evaluate((d) => d.open), 'details are opened on failure');
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
      // The first payment (a household's entries also list its registration).
      json.entries.find((e) => e.body.HouseholdSubsidy).body.HouseholdSubsidy.amount += 100000;
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
    // The technical part is folded under the plain paragraph while all is well.
    await page.getByTestId('checkmark-meaning').waitFor(TIMEOUT);
    await page.getByTestId('checkpoint-status').and(page.locator('[data-status="ok"]')).waitFor({ state: 'attached', ...TIMEOUT });
    await page.getByTestId('consistency').and(page.locator('[data-status="ok"]')).waitFor({ state: 'attached', ...TIMEOUT });
    assert.equal(await page.getByTestId('tech-details').evaluate((d) => d.open), false);
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
    await box.waitFor(TIMEOUT); // visible: a failure opens the technical details
    assert.match(await box.textContent(), /历史被改写|一致性/);
  });
});

// ------------------------------------------------------------------------
// The policy's procedures on the page (issue 12, item 7): notices with their
// windows and status, a notice's lines, registered households, objections,
// payments with business date, notice line, confirmation and warnings.
//
// `procedureFixture` (procedure-fixture.mjs) is an answer of the read API as
// issue 12 specifies it, served with page.route, so that every status (and a
// warning) is shown whatever the demo data holds; the last test reads the
// demo node's own answers.

describe('the policy\'s procedures on the page', () => {
  test('a village shows its notices with windows and status badges, households, objections', async (t) => {
    const { page, problems } = await newPage(t);
    const fx = procedureFixture(village.code, village.name);
    await routeProcedures(page, fx, village.code);
    await page.goto(`${node.url}/#/r/${village.code}`);
    const notices = page.getByTestId('notices');
    await notices.getByTestId('notice').first().waitFor(TIMEOUT);
    // Open notices first, each with its window and badge.
    const items = notices.getByTestId('notice');
    assert.equal(await items.count(), 2);
    const open = items.first();
    assert.match(await open.textContent(), /2020年12月建档立卡申报公告/);
    assert.equal(await open.getByTestId('notice-status').textContent(), '公示中');
    assert.equal(await open.getByTestId('notice-window').textContent(), '公示期 2020-12-28 至 2021-01-03（7 天）');
    const ended = items.nth(1);
    assert.equal(await ended.getByTestId('notice-status').textContent(), '已结束');
    assert.match(await ended.textContent(), /发放公示.*2019-03-01 至 2019-03-07/);
    assert.notEqual(await open.getByTestId('notice-status').getAttribute('class'), await ended.getByTestId('notice-status').getAttribute('class'), 'the two badges look different');
    // Registered households per category; a pre-rule registration is flagged.
    const reg = page.getByTestId('registered');
    await reg.getByTestId('by-category').waitFor(TIMEOUT);
    assert.match(await reg.getByTestId('by-category').textContent(), /低保1 户.*建档立卡低收入户1 户/);
    assert.match(await reg.textContent(), /2018-06-01 起，2020-12-31 止/);
    assert.match(await reg.textContent(), /⚠ 未经公示程序/);
    // Objections with status and dates.
    const objections = page.getByTestId('objections').getByTestId('objection');
    await objections.first().waitFor(TIMEOUT);
    assert.equal(await objections.count(), 3);
    const upheld = page.locator('[data-testid="objection"][data-case="YY-2019-0007"]');
    assert.equal(await upheld.getByTestId('objection-status').textContent(), '属实');
    assert.equal(await upheld.getByTestId('objection-received').textContent(), '2019-03-02');
    assert.equal(await upheld.getByTestId('objection-decided').textContent(), '2019-03-06');
    assert.match(await upheld.textContent(), /来信.*经入户核实属实/);
    const openCase = page.locator('[data-testid="objection"][data-case="YY-2019-0012"]');
    assert.equal(await openCase.getByTestId('objection-status').textContent(), '处理中');
    assert.match(await openCase.textContent(), /12317热线/);
    assert.match(await openCase.textContent(), /第 3 行/);
    await assertCleanText(page);
    assert.deepEqual(problems, []);
  });

  test('payments show the business date, the notice line, the confirmation, and warnings with ⚠ (no plain tick)', async (t) => {
    const { page, problems } = await newPage(t);
    const fx = procedureFixture(village.code, village.name);
    await routeProcedures(page, fx, village.code);
    await page.goto(`${node.url}/#/r/${village.code}`);
    const rows = page.getByTestId('subsidies').locator('tbody tr');
    await rows.first().waitFor(TIMEOUT);
    // Confirmed, with its date and the payment-list line it was paid on.
    const first = rows.nth(0);
    assert.equal(await first.getByTestId('payment-date').textContent(), '2019-03-15 发放');
    assert.equal(await first.getByTestId('confirmation-status').textContent(), '已确认');
    assert.match(await first.textContent(), /2019-03-20 · 明白卡签字/);
    assert.match(await first.textContent(), new RegExp(`发放公示 N-${village.code}-2019-03-PAY 第 1 行`));
    assert.equal(await first.getByTestId('payment-warnings').count(), 0);
    // Pending, with its deadline.
    const third = rows.nth(2);
    assert.equal(await third.getByTestId('confirmation-status').textContent(), '待确认');
    assert.match(await third.textContent(), /期限 2021-01-29/);
    // A payment with a warning: ⚠ and the Chinese message, flagged on the amount; no ✔ anywhere in the row.
    const warned = rows.nth(1);
    assert.equal(await warned.getAttribute('class'), 'has-warnings');
    assert.equal(await warned.getByTestId('confirmation-status').textContent(), '逾期未确认');
    const w = warned.getByTestId('payment-warnings');
    assert.ok(await w.isVisible());
    assert.equal(await w.locator('li').textContent(), '⚠ 发放前未经发放公示（规则施行前的历史记录）');
    assert.equal(await warned.getByTestId('warning-tag').textContent(), '⚠ 有警示');
    assert.doesNotMatch(await warned.textContent(), /✔/);
    // The notice link opens the notice.
    await first.locator('a', { hasText: '第 1 行' }).click();
    await page.getByTestId('notice-title').waitFor(TIMEOUT);
    // Phone width: the new sections fit.
    await page.goto(`${node.url}/#/r/${village.code}`);
    await page.setViewportSize({ width: 390, height: 844 });
    await rows.first().waitFor(TIMEOUT);
    await page.getByTestId('objections').getByTestId('objection').first().waitFor(TIMEOUT);
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `page is ${overflow}px wider than the phone`);
    await assertCleanText(page);
    assert.deepEqual(problems, []);
  });

  test('a notice: its window and each line\'s status', async (t) => {
    const { page, problems } = await newPage(t);
    const fx = procedureFixture(village.code, village.name);
    await routeProcedures(page, fx, village.code);
    await page.goto(`${node.url}/#/n/${encodeURIComponent(fx.notice.notice)}`);
    await page.getByTestId('notice-title').waitFor(TIMEOUT);
    assert.match(await page.getByTestId('notice-title').textContent(), /2019年3月低保金发放公示/);
    assert.equal(await page.getByTestId('notice-title').getByTestId('notice-status').textContent(), '已结束');
    assert.match(await page.getByTestId('notice-window').textContent(), /公示期：2019-03-01 至 2019-03-07（7 天）/);
    const lines = page.getByTestId('notice-lines').locator('tbody tr');
    assert.equal(await lines.count(), 4);
    const statuses = await lines.evaluateAll((trs) => trs.map((tr) => tr.querySelector('[data-testid="line-status"]').textContent));
    assert.deepEqual(statuses, ['已发放', '未发放', '有异议', '已撤回']);
    assert.match(await lines.nth(0).textContent(), /张\*.*最低生活保障.*2019年3月.*350\.00 元.*第 4150 条记录/);
    assert.match(await lines.nth(2).textContent(), /异议 YY-2019-0012/);
    assert.match(await lines.nth(3).textContent(), /已撤回/);
    await assertCleanText(page);
    assert.deepEqual(problems, []);
  });

  test('check my household: a payment with a warning shows ⚠, never a plain green tick; date and confirmation shown', async (t) => {
    const { page, problems } = await newPage(t);
    const fx = procedureFixture(village.code, village.name);
    let first = null;
    await page.route('**/v1/households/**', async (route) => {
      const response = await route.fetch();
      const json = await response.json();
      // The node lists each payment's controls under `payments`, by seq.
      const e = json.entries.find((x) => x.body.HouseholdSubsidy);
      first = e.seq;
      let p = (json.payments || []).find((x) => x.seq === e.seq);
      if (!p) (json.payments ||= []).push((p = { seq: e.seq }));
      Object.assign(p, { warnings: fx.warned.warnings, confirmation: fx.warned.confirmation });
      await route.fulfill({ response, json });
    });
    const summary = await openHousehold(page);
    assert.equal(await summary.getAttribute('data-status'), 'ok', await summary.textContent());
    assert.match(await summary.textContent(), /⚠ 但其中 [1-9]\d* 笔款项未通过审核控制/);
    const card = page.locator(`article.entry[data-seq="${first}"]`);
    assert.equal(await card.getAttribute('data-verify'), 'ok');
    // Two kinds of status: (a) recorded and unaltered, green; (b) the controls, a warning.
    const badge = card.getByTestId('entry-status');
    assert.equal(await badge.textContent(), '✔ 已记录且未被篡改');
    assert.match(await badge.getAttribute('class'), /badge-ok/);
    const controls = card.getByTestId('controls-status');
    assert.equal(await controls.getAttribute('data-status'), 'failed');
    assert.equal(await controls.textContent(), '⚠ 审核控制：1 项未通过');
    assert.match(await controls.getAttribute('class'), /badge-warn/);
    assert.equal(await card.getByTestId('payment-warnings').locator('li').textContent(), '⚠ 发放前未经发放公示（规则施行前的历史记录）');
    assert.match(await card.getByTestId('payment-date').textContent(), /^20\d\d-\d\d-\d\d$/, 'the business date, from the signed bytes');
    assert.equal(await card.getByTestId('confirmation-status').textContent(), '逾期未确认');
    // The other payments of the household without warnings keep their plain tick.
    const others = page.locator(`article.entry[data-verify="ok"]:not([data-seq="${first}"]):not([data-warnings])`);
    if (await others.count()) {
      const o = others.first();
      assert.equal(await o.getByTestId('entry-status').textContent(), '✔ 已记录且未被篡改');
      // (b) is the node's: a control failed without a history warning (an
      // overdue confirmation, a duplicate) is named on the card.
      if (await o.getByTestId('controls-status').getAttribute('data-status') === 'failed') {
        assert.equal(await o.getByTestId('control-findings').count(), 1);
      }
    }
    await assertCleanText(page);
    assert.deepEqual(problems, []);
  });

  test('an entry in format version 1 is refused, naming the version', async (t) => {
    const { page } = await newPage(t);
    await page.route('**/v1/households/**', async (route) => {
      const response = await route.fetch();
      const json = await response.json();
      const raw = base64ToBytes(json.entries[0].raw);
      assert.equal(raw[0], 3);
      raw[0] = 1;
      json.entries[0].raw = bytesToBase64(raw);
      await route.fulfill({ response, json });
    });
    const summary = await openHousehold(page);
    assert.equal(await summary.getAttribute('data-status'), 'fail');
    const failed = page.locator('article.entry[data-verify="fail"]').first();
    const step = failed.locator('.steps li.fail').first();
    assert.equal(await step.getAttribute('data-step'), 'decode');
    assert.match(await step.textContent(), /账本格式版本1（早于业务日期和公示制度），本页面读取版本3/);
    assert.match(await summary.textContent(), /账本格式版本1/);
  });

  test('the demo node: notices, objections and confirmations of its own data', async (t) => {
    // The demo's own procedure data (i12-demo12 on the read API of i12-node12).
    const probe = await fetch(`${node.url}/v1/regions/${village.code}/notices`);
    if (probe.status === 404) {
      t.skip('this node has no /v1/regions/{code}/notices yet');
      return;
    }
    assert.equal(probe.status, 200);
    const get = async (path) => (await fetch(node.url + path)).json();
    // A village whose payment list drew objections (one upheld, one dismissed in the demo).
    const district = (await get('/v1/regions')).regions.find((r) => r.level === 'district');
    const all = (await get(`/v1/regions/${district.code}/objections`)).objections;
    assert.ok(all.some((o) => o.status === 'upheld') && all.some((o) => o.status === 'dismissed'), 'an upheld and a dismissed objection');
    // The village of an upheld objection against a payment-list line (the line is withdrawn).
    const onLine = all.find((o) => o.target && o.target.notice != null && o.status === 'upheld');
    assert.ok(onLine, 'the demo has an upheld objection against a notice line');
    const noticeJson = await get(`/v1/notices/${encodeURIComponent(onLine.target.notice)}`);
    const code = noticeJson.region.code;
    const { notices } = await get(`/v1/regions/${code}/notices`);
    const { objections } = await get(`/v1/regions/${code}/objections`);
    const { page, problems } = await newPage(t);
    await page.goto(`${node.url}/#/r/${code}`);
    await page.getByTestId('notices').getByTestId('notice').first().waitFor(TIMEOUT);
    assert.equal(await page.getByTestId('notices').getByTestId('notice').count(), notices.length);
    // A long list shows its first notices; the rest behind one button.
    const showAll = page.getByTestId('notices').getByTestId('show-all');
    if (notices.length > 6) {
      assert.equal(await page.getByTestId('notices').locator('[data-testid="notice"]:visible').count(), 6);
      await showAll.click();
    }
    assert.equal(await page.getByTestId('notices').locator('[data-testid="notice"]:visible').count(), notices.length);
    const item = page.locator(`[data-testid="notice"][data-notice="${noticeJson.notice}"]`);
    assert.equal(await item.getByTestId('notice-status').textContent(), noticeJson.status_zh);
    // The window's last day is the day before `ends` (the first day it is over).
    const last = new Date(Date.parse(`${noticeJson.ends}T00:00:00Z`) - 86_400_000).toISOString().slice(0, 10);
    assert.equal(await item.getByTestId('notice-window').textContent(), `公示期 ${noticeJson.start} 至 ${last}（${noticeJson.window_days} 天）`);
    // Registered households per category, as the node counts them.
    const registered = await get(`/v1/regions/${code}/households`);
    const counted = Object.values(registered.by_category).filter((n) => n > 0).length;
    if (counted) {
      await page.getByTestId('by-category').waitFor(TIMEOUT);
      assert.equal(await page.getByTestId('by-category').locator('li').count(), counted);
      assert.ok((await page.getByTestId('registrations').locator('tbody tr').count()) >= registered.households.length);
    }
    // Every objection with its status and dates.
    await page.getByTestId('objections').getByTestId('objection').first().waitFor(TIMEOUT);
    assert.equal(await page.getByTestId('objections').getByTestId('objection').count(), objections.length);
    for (const o of objections) {
      const box = page.locator(`[data-testid="objection"][data-case="${o.case_no}"]`);
      assert.equal(await box.getByTestId('objection-status').textContent(), o.status_zh);
      assert.equal(await box.getByTestId('objection-received').textContent(), o.received);
      if (o.decided_date) assert.equal(await box.getByTestId('objection-decided').textContent(), o.decided_date);
    }
    // The notice's page: each line's status as the node says (a withdrawn line, a paid one).
    await item.locator('a').first().click();
    await page.getByTestId('notice-title').waitFor(TIMEOUT);
    const statuses = await page.getByTestId('notice-lines').locator('[data-testid="line-status"]').allTextContents();
    assert.deepEqual(statuses, noticeJson.lines.map((l) => l.status_zh));
    assert.ok(statuses.includes('已撤回'), statuses.join(','));
    await assertCleanText(page);
    // Every objection of the district, each in its region's view, with the node's status.
    await page.goto(`${node.url}/#/r/${district.code}`);
    await page.getByTestId('objections').getByTestId('objection').first().waitFor(TIMEOUT);
    assert.deepEqual(await page.getByTestId('objections').getByTestId('objection-status').allTextContents(), all.map((o) => o.status_zh));
    assert.ok((await page.getByTestId('objections').getByTestId('objection-status').allTextContents()).includes('不属实'));
    assert.deepEqual(problems, []);
  });

  test('the demo node: payments with business date and confirmation; history with warnings shows ⚠, never a plain tick', async (t) => {
    const get = async (path) => (await fetch(node.url + path)).json();
    const { regions } = await get('/v1/regions');
    let warned = null;
    let confirmed = null;
    let code = null;
    let texts = [];
    for (const r of regions.filter((x) => x.level === 'village' && x.totals.households > 0)) {
      const f = await get(`/v1/regions/${r.code}/flows`);
      const items = f.subsidies?.items || [];
      if (!items.length || items[0].confirmation === undefined) {
        t.skip('this node\'s payments carry no confirmation yet');
        return;
      }
      const w = items.find((s) => s.warnings.length && s.reversed_by == null);
      const c = items.find((s) => s.confirmation.status === 'confirmed' && s.notice);
      if (w && c) {
        [warned, confirmed, code, texts] = [w, c, r.code, f.subsidies.warning_texts];
        break;
      }
    }
    assert.ok(warned && confirmed, 'the demo has a village with a confirmed payment and a pre-rule payment with warnings');
    const { page, problems } = await newPage(t);
    await page.goto(`${node.url}/#/r/${code}`);
    const table = page.getByTestId('subsidies');
    await table.locator('tbody tr').first().waitFor(TIMEOUT);
    const ok = table.locator(`tbody tr[data-seq="${confirmed.seq}"]`);
    assert.equal(await ok.getByTestId('payment-date').textContent(), `${confirmed.date} 发放`);
    assert.equal(await ok.getByTestId('confirmation-status').textContent(), '已确认');
    assert.match(await ok.textContent(), new RegExp(`${confirmed.notice.notice} 第 ${confirmed.notice.line + 1} 行`));
    const bad = table.locator(`tbody tr[data-seq="${warned.seq}"]`);
    assert.equal(await bad.getByTestId('payment-date').textContent(), `${warned.date} 发放`);
    assert.deepEqual(await bad.getByTestId('payment-warnings').locator('li').allTextContents(), warned.warnings.map((w) => `⚠ ${texts[w.text].message_zh}`));
    assert.doesNotMatch(await bad.textContent(), /✔/);
    // The same payment on its household's page: verified, but flagged, not a plain tick;
    // a confirmed payment there has its confirmation entry verified as well.
    await page.goto(`${node.url}/#/h/${warned.household}`);
    await page.getByTestId('verify-summary').and(page.locator('[data-status="ok"], [data-status="fail"]')).waitFor(TIMEOUT);
    assert.equal(await page.getByTestId('verify-summary').getAttribute('data-status'), 'ok');
    const card = page.locator(`article.entry[data-seq="${warned.seq}"]`);
    assert.equal(await card.getAttribute('data-verify'), 'ok');
    assert.equal(await card.getByTestId('entry-status').textContent(), '✔ 已记录且未被篡改');
    assert.equal(await card.getByTestId('controls-status').getAttribute('data-status'), 'failed');
    // Each pre-rule warning shown once (review finding 3): inside the control
    // it broke, with its own text, and not again in a separate list.
    // (In the order of the checks, not of the warnings: compared as sets.)
    assert.deepEqual((await card.getByTestId('control-history').locator('li').allTextContents()).sort(), warned.warnings.map((w) => texts[w.text].message_zh).sort());
    assert.equal(await card.getByTestId('payment-warnings').count(), 0);
    assert.equal(await card.getByText(texts[warned.warnings[0].text].message_zh, { exact: true }).count(), 1);
    await page.goto(`${node.url}/#/h/${confirmed.household}`);
    await page.getByTestId('verify-summary').and(page.locator('[data-status="ok"], [data-status="fail"]')).waitFor(TIMEOUT);
    assert.equal(await page.getByTestId('verify-summary').getAttribute('data-status'), 'ok');
    const cc = page.locator(`article.entry[data-seq="${confirmed.seq}"]`);
    assert.equal(await cc.locator('.steps li[data-step="confirmation"]').getAttribute('class'), 'ok');
    assert.equal(await cc.getByTestId('confirmation-status').textContent(), '已确认');
    await assertCleanText(page);
    assert.deepEqual(problems, []);
  });
});
