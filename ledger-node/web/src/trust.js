// What this browser remembers about the log: the pinned log key and the
// newest checkpoint it has verified (to catch a rewritten or forked history
// next time, with a consistency proof). Kept in localStorage, per log origin.

import { api } from './api.js';
import { checkEntry, keyForSize } from './check.js';
import { hexToBytes, parseCheckpointText, parseNote, parseVkey, verifyConsistency, verifyNoteSignature } from './verify.js';
import { checkWitnesses, followRotations } from './logtrust.js';

const PIN = 'sunshine-ledger.pinned-keys';
const SEEN = 'sunshine-ledger.last-checkpoint';

function load(name) {
  try {
    return JSON.parse(localStorage.getItem(name) || '{}') || {};
  } catch {
    return {};
  }
}

function save(name, value) {
  try {
    localStorage.setItem(name, JSON.stringify(value));
  } catch {
    /* storage full or disabled: pinning is then unavailable */
  }
}

export function pinnedKey(origin) {
  return load(PIN)[origin] || null;
}

export function pinKey(origin, vkey) {
  parseVkey(vkey); // never store something that is not a valid key
  const all = load(PIN);
  all[origin] = vkey;
  save(PIN, all);
}

export function unpinKey(origin) {
  const all = load(PIN);
  delete all[origin];
  save(PIN, all);
}

export function lastCheckpoint(origin) {
  return load(SEEN)[origin] || null;
}

function remember(origin, cp, note) {
  const all = load(SEEN);
  all[origin] = { size: cp.size, root: cp.rootB64, note, seen_ms: Date.now() };
  save(SEEN, all);
}

/**
 * Checks that the log has only grown since this browser last saw it: the
 * node's newest checkpoint (signed by the log key, and by the pinned key if
 * any) must extend the remembered one by a valid RFC 9162 consistency proof.
 * Returns {ok, title, detail, first}; remembers the newer checkpoint on success.
 */
export async function checkConsistency(log, trusted = null) {
  const origin = log.origin;
  const pin = pinnedKey(origin);
  // A key reached from the pinned one by endorsed rotations stands for it.
  const endorsed = (size) => Boolean(trusted && Array.isArray(trusted.keys) && trusted.keys.includes(keyForSize(log, size)));
  const last = lastCheckpoint(origin);
  const verifyNote = (noteText) => {
    const note = parseNote(noteText);
    const cp = parseCheckpointText(note.text);
    if (cp.origin !== origin) throw new Error(`检查点来源 ${cp.origin} 不是本日志`);
    verifyNoteSignature(note, parseVkey(keyForSize(log, cp.size)));
    if (pin && !endorsed(cp.size)) verifyNoteSignature(note, parseVkey(pin));
    return cp;
  };
  try {
    if (!last || last.size === 0) {
      const noteText = await api.checkpoint();
      const cp = verifyNote(noteText);
      remember(origin, cp, noteText);
      return { ok: true, first: true, title: '已记住当前检查点', detail: `本机首次记录该日志：大小 ${cp.size}。下次打开时，页面会验证日志只增不改。` };
    }
    const res = await api.consistency(last.size);
    const cp = verifyNote(res.checkpoint);
    if (res.from !== undefined && res.from !== last.size) throw new Error(`节点给出的是从 ${res.from} 起的证明，而不是从 ${last.size} 起`);
    if (cp.size < last.size) throw new Error(`日志被回滚：本机上次见到 ${last.size} 条，现在只有 ${cp.size} 条`);
    const oldRoot = parseCheckpointText(parseNote(last.note).text).root;
    verifyConsistency(last.size, cp.size, oldRoot, cp.root, (res.hashes || []).map((x) => hexToBytes(x, 32)));
    remember(origin, cp, res.checkpoint);
    return {
      ok: true,
      title: '日志只增不改',
      detail: `本机上次见到 ${last.size} 条（根哈希 ${last.root.slice(0, 12)}…），现在 ${cp.size} 条；一致性证明成立，之前的记录一条也没有被改动。`,
    };
  } catch (e) {
    return {
      ok: false,
      title: '日志一致性验证失败',
      detail: `${e.message}。本机保存的旧检查点可作为证据（见“验证说明”页）。`,
      evidence: last,
    };
  }
}

/**
 * What this browser trusts beyond the log key the node states (issue 15):
 *   keys      the pinned key and every key reached from it by endorsed
 *             rotations (logtrust.js followRotations), or null when nothing
 *             is pinned; `error` says why the chain broke;
 *   witness   the witness policy's result ({required, listed, count, names,
 *             size, root}), or {error} when too few valid cosignatures, or
 *             {required: 0} when the node names no witnesses.
 * The cosigned checkpoint must also be a prefix of the current log (a
 * consistency proof), so the cosignatures vouch for the history the entries
 * are proven against.
 */
/**
 * The log's keys as `GET /v1/log/keys` lists them (issue 15: the rotations
 * with their entry numbers), shaped like /v1/log's {log_vkey, log_keys}. Only
 * a list: every rotation in it is still fetched with its proof and its
 * endorsement checked (followRotations). A node without the endpoint (404)
 * leaves /v1/log's list.
 */
async function listedKeys(log) {
  let k;
  try {
    k = await api.logKeys();
  } catch (e) {
    if (e.status === 404) return log;
    throw e;
  }
  if (!k || typeof k.first !== 'string' || !Array.isArray(k.rotations)) throw new Error('节点的 /v1/log/keys 回答格式不对');
  if (k.origin !== log.origin) throw new Error(`/v1/log/keys 属于另一个日志：${k.origin}`);
  const log_keys = [{ from_size: 0, vkey: k.first }, ...k.rotations.map((r) => ({ from_size: r.from_size, vkey: r.log_vkey }))];
  return { ...log, log_vkey: log_keys[log_keys.length - 1].vkey, log_keys };
}

export async function logTrust(log) {
  const pin = pinnedKey(log.origin);
  const out = { pinned: pin, keys: null, rotations: [], error: null, witness: null };
  if (pin) {
    try {
      const r = await followRotations(await listedKeys(log), pin, Number.MAX_SAFE_INTEGER, async (seq) => {
        const got = await api.entry(seq);
        const c = checkEntry({ entry: got.entry, proof: got.proof, log });
        return { ok: c.ok, decoded: c.decoded, detail: c.steps.find((x) => !x.ok)?.detail };
      });
      out.keys = [pin, ...r.rotations.map((x) => x.to)];
      out.rotations = r.rotations;
    } catch (e) {
      out.keys = [pin];
      out.error = e.message;
    }
  }
  let info = null;
  try {
    info = await api.witnesses();
  } catch (e) {
    if (e.status !== 404) out.witness = { error: `无法获取见证方列表：${e.message}` };
  }
  if (info && !out.witness) {
    try {
      const listed = Array.isArray(info.witnesses) ? info.witnesses : [];
      const note = listed.length ? await api.cosignedCheckpoint().catch(() => null) : null;
      const w = checkWitnesses(info, note, (size) => {
        const k = keyForSize(log, size);
        // With a pinned key, only a key of the endorsed chain may sign.
        if (out.keys && !out.keys.includes(k)) throw new Error('联署的检查点不是由固定的公钥（或经背书轮换后的公钥）签署');
        return k;
      }, log.origin);
      if (w.required > 0) {
        const res = await api.consistency(w.size);
        const now = parseCheckpointText(parseNote(res.checkpoint).text);
        verifyNoteSignature(parseNote(res.checkpoint), parseVkey(keyForSize(log, now.size)));
        verifyConsistency(w.size, now.size, w.root, now.root, (res.hashes || []).map((x) => hexToBytes(x, 32)));
      }
      out.witness = w;
    } catch (e) {
      out.witness = { error: e.message };
    }
  }
  return out;
}
