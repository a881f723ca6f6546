// Regenerates tests/fixtures/vectors.json from a real demo node:
//   node tests/capture-vectors.mjs
// It keeps one entry of every kind with its inclusion proof and checkpoint,
// three entries of the household with the most payments, and consistency
// proofs from a few old sizes together with the old roots (recomputed here
// from all leaf hashes, RFC 6962 §2.1).
import { writeFileSync } from 'node:fs';
import { sha256 } from '@noble/hashes/sha2.js';
import { startNode } from './harness.mjs';
import { bytesToHex, hexToBytes } from '../src/verify.js';

const node = await startNode();
const get = async (p) => {
  const r = await fetch(node.url + p);
  if (!r.ok) throw new Error(`${p}: ${r.status} ${await r.text()}`);
  return r.json();
};
try {
  const log = await get('/v1/log');
  const all = [];
  for (let start = 0; start < log.size; ) {
    const page = await get(`/v1/entries?start=${start}&limit=1000`);
    all.push(...page.entries);
    start += page.entries.length;
    if (!page.entries.length) break;
  }
  const pick = [];
  const seen = new Set();
  for (const e of all) if (!seen.has(e.kind)) (seen.add(e.kind), pick.push(e.seq));
  const byHousehold = new Map();
  for (const e of all) {
    const s = e.body.HouseholdSubsidy;
    if (s) byHousehold.set(s.household, [...(byHousehold.get(s.household) || []), e.seq]);
  }
  const [household, seqs] = [...byHousehold].sort((a, b) => b[1].length - a[1].length)[0];
  for (const s of seqs.slice(0, 3)) if (!pick.includes(s)) pick.push(s);
  const entries = pick.map((s) => all[s]);
  const proofs = {};
  for (const s of pick) proofs[s] = await get(`/v1/proof/inclusion?seq=${s}`);

  const leaves = all.map((e) => hexToBytes(e.leaf_hash));
  const mth = (lo, hi) => {
    if (hi - lo === 1) return leaves[lo];
    let k = 1;
    while (k * 2 < hi - lo) k *= 2;
    return sha256(Uint8Array.of(1, ...mth(lo, lo + k), ...mth(lo + k, hi)));
  };
  if (bytesToHex(mth(0, log.size)) !== log.root) throw new Error('root recomputed from the leaves differs from /v1/log');
  const consistency = {};
  for (const old of [1, 100, 2000, log.size - 1]) {
    const c = await get(`/v1/proof/consistency?from=${old}`);
    consistency[old] = { root: bytesToHex(mth(0, old)), hashes: c.hashes };
  }
  const out = {
    note: 'Captured from `ledger-node --demo` by tests/capture-vectors.mjs: entries of every kind, their inclusion proofs and signed checkpoint, consistency proofs.',
    log: { origin: log.origin, log_vkey: log.log_vkey, log_keys: log.log_keys, size: log.size, root: log.root },
    entries,
    proofs,
    consistency,
    household,
  };
  writeFileSync(new URL('./fixtures/vectors.json', import.meta.url), JSON.stringify(out, null, 1) + '\n');
  console.log(`captured ${entries.length} entries (${[...seen].join(', ')}), household ${household.slice(0, 12)}…`);
} finally {
  await node.stop();
}
