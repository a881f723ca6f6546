// Regenerates docs/screenshots/ from a demo node (npm run screenshots).
// Chinese glyphs need a CJK font on the machine (apt-get install fonts-wqy-microhei).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, startBrowser, startNode } from './harness.mjs';

const out = join(repoRoot, 'docs', 'screenshots');
mkdirSync(out, { recursive: true });
const node = await startNode();
const browser = await startBrowser();
try {
  const { regions } = await (await fetch(`${node.url}/v1/regions`)).json();
  const village = regions
    .filter((r) => r.level === 'village' && r.totals.households > 0 && r.totals.projects > 0 && r.totals.received_fen > 0)
    .sort((a, b) => b.totals.received_fen - a.totals.received_fen)[0];
  const flows = await (await fetch(`${node.url}/v1/regions/${village.code}/flows`)).json();
  const household = flows.subsidies.items[0].household;
  const fund = flows.funds_in[0].fund;
  const shots = [
    ['village-phone', `#/r/${village.code}`, 390, 844, true],
    ['village-desktop', `#/r/${village.code}`, 1280, 900, true],
    ['household-phone', `#/h/${household}`, 390, 844, true],
    ['household-desktop', `#/h/${household}`, 1280, 900, true],
    ['home-phone', '#/', 390, 844, false],
    ['fund-desktop', `#/f/${encodeURIComponent(fund)}`, 1280, 900, false],
  ];
  const page = await browser.context.newPage();
  for (const [name, hash, width, height, fullPage] of shots) {
    await page.setViewportSize({ width, height });
    await page.goto(`${node.url}/${hash}`);
    await page.waitForLoadState('networkidle');
    if (hash.startsWith('#/h/')) {
      await page.locator('[data-testid="consistency"][data-status]:not([data-status="pending"])').waitFor();
      // Show what was checked for the first entry.
      await page.locator('details.verify-details').first().evaluate((d) => (d.open = true));
    }
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(out, `${name}.png`), fullPage });
    console.log(`docs/screenshots/${name}.png`);
  }
} finally {
  await browser.close();
  await node.stop();
}
