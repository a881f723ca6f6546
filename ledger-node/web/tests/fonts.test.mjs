// The page renders Chinese with no CJK font on the device (issue 15, item
// 6): a chromium whose fontconfig sees only Latin fonts (DejaVu, Liberation)
// must load the page's own subset font (build.mjs) and use it; a chromium
// with a system CJK font must not need it. And the whole first load of a
// village view, font included, stays under 250 KB compressed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot, startBrowser, startNode } from './harness.mjs';

const TIMEOUT = { timeout: 30_000 };
const FIRST_LOAD_BUDGET_BYTES = 250 * 1024;
const LATIN_FONT_DIRS = ['/usr/share/fonts/truetype/dejavu', '/usr/share/fonts/truetype/liberation'].filter(existsSync);

let node;
let plain; // a browser without CJK fonts
let usual; // the machine's fonts
let conf;
let village;

before(async () => {
  node = await startNode();
  conf = mkdtempSync(join(tmpdir(), 'sunshine-fonts-'));
  // A fontconfig that knows only Latin fonts: no system CJK glyph anywhere.
  writeFileSync(join(conf, 'fonts.conf'), `<?xml version="1.0"?>
<!DOCTYPE fontconfig SYSTEM "fonts.dtd">
<fontconfig>${LATIN_FONT_DIRS.map((d) => `<dir>${d}</dir>`).join('')}<cachedir>${join(conf, 'cache')}</cachedir></fontconfig>
`);
  plain = await startBrowser({ env: { FONTCONFIG_FILE: join(conf, 'fonts.conf') } });
  usual = await startBrowser();
  const { regions } = await (await fetch(`${node.url}/v1/regions`)).json();
  village = regions.filter((r) => r.level === 'village' && r.totals.households > 0 && r.totals.projects > 0).sort((a, b) => b.totals.received_fen - a.totals.received_fen)[0];
});

after(async () => {
  await plain?.close();
  await usual?.close();
  await node?.stop();
  if (conf) rmSync(conf, { recursive: true, force: true });
});

/** Opens the village view; returns [page, requests as {url, bytes}] once the network is idle. */
async function openVillage(browser, t, viewport) {
  const page = await browser.context.newPage();
  await page.setViewportSize(viewport);
  t.after(() => page.close());
  const loads = [];
  page.on('requestfinished', async (req) => {
    const s = await req.sizes();
    loads.push({ url: req.url(), bytes: s.responseBodySize + s.responseHeadersSize });
  });
  await page.goto(`${node.url}/#/r/${village.code}`);
  await page.getByTestId('region-name').waitFor(TIMEOUT);
  await page.waitForLoadState('networkidle');
  await page.evaluate(() => document.fonts.ready);
  await page.waitForLoadState('networkidle');
  return [page, loads];
}

describe('fonts', () => {
  test('without any CJK font on the device: the subset web font is loaded and used; first load under 250 KB', async (t) => {
    const [page, loads] = await openVillage(plain, t, { width: 390, height: 844 });
    const font = loads.filter((l) => /\/assets\/cjk\.[0-9a-f]{12}\.woff2$/.test(l.url));
    assert.equal(font.length, 1, loads.map((l) => l.url).join('\n'));
    const status = await page.evaluate(async () => {
      await document.fonts.ready;
      return [...document.fonts].filter((f) => f.family.replace(/"/g, '') === 'Sunshine CJK').map((f) => f.status);
    });
    assert.deepEqual(status, ['loaded']);
    assert.equal(await page.evaluate(() => document.fonts.check('16px "Sunshine CJK"', `阳光账本${document.querySelector('[data-testid="region-name"]').textContent}`)), true);
    // Every glyph of the village's name is in the subset: rendered with the
    // web font it is as wide as in the web font alone, not a fallback box.
    const widths = await page.evaluate((name) => {
      const c = document.createElement('canvas').getContext('2d');
      c.font = '20px "Sunshine CJK"';
      const web = c.measureText(name).width;
      c.font = '20px monospace';
      return [web, c.measureText(name).width, name.length];
    }, village.name);
    assert.ok(Math.abs(widths[0] - 20 * widths[2]) < 1, `each ideograph one em wide in the web font: ${widths}`);
    // What chromium really drew the Chinese text with (DevTools protocol):
    // only the web font, never a system font that has no such glyph (boxes).
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('DOM.enable');
    await cdp.send('CSS.enable');
    const { root } = await cdp.send('DOM.getDocument', { depth: -1 });
    for (const sel of ['.nav a[data-view="home"]', '.nav a[data-view="h"]', '#large-text-toggle', '[data-testid="region-name"]', '.card-title']) {
      const { nodeId } = await cdp.send('DOM.querySelector', { nodeId: root.nodeId, selector: sel });
      const { fonts } = await cdp.send('CSS.getPlatformFontsForNode', { nodeId });
      assert.deepEqual(fonts.map((f) => [f.isCustomFont, f.postScriptName]), [[true, 'NotoSansHans-Regular']], sel);
    }
    const total = loads.reduce((a, l) => a + l.bytes, 0);
    assert.ok(total < FIRST_LOAD_BUDGET_BYTES, `first load of a village view is ${total} bytes:\n${loads.map((l) => `${l.bytes} ${l.url}`).join('\n')}`);
    await page.screenshot({ path: join(repoRoot, 'docs', 'screenshots', 'no-system-fonts-phone.png') });
  });

  test('with a system CJK font: the page does not need to download the web font', async (t) => {
    let zh = '';
    try {
      zh = execFileSync('fc-list', [':lang=zh', 'family'], { encoding: 'utf8' });
    } catch {
      /* no fontconfig tools */
    }
    if (!/WenQuanYi Micro Hei/.test(zh)) {
      t.skip('this machine has no WenQuanYi Micro Hei (run-browser-tests.sh installs fonts-wqy-microhei)');
      return;
    }
    const [page, loads] = await openVillage(usual, t, { width: 1280, height: 800 });
    assert.equal(loads.filter((l) => /\.woff2$/.test(l.url)).length, 0, loads.map((l) => l.url).join('\n'));
    assert.equal(await page.evaluate(() => document.fonts.check('16px "WenQuanYi Micro Hei"', '阳光账本')), true);
  });

  test('the font is served as an immutable, content-addressed asset', async () => {
    const css = readdirSync(join(repoRoot, 'ledger-node', 'web', 'dist', 'assets')).find((f) => f.endsWith('.woff2'));
    const r = await fetch(`${node.url}/assets/${css}`);
    assert.equal(r.status, 200);
    assert.equal(r.headers.get('content-type'), 'font/woff2');
    assert.match(r.headers.get('cache-control'), /max-age=31536000, immutable/);
    const bytes = Buffer.from(await r.arrayBuffer());
    assert.equal(bytes.subarray(0, 4).toString('latin1'), 'wOF2');
    assert.ok(bytes.length < 200 * 1024, `${bytes.length} bytes`);
    const index = await fetch(`${node.url}/`);
    assert.match(index.headers.get('content-security-policy'), /font-src 'self'/);
  });
});
