// Trust that follows the log (issue 15, item 5), in a real headless browser
// against a demo node whose log key was rotated for real (`ledger-node
// prepare-rotation`, then `ledger rotate-log-key` signed by the demo's two
// admins): a browser that pinned the first key follows the endorsed rotation
// and stays green; a rotation the node claims without an endorsement entry is
// a failure; witness cosignatures are required k-of-n when the node names
// witnesses, and too few is a failure, never green.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { ed25519 } from '@noble/curves/ed25519.js';
import { NODE_BIN, repoRoot, startBrowser, startNode } from './harness.mjs';
import { bytesToBase64, concat, keyId } from '../src/verify.js';

const TIMEOUT = { timeout: 30_000 };
const CLI = process.env.LEDGER_CLI_BIN || join(repoRoot, 'target', 'debug', 'ledger');
const shots = join(repoRoot, 'docs', 'screenshots');
const utf8 = new TextEncoder();

let node;
let browser;
let firstKey;
let newKey;
let origin;
let household;

before(async () => {
  node = await startNode();
  browser = await startBrowser();
  const log = await (await fetch(`${node.url}/v1/log`)).json();
  [firstKey, origin] = [log.log_vkey, log.origin];
  // A real rotation: the node prepares the next key, two admins post it.
  const [vkey, endorsement] = execFileSync(NODE_BIN, ['prepare-rotation', '--data', node.data], { encoding: 'utf8' }).trim().split('\n').slice(-2);
  execFileSync(CLI, ['rotate-log-key', '--node', node.url, '--key', join(node.data, 'keys', 'admin-1.key'), '--key', join(node.data, 'keys', 'admin-2.key'),
    '--vkey', vkey, '--endorsement', endorsement, '--reason', '年度轮换'], { encoding: 'utf8' });
  newKey = vkey;
  // The node signs with the new key from the next checkpoint.
  for (let i = 0; i < 100; i++) {
    const cp = await (await fetch(`${node.url}/v1/log`)).json();
    if (cp.log_vkey === newKey && (await (await fetch(`${node.url}/v1/checkpoint`)).text()).includes(newKey.split('+')[0])) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const { regions } = await (await fetch(`${node.url}/v1/regions`)).json();
  const village = regions.filter((r) => r.level === 'village' && r.totals.households > 0).sort((a, b) => b.totals.households - a.totals.households)[0];
  household = (await (await fetch(`${node.url}/v1/regions/${village.code}/flows`)).json()).subsidies.items[0].household;
});

after(async () => {
  await browser?.close();
  await node?.stop();
});

async function pinnedPage(t, viewport = { width: 1280, height: 800 }) {
  const page = await browser.context.newPage();
  await page.setViewportSize(viewport);
  t.after(() => page.close());
  await page.goto(`${node.url}/`);
  await page.evaluate(([o, k]) => {
    localStorage.clear();
    localStorage.setItem('sunshine-ledger.pinned-keys', JSON.stringify({ [o]: k }));
  }, [origin, firstKey]);
  return page;
}

async function settled(page) {
  const summary = page.getByTestId('verify-summary');
  await summary.and(page.locator('[data-status="ok"], [data-status="fail"]')).waitFor(TIMEOUT);
  return summary;
}

function witnessKey(seed, name) {
  const secret = new Uint8Array(32).fill(seed);
  const typed = concat(Uint8Array.of(0x04), ed25519.getPublicKey(secret));
  const id = keyId(name, typed);
  return { secret, name, id, vkey: `${name}+${id.toString(16).padStart(8, '0')}+${bytesToBase64(typed)}` };
}

/** A cosignature/v1 line by witness `w` on the checkpoint note `note`. */
function cosign(note, w) {
  const body = note.slice(0, note.lastIndexOf('\n\n') + 1);
  const ts = 1796000000n;
  const tsBytes = new Uint8Array(8);
  new DataView(tsBytes.buffer).setBigUint64(0, ts);
  const sig = ed25519.sign(concat(utf8.encode(`cosignature/v1\ntime ${ts}\n`), utf8.encode(body)), w.secret);
  const id = Uint8Array.of(w.id >>> 24, (w.id >>> 16) & 255, (w.id >>> 8) & 255, w.id & 255);
  return `— ${w.name} ${bytesToBase64(concat(id, tsBytes, sig))}\n`;
}

describe('log-key rotation', () => {
  test('pinned on the first key: the endorsed rotation is followed, every entry green', async (t) => {
    const page = await pinnedPage(t);
    await page.goto(`${node.url}/#/h/${household}`);
    const summary = await settled(page);
    assert.equal(await summary.getAttribute('data-status'), 'ok', await summary.textContent());
    assert.match(await summary.textContent(), /经 1 次背书轮换而来/);
    const step = page.locator('article.entry').first().locator('.steps li[data-step="pinned"]');
    assert.equal(await step.getAttribute('class'), 'ok');
    assert.match(await step.textContent(), new RegExp(`经 1 次密钥轮换更换为编号 ${newKey.split('+')[1]}`));
    await page.getByTestId('key-rotated').waitFor(TIMEOUT);
    await page.getByTestId('consistency').and(page.locator('[data-status="ok"]')).waitFor(TIMEOUT);
    await page.getByTestId('key-panel').screenshot({ path: join(shots, 'rotation-followed-desktop.png') });
  });

  test('a rotation the node claims without a rotation entry is a failure, never green', async (t) => {
    const page = await pinnedPage(t);
    // The page follows rotations from /v1/log/keys (issue 15).
    await page.route('**/v1/log/keys', async (route) => {
      const response = await route.fetch();
      const json = await response.json();
      json.rotations[0].from_size -= 10; // the entry before is an ordinary one
      await route.fulfill({ response, json });
    });
    await page.goto(`${node.url}/#/h/${household}`);
    const summary = await settled(page);
    assert.equal(await summary.getAttribute('data-status'), 'fail');
    const step = page.locator('article.entry[data-verify="fail"]').first().locator('.steps li[data-step="pinned"]');
    assert.equal(await step.getAttribute('class'), 'fail');
    assert.match(await step.textContent(), /与您固定的公钥.*不同，且无法经背书的密钥轮换从固定的公钥到达它：.*不是密钥轮换/);
  });

  test('a pinned key the log never had: a failure naming the missing rotation path', async (t) => {
    const page = await pinnedPage(t);
    const secret = new Uint8Array(32).fill(78);
    const typed = concat(Uint8Array.of(0x01), ed25519.getPublicKey(secret));
    const other = `${origin}+${keyId(origin, typed).toString(16).padStart(8, '0')}+${bytesToBase64(typed)}`;
    await page.evaluate(([o, k]) => localStorage.setItem('sunshine-ledger.pinned-keys', JSON.stringify({ [o]: k })), [origin, other]);
    await page.goto(`${node.url}/#/h/${household}`);
    assert.equal(await (await settled(page)).getAttribute('data-status'), 'fail');
    const step = page.locator('article.entry[data-verify="fail"]').first().locator('.steps li[data-step="pinned"]');
    assert.match(await step.textContent(), /没有列出从您固定的公钥到它的密钥轮换/);
  });
});

describe('witness cosignatures, k of n', () => {
  const W1 = witnessKey(21, 'jiwei.huaian.example/witness');
  const W2 = witnessKey(22, 'shenji.huaian.example/witness');

  async function witnessed(page, signers, min) {
    await page.route('**/v1/witnesses', (route) => route.fulfill({ json: { witnesses: [W1.vkey, W2.vkey], min_witnesses: min, cosigned_size: null, cosignatures: signers.length } }));
    await page.route('**/v1/checkpoint/cosigned', async (route) => {
      const note = await (await fetch(`${node.url}/v1/checkpoint`)).text();
      await route.fulfill({ status: 200, contentType: 'text/plain; charset=utf-8', body: note + signers.map((w) => cosign(note, w)).join('') });
    });
  }

  test('two of two cosigned: green, saying how many it saw', async (t) => {
    const page = await pinnedPage(t);
    await witnessed(page, [W1, W2], 2);
    await page.goto(`${node.url}/#/h/${household}`);
    const summary = await settled(page);
    assert.equal(await summary.getAttribute('data-status'), 'ok', await summary.textContent());
    const w = summary.getByTestId('witness-status');
    assert.equal(await w.getAttribute('data-status'), 'ok');
    assert.match(await w.textContent(), /2 个见证方中有 2 个（jiwei\.huaian\.example\/witness、shenji\.huaian\.example\/witness）联署了第 \d+ 条为止的账本，要求至少 2 个/);
  });

  test('one of two required cosignatures: a failure, never green', async (t) => {
    const page = await pinnedPage(t, { width: 390, height: 844 });
    await witnessed(page, [W1], 2);
    await page.goto(`${node.url}/#/h/${household}`);
    const summary = await settled(page);
    assert.equal(await summary.getAttribute('data-status'), 'fail');
    assert.match(await summary.textContent(), /见证联署不足：要求 2 个见证方中至少 2 个联署，只看到 1 个有效联署/);
    await summary.screenshot({ path: join(shots, 'witness-too-few-phone.png') });
    // The key page says the same, unfolded.
    await page.goto(`${node.url}/#/key`);
    const k = page.getByTestId('witnesses').getByTestId('witness-status');
    await k.and(page.locator('[data-status="fail"]')).waitFor(TIMEOUT);
    assert.equal(await page.getByTestId('tech-details').evaluate((d) => d.open), true);
  });

  test('a forged cosignature by a listed witness is a failure', async (t) => {
    const page = await pinnedPage(t);
    const forger = { ...witnessKey(23, W2.name), id: W2.id }; // W2's name and key ID, another key
    await witnessed(page, [W1, forger], 1);
    await page.goto(`${node.url}/#/h/${household}`);
    const summary = await settled(page);
    assert.equal(await summary.getAttribute('data-status'), 'fail');
    assert.match(await summary.textContent(), /见证方 shenji\.huaian\.example\/witness 的联署签名不成立/);
  });
});
