// In-browser verification of Sunshine Ledger proofs.
//
// Everything here is pure (no DOM, no network) so that the same code runs in
// the page and in `node --test`. Cryptographic primitives come from the
// audited @noble libraries (SHA-256, BLAKE3, Ed25519); this file only
// implements the *protocols* around them:
//
//   * RFC 6962 / RFC 9162 Merkle leaf and node hashes, the inclusion proof
//     check of RFC 9162 §2.1.3.2 and the consistency proof check of §2.1.4.2;
//   * C2SP signed notes (c2sp.org/signed-note) with Ed25519 signatures and
//     verifier keys `name+hexid+base64(0x01 ‖ pubkey)`;
//   * C2SP checkpoints (c2sp.org/tlog-checkpoint): origin, size, base64 root.

import { sha256 } from '@noble/hashes/sha2.js';
import { blake3 } from '@noble/hashes/blake3.js';
import { ed25519 } from '@noble/curves/ed25519.js';

/** A verification failure with a stable code and a Chinese message. */
export class VerifyError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

const fail = (code, message) => {
  throw new VerifyError(code, message);
};

// ---------------------------------------------------------------- encodings

const HEX = /^[0-9a-f]*$/;

export function hexToBytes(hex, len) {
  if (typeof hex !== 'string' || hex.length % 2 !== 0 || !HEX.test(hex)) {
    fail('bad_hex', `不是小写十六进制字符串：${String(hex).slice(0, 80)}`);
  }
  if (len !== undefined && hex.length !== len * 2) {
    fail('bad_hex', `应为 ${len} 字节的十六进制，实际 ${hex.length / 2} 字节`);
  }
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export function bytesToHex(bytes) {
  let s = '';
  for (const b of bytes) s += b.toString(16).padStart(2, '0');
  return s;
}

const B64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Standard base64 (RFC 4648 §4) with canonical padding; anything else is refused. */
export function base64ToBytes(text) {
  if (typeof text !== 'string' || !B64.test(text)) fail('bad_base64', `不是标准 base64：${String(text).slice(0, 80)}`);
  const bin = atob(text);
  const out = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  if (bytesToBase64(out) !== text) fail('bad_base64', 'base64 编码不规范');
  return out;
}

export function bytesToBase64(bytes) {
  let bin = '';
  for (const b of bytes) bin += String.fromCharCode(b);
  return btoa(bin);
}

export function equalBytes(a, b) {
  if (a.length !== b.length) return false;
  let d = 0;
  for (let i = 0; i < a.length; i++) d |= a[i] ^ b[i];
  return d === 0;
}

function concat(...parts) {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

const utf8 = new TextEncoder();

// ------------------------------------------------------------- Merkle trees

/** RFC 6962 leaf hash: SHA-256(0x00 ‖ leaf data). */
export function leafHash(data) {
  return sha256(concat(Uint8Array.of(0), data));
}

/** RFC 6962 interior node hash: SHA-256(0x01 ‖ left ‖ right). */
export function nodeHash(left, right) {
  return sha256(concat(Uint8Array.of(1), left, right));
}

/** The entry's blake3 chain hash: blake3("SunshineLedger/v1/entry\0" ‖ raw). */
export function entryChainHash(raw) {
  return blake3(concat(utf8.encode('SunshineLedger/v1/entry\0'), raw));
}

function checkSize(n, what) {
  if (!Number.isSafeInteger(n) || n < 0) fail('bad_size', `${what} 不是合法的非负整数：${n}`);
}

/**
 * RFC 9162 §2.1.3.2: the root computed from an inclusion proof, or an error.
 * `index` and `size` are numbers (safe integers), `leaf` and `proof[i]` 32-byte arrays.
 */
export function rootFromInclusionProof(index, size, leaf, proof) {
  checkSize(index, '叶子序号');
  checkSize(size, '树大小');
  if (index >= size) fail('index_out_of_range', `叶子序号 ${index} 不小于树大小 ${size}`);
  if (leaf.length !== 32) fail('bad_hash', '叶子哈希不是 32 字节');
  // BigInt: the algorithm shifts numbers that may exceed 2^31.
  let fn = BigInt(index);
  let sn = BigInt(size) - 1n;
  let r = leaf;
  for (const p of proof) {
    if (p.length !== 32) fail('bad_hash', '证明中的哈希不是 32 字节');
    if (sn === 0n) fail('proof_too_long', '包含证明的哈希个数多于所需');
    if ((fn & 1n) === 1n || fn === sn) {
      r = nodeHash(p, r);
      if ((fn & 1n) === 0n) {
        while ((fn & 1n) === 0n && fn !== 0n) {
          fn >>= 1n;
          sn >>= 1n;
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  if (sn !== 0n) fail('proof_too_short', '包含证明的哈希个数少于所需');
  return r;
}

/**
 * RFC 9162 §2.1.4.2: checks that the tree (newSize, newRoot) extends the tree
 * (oldSize, oldRoot). Throws on failure. oldSize must be at least 1.
 */
export function verifyConsistency(oldSize, newSize, oldRoot, newRoot, proof) {
  checkSize(oldSize, '旧树大小');
  checkSize(newSize, '新树大小');
  if (oldSize === 0) fail('empty_old_tree', '旧树为空，无从证明一致性');
  if (oldSize > newSize) fail('rollback', `新检查点（${newSize}）比旧检查点（${oldSize}）小：日志被回滚`);
  if (oldSize === newSize) {
    if (proof.length !== 0) fail('proof_too_long', '同样大小的树，一致性证明应为空');
    if (!equalBytes(oldRoot, newRoot)) fail('fork', `同为 ${newSize} 条的两个检查点根哈希不同：日志出现分叉`);
    return;
  }
  if (proof.length === 0) fail('proof_too_short', '一致性证明为空');
  let p = proof;
  // If old_size is a power of two, the old root is the first node of the path.
  let fn = BigInt(oldSize) - 1n;
  let sn = BigInt(newSize) - 1n;
  if ((BigInt(oldSize) & (BigInt(oldSize) - 1n)) === 0n) p = [oldRoot, ...p];
  for (const h of p) if (h.length !== 32) fail('bad_hash', '证明中的哈希不是 32 字节');
  while ((fn & 1n) === 1n) {
    fn >>= 1n;
    sn >>= 1n;
  }
  let fr = p[0];
  let sr = p[0];
  for (const c of p.slice(1)) {
    if (sn === 0n) fail('proof_too_long', '一致性证明的哈希个数多于所需');
    if ((fn & 1n) === 1n || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if ((fn & 1n) === 0n) {
        while ((fn & 1n) === 0n && fn !== 0n) {
          fn >>= 1n;
          sn >>= 1n;
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  if (sn !== 0n) fail('proof_too_short', '一致性证明的哈希个数少于所需');
  if (!equalBytes(fr, oldRoot)) fail('old_root_mismatch', '一致性证明算不出旧检查点的根哈希：历史被改写');
  if (!equalBytes(sr, newRoot)) fail('new_root_mismatch', '一致性证明算不出新检查点的根哈希');
}

// ------------------------------------------------------------- signed notes

const MAX_NOTE_BYTES = 128 * 1024;

function checkKeyName(name) {
  // The Rust rule (checkpoint.rs `check_key_name`): 1-255 UTF-8 bytes, no
  // White_Space character, no '+', no control character (Cc). JavaScript's
  // \s also matches U+FEFF, which is not a space, and `length` counts UTF-16
  // units, so the page refused names the node accepts (fuzz target
  // js_verifier_key).
  if (!name || utf8.encode(name).length > 255 || /[\p{White_Space}\p{Cc}+]/u.test(name)) {
    fail('bad_key_name', `密钥名称不合法：${String(name).slice(0, 80)}`);
  }
}

/** SHA-256(name ‖ 0x0A ‖ type ‖ key)[:4] as a 32-bit unsigned number. */
export function keyId(name, typeAndKey) {
  const h = sha256(concat(utf8.encode(name), Uint8Array.of(0x0a), typeAndKey));
  return ((h[0] << 24) | (h[1] << 16) | (h[2] << 8) | h[3]) >>> 0;
}

export const hex32 = (n) => n.toString(16).padStart(8, '0');

/**
 * Parses an Ed25519 verifier key `name+hexid+base64(0x01 ‖ pubkey)`: checks the
 * key type, the key ID, and refuses small-order ("weak") public keys.
 */
export function parseVkey(vkey) {
  return parseTypedVkey(vkey, 0x01, 'Ed25519');
}

/**
 * A witness's cosigning key `name+hexid+base64(0x04 ‖ pubkey)`
 * (c2sp.org/tlog-cosignature, Ed25519 cosignature/v1).
 */
export function parseWitnessVkey(vkey) {
  return parseTypedVkey(vkey, 0x04, 'Ed25519 cosignature/v1');
}

function parseTypedVkey(vkey, type, typeName) {
  if (typeof vkey !== 'string' || vkey.length > 1024) fail('bad_vkey', '日志公钥格式错误');
  const i = vkey.indexOf('+');
  const j = i < 0 ? -1 : vkey.indexOf('+', i + 1);
  if (i < 0 || j < 0) fail('bad_vkey', '日志公钥应为 名称+密钥编号+公钥');
  const name = vkey.slice(0, i);
  const idHex = vkey.slice(i + 1, j);
  checkKeyName(name);
  if (!/^[0-9a-f]{8}$/.test(idHex)) fail('bad_vkey', '密钥编号应为 8 位小写十六进制');
  const key = base64ToBytes(vkey.slice(j + 1));
  if (key.length !== 33) fail('bad_vkey', 'Ed25519 公钥应为 1 字节类型 + 32 字节');
  if (key[0] !== type) fail('bad_vkey', `公钥类型 0x${key[0].toString(16)} 不是 ${typeName} (0x${type.toString(16).padStart(2, '0')})`);
  const id = parseInt(idHex, 16);
  const expected = keyId(name, key);
  if (id !== expected) fail('key_id_mismatch', `密钥编号 ${idHex} 与名称和公钥不符（应为 ${hex32(expected)}）`);
  const pub = key.slice(1);
  let point;
  try {
    point = ed25519.Point.fromBytes(pub);
  } catch {
    fail('bad_vkey', '不是有效的 Ed25519 公钥');
  }
  if (point.isSmallOrder()) fail('weak_key', '弱公钥（小阶点），拒绝使用');
  return { vkey, name, id, idHex, pub, fingerprint: bytesToHex(sha256(pub)) };
}

/**
 * Parses a C2SP signed note: the text (ending in a newline), a blank line,
 * then signature lines `— name base64(keyID ‖ sig)`.
 */
export function parseNote(note) {
  if (typeof note !== 'string') fail('bad_note', '签名记录不是文本');
  if (utf8.encode(note).length > MAX_NOTE_BYTES) fail('bad_note', '签名记录过大');
  if (/[\u0000-\u0009\u000b-\u001f]/.test(note)) fail('bad_note', '签名记录含有控制字符');
  if (!note.endsWith('\n')) fail('bad_note', '签名记录不以换行结尾');
  const sep = note.lastIndexOf('\n\n');
  if (sep < 0) fail('bad_note', '签名记录缺少正文与签名之间的空行');
  const text = note.slice(0, sep + 1);
  const lines = note.slice(sep + 2, -1).split('\n');
  const sigs = [];
  for (const line of lines) {
    if (!line.startsWith('\u2014 ')) fail('bad_note', `签名行格式错误：${line.slice(0, 60)}`);
    const rest = line.slice(2);
    const k = rest.indexOf(' ');
    if (k < 0) fail('bad_note', '签名行缺少签名');
    const name = rest.slice(0, k);
    checkKeyName(name);
    const blob = base64ToBytes(rest.slice(k + 1));
    if (blob.length < 5) fail('bad_note', '签名过短');
    const id = ((blob[0] << 24) | (blob[1] << 16) | (blob[2] << 8) | blob[3]) >>> 0;
    sigs.push({ name, id, idHex: hex32(id), sig: blob.slice(4) });
  }
  if (sigs.length === 0) fail('bad_note', '签名记录没有签名');
  if (sigs.length > 100) fail('bad_note', '签名行过多');
  return { text, sigs };
}

/** Parses a checkpoint note text (origin, size, base64 root, extensions). */
export function parseCheckpointText(text) {
  if (!text.endsWith('\n')) fail('bad_checkpoint', '检查点正文不以换行结尾');
  const lines = text.slice(0, -1).split('\n');
  if (lines.length < 3) fail('bad_checkpoint', '检查点正文应至少三行：来源、大小、根哈希');
  const [origin, sizeLine, rootLine, ...extensions] = lines;
  if (!origin) fail('bad_checkpoint', '检查点来源为空');
  if (!/^(0|[1-9][0-9]*)$/.test(sizeLine)) fail('bad_checkpoint', `树大小不是规范的十进制数：${sizeLine.slice(0, 40)}`);
  const size = Number(sizeLine);
  if (!Number.isSafeInteger(size)) fail('bad_checkpoint', '树大小超出范围');
  const root = base64ToBytes(rootLine);
  if (root.length !== 32) fail('bad_checkpoint', '根哈希不是 32 字节');
  if (extensions.some((l) => l === '')) fail('bad_checkpoint', '检查点含空的扩展行');
  return { origin, size, root, rootB64: rootLine, extensions };
}

/**
 * Verifies a signed note against one Ed25519 verifier key, following the
 * signed-note rules: signatures from other keys are ignored; a line whose name
 * and key ID both match the key must verify; at least one must.
 */
export function verifyNoteSignature(note, key) {
  const parsed = typeof note === 'string' ? parseNote(note) : note;
  const matching = parsed.sigs.filter((s) => s.name === key.name && s.id === key.id);
  if (matching.length === 0) {
    fail('no_log_signature', `检查点上没有日志公钥 ${key.name}+${key.idHex} 的签名`);
  }
  const msg = utf8.encode(parsed.text);
  for (const s of matching) {
    let ok = false;
    try {
      // zip215: false = RFC 8032 / strict verification (canonical encodings).
      ok = s.sig.length === 64 && ed25519.verify(s.sig, msg, key.pub, { zip215: false });
    } catch {
      ok = false;
    }
    if (!ok) fail('bad_log_signature', `日志公钥 ${key.name}+${key.idHex} 的签名验证失败：检查点被篡改或由其他密钥签署`);
  }
  return { key, signatures: matching.length };
}

// ----------------------------------------------------------- whole checks

/**
 * Ed25519 verify of an operator signature over `domain ‖ message`, under the
 * ledger's one validity rule (docs/FORMAT.md §8.1): ZIP-215, exactly what the
 * node's replay, `ledger verify` and `ledger prove` accept. With @noble/curves
 * 2.4 `zip215: true` means: A and R decode with y < 2^255 (non-canonical
 * y >= p and a set sign bit with x = 0 are accepted), small-order points are
 * accepted, S must be below L, the challenge hashes R and A as given, and the
 * cofactored equation [8](R + kA − SB) = 0 is checked. A stricter rule here
 * would let any operator post an entry that the page calls forged while every
 * other verifier accepts it (issue 11); the node refuses such encodings for
 * new entries instead, and `ledger audit` names old ones. Tested against
 * fixtures/vectors/ed25519-edge-cases.json, like the Rust side.
 */
export function verifyEd25519(sig, msg, pub) {
  try {
    return ed25519.verify(sig, msg, pub, { zip215: true });
  } catch {
    return false;
  }
}

export const DOMAIN_SUBMISSION = utf8.encode('SunshineLedger/v1/submission\0');

export { concat, sha256 };
