// Unit tests of logtrust.js (no browser): following log-key rotations from a
// pinned key and counting witness cosignatures, with keys made here by
// @noble/curves, the same checks as ledger-core (keys::check_rotation,
// checkpoint/cosignature.rs) and `ledger verify`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ed25519 } from '@noble/curves/ed25519.js';
import { bytesToBase64, bytesToHex, concat, keyId } from '../src/verify.js';
import { checkRotation, checkWitnesses, countCosignatures, followRotations, rotationMessage } from '../src/logtrust.js';

const utf8 = new TextEncoder();
const ORIGIN = 'huaian.sunshine-ledger.example/test';

function keyPair(seedByte, name = ORIGIN, type = 0x01) {
  const secret = new Uint8Array(32).fill(seedByte);
  const pub = ed25519.getPublicKey(secret);
  const typed = concat(Uint8Array.of(type), pub);
  const id = keyId(name, typed);
  return { secret, pub, name, id, vkey: `${name}+${id.toString(16).padStart(8, '0')}+${bytesToBase64(typed)}` };
}

const idBytes = (id) => Uint8Array.of(id >>> 24, (id >>> 16) & 255, (id >>> 8) & 255, id & 255);
const A = keyPair(1);
const B = keyPair(2);
const C = keyPair(3);
const endorse = (from, to, origin = ORIGIN) => ed25519.sign(rotationMessage(origin, to.vkey), from.secret);
const rotationEntry = (to, sig, origin = ORIGIN) => ({ ok: true, decoded: { kind: 'LogKeyRotate', origin, body: { log_vkey: to.vkey, reason: '年度轮换', endorsement: bytesToHex(sig) } } });
const log = { origin: ORIGIN, log_vkey: C.vkey, log_keys: [{ from_size: 0, vkey: A.vkey }, { from_size: 11, vkey: B.vkey }, { from_size: 31, vkey: C.vkey }] };

async function code(p) {
  try {
    await p;
  } catch (e) {
    return e.code;
  }
  return null;
}

test('the rotation message is the domain, the origin, a zero byte and the new key', () => {
  const m = rotationMessage('o', 'o+1+x');
  assert.equal(new TextDecoder().decode(m), 'SunshineLedger/v1/log-rotation\0o\0o+1+x');
});

test('two endorsed rotations are followed from the pinned first key', async () => {
  const asked = [];
  const entries = { 10: rotationEntry(B, endorse(A, B)), 30: rotationEntry(C, endorse(B, C)) };
  const r = await followRotations(log, A.vkey, 40, async (seq) => {
    asked.push(seq);
    return entries[seq];
  });
  assert.equal(r.vkey, C.vkey);
  assert.deepEqual(r.rotations.map((x) => x.seq), [10, 30]);
  assert.deepEqual(asked, [10, 30]);
  // Before the second rotation, the key in force is B: one rotation.
  assert.equal((await followRotations(log, A.vkey, 20, async (seq) => entries[seq])).vkey, B.vkey);
  // Pinned on the key in force: nothing to follow.
  assert.deepEqual(await followRotations(log, C.vkey, 40, async () => assert.fail('no fetch')), { vkey: C.vkey, rotations: [] });
});

test('an unendorsed or wrong rotation is a failure, naming why', async () => {
  const good = { 10: rotationEntry(B, endorse(A, B)) };
  // Endorsed by the new key itself, not the outgoing one.
  assert.equal(await code(followRotations(log, A.vkey, 20, async () => rotationEntry(B, endorse(B, B)))), 'not_endorsed');
  // A flipped bit of the endorsement.
  const sig = endorse(A, B);
  sig[5] ^= 1;
  assert.equal(await code(followRotations(log, A.vkey, 20, async () => rotationEntry(B, sig))), 'not_endorsed');
  // Endorsed for another log's origin.
  assert.equal(await code(followRotations(log, A.vkey, 20, async () => rotationEntry(B, endorse(A, B, 'other/log')))), 'not_endorsed');
  // The entry at from_size − 1 is not a rotation.
  assert.equal(await code(followRotations(log, A.vkey, 20, async () => ({ ok: true, decoded: { kind: 'HouseholdSubsidy', origin: ORIGIN, body: {} } }))), 'not_a_rotation');
  // The rotation entry's own proof failed.
  assert.equal(await code(followRotations(log, A.vkey, 20, async () => ({ ok: false, detail: '包含证明不成立' }))), 'bad_rotation');
  // The entry rotates to another key than the node lists.
  assert.equal(await code(followRotations(log, A.vkey, 20, async () => rotationEntry(C, endorse(A, C)))), 'bad_rotation');
  // A pinned key the node never listed.
  assert.equal(await code(followRotations(log, keyPair(9).vkey, 20, async (seq) => good[seq])), 'no_rotation_path');
});

test('a new key named after another log is refused even when endorsed', () => {
  const X = keyPair(4, 'other/log');
  assert.throws(() => checkRotation(ORIGIN, A.vkey, X.vkey, endorse(A, X)), (e) => e.code === 'bad_new_key');
  assert.doesNotThrow(() => checkRotation(ORIGIN, A.vkey, B.vkey, endorse(A, B)));
});

// ------------------------------------------------------------ witnesses

const body = `${ORIGIN}\n40\n${bytesToBase64(new Uint8Array(32).fill(7))}\n`;
function logLine(key) {
  return `— ${key.name} ${bytesToBase64(concat(idBytes(key.id), ed25519.sign(utf8.encode(body), key.secret)))}`;
}
function cosignLine(w, ts = 1700000000n, tamper = false) {
  const tsBytes = new Uint8Array(8);
  new DataView(tsBytes.buffer).setBigUint64(0, ts);
  const sig = ed25519.sign(concat(utf8.encode(`cosignature/v1\ntime ${ts}\n`), utf8.encode(body)), w.secret);
  if (tamper) sig[0] ^= 1;
  return `— ${w.name} ${bytesToBase64(concat(idBytes(w.id), tsBytes, sig))}`;
}
const note = (...lines) => `${body}\n${lines.join('\n')}\n`;
const W1 = keyPair(11, 'jiwei.example/witness', 0x04);
const W2 = keyPair(12, 'shenji.example/witness', 0x04);

test('k-of-n witness cosignatures: counted, too few is a failure, a bad line is an error', () => {
  const info = { witnesses: [W1.vkey, W2.vkey], min_witnesses: 2 };
  const keyFor = () => C.vkey;
  const both = note(logLine(C), cosignLine(W1), cosignLine(W2));
  assert.deepEqual(countCosignatures(both, [W1.vkey, W2.vkey, W1.vkey]), { count: 2, names: [W1.name, W2.name] });
  const r = checkWitnesses(info, both, keyFor, ORIGIN);
  assert.deepEqual([r.required, r.listed, r.count, r.size], [2, 2, 2, 40]);
  // One of two required.
  assert.throws(() => checkWitnesses(info, note(logLine(C), cosignLine(W1)), keyFor, ORIGIN), (e) => e.code === 'too_few_cosignatures' && /至少 2 个联署，只看到 1 个/.test(e.message));
  // min_witnesses absent: one is enough (the node's default).
  assert.equal(checkWitnesses({ witnesses: [W1.vkey, W2.vkey] }, note(logLine(C), cosignLine(W2)), keyFor, ORIGIN).count, 1);
  // A tampered cosignature by a listed witness is an error, not skipped.
  assert.throws(() => checkWitnesses(info, note(logLine(C), cosignLine(W1), cosignLine(W2, 1700000000n, true)), keyFor, ORIGIN), (e) => e.code === 'bad_cosignature');
  // Signed by another log key than the one in force.
  assert.throws(() => checkWitnesses(info, both, () => A.vkey, ORIGIN), (e) => e.code === 'no_log_signature');
  // A witness key of the log type (0x01) is not a witness key.
  assert.throws(() => countCosignatures(both, [A.vkey]), (e) => e.code === 'bad_vkey');
  // No witnesses listed: nothing required.
  assert.equal(checkWitnesses({ witnesses: [] }, null, keyFor, ORIGIN).required, 0);
  assert.throws(() => checkWitnesses(info, null, keyFor, ORIGIN), (e) => e.code === 'no_cosigned_checkpoint');
});
