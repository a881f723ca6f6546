// The tile-based inclusion prover of the page's static mode (src/static/tiles.js):
//   * against the RFC 6962 inclusion test vectors (fixtures/testvectors/rfc6962-merkle,
//     whose trees are built from the eight leaves of the Certificate
//     Transparency reference tests): the proof computed from tiles is
//     exactly the vector's, hash for hash;
//   * against synthetic trees of 1, 255, 256, 257 and 65,537 leaves: every
//     proof checks (rootFromInclusionProof) to the root computed without tiles;
//   * negative cases: a flipped tile byte, a short tile, a cut bundle.
// The proofs are also compared with the node's own /v1/entries/{seq}/proof in
// tests/static.test.mjs (the browser test of the static mode).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { base64ToBytes, bytesToBase64, bytesToHex, hexToBytes, leafHash, nodeHash, rootFromInclusionProof } from '../src/verify.js';
import { TileReader, tileIndexPath, tilePath, tilesOfLeaves } from '../src/static/tiles.js';

const here = dirname(fileURLToPath(import.meta.url));
const tvRoot = join(here, '..', '..', '..', 'fixtures', 'testvectors', 'rfc6962-merkle');

function walk(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : name.endsWith('.json') ? [p] : [];
  });
}

/** RFC 6962 MTH computed directly from leaf hashes (no tiles). */
function mth(hashes) {
  if (hashes.length === 1) return hashes[0];
  let k = 1;
  while (k * 2 < hashes.length) k *= 2;
  return nodeHash(mth(hashes.slice(0, k)), mth(hashes.slice(k)));
}

const reader = (leaves) => {
  const files = tilesOfLeaves(leaves);
  const fetched = [];
  const r = new TileReader(leaves.length, (path) => {
    fetched.push(path);
    return files.get(path);
  });
  return { r, files, fetched };
};

test('tile paths follow c2sp tlog-tiles', () => {
  assert.equal(tileIndexPath(0), '000');
  assert.equal(tileIndexPath(5), '005');
  assert.equal(tileIndexPath(1000), 'x001/000');
  assert.equal(tileIndexPath(1234067), 'x001/x234/067');
  assert.deepEqual(tilePath(0, 0, 300), { path: 'tile/0/000', width: 256 });
  assert.deepEqual(tilePath(0, 1, 300), { path: 'tile/0/001.p/44', width: 44 });
  assert.deepEqual(tilePath(1, 0, 300), { path: 'tile/1/000.p/1', width: 1 });
  assert.equal(tilePath(1, 0, 255), null);
  assert.deepEqual(tilePath('entries', 1, 257), { path: 'tile/entries/001.p/1', width: 1 });
  assert.deepEqual(tilePath(2, 0, 65536), { path: 'tile/2/000.p/1', width: 1 });
});

// The leaves of the CT reference tests the vectors were made from.
const CT_LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map((x) => hexToBytes(x));

test('proofs computed from tiles equal the RFC 6962 inclusion vectors', async () => {
  let matched = 0;
  for (const f of walk(join(tvRoot, 'inclusion'))) {
    const v = JSON.parse(readFileSync(f, 'utf8'));
    if (v.wantErr || v.treeSize > CT_LEAVES.length || v.leafIdx >= v.treeSize) continue;
    if (bytesToBase64(leafHash(CT_LEAVES[v.leafIdx])) !== v.leafHash) continue;
    const { r } = reader(CT_LEAVES.slice(0, v.treeSize));
    const proof = await r.inclusionProof(v.leafIdx);
    assert.deepEqual(proof.map(bytesToBase64), (v.proof || []), f);
    assert.equal(bytesToBase64(await r.root()), v.root, f);
    matched++;
  }
  assert.ok(matched >= 5, `matched ${matched} vectors`);
});

for (const size of [1, 255, 256, 257, 65537]) {
  test(`every sampled proof from the tiles of a ${size}-leaf tree checks to its root`, async () => {
    const leaves = Array.from({ length: size }, (_, i) => new TextEncoder().encode(`leaf ${i}`));
    const root = mth(leaves.map((d) => leafHash(d)));
    const { r, fetched } = reader(leaves);
    assert.equal(bytesToHex(await r.root()), bytesToHex(root));
    const sample = [...new Set([0, 1, 254, 255, 256, size - 2, size - 1, Math.floor(size / 3)])].filter((i) => i >= 0 && i < size);
    for (const i of sample) {
      const proof = await r.inclusionProof(i);
      assert.equal(bytesToHex(rootFromInclusionProof(i, size, leafHash(leaves[i]), proof)), bytesToHex(root), `leaf ${i}`);
      assert.deepEqual(await r.entry(i), leaves[i]);
    }
    // Each tile is read once, however many proofs use it.
    assert.equal(new Set(fetched).size, fetched.length);
  });
}

test('a flipped tile byte, a short tile and a cut bundle are caught', async () => {
  const leaves = Array.from({ length: 300 }, (_, i) => Uint8Array.of(i & 0xff, i >> 8));
  const root = bytesToHex(mth(leaves.map((d) => leafHash(d))));
  // A hash flipped in the level-0 tile: the computed proof no longer reaches the root.
  const files = tilesOfLeaves(leaves);
  const bad = new Uint8Array(files.get('tile/0/000'));
  bad[32 * 7] ^= 1;
  files.set('tile/0/000', bad);
  const r = new TileReader(300, (p) => files.get(p));
  const proof = await r.inclusionProof(3);
  assert.notEqual(bytesToHex(rootFromInclusionProof(3, 300, leafHash(leaves[3]), proof)), root);
  // A partial tile of the wrong width.
  const short = tilesOfLeaves(leaves);
  short.set('tile/0/001.p/44', short.get('tile/0/001.p/44').slice(0, 32 * 43));
  await assert.rejects(new TileReader(300, (p) => short.get(p)).inclusionProof(299), (e) => e.code === 'bad_tile');
  // A bundle cut in the middle of an entry.
  const cut = tilesOfLeaves(leaves);
  cut.set('tile/entries/001.p/44', cut.get('tile/entries/001.p/44').slice(0, 50));
  await assert.rejects(new TileReader(300, (p) => cut.get(p)).entry(299), (e) => e.code === 'bad_bundle');
  // A flipped entry byte: the bytes come back changed, so their leaf hash fails the proof.
  const flipped = tilesOfLeaves(leaves);
  const b = new Uint8Array(flipped.get('tile/entries/000'));
  b[5 * 4 + 2] ^= 0x40; // each entry: 2 length bytes, 2 data bytes
  flipped.set('tile/entries/000', b);
  const fr = new TileReader(300, (p) => flipped.get(p));
  const got = await fr.entry(5);
  assert.notDeepEqual(got, leaves[5]);
  assert.notEqual(bytesToHex(rootFromInclusionProof(5, 300, leafHash(got), await fr.inclusionProof(5))), root);
  // Out of range.
  await assert.rejects(fr.inclusionProof(300), (e) => e.code === 'index_out_of_range');
  assert.equal(base64ToBytes('AA==').length, 1);
});
