// The subset font's character list (font-chars.txt, committed; build.mjs
// subsets the font to it) must hold every character of the page's own text
// and every division name: else a villager without a CJK font would see
// that character in another font or as a box. Regenerate with
// `node build.mjs --update-font-chars` (also takes the demo's texts).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const web = join(here, '..');
const list = new Set(readFileSync(join(web, 'font-chars.txt'), 'utf8').trim());

function missing(text) {
  return [...new Set([...text].filter((c) => c.codePointAt(0) > 0x7f && !list.has(c)))].join('');
}

test('every character of the page sources is in font-chars.txt', () => {
  for (const name of readdirSync(join(web, 'src')).filter((n) => /\.(js|html|css)$/.test(n)).sort()) {
    assert.equal(missing(readFileSync(join(web, 'src', name), 'utf8')), '', `src/${name}: run node build.mjs --update-font-chars`);
  }
});

test('every division name is in font-chars.txt', () => {
  assert.equal(missing(readFileSync(join(web, '..', '..', 'fixtures', 'huaian-district-2019-divisions.txt'), 'utf8')), '');
});

test('the list is sorted, without duplicates or ASCII', () => {
  const chars = [...readFileSync(join(web, 'font-chars.txt'), 'utf8').trim()];
  assert.equal(new Set(chars).size, chars.length);
  assert.ok(chars.every((c, i) => c.codePointAt(0) > 0x7f && (i === 0 || chars[i - 1].codePointAt(0) < c.codePointAt(0))));
  assert.ok(chars.length > 900 && chars.length < 2000, `${chars.length} characters`);
});
