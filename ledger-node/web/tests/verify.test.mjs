// Unit tests of the page's verification code (no browser): the same modules
// the page bundles, run against
//   * the RFC 6962 / RFC 9162 proof test vectors of the repository
//     (fixtures/testvectors/rfc6962-merkle, every wantErr case must fail);
//   * vectors produced by ledger-core (canonical entries, proofs, a signed
//     checkpoint): tests/fixtures/vectors.json;
//   * the signed-note example of c2sp.org/signed-note;
//   * the Ed25519 edge cases of fixtures/vectors/ed25519-edge-cases.json
//     (the same file the Rust tests check, with the same expected answers).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ed25519 } from '@noble/curves/ed25519.js';

import {
  base64ToBytes, bytesToBase64, bytesToHex, hexToBytes, keyId, leafHash, parseCheckpointText, parseNote,
  parseVkey, rootFromInclusionProof, verifyConsistency, verifyEd25519, verifyNoteSignature,
} from '../src/verify.js';
import { decodeEntry, VERSION_1_MESSAGE, VERSION_2_MESSAGE } from '../src/postcard.js';
import { bodyMismatches, checkEntry, keyForSize } from '../src/check.js';
import { yuan, wan, period } from '../src/format.js';

const here = dirname(fileURLToPath(import.meta.url));
const vectors = JSON.parse(readFileSync(join(here, 'fixtures', 'vectors.json'), 'utf8'));
const tvRoot = join(here, '..', '..', '..', 'fixtures', 'testvectors', 'rfc6962-merkle');

function walk(dir) {
  const out = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...walk(p));
    else if (name.endsWith('.json')) out.push(p);
  }
  return out;
}

const b64 = (s) => base64ToBytes(s);

test('RFC 6962 inclusion test vectors: happy paths pass, every wantErr fails', () => {
  const files = walk(join(tvRoot, 'inclusion'));
  assert.ok(files.length > 50, `found ${files.length} inclusion vectors`);
  let bad = 0;
  for (const f of files) {
    const v = JSON.parse(readFileSync(f, 'utf8'));
    let ok;
    try {
      const root = rootFromInclusionProof(v.leafIdx, v.treeSize, b64(v.leafHash), (v.proof || []).map(b64));
      ok = bytesToBase64(root) === v.root;
    } catch {
      ok = false;
    }
    assert.equal(ok, !v.wantErr, `${f}: ${v.desc}`);
    if (v.wantErr) bad++;
  }
  assert.ok(bad > 20);
});

test('RFC 6962 consistency test vectors: happy paths pass, every wantErr fails', () => {
  const files = walk(join(tvRoot, 'consistency'));
  assert.ok(files.length > 50, `found ${files.length} consistency vectors`);
  for (const f of files) {
    const v = JSON.parse(readFileSync(f, 'utf8'));
    let ok;
    try {
      verifyConsistency(v.size1, v.size2, b64(v.root1), b64(v.root2), (v.proof || []).map(b64));
      ok = true;
    } catch {
      ok = false;
    }
    assert.equal(ok, !v.wantErr, `${f}: ${v.desc}`);
  }
});

test('signed-note spec example verifies, and a changed note does not', () => {
  const vkey = parseVkey('example.com/foo+530d903a+AekyeRrm56hApGFkyQR4ZCbV54Id2LKaANYcrnKv3U2k');
  const note =
    'This is an example message.\n\n\u2014 example.com/foo Uw2QOkn8srV1yJGh2VYRlL1Tnagv1YEq6TfXppzi2ONncAlTgK7Ztg1ERYNZXsYjOBH3mFXmRKuwHjG1Yu72IneyaQM=\n';
  assert.equal(verifyNoteSignature(note, vkey).signatures, 1);
  assert.throws(() => verifyNoteSignature(note.replace('example', 'exampel'), vkey), { code: 'bad_log_signature' });
  // Signatures from unknown keys are ignored; none from the known key = reject.
  const other = note.replace('example.com/foo ', 'example.com/bar ');
  assert.throws(() => verifyNoteSignature(other, vkey), { code: 'no_log_signature' });
});

test('verifier keys: key ID recomputed, wrong IDs and weak keys refused', () => {
  const k = parseVkey(vectors.log.log_vkey);
  assert.equal(k.name, vectors.log.origin);
  assert.equal(keyId(k.name, Uint8Array.of(1, ...k.pub)), k.id);
  const [name, id, ...rest] = vectors.log.log_vkey.split('+');
  const key = rest.join('+'); // base64 may contain '+'
  const wrongId = ((parseInt(id, 16) ^ 1) >>> 0).toString(16).padStart(8, '0');
  assert.throws(() => parseVkey(`${name}+${wrongId}+${key}`), { code: 'key_id_mismatch' });
  // The identity point (small order) with a correct key ID.
  const weak = Uint8Array.of(1, 1, ...new Uint8Array(31));
  const weakId = keyId(name, weak).toString(16).padStart(8, '0');
  assert.throws(() => parseVkey(`${name}+${weakId}+${bytesToBase64(weak)}`), { code: 'weak_key' });
  assert.throws(() => parseVkey(`${name}+${id}`), { code: 'bad_vkey' });
});

test('checkpoint parsing is strict', () => {
  const note = parseNote(vectors.proofs[0].checkpoint);
  const cp = parseCheckpointText(note.text);
  assert.equal(cp.origin, vectors.log.origin);
  assert.equal(cp.size, vectors.log.size);
  assert.equal(bytesToHex(cp.root), vectors.log.root);
  assert.throws(() => parseCheckpointText('o\n012\nAAAA\n'), { code: 'bad_checkpoint' });
  assert.throws(() => parseCheckpointText(`o\n1\n${cp.rootB64}\n\n`), { code: 'bad_checkpoint' });
  assert.throws(() => parseNote(vectors.proofs[0].checkpoint.trimEnd()), { code: 'bad_note' });
  assert.throws(() => parseNote(vectors.proofs[0].checkpoint.replace('\n\n', '\n')), { code: 'bad_note' });
});

test('postcard decoder reproduces the node JSON body of every entry kind', () => {
  const kinds = new Set();
  for (const e of vectors.entries) {
    const d = decodeEntry(base64ToBytes(e.raw));
    assert.equal(d.seq, e.seq);
    assert.equal(d.time_ms, e.time_ms);
    assert.deepEqual({ [d.kind]: d.body }, e.body, `entry ${e.seq}`);
    assert.equal(bytesToHex(leafHash(base64ToBytes(e.raw))), e.leaf_hash);
    kinds.add(d.kind);
  }
  assert.ok(kinds.size >= 8, [...kinds].join(','));
  // The project library's kinds 19-26, as the Rust core encoded them in the demo (issue 13).
  const project = ['ProjectReview', 'ProjectApprove', 'ProjectStart', 'ProjectAccept', 'ProjectHandover', 'ProjectEvaluate', 'ProjectAdjust', 'ProjectCancel'];
  assert.deepEqual(project.filter((k) => !kinds.has(k)), [], 'vectors.json holds an entry of every project kind');
});

test('postcard decoder refuses trailing bytes and non-minimal varints', () => {
  const e = vectors.entries.find((x) => x.body.HouseholdSubsidy);
  const raw = base64ToBytes(e.raw);
  assert.throws(() => decodeEntry(Uint8Array.of(...raw, 0)), /多出 1 字节/);
  assert.throws(() => decodeEntry(raw.slice(0, raw.length - 1)), /提前结束/);
  // seq re-encoded with a redundant continuation byte.
  const seq = raw[1];
  if (seq < 0x80) {
    const longer = Uint8Array.of(raw[0], seq | 0x80, 0x00, ...raw.slice(2));
    assert.throws(() => decodeEntry(longer), /不规范/);
  }
});

function householdCase() {
  const entry = vectors.entries.find((x) => x.body.HouseholdSubsidy && x.body.HouseholdSubsidy.household === vectors.household);
  return { entry, proof: structuredClone(vectors.proofs[entry.seq]), log: vectors.log };
}

test('a real household entry verifies end to end', () => {
  const c = householdCase();
  const r = checkEntry(c);
  assert.ok(r.ok, JSON.stringify(r.steps, null, 1));
  assert.deepEqual(r.steps.map((s) => s.id), ['decode', 'leaf', 'signers', 'inclusion', 'checkpoint', 'signature']);
  assert.equal(r.decoded.body.household, vectors.household);
  assert.equal(r.key.vkey, vectors.log.log_vkey);
  for (const [seq, p] of Object.entries(vectors.proofs)) {
    const entry = vectors.entries.find((x) => x.seq === Number(seq));
    assert.ok(checkEntry({ entry, proof: p, log: vectors.log }).ok, `entry ${seq}`);
  }
});

const failedStep = (r) => r.steps.find((s) => !s.ok)?.id;

test('every kind of tampering is caught at the right step', () => {
  const flipHex = (h, i = 0) => h.slice(0, i) + ((parseInt(h[i], 16) ^ 1).toString(16)) + h.slice(i + 1);
  {
    const c = householdCase();
    c.proof.hashes[2] = flipHex(c.proof.hashes[2], 10);
    const r = checkEntry(c);
    assert.equal(r.ok, false);
    assert.equal(failedStep(r), 'inclusion');
  }
  {
    const c = householdCase();
    c.proof.hashes.pop();
    assert.equal(failedStep(checkEntry(c)), 'inclusion');
  }
  {
    // A different leaf index with the same path.
    const c = householdCase();
    c.proof.leaf_index += 1;
    assert.equal(failedStep(checkEntry(c)), 'inclusion');
  }
  {
    // Raw bytes changed: the amount in the bytes is different.
    const c = householdCase();
    const raw = base64ToBytes(c.entry.raw);
    raw[raw.length - 70] ^= 1;
    c.entry = { ...c.entry, raw: bytesToBase64(raw) };
    const r = checkEntry(c);
    assert.equal(r.ok, false);
  }
  {
    // The JSON shows another amount than the signed bytes.
    const c = householdCase();
    c.entry = structuredClone(c.entry);
    c.entry.body.HouseholdSubsidy.amount += 100;
    const r = checkEntry(c);
    assert.equal(failedStep(r), 'decode');
    assert.match(r.steps[0].detail, /amount/);
  }
  {
    // Checkpoint root changed (signature then fails too).
    const c = householdCase();
    const note = parseNote(c.proof.checkpoint);
    const cp = parseCheckpointText(note.text);
    const root = cp.root.slice();
    root[0] ^= 1;
    c.proof.checkpoint = c.proof.checkpoint.replace(cp.rootB64, bytesToBase64(root));
    const r = checkEntry(c);
    assert.equal(failedStep(r), 'checkpoint');
    assert.equal(r.steps.find((s) => s.id === 'signature').ok, false);
  }
  {
    // Signature byte flipped.
    const c = householdCase();
    const lines = c.proof.checkpoint.split('\n');
    const sigLine = lines.findIndex((l) => l.startsWith('\u2014 '));
    const [dash, name, sig] = lines[sigLine].split(' ');
    const bytes = base64ToBytes(sig);
    bytes[20] ^= 0x40;
    lines[sigLine] = `${dash} ${name} ${bytesToBase64(bytes)}`;
    c.proof.checkpoint = lines.join('\n');
    const r = checkEntry(c);
    assert.equal(failedStep(r), 'signature');
    assert.match(r.steps.find((s) => s.id === 'signature').detail, /签名验证失败/);
  }
});

test('a node that swaps its key is caught by the pinned key', () => {
  const c = householdCase();
  // The attacker's own key and a checkpoint it signs for the same tree.
  const sk = ed25519.utils.randomSecretKey();
  const pub = ed25519.getPublicKey(sk);
  const origin = vectors.log.origin;
  const typed = Uint8Array.of(1, ...pub);
  const id = keyId(origin, typed);
  const vkey = `${origin}+${id.toString(16).padStart(8, '0')}+${bytesToBase64(typed)}`;
  const text = parseNote(c.proof.checkpoint).text;
  const sig = ed25519.sign(new TextEncoder().encode(text), sk);
  const blob = Uint8Array.of(id >>> 24, (id >>> 16) & 255, (id >>> 8) & 255, id & 255, ...sig);
  c.proof.checkpoint = `${text}\n\u2014 ${origin} ${bytesToBase64(blob)}\n`;
  const swapped = { ...vectors.log, log_vkey: vkey, log_keys: [{ from_size: 0, vkey }] };
  // Without a pin the forged log is self-consistent …
  assert.ok(checkEntry({ ...c, log: swapped }).ok);
  // … with the genuine key pinned, it is caught.
  const r = checkEntry({ ...c, log: swapped, pinned: vectors.log.log_vkey });
  assert.equal(r.ok, false);
  assert.equal(failedStep(r), 'pinned');
  assert.match(r.steps.at(-1).detail, /不同/);
  // And the genuine log with the genuine pin passes the pin step.
  assert.ok(checkEntry({ ...householdCase(), pinned: vectors.log.log_vkey }).ok);
});

test('log key in force is chosen by tree size', () => {
  const log = { log_vkey: 'c', log_keys: [{ from_size: 0, vkey: 'a' }, { from_size: 100, vkey: 'b' }] };
  assert.equal(keyForSize(log, 99), 'a');
  assert.equal(keyForSize(log, 100), 'b');
  assert.equal(keyForSize({ log_vkey: 'c' }, 5), 'c');
});

test('consistency proofs from ledger-core verify; a changed old root does not', () => {
  const newRoot = hexToBytes(vectors.log.root);
  for (const [old, c] of Object.entries(vectors.consistency)) {
    const proof = c.hashes.map((h) => hexToBytes(h));
    verifyConsistency(Number(old), vectors.log.size, hexToBytes(c.root), newRoot, proof);
    const forged = hexToBytes(c.root);
    forged[31] ^= 1;
    assert.throws(() => verifyConsistency(Number(old), vectors.log.size, forged, newRoot, proof));
  }
});

test('money is formatted in 元 with separators, never through floats', () => {
  assert.equal(yuan(123456789), '1,234,567.89 元');
  assert.equal(yuan(5), '0.05 元');
  assert.equal(yuan(-120000), '-1,200.00 元');
  assert.equal(yuan(9007199254740991), '90,071,992,547,409.91 元');
  assert.equal(wan(123456789), '123.46 万元');
  assert.equal(wan(99999), '999 元');
  assert.equal(period({ year: 2019, month: 0 }), '2019年');
  assert.equal(period({ year: 2019, month: 3 }), '2019年3月');
});

// ------------------------------------------------ issue 11: one signature rule

const edgeCases = JSON.parse(
  readFileSync(join(here, '..', '..', '..', 'fixtures', 'vectors', 'ed25519-edge-cases.json'), 'utf8'),
).cases;

test('operator signatures: the page accepts exactly what ZIP-215 (replay) accepts, case by case', () => {
  assert.equal(edgeCases.length, 18);
  let accepted = 0;
  for (const c of edgeCases) {
    const got = verifyEd25519(hexToBytes(c.signature, 64), hexToBytes(c.message), hexToBytes(c.pub_key, 32));
    assert.equal(got, c.expected.zip215, `${c.id}: ${c.description}`);
    if (got) accepted++;
  }
  // The same count as the Rust test: 14 valid, among them the finding of
  // issue 11 (R = identity encoded with y = p + 1), which the page used to refuse.
  assert.equal(accepted, 14);
  const finding = edgeCases.find((c) => c.id === 'generated-identity-r-noncanonical');
  assert.equal(verifyEd25519(hexToBytes(finding.signature, 64), hexToBytes(finding.message), hexToBytes(finding.pub_key, 32)), true);
  // Negative: the same signature over another message does not verify.
  const other = hexToBytes(finding.message);
  other[0] ^= 1;
  assert.equal(verifyEd25519(hexToBytes(finding.signature, 64), other, hexToBytes(finding.pub_key, 32)), false);
});

// A minimal postcard writer for hand-built entries (LEB128 varints).
function varint(n) {
  let v = BigInt(n);
  const out = [];
  do {
    let b = Number(v & 0x7fn);
    v >>= 7n;
    if (v !== 0n) b |= 0x80;
    out.push(b);
  } while (v !== 0n);
  return out;
}
const str = (s) => {
  const b = new TextEncoder().encode(s);
  return [...varint(b.length), ...b];
};

/** A KeyGrant entry with the given validity bounds (signature bytes are not checked here). */
function keyGrantEntry(validFrom, validUntil) {
  return Uint8Array.from([
    3, ...varint(7), ...varint(1_700_000_000_000), ...new Array(32).fill(0), // v, seq, time_ms, prev_hash
    3, ...str('huaian.example/log'), ...new Array(16).fill(3), ...varint(1_700_000_600_000), // submission head
    ...varint(1), // KeyGrant
    ...new Array(32).fill(9), ...str('区财政局 王*明'), ...varint(1), ...varint(5), // key, holder, Operator, DistrictFinance
    ...varint(1), ...varint(320803000000), ...varint(1), ...varint(9), // regions, kinds
    ...varint(validFrom), ...varint(validUntil),
    ...varint(1), ...new Array(96).fill(0), // one (key, signature)
  ]);
}

test('postcard: a string starting with U+FEFF keeps it (fuzz js_decode_entry, case 0x91d8af48723fd288)', () => {
  // The demo origin, length-prefixed, becomes U+FEFF ‖ origin: valid for the
  // node (a BOM is not a control character); the page must show the string
  // that was signed, BOM included.
  const e = vectors.entries.find((x) => x.body.HouseholdSubsidy);
  const raw = [...base64ToBytes(e.raw)];
  const origin = [...new TextEncoder().encode(vectors.log.origin)];
  const at = raw.findIndex((_, i) => raw[i] === origin.length && origin.every((b, j) => raw[i + 1 + j] === b));
  assert.ok(at > 0);
  raw.splice(at, 1 + origin.length, origin.length + 3, 0xef, 0xbb, 0xbf, ...origin);
  const d = decodeEntry(Uint8Array.from(raw));
  assert.equal(d.origin, `\ufeff${vectors.log.origin}`);
});

test('verifier keys: key names follow the Rust rule (fuzz js_verifier_key, case 0x73f488df90c1b193)', () => {
  const pub = Uint8Array.of(1, ...parseVkey(vectors.log.log_vkey).pub);
  const vkeyFor = (name) => `${name}+${keyId(name, pub).toString(16).padStart(8, '0')}+${bytesToBase64(pub)}`;
  // U+FEFF is not a Unicode space; 255 UTF-8 bytes is the limit, not 255 UTF-16 units.
  for (const name of ['example.com/\ufefflog', '字'.repeat(85), 'a\u200b']) {
    assert.equal(parseVkey(vkeyFor(name)).name, name);
  }
  for (const name of ['字'.repeat(86), 'a b', 'a\u00a0b', 'a\u2028', 'a+b', 'a\u0085', 'a\u007f', '']) {
    assert.throws(() => parseVkey(vkeyFor(name)), { code: /bad_key_name|bad_vkey/ }, JSON.stringify(name));
  }
});

test('postcard: u64 values above 2^53 decode exactly (BigInt), smaller ones stay Numbers', () => {
  const max = 2n ** 64n - 1n;
  const d = decodeEntry(keyGrantEntry(1_600_000_000_000, max));
  assert.equal(d.kind, 'KeyGrant');
  assert.equal(d.body.office, 'DistrictFinance');
  assert.equal(d.body.valid_until_ms, max);
  assert.equal(typeof d.body.valid_from_ms, 'number');
  assert.equal(d.body.valid_from_ms, 1_600_000_000_000);
  assert.equal(d.seq, 7);
  assert.deepEqual(d.body.scope, { regions: ['320803000000'], kinds: ['HouseholdSubsidy'] });
  // 2^53 itself is the first value past Number's exact range.
  assert.equal(decodeEntry(keyGrantEntry(0, 2n ** 53n)).body.valid_until_ms, 2n ** 53n);
  assert.equal(decodeEntry(keyGrantEntry(0, 2n ** 53n - 1n)).body.valid_until_ms, Number.MAX_SAFE_INTEGER);
  // Still strict: more than 64 bits is refused.
  const bytes = [...keyGrantEntry(0, max)];
  const at = bytes.length - 97 - 10; // the ten bytes of valid_until_ms
  assert.deepEqual(bytes.slice(at, at + 10), varint(max));
  bytes.splice(at + 9, 1, 0x83); // top byte 0x01 → 0x83 + one more byte: 2^64 and beyond
  bytes.splice(at + 10, 0, 0x01);
  assert.throws(() => decodeEntry(Uint8Array.from(bytes)), /过长|超出范围/);
  // The node's JSON (2^64 − 1 read by JSON.parse) matches the bytes; another value does not.
  const json = JSON.parse('{"KeyGrant": {"valid_until_ms": 18446744073709551615, "valid_from_ms": 1600000000000}}');
  assert.deepEqual(bodyMismatches(d, json), []);
  assert.deepEqual(bodyMismatches(d, { KeyGrant: { valid_until_ms: 1 } }), ['valid_until_ms']);
  // Display code takes BigInt money without going through floats.
  assert.equal(yuan(2n ** 60n), '11,529,215,046,068,469.76 元');
});

/** An entry of format 2 around `body` (the variant index and fields, as bytes). */
function entryWith(body, { v = 3, sv = 3 } = {}) {
  return Uint8Array.from([
    v, ...varint(9), ...varint(1_700_000_000_000), ...new Array(32).fill(0),
    sv, ...str('huaian.example/log'), ...new Array(16).fill(3), ...varint(1_700_000_600_000),
    ...body,
    ...varint(1), ...new Array(96).fill(0),
  ]);
}
const lineRef = (notice, line) => [...str(notice), ...varint(line)];

test('format version 1 is refused with a message naming the version', () => {
  const payment = vectors.entries.find((x) => x.body.HouseholdSubsidy);
  const raw = base64ToBytes(payment.raw);
  assert.equal(raw[0], 3, 'the vectors are format 3');
  const old = raw.slice();
  old[0] = 1;
  assert.throws(() => decodeEntry(old), (e) => e.code === 'version' && e.message.includes(VERSION_1_MESSAGE));
  assert.match(VERSION_1_MESSAGE, /版本1.*业务日期.*版本3/);
  // Format 2 (before issue 14's supplementary payments) is named too.
  const v2 = raw.slice();
  v2[0] = 2;
  assert.throws(() => decodeEntry(v2), (e) => e.code === 'version' && e.message.includes(VERSION_2_MESSAGE));
  assert.match(VERSION_2_MESSAGE, /版本2.*补发.*版本3/);
  // The submission's own version byte too.
  const body = [...varint(18), ...varint(5), ...varint(2), ...varint(20190320)];
  assert.throws(() => decodeEntry(entryWith(body, { sv: 1 })), (e) => e.code === 'version' && e.message.includes(VERSION_1_MESSAGE));
  assert.throws(() => decodeEntry(entryWith(body, { v: 4 })), (e) => e.code === 'version' && /版本4/.test(e.message));
  // In the whole check, the decode step fails with that message.
  const r = checkEntry({ ...householdCase(), entry: { ...householdCase().entry, raw: bytesToBase64(old) } });
  assert.equal(r.ok, false);
  const step = r.steps.find((s) => s.id === 'decode');
  assert.equal(step.ok, false);
  assert.match(step.detail, /账本格式版本1/);
});

test('format 2: business dates and the notice line of a payment come from the bytes', () => {
  const payment = vectors.entries.find((x) => x.body.HouseholdSubsidy);
  const d = decodeEntry(base64ToBytes(payment.raw));
  assert.ok(Number.isInteger(d.body.date) && d.body.date >= 20000101, `date ${d.body.date}`);
  assert.deepEqual(bodyMismatches(d, payment.body), []);
  assert.deepEqual(bodyMismatches(d, { HouseholdSubsidy: { ...payment.body.HouseholdSubsidy, date: 20991231 } }), ['date']);
  assert.deepEqual(bodyMismatches(d, { HouseholdSubsidy: { ...payment.body.HouseholdSubsidy, notice: { notice: 'N-X', line: 99999 } } }), ['notice']);
});

test('format 2: the procedure kinds 12-18 decode, strictly', () => {
  const hh = new Array(32).fill(0xab);
  // Notice (12): a payment list with one line.
  const notice = decodeEntry(entryWith([
    ...varint(12), ...str('N-1'), ...varint(6), ...varint(320803101201), ...varint(20190301), ...str('2019年3月低保金发放公示'),
    ...varint(1), ...varint(1), ...hh, ...str('张*'), ...varint(5), ...varint(2019), 3, ...varint(35000),
  ]));
  assert.equal(notice.kind, 'Notice');
  assert.deepEqual(notice.body, {
    notice: 'N-1', stage: 'PaymentList', region: '320803101201', start: 20190301, title: '2019年3月低保金发放公示',
    lines: { Payments: [{ household: 'ab'.repeat(32), masked_name: '张*', category: 'MinimumLiving', period: { year: 2019, month: 3 }, amount: 35000 }] },
  });
  // HouseholdCheck (13), HouseholdRegister (14) without and with its five notices, HouseholdExit (15).
  assert.deepEqual(decodeEntry(entryWith([...varint(13), ...lineRef('N-A', 0), ...varint(1), ...varint(20190305), 1, ...str('无车辆')])).body,
    { application: { notice: 'N-A', line: 0 }, check: 'HomeVerification', date: 20190305, passed: true, note: '无车辆' });
  const reg = [...varint(14), ...hh, ...str('李*'), ...varint(320803101201), ...varint(2), ...varint(20190401)];
  assert.equal(decodeEntry(entryWith([...reg, 0])).body.notices, null);
  const five = ['N-A', 'N-V', 'N-T', 'N-D', 'N-O'].flatMap((n, i) => lineRef(n, i));
  assert.deepEqual(decodeEntry(entryWith([...reg, 1, ...five])).body.notices.objection_review, { notice: 'N-O', line: 4 });
  assert.equal(decodeEntry(entryWith([...reg, 1, ...five])).body.category, 'RegisteredLowIncome');
  assert.throws(() => decodeEntry(entryWith([...reg, 2, ...five])), /可选值/);
  assert.deepEqual(decodeEntry(entryWith([...varint(15), ...hh, ...varint(320803101201), ...varint(20201231), ...lineRef('N-E', 2), ...str('收入稳定')])).body.announcement,
    { notice: 'N-E', line: 2 });
  // Objection (16) against a line and against an entry; ObjectionResolve (17); PaymentConfirm (18).
  const obj = decodeEntry(entryWith([...varint(16), ...str('YY-2019-0012'), ...varint(0), ...lineRef('N-1', 0), ...varint(0), ...varint(20190303), ...str('家中有车')]));
  assert.deepEqual(obj.body, { case_no: 'YY-2019-0012', target: { NoticeLine: { notice: 'N-1', line: 0 } }, channel: 'Hotline12317', received: 20190303, summary: '家中有车' });
  assert.deepEqual(decodeEntry(entryWith([...varint(16), ...str('YY-1'), ...varint(1), ...varint(300), ...varint(3), ...varint(20190303), ...str('x')])).body.target, { Entry: 300 });
  assert.deepEqual(decodeEntry(entryWith([...varint(17), ...str('YY-1'), ...varint(1), ...varint(20190310), ...str('经核实不属实')])).body.outcome, 'Dismissed');
  assert.deepEqual(decodeEntry(entryWith([...varint(18), ...varint(123), ...varint(1), ...varint(20190320)])).body,
    { payment_seq: 123, method: 'CardSignature', date: 20190320 });
  // Strict: unknown variants, bad booleans, impossible dates, kind 27 (past the project kinds).
  assert.throws(() => decodeEntry(entryWith([...varint(18), ...varint(123), ...varint(3), ...varint(20190320)])), /未知的枚举值/);
  assert.throws(() => decodeEntry(entryWith([...varint(13), ...lineRef('N-A', 0), ...varint(1), ...varint(20190305), 2, ...str('x')])), /布尔值/);
  for (const bad of [20190229, 20191301, 19991231, 21000101, 20190431, 0]) {
    assert.throws(() => decodeEntry(entryWith([...varint(18), ...varint(1), ...varint(0), ...varint(bad)])), /日期/, String(bad));
  }
  assert.equal(decodeEntry(entryWith([...varint(18), ...varint(1), ...varint(0), ...varint(20000229)])).body.date, 20000229);
  assert.throws(() => decodeEntry(entryWith([...varint(27)])), /未知的枚举值 27/);
});

// The project library (issue 13; docs/FORMAT.md §5.10): kinds 19-26, byte by
// byte as the format table lists their fields.
const fundBudget = (fund, amount) => [...str(fund), ...varint(amount)];
const contractBytes = (id, name, no) => [...str(id), ...str(name), ...str(no)];
const CONTRACTOR = ['91320803MA1XY2AB3C', '淮安市楚州建设工程有限公司', '淮区建〔2019〕HT-031'];

test('format 2: the project library kinds 19-26 decode to the node JSON shape, strictly', () => {
  const review = [...varint(19), ...str('P-320803101201-01'), ...varint(20190415), ...str('淮区扶贫审〔2019〕3号'), 1, ...str('方案可行')];
  assert.deepEqual(decodeEntry(entryWith(review)), {
    ...decodeEntry(entryWith(review)),
    kind: 'ProjectReview',
    body: { project: 'P-320803101201-01', date: 20190415, document_no: '淮区扶贫审〔2019〕3号', passed: true, note: '方案可行' },
  });
  // A failed review: passed = false.
  const failed = [...review];
  failed[failed.length - 1 - str('方案可行').length] = 0;
  assert.equal(decodeEntry(entryWith(failed)).body.passed, false);

  // ProjectApprove (20): plan line, two funds, the contract.
  const approve = decodeEntry(entryWith([
    ...varint(20), ...str('P-1'), ...varint(20190520), ...str('淮区扶贫〔2019〕12号'), ...lineRef('N-320803101201-2019-PLAN', 2),
    ...varint(2), ...fundBudget('F2019-SCN-012', 100_000_000), ...fundBudget('F2019-QJ-003', 45_100_000),
    ...contractBytes(...CONTRACTOR),
  ]));
  assert.equal(approve.kind, 'ProjectApprove');
  assert.deepEqual(approve.body, {
    project: 'P-1', date: 20190520, document_no: '淮区扶贫〔2019〕12号', plan: { notice: 'N-320803101201-2019-PLAN', line: 2 },
    budgets: [{ fund: 'F2019-SCN-012', amount: 100_000_000 }, { fund: 'F2019-QJ-003', amount: 45_100_000 }],
    contract: { contractor: { id: CONTRACTOR[0], name: CONTRACTOR[1] }, contract_no: CONTRACTOR[2] },
  });

  // ProjectStart (21), ProjectAccept (22), ProjectHandover (23): one structure, three kinds.
  const milestone = (kind, date, doc, note) => decodeEntry(entryWith([...varint(kind), ...str('P-1'), ...varint(date), ...str(doc), ...str(note)]));
  assert.deepEqual([21, 22, 23].map((k) => milestone(k, 20190601, '开工令', '').kind), ['ProjectStart', 'ProjectAccept', 'ProjectHandover']);
  assert.deepEqual(milestone(23, 20191130, '淮区移〔2019〕7号', '移交施庄村村委会管护').body,
    { project: 'P-1', date: 20191130, document_no: '淮区移〔2019〕7号', note: '移交施庄村村委会管护' });

  // ProjectEvaluate (24): the score is one raw byte (u8), not a varint.
  const evaluate = decodeEntry(entryWith([...varint(24), ...str('P-1'), ...varint(20200615), ...str('绩评〔2020〕5号'), 92, ...str('带动增收')]));
  assert.deepEqual(evaluate.body, { project: 'P-1', date: 20200615, document_no: '绩评〔2020〕5号', score: 92, note: '带动增收' });
  assert.equal(decodeEntry(entryWith([...varint(24), ...str('P-1'), ...varint(20200615), ...str('x'), 200, ...str('y')])).body.score, 200);

  // ProjectAdjust (25) without and with a new contract.
  const adjust = (contract) => [
    ...varint(25), ...str('P-1'), ...varint(20190801), ...str('淮区扶贫调〔2019〕2号'), ...varint(1), ...fundBudget('F2019-SCN-012', 146_000_000),
    ...contract, ...str('增加排水沟'),
  ];
  assert.deepEqual(decodeEntry(entryWith(adjust([0]))).body, {
    project: 'P-1', date: 20190801, document_no: '淮区扶贫调〔2019〕2号', budgets: [{ fund: 'F2019-SCN-012', amount: 146_000_000 }],
    contract: null, reason: '增加排水沟',
  });
  assert.deepEqual(decodeEntry(entryWith(adjust([1, ...contractBytes('91320803MA1ZZ9XY8K', '淮安市某某公司', 'HT-2')]))).body.contract,
    { contractor: { id: '91320803MA1ZZ9XY8K', name: '淮安市某某公司' }, contract_no: 'HT-2' });

  // ProjectCancel (26).
  assert.deepEqual(decodeEntry(entryWith([...varint(26), ...str('P-9'), ...varint(20191010), ...str('选址无法落实')])).body,
    { project: 'P-9', date: 20191010, reason: '选址无法落实' });

  // Negative cases: a bad option tag, a bad boolean, an impossible date, a short budget list, trailing bytes.
  assert.throws(() => decodeEntry(entryWith(adjust([2]))), /可选值的标记/);
  assert.throws(() => decodeEntry(entryWith([...review.slice(0, -1 - str('方案可行').length), 2, ...str('方案可行')])), /布尔值/);
  assert.throws(() => decodeEntry(entryWith([...varint(26), ...str('P-9'), ...varint(20190230), ...str('x')])), /日期/);
  assert.throws(() => decodeEntry(entryWith([
    ...varint(20), ...str('P-1'), ...varint(20190520), ...str('d'), ...lineRef('N', 0), ...varint(3), ...fundBudget('F', 1),
  ])), { code: 'decode' }); // three budgets announced, one given: the rest is read from the signatures and fails
  const cancel = entryWith([...varint(26), ...str('P-9'), ...varint(20191010), ...str('r')]);
  assert.throws(() => decodeEntry(Uint8Array.of(...cancel, 0)), /多出 1 字节/);
});

test('format 2: a policy carries the retention share and the fund time limits (issue 13)', () => {
  // Exactly the policy bytes of §5.8 after the issue-12 fields.
  const policyBytes = (retention, limits) => [
    ...varint(0), // no co-signature rules
    ...[7, 7, 7, 7, 7, 7, 7, 10].flatMap((d) => varint(d)), // publicity windows, project_plan last
    ...varint(1), ...varint(0), ...varint(1), ...varint(5), 0, // 低保 → MinimumLiving, not ended by exit
    ...varint(30), // confirmation days
    ...[20190701, 20190701, 20190701, 20190701, 20190901, 20190801].flatMap((d) => varint(d)), // enforced_from: …, projects, duplicates (format 3)
    ...varint(retention), ...limits.flatMap((d) => varint(d)),
  ];
  const d = decodeEntry(entryWith([...varint(4), ...policyBytes(500, [30, 30, 30, 90])]));
  assert.equal(d.kind, 'PolicyUpdate');
  assert.equal(d.body.policy.retention_bp, 500);
  assert.deepEqual(d.body.policy.fund_limits, { district_days: 30, town_days: 30, village_days: 30, project_days: 90 });
  assert.equal(d.body.policy.enforced_from.projects, 20190901);
  assert.equal(d.body.policy.enforced_from.duplicates, 20190801);
  assert.equal(d.body.policy.publicity_days.project_plan, 10);
  // Varints over one byte (300 days) and u16 bounds.
  assert.equal(decodeEntry(entryWith([...varint(4), ...policyBytes(3000, [300, 1, 65535, 2])])).body.policy.fund_limits.village_days, 65535);
  assert.throws(() => decodeEntry(entryWith([...varint(4), ...policyBytes(65536, [30, 30, 30, 90])])), /超出范围|过长/);
  // A policy of issue 12 (without the new fields) is now too short.
  const old = policyBytes(0, []).slice(0, -1);
  assert.throws(() => decodeEntry(entryWith([...varint(4), ...old])), { code: 'decode' });
});

test('format 3: the worked example of docs/FORMAT.md (fixtures/vectors/worked-example.json) decodes and verifies', () => {
  const w = JSON.parse(readFileSync(join(here, '..', '..', '..', 'fixtures', 'vectors', 'worked-example.json'), 'utf8'));
  const kinds = [];
  for (const e of w.entries) {
    const raw = hexToBytes(e.entry_hex);
    const d = decodeEntry(raw);
    kinds.push(d.kind);
    assert.equal(d.v, 3);
    assert.equal(d.seq, e.seq);
    assert.equal(d.time_ms, e.time_ms);
    assert.equal(bytesToHex(d.submissionBytes), e.submission_hex);
    assert.equal(bytesToHex(leafHash(raw)), e.leaf_hash);
    assert.equal(bytesToHex(d.signatures[0].key), e.signer_public_key);
    assert.ok(verifyEd25519(d.signatures[0].signature, hexToBytes(e.signing_message_hex), d.signatures[0].key));
  }
  assert.deepEqual(kinds, ['Genesis', 'FundIssue', 'HouseholdSubsidy']);
  const genesis = decodeEntry(hexToBytes(w.entries[0].entry_hex)).body;
  assert.ok(genesis.policy.categories.length >= 1, 'the genesis carries a policy');
  assert.ok(genesis.grants.every((g) => typeof g.office === 'string'));
  // §12: every control from 2019-07-01, a 5 % retention, the default limits.
  assert.deepEqual(genesis.policy.enforced_from, {
    registration: 20190701, payment_list: 20190701, roles: 20190701, confirmation: 20190701, projects: 20190701, duplicates: 20190701,
  });
  assert.equal(genesis.policy.retention_bp, 500);
  assert.deepEqual(genesis.policy.fund_limits, { district_days: 30, town_days: 30, village_days: 30, project_days: 90 });
  const pay = decodeEntry(hexToBytes(w.entries[2].entry_hex)).body;
  assert.equal(pay.household, w.household.household_ref);
  assert.equal(pay.masked_name, w.household.masked_name);
  assert.ok(pay.date >= 20000101);
});
