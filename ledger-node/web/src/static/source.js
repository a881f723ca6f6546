// The page's static mode (issue 17): the log read from static files only —
// a bucket's public URL (or a mirror, or a node's /static/v1 and tiles) with
// no read API behind it.
//
//   config.json                 {"mode":"static","log":{"origin","vkey"}}: what to pin
//   checkpoint                  the signed checkpoint (c2sp tlog-checkpoint)
//   tile/…, tile/entries/…      c2sp tlog-tiles: hash tiles and entry bundles
//   static/v1/…                 the index (ledger-node/src/static_views.rs): untrusted
//
// Trust: the checkpoint must be signed by the key of config.json, or by a
// key reached from it through rotations the log itself holds — each rotation
// entry is read from the bundles, proven against the checkpoint from the
// tiles and its endorsement checked (logtrust.js followRotations). The
// index only says which entry numbers to read: every entry shown is
// decoded from the bundle bytes and proven (check.js checkEntry) with an
// inclusion proof computed from the tiles (tiles.js). An index can hide an
// entry; it cannot make the page show one the log does not hold.

import { checkEntry } from '../check.js';
import { followRotations } from '../logtrust.js';
import { bytesToBase64, bytesToHex, equalBytes, parseCheckpointText, parseNote, parseVkey, verifyNoteSignature, VerifyError } from '../verify.js';
import { TileReader } from './tiles.js';

/** Largest file read: an entry bundle of 256 entries of at most 64 KiB each. */
export const MAX_FILE_BYTES = 256 * 65_537;
/** Largest index file (JSON): a region's head with its 户名册 is tens of KB. */
export const MAX_INDEX_BYTES = 4 * 1024 * 1024;
/** Per request. */
export const FETCH_TIMEOUT_MS = 20_000;
/** Entries proven at once (each needs its bundle and a few tiles). */
export const PROVE_PARALLEL = 8;

export class StaticError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

/**
 * Where the log's static files are: '' (beside the page: a bucket holding
 * both) or config.json's `base`, an http(s) URL ending in '/' — e.g. a
 * node's root, whose /checkpoint, /tile/… and /static/v1/… answer with CORS,
 * or another bucket. config.json itself is always read beside the page.
 */
let BASE = '';

/** Checks config.json's `base`; throws StaticError. */
export function checkBase(base) {
  if (base === undefined || base === '') return '';
  if (typeof base !== 'string' || base.length > 2048 || !/^https?:\/\/[^\s]+\/$/.test(base)) {
    throw new StaticError('bad_config', 'config.json 的 base 必须是以 / 结尾的 http(s) 地址');
  }
  return base;
}

async function get(path, maxBytes) {
  if (path !== 'config.json') path = BASE + path;
  const ctrl = new AbortController();
  const timer = setTimeout(() => ctrl.abort(), FETCH_TIMEOUT_MS);
  try {
    let res;
    try {
      res = await fetch(path, { signal: ctrl.signal, cache: path.endsWith('checkpoint') ? 'no-cache' : 'default' });
    } catch {
      throw new StaticError('network', ctrl.signal.aborted ? `读取 ${path} 超时，请稍后再试` : `无法读取 ${path}，请检查网络后重试`);
    }
    if (res.status === 404) throw new StaticError('not_found', `静态文件 ${path} 不存在`);
    if (!res.ok) throw new StaticError(`http_${res.status}`, `读取 ${path} 时服务器返回错误 ${res.status}`);
    const bytes = new Uint8Array(await res.arrayBuffer());
    if (bytes.length > maxBytes) throw new StaticError('too_large', `静态文件 ${path} 有 ${bytes.length} 字节，超过上限 ${maxBytes}`);
    return bytes;
  } finally {
    clearTimeout(timer);
  }
}

async function getJson(path) {
  const bytes = await get(path, MAX_INDEX_BYTES);
  try {
    return JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw new StaticError('bad_json', `静态文件 ${path} 不是合法的 JSON`);
  }
}

/**
 * The page's mode: `config.json` beside the page. Null (API mode) when it is
 * missing or says "api"; a static config otherwise, checked for shape.
 */
export async function staticConfig() {
  let cfg;
  try {
    cfg = await getJson('config.json');
  } catch {
    return null;
  }
  if (!cfg || cfg.mode !== 'static') return null;
  const log = cfg.log || {};
  if (typeof log.origin !== 'string' || typeof log.vkey !== 'string') {
    return { error: new StaticError('bad_config', 'config.json 缺少日志来源（origin）或公钥（vkey），无法验证') };
  }
  try {
    return { origin: log.origin, vkey: log.vkey, base: checkBase(cfg.base) };
  } catch (e) {
    return { error: e };
  }
}

/** A household code's bucket file (static_views.rs BUCKET_SYMBOLS). */
export const BUCKET_SYMBOLS = 2;

/** The log as seen from its static files, its checkpoint verified. */
export class StaticLog {
  /** Reads and verifies the checkpoint; throws StaticError/VerifyError with a Chinese message. */
  static async open(config) {
    const self = new StaticLog();
    self.config = config;
    self.indexCache = new Map();
    BASE = config.base || '';
    const noteText = new TextDecoder().decode(await get('checkpoint', 64 * 1024));
    const note = parseNote(noteText);
    const cp = parseCheckpointText(note.text);
    if (cp.origin !== config.origin) throw new StaticError('wrong_log', `检查点属于另一个日志“${cp.origin}”，不是“${config.origin}”`);
    if (cp.size < 1) throw new StaticError('empty_log', '日志还没有任何记录');
    self.noteText = noteText;
    self.checkpoint = cp;
    self.reader = new TileReader(cp.size, (path) => get(path, MAX_FILE_BYTES));
    // The tiles must hold the tree the checkpoint signs (a checkpoint newer
    // than its tiles, or a tile with a wrong hash, is named here).
    const root = await self.reader.root().catch((e) => {
      throw new StaticError('tiles_missing', `瓦片不完整，无法重算大小为 ${cp.size} 的树：${e.message}`);
    });
    if (!equalBytes(root, cp.root)) throw new StaticError('tiles_mismatch', `由瓦片重算的根哈希与检查点的不一致（树大小 ${cp.size}）：瓦片或检查点被改动过`);
    // The keys: config's, then rotations proven from the log itself.
    let listed = [];
    try {
      const keys = await getJson('static/v1/log-keys.json');
      listed = Array.isArray(keys.log_keys) ? keys.log_keys : [];
    } catch {
      listed = [];
    }
    const claimed = { origin: config.origin, log_vkey: config.vkey, log_keys: [{ from_size: 0, vkey: config.vkey }, ...listed.filter((k) => k && k.from_size > 0)] };
    const provisional = { origin: config.origin, log_vkey: config.vkey, log_keys: claimed.log_keys };
    let followed;
    try {
      followed = await followRotations(claimed, config.vkey, cp.size, async (seq) => {
        // Proven against the checkpoint's root; the signature is checked
        // below with the key this chain reaches — an attacker without the
        // pinned key cannot forge an endorsement.
        const c = await self.proveWith(seq, provisional, { skipSignature: true });
        return { ok: c.ok, decoded: c.decoded, detail: c.steps.find((x) => !x.ok)?.detail };
      });
    } catch (e) {
      throw new StaticError('bad_rotation', `无法从固定的公钥沿日志中的密钥轮换到达签署检查点的公钥：${e.message}`);
    }
    self.rotations = followed.rotations;
    self.log = {
      origin: config.origin,
      log_vkey: followed.vkey,
      log_keys: [{ from_size: 0, vkey: config.vkey }, ...followed.rotations.map((r) => ({ from_size: r.seq + 1, vkey: r.to }))],
    };
    const key = parseVkey(followed.vkey);
    if (key.name !== cp.origin) throw new StaticError('key_name', `公钥名称 ${key.name} 与检查点来源不符`);
    try {
      verifyNoteSignature(note, key);
    } catch (e) {
      throw new StaticError('bad_signature', `检查点的签名不是由本日志的公钥（编号 ${key.idHex}）所签：${e.message}`);
    }
    self.key = key;
    return self;
  }

  /** An index file (untrusted), each read once. */
  index(path) {
    if (!this.indexCache.has(path)) {
      const p = getJson(`static/v1/${path}`);
      p.catch(() => this.indexCache.delete(path));
      this.indexCache.set(path, p);
    }
    return this.indexCache.get(path);
  }

  async proveWith(seq, log, { skipSignature = false } = {}) {
    let raw;
    let hashes;
    try {
      raw = await this.reader.entry(seq);
      hashes = (await this.reader.inclusionProof(seq)).map(bytesToHex);
    } catch (e) {
      return { ok: false, decoded: null, steps: [{ id: 'tiles', title: '从静态文件读取条目和证明', ok: false, detail: e.message }] };
    }
    const result = checkEntry({
      entry: { seq, raw: bytesToBase64(raw) },
      proof: { leaf_index: seq, tree_size: this.checkpoint.size, hashes, checkpoint: this.noteText },
      log,
    });
    if (skipSignature) {
      const steps = result.steps.filter((s) => s.id !== 'signature');
      return { ...result, steps, ok: steps.every((s) => s.ok) };
    }
    return result;
  }

  /**
   * Entry `seq`, decoded from the bundle and proven: checkEntry's result
   * ({ok, steps, decoded}) plus `proofHashes`. Never throws.
   */
  prove(seq) {
    return this.proveWith(seq, this.log);
  }

  /** Proves many entries, a few at a time; `onEach(seq, result)` as each finishes. */
  async proveAll(seqs, onEach) {
    const out = new Map();
    let next = 0;
    const worker = async () => {
      while (next < seqs.length) {
        const seq = seqs[next++];
        const r = await this.prove(seq);
        out.set(seq, r);
        if (onEach) onEach(seq, r);
      }
    };
    await Promise.all(Array.from({ length: Math.min(PROVE_PARALLEL, seqs.length) }, worker));
    return out;
  }
}

export { VerifyError };
