// Builds the page into dist/ (committed) and dist/assets.rs, which
// ledger-node/src/web.rs includes so that `cargo build` needs no npm:
//
//   npm ci && npm run build          # writes dist/
//   node build.mjs --check           # fails if dist/ is not what the sources build to
//
// Output file names carry a hash of their content, so they can be cached
// forever ("immutable"); index.html refers to them and is revalidated by
// ETag. The build is reproducible: same sources and lock file, same bytes.
import * as esbuild from 'esbuild';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import subsetFont from 'subset-font';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, 'dist');
const check = process.argv.includes('--check');

const common = {
  absWorkingDir: here,
  bundle: true,
  minify: true,
  write: false,
  legalComments: 'eof',
  charset: 'utf8',
  // BigInt (Merkle index arithmetic, noble) needs ES2020; Safari 15 is the
  // oldest engine esbuild can target without down-levelling noble's code.
  target: ['es2020', 'chrome80', 'firefox78', 'safari15'],
  logLevel: 'warning',
};
const js = await esbuild.build({ ...common, entryPoints: ['src/main.js'], format: 'esm', outfile: 'app.js' });
const css = await esbuild.build({ ...common, entryPoints: ['src/style.css'], outfile: 'app.css' });

// ------------------------------------------------------------- CJK font
// The page must render Chinese on a device with no CJK font (issue 15): a
// subset of Noto Sans SC (OFL-1.1, from the npm package @embedpdf/fonts-sc,
// NotoSansHans-Regular.otf) holding only the characters the page can show
// from its own sources, the district's division names and the demo's texts,
// as woff2 without hinting (≈ 150 KB). Other characters (a real log's names)
// fall back to the device's fonts. The page lists the usual system CJK fonts
// first, so a device that has one never downloads this file.
const repo = join(here, '..', '..');
const FONT_SOURCE = join(here, 'node_modules', '@embedpdf', 'fonts-sc', 'fonts', 'NotoSansHans-Regular.otf');
/** Punctuation and symbols a Chinese text may use, whether or not the sources do today. */
const BASE_CHARS = '，。、：；？！“”‘’（）《》〈〉【】「」『』…—–·￥％＋－／＝＜＞～　〇一二三四五六七八九十百千万亿元角分年月日时号第条笔户人';
function walkFiles(dir, re) {
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => a.name.localeCompare(b.name))
    .flatMap((e) => (e.isDirectory() ? walkFiles(join(dir, e.name), re) : re.test(e.name) ? [join(dir, e.name)] : []));
}
/**
 * Every character the subset should hold: the non-ASCII characters of the
 * page's sources, the division names, the demo's string literals (names,
 * titles, reasons — not its comments) and BASE_CHARS, sorted.
 */
export function collectFontChars() {
  const chars = new Set(BASE_CHARS);
  const take = (text) => {
    for (const c of text) if (c.codePointAt(0) > 0x7f) chars.add(c);
  };
  for (const f of walkFiles(join(here, 'src'), /\.(js|html|css)$/)) take(readFileSync(f, 'utf8'));
  take(readFileSync(join(repo, 'fixtures', 'huaian-district-2019-divisions.txt'), 'utf8'));
  for (const f of walkFiles(join(repo, 'ledger-demo', 'src'), /\.rs$/)) {
    for (const m of readFileSync(f, 'utf8').matchAll(/"(?:[^"\\\n]|\\.)*"/g)) take(m[0]);
  }
  return [...chars].sort((a, b) => a.codePointAt(0) - b.codePointAt(0)).join('');
}

// The list is committed (font-chars.txt) rather than read from the sources
// at every build, so that a change in another crate (the demo's texts) never
// makes the committed dist/ stale; `node build.mjs --update-font-chars`
// regenerates it, and tests/fonts-chars.test.mjs fails when the page's own
// text or a division name is missing from it.
const CHARS_FILE = join(here, 'font-chars.txt');
if (process.argv.includes('--update-font-chars')) writeFileSync(CHARS_FILE, `${collectFontChars()}\n`);
const fontChars = () => readFileSync(CHARS_FILE, 'utf8').trim();
const font = await subsetFont(readFileSync(FONT_SOURCE), fontChars(), { targetFormat: 'woff2', noHinting: true });

const hash = (bytes) => createHash('sha256').update(bytes).digest('hex').slice(0, 12);
const files = new Map(); // path under dist/ → bytes
const assets = [];
function emit(name, ext, bytes, type) {
  const file = `assets/${name}.${hash(bytes)}.${ext}`;
  files.set(file, Buffer.from(bytes));
  assets.push({ path: `/${file}`, file, type, bytes });
  return `/${file}`;
}
const jsPath = emit('app', 'js', js.outputFiles[0].contents, 'text/javascript; charset=utf-8');
const fontPath = emit('cjk', 'woff2', font, 'font/woff2');
// The font's face, ahead of the stylesheet. unicode-range: CJK symbols and
// punctuation, the unified ideographs and full-width forms, so Latin text
// never triggers the download; a character the subset lacks falls through to
// the next family.
const fontFace = `@font-face{font-family:"Sunshine CJK";src:url(${fontPath}) format("woff2");font-weight:100 900;font-display:swap;`
  + 'unicode-range:U+00B7,U+2010-2027,U+3000-303F,U+3400-4DBF,U+4E00-9FFF,U+F900-FAFF,U+FE30-FE4F,U+FF00-FFEF}\n';
const cssPath = emit('app', 'css', Buffer.concat([Buffer.from(fontFace), Buffer.from(css.outputFiles[0].contents)]), 'text/css; charset=utf-8');
const html = readFileSync(join(here, 'src', 'index.html'), 'utf8').replace('{{JS}}', jsPath).replace('{{CSS}}', cssPath);
files.set('index.html', Buffer.from(html));

const rs = `// @generated by ledger-node/web/build.mjs (npm run build). Do not edit.
/// The page, revalidated by its ETag.
pub(crate) const INDEX_HTML: &str = include_str!("index.html");
/// Strong ETag of [\`INDEX_HTML\`].
pub(crate) const INDEX_ETAG: &str = "\\"${hash(Buffer.from(html))}\\"";
/// Content-addressed assets: (URL path, content type, bytes).
pub(crate) const ASSETS: &[(&str, &str, &[u8])] = &[
${assets.map((a) => `    ("${a.path}", "${a.type}", include_bytes!("${a.file}")),`).join('\n')}
];
`;
files.set('assets.rs', Buffer.from(rs));

function listDist(dir = dist, prefix = '') {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? listDist(join(dir, e.name), `${prefix}${e.name}/`) : [`${prefix}${e.name}`]);
}

if (check) {
  const stale = [];
  for (const [file, bytes] of files) {
    const p = join(dist, file);
    if (!existsSync(p) || !readFileSync(p).equals(bytes)) stale.push(file);
  }
  for (const file of listDist()) if (!files.has(file)) stale.push(`${file} (not built any more)`);
  if (stale.length) {
    console.error(`dist/ is out of date with src/: ${stale.join(', ')}\nrun: cd ledger-node/web && npm ci && npm run build`);
    process.exit(1);
  }
  console.log('dist/ is up to date with src/');
} else {
  rmSync(dist, { recursive: true, force: true });
  mkdirSync(join(dist, 'assets'), { recursive: true });
  for (const [file, bytes] of files) writeFileSync(join(dist, file), bytes);
}

let total = 0;
for (const a of assets.filter((x) => !x.file.endsWith('.woff2'))) {
  const gz = gzipSync(a.bytes, { level: 9 }).length;
  total += gz;
  console.log(`${a.path.padEnd(34)} ${String(a.bytes.length).padStart(8)} B  ${String(gz).padStart(7)} B gzip`);
}
console.log(`JS+CSS total: ${total} B gzipped`);
console.log(`${fontPath.padEnd(34)} ${String(font.length).padStart(8)} B  (woff2, loaded only without a system CJK font)`);
