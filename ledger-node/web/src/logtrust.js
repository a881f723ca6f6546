// Trust that follows the log (issue 15, item 5), as `ledger verify` and
// `ledger prove` do it (ledger-core keys::check_rotation,
// ledger-cli/src/prove.rs follow_rotations, checkpoint/cosignature.rs):
//
//   * Log-key rotations: from the key this browser pinned, each later key the
//     node lists (/v1/log `log_keys`) must come from a LogKeyRotate entry at
//     seq from_size − 1, in the log (its inclusion proof checked like any
//     entry), whose endorsement is an Ed25519 signature by the key before it
//     over "SunshineLedger/v1/log-rotation\0" ‖ origin ‖ 0x00 ‖ new vkey, and
//     whose new key is an Ed25519 signed-note key named after the origin. The
//     endorsements carry the trust: a node cannot substitute a key the
//     pinned key never endorsed.
//   * Witnesses: when the node names witnesses (/v1/witnesses), the newest
//     cosigned checkpoint (/v1/checkpoint/cosigned) must carry valid
//     cosignatures (c2sp.org/tlog-cosignature, cosignature/v1) from at least
//     k = min_witnesses distinct listed witnesses, and be signed by the log
//     key in force at its size.
//
// Pure apart from the injected `fetch*` functions, so node's test runner
// checks it with keys made in the test.

import {
  VerifyError, concat, hexToBytes, parseCheckpointText, parseNote, parseVkey, parseWitnessVkey, verifyNoteSignature,
} from './verify.js';
import { ed25519 } from '@noble/curves/ed25519.js';

const utf8 = new TextEncoder();
export const DOMAIN_LOG_ROTATION = utf8.encode('SunshineLedger/v1/log-rotation\0');
/** More rotations than this from one pinned key is not a log but an attack on the page. */
const MAX_ROTATIONS = 64;
/** Witnesses counted at most (a node listing thousands gets no further). */
const MAX_WITNESSES = 32;
/** Largest cosignature timestamp (2^63 − 1), as ledger-core. */
const MAX_COSIGNATURE_TIMESTAMP = 2n ** 63n - 1n;

const fail = (code, message) => {
  throw new VerifyError(code, message);
};

/** Strict RFC 8032 Ed25519 (as ed25519-dalek's verify_strict). */
function verifyStrict(sig, msg, pub) {
  try {
    return sig.length === 64 && ed25519.verify(sig, msg, pub, { zip215: false });
  } catch {
    return false;
  }
}

/** The bytes an outgoing log key signs to endorse `newVkey` (keys::rotation_message). */
export function rotationMessage(origin, newVkey) {
  return concat(DOMAIN_LOG_ROTATION, utf8.encode(origin), Uint8Array.of(0), utf8.encode(newVkey));
}

/**
 * keys::check_rotation: `endorsement` (64 bytes) is `outgoingVkey`'s
 * signature over the rotation message, and `newVkey` is a valid Ed25519
 * signed-note key named `origin`. Throws VerifyError `not_endorsed` or
 * `bad_new_key`.
 */
export function checkRotation(origin, outgoingVkey, newVkey, endorsement) {
  let outgoing;
  try {
    outgoing = parseVkey(outgoingVkey);
  } catch {
    fail('not_endorsed', `轮换前的公钥 ${String(outgoingVkey).slice(0, 40)} 无效，无法核对背书`);
  }
  if (!verifyStrict(endorsement, rotationMessage(origin, newVkey), outgoing.pub)) {
    fail('not_endorsed', `新公钥 ${String(newVkey).slice(0, 48)}… 没有得到原公钥（编号 ${outgoing.idHex}）的有效背书`);
  }
  let next;
  try {
    next = parseVkey(newVkey);
  } catch (e) {
    fail('bad_new_key', `轮换到的新公钥无效：${e.message}`);
  }
  if (next.name !== origin) fail('bad_new_key', `新公钥的名称 ${next.name} 不是本日志 ${origin}`);
}

/**
 * The key that signs a checkpoint of `size`, reached from `pinned` through
 * verified rotations. `fetchRotation(seq)` answers {decoded, ok, detail}: the
 * entry at `seq`, decoded from bytes whose inclusion proof was checked (`ok`).
 * Returns {vkey, rotations: [{seq, from, to}]}; throws VerifyError.
 */
export async function followRotations(log, pinned, size, fetchRotation) {
  const keys = (Array.isArray(log.log_keys) ? log.log_keys : [])
    .filter((k) => k && typeof k.vkey === 'string' && Number.isSafeInteger(k.from_size) && k.from_size <= size)
    .sort((a, b) => a.from_size - b.from_size);
  const target = keys.length ? keys[keys.length - 1].vkey : log.log_vkey;
  if (target === pinned) return { vkey: pinned, rotations: [] };
  const start = keys.findIndex((k) => k.vkey === pinned);
  if (start < 0) {
    fail('no_rotation_path', `大小为 ${size} 的检查点由另一把公钥签署，节点没有列出从您固定的公钥到它的密钥轮换`);
  }
  const chain = keys.slice(start + 1);
  if (chain.length > MAX_ROTATIONS) fail('too_many_rotations', `节点列出 ${chain.length} 次密钥轮换，超过上限 ${MAX_ROTATIONS}`);
  let current = pinned;
  const rotations = [];
  for (const next of chain) {
    const seq = next.from_size - 1;
    if (seq < 0) fail('bad_rotation', `节点说公钥 ${next.vkey.slice(0, 40)}… 从第 0 条起生效`);
    const got = await fetchRotation(seq);
    if (!got || !got.ok) fail('bad_rotation', `第 ${seq} 条（密钥轮换）未通过验证：${got && got.detail ? got.detail : '无法获取'}`);
    const d = got.decoded;
    if (!d || d.kind !== 'LogKeyRotate') {
      fail('not_a_rotation', `节点说公钥自第 ${next.from_size} 条起更换，但第 ${seq} 条是“${d ? d.kind : '—'}”，不是密钥轮换`);
    }
    if (d.body.log_vkey !== next.vkey) fail('bad_rotation', `第 ${seq} 条轮换到的公钥与节点所说的不同`);
    checkRotation(d.origin, current, d.body.log_vkey, hexToBytes(d.body.endorsement, 64));
    rotations.push({ seq, from: current, to: d.body.log_vkey });
    current = d.body.log_vkey;
  }
  if (current !== target) fail('bad_rotation', '从固定的公钥沿轮换得到的公钥，与签署检查点的公钥不同');
  return { vkey: current, rotations };
}

/**
 * Counts distinct listed witnesses with a valid cosignature on the signed
 * note `noteText` (cosignature/v1: "cosignature/v1\ntime <ts>\n" ‖ body).
 * As the signed-note spec asks, a line naming a listed witness that does
 * not verify is an error, not something to skip. Returns {count, names}.
 */
export function countCosignatures(noteText, witnessVkeys) {
  const note = parseNote(noteText);
  const seen = new Set();
  const names = [];
  for (const vkey of witnessVkeys.slice(0, MAX_WITNESSES)) {
    const w = parseWitnessVkey(vkey);
    const key = `${w.name}+${w.idHex}`;
    if (seen.has(key)) continue; // one witness listed twice counts once
    const lines = note.sigs.filter((s) => s.name === w.name && s.id === w.id);
    if (!lines.length) continue;
    for (const s of lines) {
      if (s.sig.length !== 8 + 64) fail('bad_cosignature', `见证方 ${w.name} 的联署格式错误`);
      const ts = s.sig.slice(0, 8).reduce((a, b) => (a << 8n) | BigInt(b), 0n);
      if (ts > MAX_COSIGNATURE_TIMESTAMP) fail('bad_cosignature', `见证方 ${w.name} 的联署时间超出范围`);
      const msg = concat(utf8.encode(`cosignature/v1\ntime ${ts}\n`), utf8.encode(note.text));
      if (!verifyStrict(s.sig.slice(8), msg, w.pub)) fail('bad_cosignature', `见证方 ${w.name} 的联署签名不成立`);
    }
    seen.add(key);
    names.push(w.name);
  }
  return { count: names.length, names };
}

/**
 * The witness policy against the cosigned checkpoint: `info` is
 * /v1/witnesses, `noteText` /v1/checkpoint/cosigned, `logVkeyFor(size)` the
 * (rotation-followed) log key for a size. Returns {required, listed, count,
 * names, size} or throws VerifyError (`too_few_cosignatures`, …).
 * With no witnesses listed, {required: 0}.
 */
export function checkWitnesses(info, noteText, logVkeyFor, origin) {
  const listed = (Array.isArray(info && info.witnesses) ? info.witnesses : []).filter((x) => typeof x === 'string');
  if (!listed.length) return { required: 0, listed: 0, count: 0, names: [] };
  // Default as the node's --min-witnesses: 1 when witnesses are configured.
  const k = Number.isSafeInteger(info.min_witnesses) && info.min_witnesses >= 1 ? Math.min(info.min_witnesses, listed.length) : 1;
  if (typeof noteText !== 'string') fail('no_cosigned_checkpoint', `节点列出 ${listed.length} 个见证方，但没有提供见证联署的检查点`);
  const note = parseNote(noteText);
  const cp = parseCheckpointText(note.text);
  if (origin && cp.origin !== origin) fail('origin', `联署的检查点来源 ${cp.origin} 不是本日志`);
  verifyNoteSignature(note, parseVkey(logVkeyFor(cp.size)));
  const { count, names } = countCosignatures(noteText, listed);
  if (count < k) {
    fail('too_few_cosignatures', `见证联署不足：要求 ${listed.length} 个见证方中至少 ${k} 个联署，只看到 ${count} 个有效联署`);
  }
  return { required: k, listed: listed.length, count, names, size: cp.size, root: cp.root };
}

