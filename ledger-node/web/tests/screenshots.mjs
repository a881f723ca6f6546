// Regenerates docs/screenshots/ from a demo node (npm run screenshots).
// Chinese glyphs need a CJK font on the machine (apt-get install fonts-wqy-microhei).
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot, startBrowser, startNode } from './harness.mjs';

const out = join(repoRoot, 'docs', 'screenshots');
mkdirSync(out, { recursive: true });
const node = await startNode();
const browser = await startBrowser();
const get = async (p) => (await fetch(node.url + p)).json();
try {
  const { regions } = await get('/v1/regions');
  const district = regions.find((r) => r.level === 'district');
  const village = regions
    .filter((r) => r.level === 'village' && r.totals.households > 0 && r.totals.projects > 0 && r.totals.received_fen > 0)
    .sort((a, b) => b.totals.received_fen - a.totals.received_fen)[0];
  const flows = await get(`/v1/regions/${village.code}/flows`);
  const household = flows.subsidies.items[0].household;
  const fund = flows.funds_in[0].fund;
  // A project that went through every stage, preferring one with an adjustment (项目调整).
  const { projects } = await get(`/v1/regions/${district.code}/projects?limit=1000`);
  let project = projects.find((p) => p.status === 'evaluated')?.id;
  for (const p of projects.filter((x) => x.status === 'evaluated')) {
    const d = await get(`/v1/projects/${encodeURIComponent(p.id)}`);
    if (d.timeline.some((x) => x.kind === 'adjust')) {
      project = p.id;
      break;
    }
  }
  // The village's newest notice.
  const { notices } = await get(`/v1/regions/${village.code}/notices`);
  const notice = notices[0]?.notice;
  const shots = [
    ['village-phone', `#/r/${village.code}`, 390, 844, true],
    ['village-desktop', `#/r/${village.code}`, 1280, 900, true],
    ['project-desktop', `#/p/${encodeURIComponent(project)}`, 1280, 900, true],
    ['project-phone', `#/p/${encodeURIComponent(project)}`, 390, 844, true],
    ['idle-desktop', `#/r/${district.code}`, 1280, 900, 'idle-money'],
    ['notice-phone', `#/n/${encodeURIComponent(notice)}`, 390, 844, false],
    ['household-phone', `#/h/${household}`, 390, 844, true],
    ['household-desktop', `#/h/${household}`, 1280, 900, true],
    ['home-phone', '#/', 390, 844, false],
    ['fund-desktop', `#/f/${encodeURIComponent(fund)}`, 1280, 900, false],
  ];
  const page = await browser.context.newPage();
  for (const [name, hash, width, height, what] of shots) {
    await page.setViewportSize({ width, height });
    await page.goto(`${node.url}/${hash}`);
    await page.waitForLoadState('networkidle');
    if (hash.startsWith('#/h/')) {
      await page.locator('[data-testid="consistency"][data-status]:not([data-status="pending"])').waitFor();
      // Show what was checked for the first entry.
      await page.locator('details.verify-details').first().evaluate((d) => (d.open = true));
    }
    if (hash.startsWith('#/p/')) {
      await page.waitForFunction(() => document.querySelector('[data-testid="timeline"]') && !document.querySelector('[data-testid="stage"][data-verify="pending"]'));
    }
    await page.waitForTimeout(300);
    const path = join(out, `${name}.png`);
    if (typeof what === 'string') {
      // One card of a long page: the district's idle money.
      await page.getByTestId(what).locator('xpath=ancestor::section[1]').screenshot({ path });
    } else {
      await page.screenshot({ path, fullPage: what });
    }
    console.log(`docs/screenshots/${name}.png`);
  }
} finally {
  await browser.close();
  await node.stop();
}
