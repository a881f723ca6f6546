// Copies what a bucket holds from a running node into a folder, reading only
// the static paths (issue 17): the checkpoint, every tile and entry bundle of
// its tree (computed from its size), the static index files under static/v1
// (regions → each region's head and pages → the household buckets its
// households fall in), log-keys.json, and the page with its assets and a
// static config.json. The browser test then stops the node and serves the
// folder with a plain static file server.
//
//   node tests/static-crawl.mjs http://127.0.0.1:8080 /tmp/bucket
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { tilePath } from '../src/static/tiles.js';
import { parseCheckpointText, parseNote } from '../src/verify.js';

async function bytes(url) {
  const r = await fetch(url);
  if (!r.ok) throw new Error(`GET ${url}: ${r.status}`);
  return new Uint8Array(await r.arrayBuffer());
}

/** Crawls `base` into `out`; returns {size, files: [relative paths]}. */
export async function crawl(base, out) {
  const files = [];
  const put = (rel, data) => {
    mkdirSync(dirname(join(out, rel)), { recursive: true });
    writeFileSync(join(out, rel), data);
    files.push(rel);
  };
  const checkpoint = await bytes(`${base}/checkpoint`);
  const { size } = parseCheckpointText(parseNote(new TextDecoder().decode(checkpoint)).text);
  for (let level = 0; Math.floor(size / 256 ** level) > 0; level++) {
    for (let n = 0; ; n++) {
      const t = tilePath(level, n, size);
      if (!t) break;
      put(t.path, await bytes(`${base}/${t.path}`));
      if (level === 0) {
        const e = tilePath('entries', n, size);
        put(e.path, await bytes(`${base}/${e.path}`));
      }
    }
  }
  const json = async (rel) => {
    const b = await bytes(`${base}/${rel}`);
    put(rel, b);
    return JSON.parse(new TextDecoder().decode(b));
  };
  const regions = await json('static/v1/regions.json');
  await json('static/v1/log-keys.json');
  const buckets = new Set();
  for (const r of regions.regions) {
    let head;
    try {
      head = await json(`static/v1/regions/${r.code}.json`);
    } catch {
      continue; // a region no entry concerns has no file
    }
    for (let p = 0; p < head.pages; p++) await json(`static/v1/regions/${r.code}/${p}.json`);
    for (const hh of head.households) buckets.add(hh.code.slice(0, 2));
  }
  for (const b of buckets) await json(`static/v1/households/${b}.json`);
  // The page, its paths made relative as static_views::page_assets does.
  const html = new TextDecoder().decode(await bytes(`${base}/`));
  for (const m of html.matchAll(/"\/(assets\/[^"]+)"/g)) {
    let a = await bytes(`${base}/${m[1]}`);
    if (m[1].endsWith('.css')) {
      const css = new TextDecoder().decode(a);
      for (const f of css.matchAll(/url\(\/(assets\/[^)]+)\)/g)) put(f[1], await bytes(`${base}/${f[1]}`));
      a = new TextEncoder().encode(css.replaceAll('url(/assets/', 'url('));
    }
    put(m[1], a);
  }
  put('index.html', html.replaceAll('"/assets/', '"assets/'));
  put('config.json', await bytes(`${base}/static/v1/config.json`));
  // Last, as a publisher does: the checkpoint after everything it covers.
  put('checkpoint', checkpoint);
  return { size, files };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [base, out] = process.argv.slice(2);
  const r = await crawl(base, out);
  console.log(`${r.files.length} files, tree size ${r.size}`);
}
