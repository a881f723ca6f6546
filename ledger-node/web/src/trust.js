// What this browser remembers about the log: the pinned log key and the
// newest checkpoint it has verified (to catch a rewritten or forked history
// next time, with a consistency proof). Kept in localStorage, per log origin.

import { api } from './api.js';
import { keyForSize } from './check.js';
import { hexToBytes, parseCheckpointText, parseNote, parseVkey, verifyConsistency, verifyNoteSignature } from './verify.js';

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
export async function checkConsistency(log) {
  const origin = log.origin;
  const pin = pinnedKey(origin);
  const last = lastCheckpoint(origin);
  const verifyNote = (noteText) => {
    const note = parseNote(noteText);
    const cp = parseCheckpointText(note.text);
    if (cp.origin !== origin) throw new Error(`检查点来源 ${cp.origin} 不是本日志`);
    verifyNoteSignature(note, parseVkey(keyForSize(log, cp.size)));
    if (pin) verifyNoteSignature(note, parseVkey(pin));
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
