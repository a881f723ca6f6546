// Browser test of the page's static mode (issue 17, item 2): the page
// working from static files alone with the node switched off.
//
// A demo node is started publishing to a temp folder (`--publish file://…`,
// the publisher that writes S3 buckets: checkpoint, tiles, entry bundles,
// static index files and the page); the tile prover's proofs are compared with the
// node's own /v1/entries/{seq}?proof=true; the node is STOPPED; the folder is
// served by a plain static file server (Node's http module) and opened in
// headless chromium: the village view lists the village's payments, each
// proven in the browser; a household code lookup works; a flipped byte in an
// entry bundle shows that entry as not verified (red, plain Chinese); a
// checkpoint signed by another key is refused.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { extname, join, normalize } from 'node:path';
import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { repoRoot, startBrowser, startNode } from './harness.mjs';
import { TileReader } from '../src/static/tiles.js';
import { bytesToBase64, bytesToHex, parseCheckpointText, parseNote } from '../src/verify.js';
import { decodeEntry } from '../src/postcard.js';
import { displayCode, householdCode } from '../src/code.js';

const TIMEOUT = { timeout: 60_000 };
const PHONE = { width: 390, height: 844 };
const shots = join(repoRoot, 'docs', 'screenshots');

let work;
let bucket;
let browser;
let node;
let size;
let village; // {code, name}, a village with payments
let payment; // {seq, household}: one of its payments
const servers = [];

const TYPES = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.json': 'application/json', '.woff2': 'font/woff2' };

/** A plain static file server over `dir` (what a bucket's public URL is). */
function serve(dir) {
  return new Promise((res) => {
    const s = createServer((req, rsp) => {
      const path = normalize(decodeURIComponent(new URL(req.url, 'http://x').pathname)).replace(/^\/+/, '') || 'index.html';
      try {
        const body = readFileSync(join(dir, path));
        rsp.writeHead(200, { 'content-type': TYPES[extname(path)] || 'application/octet-stream' });
        rsp.end(body);
      } catch {
        rsp.writeHead(404, { 'content-type': 'text/plain' });
        rsp.end('not found');
      }
    });
    s.listen(0, '127.0.0.1', () => {
      servers.push(s);
      res(`http://127.0.0.1:${s.address().port}`);
    });
  });
}

/** Waits (bounded) until the folder's checkpoint is the node's; its size. */
async function published(base, dir) {
  const want = await (await fetch(`${base}/checkpoint`)).text();
  const deadline = Date.now() + 120_000;
  for (;;) {
    let have = null;
    try {
      have = readFileSync(join(dir, 'checkpoint'), 'utf8');
    } catch {
      /* not yet */
    }
    if (have === want) return parseCheckpointText(parseNote(want).text).size;
    if (Date.now() > deadline) throw new Error(`the node did not publish its checkpoint to ${dir}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const files = (dir) => new TileReader(size, (p) => new Uint8Array(readFileSync(join(dir, p))));

before(async () => {
  work = mkdtempSync(join(tmpdir(), 'sunshine-static-'));
  bucket = join(work, 'bucket');
  // The node publishes to the folder itself (`--publish file://…`, the same
  // code that writes an S3 bucket): the folder is what a bucket holds.
  node = await startNode(['--publish', `file://${bucket}`, '--publish-interval-ms', '50']);
  try {
    size = await published(node.url, bucket);
    // The tile prover against the node's own proofs, for several leaves.
    const reader = files(bucket);
    for (const seq of [0, 1, 255, 256, 257, Math.floor(size / 2), size - 1].filter((s) => s < size)) {
      const got = await (await fetch(`${node.url}/v1/entries/${seq}?proof=true`)).json();
      assert.equal(got.proof.tree_size, size);
      assert.deepEqual((await reader.inclusionProof(seq)).map(bytesToHex), got.proof.hashes, `proof of ${seq}`);
      assert.equal(bytesToBase64(await reader.entry(seq)), got.entry.raw, `bytes of ${seq}`);
    }
    const regions = JSON.parse(readFileSync(join(bucket, 'static/v1/regions.json'), 'utf8')).regions;
    for (const v of regions.filter((r) => r.level === 'village')) {
      let head;
      try {
        head = JSON.parse(readFileSync(join(bucket, `static/v1/regions/${v.code}.json`), 'utf8'));
      } catch {
        continue;
      }
      if (!head.pages) continue;
      const seqs = JSON.parse(readFileSync(join(bucket, `static/v1/regions/${v.code}/0.json`), 'utf8')).seqs;
      for (const seq of seqs) {
        const d = decodeEntry(await reader.entry(seq));
        if (d.kind === 'HouseholdSubsidy' && d.body.village === v.code) {
          payment = { seq, household: d.body.household };
          break;
        }
      }
      if (payment && head.households.length >= 2) {
        village = v;
        break;
      }
      payment = null;
    }
    assert.ok(village, 'the demo has a village with payments');
  } catch (e) {
    await node.stop();
    throw e;
  }
  browser = await startBrowser();
  mkdirSync(shots, { recursive: true });
});

after(async () => {
  if (node) await node.stop();
  for (const s of servers) s.close();
  if (browser) await browser.close();
  if (work) rmSync(work, { recursive: true, force: true });
});

async function open(url, viewport = PHONE) {
  const page = await browser.context.newPage();
  await page.setViewportSize(viewport);
  const requests = [];
  page.on('request', (r) => requests.push(new URL(r.url()).pathname));
  await page.goto(url);
  return { page, requests };
}

test('static mode pointed at a node (config.json base): the node\'s tiles and /static/v1 with CORS', TIMEOUT, async () => {
  const pageOnly = join(work, 'page-only');
  mkdirSync(pageOnly, { recursive: true });
  cpSync(join(bucket, 'index.html'), join(pageOnly, 'index.html'));
  cpSync(join(bucket, 'assets'), join(pageOnly, 'assets'), { recursive: true });
  const cfg = JSON.parse(readFileSync(join(bucket, 'config.json'), 'utf8'));
  writeFileSync(join(pageOnly, 'config.json'), JSON.stringify({ ...cfg, base: `${node.url}/` }));
  const base = await serve(pageOnly);
  const { page, requests } = await open(`${base}/#/r/${village.code}`);
  await page.locator('[data-testid=static-payments]').waitFor();
  assert.equal(await page.locator('main').getAttribute('data-static'), 'verified');
  assert.ok(requests.some((p) => p.startsWith('/static/v1/')));
  assert.equal(await page.locator('[data-verify=fail]').count(), 0);
  // A base that is not an http(s) URL ending in '/' is refused, nothing read.
  writeFileSync(join(pageOnly, 'config.json'), JSON.stringify({ ...cfg, base: 'javascript:alert(1)' }));
  await page.goto(`${base}/?bad#/`);
  await page.locator('.alert-error').filter({ hasText: 'base' }).waitFor();
  await page.close();
  await node.stop(); // from here on, nothing but static files
});

test('the village view lists its payments, each proven in the browser, from static files only', TIMEOUT, async () => {
  const base = await serve(bucket);
  const { page, requests } = await open(`${base}/#/r/${village.code}`);
  await page.locator('[data-testid=static-payments]').waitFor();
  assert.equal(await page.locator('main').getAttribute('data-static'), 'verified');
  const rows = page.locator('[data-testid=static-payments] tbody tr');
  const n = await rows.count();
  assert.ok(n >= 1, `${n} payments`);
  assert.equal(await page.locator('[data-testid=static-payments] [data-verify=ok] .badge-ok').count(), n);
  assert.equal(await page.locator('[data-verify=fail]').count(), 0);
  assert.match(await page.locator('[data-testid=static-banner]').innerText(), /索引由节点生成，只能遗漏、不能伪造/);
  assert.match(await page.locator('[data-testid=static-controls-note]').innerText(), /静态镜像不显示核验结果，请到节点或镜像查看/);
  assert.match(await page.locator('[data-testid=static-progress]').innerText(), /全部在本机验证通过/);
  // Only static paths were read: no read API.
  assert.deepEqual(requests.filter((p) => p.startsWith('/v1/')), []);
  await page.screenshot({ path: join(shots, 'static-village-phone.png'), fullPage: false });
  await page.close();
});

test('a household code lookup works from the bucket', TIMEOUT, async () => {
  const base = await serve(bucket);
  const code = householdCode(payment.household);
  const { page } = await open(`${base}/#/h/${displayCode(code)}`);
  await page.locator('[data-testid=static-household-entries] article').first().waitFor();
  const seqs = await page.locator('[data-testid=static-household-entries] article').evaluateAll((a) => a.map((x) => [Number(x.dataset.seq), x.dataset.verify]));
  assert.ok(seqs.some(([s, v]) => s === payment.seq && v === 'ok'), JSON.stringify(seqs));
  assert.ok(seqs.every(([, v]) => v === 'ok'));
  // A prefix too short is refused on the form, before any file is read.
  await page.goto(`${base}/#/h/${code.slice(0, 4)}`);
  await page.locator('[data-testid=code-error]').filter({ hasText: '户码太短' }).waitFor();
  await page.goto(`${base}/#/h/${displayCode(code)}`);
  await page.locator('[data-testid=static-household-entries] article').first().waitFor();
  await page.screenshot({ path: join(shots, 'static-household-phone.png') });
  await page.close();
});

test('a flipped byte in an entry bundle shows that entry as not verified', TIMEOUT, async () => {
  const damaged = join(work, 'damaged');
  cpSync(bucket, damaged, { recursive: true });
  // Flip one byte in the middle of the payment's bytes in its bundle.
  const t = Math.floor(payment.seq / 256);
  const name = readFileSync(join(bucket, 'tile/entries', String(t).padStart(3, '0') + (size - t * 256 < 256 ? `.p/${size - t * 256}` : '')));
  const b = new Uint8Array(name);
  let o = 0;
  for (let i = 0; i < payment.seq % 256; i++) o += 2 + ((b[o] << 8) | b[o + 1]);
  const len = (b[o] << 8) | b[o + 1];
  b[o + 2 + Math.floor(len / 2)] ^= 0x01;
  writeFileSync(join(damaged, 'tile/entries', String(t).padStart(3, '0') + (size - t * 256 < 256 ? `.p/${size - t * 256}` : '')), b);
  const base = await serve(damaged);
  const { page } = await open(`${base}/#/r/${village.code}`);
  await page.locator('[data-testid=static-failures]').waitFor();
  const failed = page.locator(`[data-testid=static-failures] [data-seq="${payment.seq}"]`);
  assert.equal(await failed.count(), 1);
  assert.match(await failed.innerText(), /未通过验证/);
  assert.match(await page.locator('[data-testid=static-progress]').innerText(), /1 条未通过验证/);
  // It is not in the payments nor in the sums.
  assert.equal(await page.locator(`[data-testid=static-payments] [data-seq="${payment.seq}"]`).count(), 0);
  await page.screenshot({ path: join(shots, 'static-tampered-phone.png') });
  // The entry's own page names the failing step.
  await page.goto(`${base}/#/e/${payment.seq}`);
  await page.locator(`article[data-seq="${payment.seq}"][data-verify=fail]`).waitFor();
  await page.close();
});

test('a checkpoint signed by another key is refused', TIMEOUT, async () => {
  const forged = join(work, 'forged');
  cpSync(bucket, forged, { recursive: true });
  const note = new TextDecoder().decode(readFileSync(join(bucket, 'checkpoint')));
  const text = parseNote(note).text;
  const origin = parseCheckpointText(text).origin;
  // A well-formed signed note over the same tree, by a key that is not the log's.
  const secret = sha256(new TextEncoder().encode('not the log key'));
  const pub = ed25519.getPublicKey(secret);
  const id = sha256(new Uint8Array([...new TextEncoder().encode(origin), 0x0a, 0x01, ...pub])).slice(0, 4);
  const sig = ed25519.sign(new TextEncoder().encode(text), secret);
  writeFileSync(join(forged, 'checkpoint'), `${text}\n— ${origin} ${bytesToBase64(new Uint8Array([...id, ...sig]))}\n`);
  const base = await serve(forged);
  const { page } = await open(`${base}/#/r/${village.code}`);
  await page.locator('[data-testid=static-refused]').waitFor();
  assert.equal(await page.locator('main').getAttribute('data-static'), 'refused');
  assert.match(await page.locator('[data-testid=static-refused]').innerText(), /无法验证这个静态镜像/);
  assert.equal(await page.locator('[data-testid=static-payments]').count(), 0);
  await page.screenshot({ path: join(shots, 'static-forged-checkpoint-phone.png') });
  await page.close();
});
