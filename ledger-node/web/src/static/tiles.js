// The log read as C2SP tlog-tiles (c2sp.org/tlog-tiles), and RFC 6962
// inclusion proofs computed from its hash tiles — the page's static mode
// (issue 17): a bucket holds no proof server, only tiles, so the browser
// builds each proof itself.
//
// Why this is sound: every node of an RFC 6962 proof is the hash of a
// complete subtree (or, on the right edge of a tree whose size is not a
// power of two, the hash of several complete subtrees folded together). A
// complete subtree of height 8·L is one hash of a level-L tile; one of height
// 8·L + r (0 < r < 8) is the root of 2^r consecutive hashes of one level-L
// tile. The proof computed this way is checked against the signed
// checkpoint's root like any other (check.js), so a tile with a wrong hash
// can only make the check fail, never pass.
//
// Pure except for `fetchBytes`, which the caller passes (fetch in the page,
// an in-memory tree in the tests).

import { leafHash, nodeHash, VerifyError } from '../verify.js';

export const TILE_HEIGHT = 8;
export const TILE_WIDTH = 256;
/** A tlog-tiles entry is framed by a 16-bit length. */
export const MAX_ENTRY_BYTES = 0xffff;

const fail = (code, message) => {
  throw new VerifyError(code, message);
};

/** The `<N>` of a tile path: groups of three digits, every one but the last prefixed `x`. */
export function tileIndexPath(n) {
  if (!Number.isSafeInteger(n) || n < 0) fail('bad_tile', `瓦片序号不合法：${n}`);
  const groups = [];
  let rest = n;
  do {
    groups.unshift(String(rest % 1000).padStart(3, '0'));
    rest = Math.floor(rest / 1000);
  } while (rest > 0);
  return groups.map((g, i) => (i < groups.length - 1 ? `x${g}` : g)).join('/');
}

/** Hashes (or entries) a tree of `size` leaves has at `level`. */
export function levelWidth(size, level) {
  return Math.floor(size / 2 ** (TILE_HEIGHT * level));
}

/**
 * The path of tile `index` at `level` ('entries' for a bundle) as it is
 * published for a tree of `size` leaves: full, or `.p/<W>` when partial.
 * Returns null when the tree has no such tile.
 */
export function tilePath(level, index, size) {
  const have = levelWidth(size, level === 'entries' ? 0 : level) - index * TILE_WIDTH;
  if (have <= 0) return null;
  const width = Math.min(have, TILE_WIDTH);
  const kind = level === 'entries' ? 'entries' : String(level);
  return { path: `tile/${kind}/${tileIndexPath(index)}${width < TILE_WIDTH ? `.p/${width}` : ''}`, width };
}

const isPow2 = (n) => n > 0 && (n & (n - 1)) === 0 && n <= 2 ** 30;

function largestPow2Below(n) {
  // The largest power of two strictly smaller than n (n >= 2).
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/**
 * Reads tiles of one tree size through `fetchBytes(path) → Uint8Array`,
 * each at most once.
 */
export class TileReader {
  constructor(size, fetchBytes) {
    if (!Number.isSafeInteger(size) || size < 1) fail('bad_size', `树大小不合法：${size}`);
    this.size = size;
    this.fetchBytes = fetchBytes;
    this.cache = new Map();
  }

  async tile(level, index) {
    const t = tilePath(level, index, this.size);
    if (!t) fail('no_tile', `大小为 ${this.size} 的树没有第 ${level} 层第 ${index} 号瓦片`);
    if (!this.cache.has(t.path)) {
      const p = Promise.resolve(this.fetchBytes(t.path)).then((bytes) => {
        if (!(bytes instanceof Uint8Array)) fail('bad_tile', `瓦片 ${t.path} 无法读取`);
        if (level !== 'entries' && bytes.length !== 32 * t.width) {
          fail('bad_tile', `瓦片 ${t.path} 应为 ${32 * t.width} 字节，实际 ${bytes.length} 字节`);
        }
        return bytes;
      });
      p.catch(() => this.cache.delete(t.path));
      this.cache.set(t.path, p);
    }
    return this.cache.get(t.path);
  }

  /** Hash `i` (0-based across the level) of level `level` of the tiles. */
  async levelHash(level, i) {
    const bytes = await this.tile(level, Math.floor(i / TILE_WIDTH));
    const o = (i % TILE_WIDTH) * 32;
    return bytes.subarray(o, o + 32);
  }

  /** The hash of the complete subtree of 2^height leaves starting at leaf `start` (aligned). */
  async completeSubtree(start, height) {
    const level = Math.floor(height / TILE_HEIGHT);
    const r = height % TILE_HEIGHT;
    const unit = 2 ** (TILE_HEIGHT * level);
    const first = start / unit;
    if (r === 0) return this.levelHash(level, first);
    // 2^r consecutive hashes of one level-`level` tile, folded pairwise.
    let row = [];
    for (let j = 0; j < 2 ** r; j++) row.push(await this.levelHash(level, first + j));
    while (row.length > 1) {
      const next = [];
      for (let j = 0; j < row.length; j += 2) next.push(nodeHash(row[j], row[j + 1]));
      row = next;
    }
    return row[0];
  }

  /** RFC 6962 MTH of leaves [a, b), b <= size: complete subtrees, folded on the right edge. */
  async subtreeHash(a, b) {
    const n = b - a;
    if (n < 1) fail('bad_range', `空的子树 [${a}, ${b})`);
    if (isPow2(n) && a % n === 0) return this.completeSubtree(a, Math.log2(n));
    const k = largestPow2Below(n);
    return nodeHash(await this.subtreeHash(a, a + k), await this.subtreeHash(a + k, b));
  }

  /** The inclusion proof of leaf `index` in the tree of `this.size` (RFC 6962 §2.1.1 PATH), leaf side first. */
  async inclusionProof(index) {
    if (!Number.isSafeInteger(index) || index < 0 || index >= this.size) {
      fail('index_out_of_range', `第 ${index} 条不在大小为 ${this.size} 的树中`);
    }
    const out = [];
    let a = 0;
    let b = this.size;
    const ranges = [];
    while (b - a > 1) {
      const k = largestPow2Below(b - a);
      if (index < a + k) {
        ranges.push([a + k, b]);
        b = a + k;
      } else {
        ranges.push([a, a + k]);
        a += k;
      }
    }
    for (const [x, y] of ranges.reverse()) out.push(await this.subtreeHash(x, y));
    return out;
  }

  /** The root of the whole tree from the tiles (checked against the checkpoint by the caller). */
  async root() {
    return this.subtreeHash(0, this.size);
  }

  /**
   * Entry `seq`'s bytes from its entry bundle. The bytes are untrusted: the
   * caller recomputes their leaf hash and proves it (check.js); here only the
   * framing is checked, and that the bundle's entry hashes to the level-0
   * tile's hash, so a damaged bundle is named as such.
   */
  async entry(seq) {
    if (!Number.isSafeInteger(seq) || seq < 0 || seq >= this.size) fail('index_out_of_range', `第 ${seq} 条不在大小为 ${this.size} 的树中`);
    const bundle = await this.tile('entries', Math.floor(seq / TILE_WIDTH));
    const want = seq % TILE_WIDTH;
    let o = 0;
    for (let i = 0; ; i++) {
      if (o + 2 > bundle.length) fail('bad_bundle', `条目包在第 ${i} 条处截断（第 ${seq} 条所在的包）`);
      const len = (bundle[o] << 8) | bundle[o + 1];
      if (o + 2 + len > bundle.length) fail('bad_bundle', `条目包中第 ${i} 条的长度 ${len} 超出包的末尾`);
      if (i === want) return bundle.slice(o + 2, o + 2 + len);
      o += 2 + len;
    }
  }
}

/** The tiles of a tree built in memory from its leaves' data (tests, and the page's self-check). */
export function tilesOfLeaves(leaves) {
  const files = new Map();
  let level = leaves.map((d) => leafHash(d));
  const size = leaves.length;
  for (let L = 0; level.length > 0; L++) {
    for (let t = 0; t * TILE_WIDTH < level.length; t++) {
      const part = level.slice(t * TILE_WIDTH, (t + 1) * TILE_WIDTH);
      const bytes = new Uint8Array(32 * part.length);
      part.forEach((hsh, j) => bytes.set(hsh, 32 * j));
      const p = tilePath(L, t, size);
      if (p) files.set(p.path, bytes);
    }
    const next = [];
    for (let t = 0; (t + 1) * TILE_WIDTH <= level.length; t++) {
      let row = level.slice(t * TILE_WIDTH, (t + 1) * TILE_WIDTH);
      while (row.length > 1) {
        const n = [];
        for (let j = 0; j < row.length; j += 2) n.push(nodeHash(row[j], row[j + 1]));
        row = n;
      }
      next.push(row[0]);
    }
    level = next;
  }
  for (let t = 0; t * TILE_WIDTH < size; t++) {
    const part = leaves.slice(t * TILE_WIDTH, (t + 1) * TILE_WIDTH);
    const bytes = new Uint8Array(part.reduce((n, d) => n + 2 + d.length, 0));
    let o = 0;
    for (const d of part) {
      bytes[o] = d.length >> 8;
      bytes[o + 1] = d.length & 0xff;
      bytes.set(d, o + 2);
      o += 2 + d.length;
    }
    files.set(tilePath('entries', t, size).path, bytes);
  }
  return files;
}
