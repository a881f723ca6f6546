// The whole check of one entry: from its raw bytes to the log's signature.
// Pure (no DOM, no network), so node's test runner exercises it directly.
//
// Input, as served by the node (docs/API-CONTRACT.md):
//   entry  = {seq, leaf_hash, entry_hash, signers, body, raw: base64}
//   proof  = {leaf_index, tree_size, leaf_hash, hashes: [hex], root: hex, checkpoint: note}
//   log    = {origin, log_vkey, log_keys: [{from_size, vkey}]}   (GET /v1/log)
//   pinned = a vkey string the user pinned earlier, or null
//
// Output: {ok, steps: [{id, title, ok, detail}], decoded, key, checkpoint}.
// `ok` is true only when every step passed.

import {
  VerifyError, base64ToBytes, bytesToBase64, bytesToHex, concat, entryChainHash, equalBytes, hexToBytes,
  leafHash, parseCheckpointText, parseNote, parseVkey, rootFromInclusionProof, verifyEd25519,
  verifyNoteSignature, DOMAIN_SUBMISSION,
} from './verify.js';
import { decodeEntry } from './postcard.js';
import { KIND_ZH } from './format.js';

/** The log key in force for a checkpoint of `size` entries (see /v1/log `log_keys`). */
export function keyForSize(log, size) {
  let best = null;
  for (const k of Array.isArray(log.log_keys) ? log.log_keys : []) {
    if (typeof k.from_size === 'number' && k.from_size <= size && (!best || k.from_size >= best.from_size)) best = k;
  }
  return best ? best.vkey : log.log_vkey;
}

/**
 * u64 fields decode to a BigInt above 2^53 (postcard.js), while the node's
 * JSON numbers reach the page through JSON.parse as the nearest double. Both
 * sides are compared as that double: the page cannot read the JSON more
 * precisely, and the bytes, not the JSON, are what it shows and checks.
 */
const asNumber = (v) => (typeof v === 'bigint' ? Number(v) : v);

function canonical(v) {
  if (typeof v === 'bigint') return JSON.stringify(Number(v));
  if (Array.isArray(v)) return `[${v.map(canonical).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonical(v[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** Fields where the node's JSON `body` says something else than the signed bytes. */
export function bodyMismatches(decoded, body) {
  if (!body || typeof body !== 'object') return [];
  const tagged = body[decoded.kind];
  if (tagged === undefined) {
    const keys = Object.keys(body);
    return keys.length === 1 ? [`条目类型（页面收到 ${keys[0]}，字节中为 ${decoded.kind}）`] : [];
  }
  if (!tagged || typeof tagged !== 'object') return [];
  const out = [];
  for (const [k, v] of Object.entries(decoded.body)) {
    if (k in tagged && canonical(tagged[k]) !== canonical(v)) out.push(k);
  }
  return out;
}

function step(steps, id, title, fn) {
  try {
    const detail = fn();
    steps.push({ id, title, ok: true, detail });
    return true;
  } catch (e) {
    const detail = e instanceof VerifyError || e.code ? e.message : `内部错误：${e.message}`;
    steps.push({ id, title, ok: false, detail });
    return false;
  }
}

const bad = (code, message) => {
  throw new VerifyError(code, message);
};

/** Checks one entry; see the module comment. Never throws. */
export function checkEntry({ entry, proof, log, pinned = null, trusted = null }) {
  const steps = [];
  const result = { ok: false, steps, decoded: null, key: null, checkpoint: null };
  let raw = null;
  let leaf = null;
  let root = null;

  // 1. The entry's own bytes.
  step(steps, 'decode', '解码条目原始字节', () => {
    raw = base64ToBytes(String(entry.raw ?? ''));
    const d = decodeEntry(raw);
    result.decoded = d;
    if (asNumber(d.seq) !== entry.seq) bad('seq', `字节中的序号 ${d.seq} 与页面显示的序号 ${entry.seq} 不符`);
    if (log.origin && d.origin !== log.origin) bad('origin', `条目属于另一个日志：${d.origin}`);
    if (entry.prev_hash && entry.prev_hash !== d.prev_hash) bad('prev_hash', '节点给出的前一条哈希与签名字节不一致');
    if (typeof entry.time_ms === 'number' && entry.time_ms !== asNumber(d.time_ms)) bad('time', '节点给出的记账时间与签名字节不一致');
    const diff = bodyMismatches(d, entry.body);
    if (diff.length) bad('body', `节点返回的内容与签名字节不一致：${diff.join('、')}（页面以字节为准）`);
    return `${raw.length} 字节，序号 ${d.seq}，类型 ${KIND_ZH[d.kind] || d.kind}（${d.kind}）；页面显示的金额、户号等均取自这些字节`;
  });

  step(steps, 'leaf', '重算叶子哈希 SHA-256(0x00 ‖ 原始字节)', () => {
    if (!raw) bad('no_raw', '没有可用的原始字节');
    leaf = leafHash(raw);
    const hex = bytesToHex(leaf);
    if (proof && proof.leaf_hash && proof.leaf_hash !== hex) bad('leaf', `证明中的叶子哈希 ${proof.leaf_hash} 与重算结果 ${hex} 不符`);
    if (entry.leaf_hash && entry.leaf_hash !== hex) bad('leaf', `条目的叶子哈希 ${entry.leaf_hash} 与重算结果 ${hex} 不符`);
    const chain = bytesToHex(entryChainHash(raw));
    if (entry.entry_hash && entry.entry_hash !== chain) bad('chain', `条目的链式哈希 ${entry.entry_hash} 与重算结果 ${chain} 不符`);
    return `叶子哈希 ${hex}（链式哈希 BLAKE3 也一致）`;
  });

  step(steps, 'signers', '核对经办人签名（Ed25519）', () => {
    const d = result.decoded;
    if (!d) bad('no_entry', '条目未能解码');
    const msg = concat(DOMAIN_SUBMISSION, d.submissionBytes);
    const keys = [];
    for (const s of d.signatures) {
      const k = bytesToHex(s.key);
      if (!verifyEd25519(s.signature, msg, s.key)) bad('operator_sig', `经办人密钥 ${k.slice(0, 16)}… 的签名不成立`);
      keys.push(k);
    }
    if (Array.isArray(entry.signers) && canonical([...entry.signers].sort()) !== canonical([...keys].sort())) {
      bad('signers', '节点列出的签名人与字节中的签名人不一致');
    }
    return `${keys.length} 个签名均成立：${keys.map((k) => k.slice(0, 16) + '…').join('、')}（签名人是否有权签署，由审计机关离线核验全账本确认）`;
  });

  // 2. The inclusion proof.
  step(steps, 'inclusion', '按 RFC 9162 §2.1.3.2 验证包含证明', () => {
    if (!proof) bad('no_proof', '节点没有提供包含证明');
    if (!leaf) bad('no_leaf', '没有叶子哈希');
    if (proof.leaf_index !== entry.seq) bad('index', `证明针对第 ${proof.leaf_index} 条，而不是第 ${entry.seq} 条`);
    if (!Array.isArray(proof.hashes)) bad('hashes', '证明缺少哈希路径');
    const path = proof.hashes.map((h) => hexToBytes(h, 32));
    root = rootFromInclusionProof(proof.leaf_index, proof.tree_size, leaf, path);
    const hex = bytesToHex(root);
    if (proof.root && proof.root !== hex) bad('root', `由证明算出的根哈希 ${hex} 与节点声称的 ${proof.root} 不符`);
    return `第 ${proof.leaf_index} 条，树大小 ${proof.tree_size}，${path.length} 个哈希，算出根哈希 ${hex}`;
  });

  // 3. The checkpoint: its body, then its signature by the log key.
  let note = null;
  step(steps, 'checkpoint', '解析检查点并核对大小与根哈希', () => {
    if (!proof || typeof proof.checkpoint !== 'string') bad('no_checkpoint', '证明没有附带签名检查点');
    note = parseNote(proof.checkpoint);
    const cp = parseCheckpointText(note.text);
    result.checkpoint = cp;
    if (log.origin && cp.origin !== log.origin) bad('origin', `检查点来源 ${cp.origin} 不是本日志 ${log.origin}`);
    if (cp.size !== proof.tree_size) bad('size', `检查点大小 ${cp.size} 与证明的树大小 ${proof.tree_size} 不符`);
    if (!root) bad('no_root', '包含证明未通过，无法比对根哈希');
    if (!equalBytes(cp.root, root)) bad('root', `检查点的根哈希 ${cp.rootB64} 与证明算出的 ${bytesToBase64(root)} 不符`);
    return `来源 ${cp.origin}，大小 ${cp.size}，根哈希 ${cp.rootB64}`;
  });

  step(steps, 'signature', '用日志公钥验证检查点的 Ed25519 签名', () => {
    if (!note || !result.checkpoint) bad('no_checkpoint', '检查点未能解析');
    const vkey = keyForSize(log, result.checkpoint.size);
    const key = parseVkey(vkey);
    result.key = key;
    if (key.name !== result.checkpoint.origin) bad('key_name', `公钥名称 ${key.name} 与检查点来源不符`);
    verifyNoteSignature(note, key);
    return `签名行“— ${key.name}”，密钥编号 ${key.idHex}，签名成立`;
  });

  if (pinned) {
    step(steps, 'pinned', '与您固定的公钥比对', () => {
      const p = parseVkey(pinned);
      if (!result.key) bad('no_key', '没有可比对的公钥');
      if (p.vkey !== result.key.vkey) {
        // A rotation counts only when every step from the pinned key was
        // endorsed by the key before it (logtrust.js followRotations).
        const keys = trusted && Array.isArray(trusted.keys) ? trusted.keys : [];
        if (keys.includes(result.key.vkey)) {
          const n = keys.indexOf(result.key.vkey);
          return `节点的公钥已从您固定的公钥（编号 ${p.idHex}）经 ${n} 次密钥轮换更换为编号 ${result.key.idHex}；每次轮换都由前一把公钥签名背书，背书均成立`;
        }
        bad('pin_mismatch', `节点现在使用的公钥（编号 ${result.key.idHex}）与您固定的公钥（编号 ${p.idHex}）不同${trusted && trusted.error ? `，且无法经背书的密钥轮换从固定的公钥到达它：${trusted.error}` : '：节点可能更换了密钥'}`);
      }
      if (!note) bad('no_checkpoint', '检查点未能解析');
      verifyNoteSignature(note, p);
      return `与固定的公钥 ${p.name}+${p.idHex} 相同，签名成立`;
    });
  }

  result.ok = steps.every((s) => s.ok);
  return result;
}

export { parseVkey };
