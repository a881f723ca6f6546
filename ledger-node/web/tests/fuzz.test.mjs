// Structure-aware fuzz targets of the page's decoders (issue 11, item 7;
// docs/SECURITY.md, "Fuzzing"), the JavaScript side of
// ledger-core/tests/fuzz_decoders.rs:
//
//   * js_decode_entry      — postcard.js decodeEntry (the entry bytes whose
//                            leaf hash the page proves);
//   * js_signed_note       — verify.js parseNote, parseCheckpointText and,
//                            now and then, verifyNoteSignature;
//   * js_verifier_key      — verify.js parseVkey.
//
// Each generates valid values under the Rust rules (ledger-core decides what
// a log may contain; the page must read all of it), encodes them with an
// encoder written from docs/FORMAT.md (tests/fuzz-entries.mjs, with the
// generators and mutations), mutates them at the level of the
// format's fields and of bytes or characters, and checks: the decoder throws
// only its own errors (DecodeError, VerifyError); what it accepts re-encodes
// to exactly the input; a valid input decodes to its value.
//
// Cases: FUZZ_CASES (default: a short run for `npm test`), seed: FUZZ_SEED,
// one case: FUZZ_REPLAY=<case seed>; FUZZ_REPORT=<file> appends one result
// line per target (fuzz/long-run.sh).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { appendFileSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ed25519 } from '@noble/curves/ed25519.js';

import {
  VerifyError, base64ToBytes, bytesToBase64, keyId, parseCheckpointText, parseNote, parseVkey,
  verifyNoteSignature,
} from '../src/verify.js';
import { DecodeError, decodeEntry, VERSION_1_MESSAGE } from '../src/postcard.js';
import {
  MASK64, big, entryToks, fail, genEntry, hex, mutateBytes, mutateText, mutateTokens, toBytes, varint,
} from './fuzz-entries.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const vectors = JSON.parse(readFileSync(join(here, 'fixtures', 'vectors.json'), 'utf8'));
const utf8 = new TextEncoder();

// ------------------------------------------------------------------ runner

const count = (text) => {
  if (!text) return undefined;
  const t = text.replace(/_/g, '').trim();
  const n = /e/i.test(t) ? Number(t) : Number.parseInt(t, 10);
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
};
const parseSeed = (text) => {
  if (!text) return undefined;
  const t = text.replace(/_/g, '').trim();
  return t.startsWith('0x') ? BigInt(t) : BigInt(count(t) ?? 0);
};
const SETTINGS = {
  cases: count(process.env.FUZZ_CASES),
  seed: parseSeed(process.env.FUZZ_SEED) ?? 0x5eed20190711n,
  replay: parseSeed(process.env.FUZZ_REPLAY),
};

function splitmix(x) {
  let z = (x + 0x9e3779b97f4a7c15n) & MASK64;
  z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & MASK64;
  z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & MASK64;
  return z ^ (z >> 31n);
}

/** sfc32: a small, fast generator on 32-bit integers, seeded by a 64-bit case seed. */
class Rng {
  constructor(seed) {
    const a = splitmix(seed);
    const b = splitmix(a);
    this.s = [Number(a & 0xffffffffn), Number(a >> 32n), Number(b & 0xffffffffn), Number(b >> 32n) | 1];
    for (let i = 0; i < 12; i++) this.u32();
  }
  u32() {
    const s = this.s;
    const t = (((s[0] + s[1]) | 0) + s[3]) | 0;
    s[3] = (s[3] + 1) | 0;
    s[0] = s[1] ^ (s[1] >>> 9);
    s[1] = (s[2] + (s[2] << 3)) | 0;
    s[2] = (s[2] << 21) | (s[2] >>> 11);
    s[2] = (s[2] + t) | 0;
    return t >>> 0;
  }
  /** Uniform in 0..n-1 (n up to 2^32). */
  below(n) {
    return n <= 0 ? 0 : Math.floor((this.u32() / 4294967296) * n);
  }
  chance(num, den) {
    return this.below(den) < num;
  }
  pick(items) {
    return items[this.below(items.length)];
  }
  range(lo, hi) {
    return lo + this.below(hi - lo + 1);
  }
  bytes(n) {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = this.u32() & 0xff;
    return out;
  }
  u64() {
    return (BigInt(this.u32()) << 32n) | BigInt(this.u32());
  }
  /** A u64 (BigInt) biased to the edges: varint byte boundaries, 2^53, 2^63, max. */
  edgyU64() {
    const EDGES = [0n, 1n, 127n, 128n, 16383n, 16384n, 0xffffffffn, 1n << 32n, (1n << 53n) - 1n, 1n << 53n,
      (1n << 53n) + 1n, (1n << 63n) - 1n, 1n << 63n, MASK64 - 1n, MASK64, 100000000000000n];
    switch (this.below(4)) {
      case 0: return this.pick(EDGES);
      case 1: return BigInt(this.below(1000));
      case 2: return this.u64() >> BigInt(this.below(64));
      default: return this.u64();
    }
  }
}

const show = (input) => {
  if (typeof input === 'string') return `text ${JSON.stringify(input.slice(0, 1000))}`;
  return `${input.length} bytes, hex ${hex(input.slice(0, 1000))}`;
};

/**
 * Runs `one(rng)` for the configured number of cases; it returns 'accepted',
 * 'rejected', or throws a failure. Reports cases, seconds and counts, and
 * fails the test with the case seed to replay.
 */
function run(target, defaultCases, one) {
  const cases = SETTINGS.cases ?? defaultCases;
  const started = process.hrtime.bigint();
  let accepted = 0;
  let rejected = 0;
  let done = 0;
  let failure = null;
  const seeds = SETTINGS.replay !== undefined ? [SETTINGS.replay] : null;
  const total = seeds ? 1 : cases;
  // Most inputs are refused, and capturing each error's stack trace was a
  // tenth of the run; a failure is reported by its case seed and input.
  const stackTraceLimit = Error.stackTraceLimit;
  if (!seeds) Error.stackTraceLimit = 0;
  for (let i = 0; i < total; i++) {
    const caseSeed = seeds ? seeds[0] : splitmix(SETTINGS.seed ^ splitmix(BigInt(i) + 0x1111n));
    const ctx = { input: null };
    done++;
    try {
      const outcome = one(new Rng(caseSeed), ctx);
      if (outcome === 'accepted') accepted++;
      else rejected++;
      if (seeds) console.log(`replayed case 0x${caseSeed.toString(16)}: ${show(ctx.input ?? '')}`);
    } catch (e) {
      failure = `fuzz target ${target}: case seed 0x${caseSeed.toString(16)} (run seed 0x${SETTINGS.seed.toString(16)}) failed: ${e?.stack ?? e}\n  input: ${show(ctx.input ?? '')}\n  replay: FUZZ_SEED=0x${SETTINGS.seed.toString(16)} FUZZ_REPLAY=0x${caseSeed.toString(16)} node --test tests/fuzz.test.mjs`;
      break;
    }
  }
  Error.stackTraceLimit = stackTraceLimit;
  const secs = Number(process.hrtime.bigint() - started) / 1e9;
  const result = failure ? 'FAILED' : 'ok: no exception but the decoder\'s own, no accepted non-canonical input';
  const line = `fuzz ${target}: ${done} cases in ${secs.toFixed(1)} s (${((secs * 1e6) / Math.max(done, 1)).toFixed(2)} µs/case), ${accepted} accepted, ${rejected} rejected, seed 0x${SETTINGS.seed.toString(16)}: ${result}`;
  console.log(line);
  if (process.env.FUZZ_REPORT) {
    appendFileSync(process.env.FUZZ_REPORT, `${target}\t${done}\t${secs.toFixed(1)}\t${accepted}\t${rejected}\t0x${SETTINGS.seed.toString(16)}\t${result}\n`);
  }
  if (failure) assert.fail(failure);
  assert.ok(accepted > 0 || seeds, `fuzz target ${target}: no case was accepted; the generator is broken`);
}


// -------------------------------------------------------------------- targets

const SHORT = 3000;

/** Pools of valid entries: generated here, and the Rust-made ones of vectors.json. */
function entryPool() {
  const rng = new Rng(SETTINGS.seed ^ 0xe7n);
  const pool = [];
  for (let i = 0; i < 256; i++) {
    const value = genEntry(rng);
    const toks = entryToks(value);
    pool.push({ value, toks, bytes: toBytes(toks) });
  }
  for (const e of vectors.entries) {
    const bytes = base64ToBytes(e.raw);
    const value = decodeEntry(bytes);
    delete value.submissionBytes;
    pool.push({ value, toks: entryToks(value), bytes });
  }
  return pool;
}

/** Offset of the submission (its version byte) in an entry's bytes. */
const submissionStart = (d) => 1 + (() => { const o = []; varint(big(d.seq), o); varint(big(d.time_ms), o); return o.length; })() + 32;

const sameBytes = (a, b) => a.length === b.length && a.every((x, i) => x === b[i]);

test('fuzz: the page\'s postcard decoder (decodeEntry)', () => {
  const pool = entryPool();
  for (const p of pool) {
    assert.ok(sameBytes(toBytes(entryToks(p.value)), p.bytes), 'the test encoder reproduces every seed');
  }
  run('js_decode_entry', SHORT, (rng, ctx) => {
    const seed = rng.pick(pool);
    const other = rng.pick(pool);
    const mode = rng.below(16);
    let bytes;
    if (mode < 2) bytes = seed.bytes;
    else if (mode === 2) bytes = rng.bytes(rng.below(400));
    else if (mode === 3) {
      // A format-1 entry (or submission) byte: refused, naming the version.
      bytes = seed.bytes.slice();
      if (rng.chance(1, 2)) bytes[0] = 1;
      else bytes[submissionStart(seed.value)] = rng.pick([1, 4]);
    } else if (mode <= 10) {
      const toks = seed.toks.slice();
      mutateTokens(rng, toks, other.toks);
      bytes = toBytes(toks);
      if (rng.chance(1, 4)) bytes = mutateBytes(rng, bytes, other.bytes);
    } else bytes = mutateBytes(rng, seed.bytes, other.bytes);
    ctx.input = bytes;
    let d;
    try {
      d = decodeEntry(bytes);
    } catch (e) {
      if (!(e instanceof DecodeError)) fail(`threw ${e?.constructor?.name}, not DecodeError: ${e?.stack ?? e}`);
      if (mode < 2) fail(`a valid entry was refused: ${e.message}`);
      if (bytes[0] === 1 && !(e.code === 'version' && e.message.includes(VERSION_1_MESSAGE))) {
        fail(`a version-1 entry was refused without naming the version: ${e.message}`);
      }
      return 'rejected';
    }
    const again = toBytes(entryToks(d));
    if (!sameBytes(again, bytes)) fail(`accepted a non-canonical encoding; it re-encodes to ${hex(again)}`);
    const start = submissionStart(d);
    if (!sameBytes(d.submissionBytes, bytes.slice(start, start + d.submissionBytes.length))) fail('submissionBytes is not the submission');
    if (mode < 2) {
      const { submissionBytes, ...value } = d;
      assert.deepStrictEqual(value, seed.value, 'a valid entry decoded to another value');
    }
    return 'accepted';
  });
});

// --------------------------------------------------------------- signed notes

const NAMES = ['huaian.sunshine-ledger.example/demo', '淮安/阳光账本', 'a', 'example.com/\ufefflog', 'x'.repeat(255),
  'w1.example/witness'];

const noteLine = (name, id, sig) => {
  const blob = new Uint8Array(4 + sig.length);
  blob.set([(id >>> 24) & 0xff, (id >>> 16) & 0xff, (id >>> 8) & 0xff, id & 0xff]);
  blob.set(sig, 4);
  return `\u2014 ${name} ${bytesToBase64(blob)}\n`;
};

/** Signed checkpoints: those of vectors.json, and a few signed here by generated keys. */
function notePool() {
  const rng = new Rng(SETTINGS.seed ^ 0xc4n);
  const keys = NAMES.slice(0, 4).map((name) => {
    const secret = rng.bytes(32);
    const pub = ed25519.getPublicKey(secret);
    const typed = Uint8Array.of(1, ...pub);
    const id = keyId(name, typed);
    return { name, secret, pub, id, vkey: `${name}+${id.toString(16).padStart(8, '0')}+${bytesToBase64(typed)}` };
  });
  const notes = [];
  for (const p of Object.values(vectors.proofs)) notes.push({ note: p.checkpoint, vkey: vectors.log.log_vkey });
  for (let i = 0; i < 24; i++) {
    const k = rng.pick(keys);
    const size = rng.chance(1, 8) ? 0n : rng.edgyU64() & ((1n << 53n) - 1n);
    const root = size === 0n ? base64ToBytes('47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=') : rng.bytes(32);
    const ext = rng.chance(1, 4) ? ['ext line ' + rng.below(100)] : [];
    const text = [k.name, String(size), bytesToBase64(root), ...ext].join('\n') + '\n';
    let note = `${text}\n${noteLine(k.name, k.id, ed25519.sign(utf8.encode(text), k.secret))}`;
    if (rng.chance(1, 2)) note += noteLine(rng.pick(NAMES), rng.u32(), rng.bytes(72));
    notes.push({ note, vkey: k.vkey, key: k });
  }
  return notes;
}

function renderNote(parsed) {
  return parsed.text + '\n' + parsed.sigs.map((s) => noteLine(s.name, s.id, s.sig)).join('');
}

/** What verify.js throws: VerifyError with a code. Anything else is a bug. */
function expectOwn(e) {
  if (!(e instanceof VerifyError) || !e.code) fail(`threw ${e?.constructor?.name}, not VerifyError: ${e?.stack ?? e}`);
}

test('fuzz: the page\'s signed-note and checkpoint parsers', () => {
  const notes = notePool();
  const keys = new Map();
  run('js_signed_note', SHORT, (rng, ctx) => {
    const n = rng.pick(notes);
    const unmutated = rng.chance(1, 8);
    let note = n.note;
    if (!unmutated) {
      const [text, block] = [note.slice(0, note.lastIndexOf('\n\n') + 1), note.slice(note.lastIndexOf('\n\n') + 2)];
      const lines = text.slice(0, -1).split('\n');
      switch (rng.below(6)) {
        case 0: {
          // Re-spell a body field (not re-signed: the parser must refuse it).
          const i = rng.below(Math.max(lines.length, 1));
          const root = lines[2] ?? '';
          lines[i] = rng.pick([`0${lines[i]}`, `+${lines[i]}`, ` ${lines[i]}`, `${lines[i]} `, '', '18446744073709551616',
            '9007199254740993', root.replace(/=$/, ''), root.replace(/.=$/, (m) => (m[0] === 'A' ? 'B=' : 'A=')),
            root.replace(/\+/g, '-').replace(/\//g, '_'), `${root}=`]);
          if (rng.chance(1, 3)) lines.push(rng.pick(['', 'ext', ' ']));
          note = lines.join('\n') + '\n\n' + block;
          break;
        }
        case 1: {
          // Signature lines: duplicated, forged under the log key's name and ID, re-spelt, foreign.
          const sigLines = block.slice(0, -1).split('\n');
          const first = sigLines[0];
          const [dash, name, b64] = first.split(' ');
          switch (rng.below(4)) {
            case 0: sigLines.push(first); break;
            case 1: {
              const blob = base64ToBytes(b64);
              blob.set(rng.bytes(64), 4);
              sigLines.splice(rng.below(sigLines.length + 1), 0, `${dash} ${name} ${bytesToBase64(blob)}`);
              break;
            }
            case 2: sigLines[0] = `${dash} ${name} ${rng.pick([b64.replace(/=+$/, ''), b64.replace(/\+/g, '-'), `${b64}=`, ` ${b64}`])}`; break;
            default: sigLines.push(`\u2014 ${rng.pick(NAMES)}\ufeff ${b64}`);
          }
          note = text + '\n' + sigLines.join('\n') + '\n';
          break;
        }
        case 2: case 3: note = mutateText(rng, note, ['\n\n', '\u2014 ', '=', '+', lines[0] ?? '']); break;
        case 4: note = new TextDecoder().decode(mutateBytes(rng, utf8.encode(note), utf8.encode(rng.pick(notes).note))); break;
        default: note = rng.pick([note.replace('\n\n', '\n'), note.replace(/\n/g, '\r\n'), note.trimEnd(), note.replace('\n\n', '\n\n\n')]);
      }
    }
    ctx.input = note;
    let parsed;
    try {
      parsed = parseNote(note);
    } catch (e) {
      expectOwn(e);
      if (unmutated) fail(`a valid note was refused: ${e.message}`);
      return 'rejected';
    }
    if (renderNote(parsed) !== note) fail(`accepted a non-canonical note; it re-renders as ${JSON.stringify(renderNote(parsed))}`);
    let cp;
    try {
      cp = parseCheckpointText(parsed.text);
    } catch (e) {
      expectOwn(e);
      if (unmutated) fail(`a valid checkpoint was refused: ${e.message}`);
      return 'rejected';
    }
    const again = [cp.origin, String(cp.size), bytesToBase64(cp.root), ...cp.extensions].join('\n') + '\n';
    if (again !== parsed.text) fail(`accepted a non-canonical checkpoint body; it re-renders as ${JSON.stringify(again)}`);
    if (cp.rootB64 !== bytesToBase64(cp.root)) fail('root spelling is not canonical');
    // The signature check is Ed25519 (milliseconds in JavaScript): one case
    // in 256, so that ten million cases fit in minutes.
    if (rng.chance(1, 256)) {
      if (!keys.has(n.vkey)) keys.set(n.vkey, parseVkey(n.vkey));
      const key = keys.get(n.vkey);
      let ok = true;
      try {
        verifyNoteSignature(parsed, key);
      } catch (e) {
        expectOwn(e);
        ok = false;
      }
      if (unmutated && !ok) fail('a valid note\'s signature was refused');
      if (ok) {
        for (const s of parsed.sigs.filter((x) => x.name === key.name && x.id === key.id)) {
          if (!(s.sig.length === 64 && ed25519.verify(s.sig, utf8.encode(parsed.text), key.pub, { zip215: false }))) {
            fail('accepted a note with a log-key line that does not verify');
          }
        }
      }
    }
    return 'accepted';
  });
});

// -------------------------------------------------------------- verifier keys

/** The Rust rule for key names (checkpoint.rs `check_key_name`): 1-255 UTF-8
 * bytes, no White_Space character, no '+', no control character (Cc). */
const rustKeyNameOk = (name) => name.length > 0 && utf8.encode(name).length <= 255 && !/[\p{White_Space}\p{Cc}+]/u.test(name);

test('fuzz: the page\'s verifier key parser (parseVkey)', () => {
  const rng0 = new Rng(SETTINGS.seed ^ 0x7en);
  const pubs = Array.from({ length: 16 }, () => ed25519.getPublicKey(rng0.bytes(32)));
  // y = p + k for small k: non-canonical encodings (the page refuses them, as Rust now does).
  const awkward = Array.from({ length: 19 }, (_, k) => { const y = new Uint8Array(32).fill(0xff); y[0] = 0xed + k; y[31] = 0x7f; return y; });
  awkward.push(Uint8Array.of(1, ...new Uint8Array(31)));
  const names = [...NAMES, 'a b', 'a+b', '', 'a\u0085', 'a\u00a0b', '\ufeff', 'a\u2028', 'y'.repeat(256), '字'.repeat(85), '字'.repeat(86),
    'a\u180e', 'a\u200b', 'a\u007f'];
  const made = new Map();
  const vkeyOf = (name, pub) => {
    const id = `${name}\n${hex(pub)}`;
    if (!made.has(id)) {
      const typed = Uint8Array.of(1, ...pub);
      made.set(id, `${name}+${keyId(name, typed).toString(16).padStart(8, '0')}+${bytesToBase64(typed)}`);
    }
    return made.get(id);
  };
  run('js_verifier_key', SHORT, (rng, ctx) => {
    const name = rng.pick(names);
    const pub = rng.chance(1, 8) ? rng.pick(awkward) : rng.pick(pubs);
    const good = vkeyOf(name, pub);
    const unmutated = rng.chance(1, 4);
    let vkey = good;
    if (!unmutated) {
      vkey = rng.chance(1, 3)
        ? rng.pick([good.toUpperCase(), good.replace(/\+([0-9a-f]{8})\+/, (m, id) => `+${id.toUpperCase()}+`), `${good} `, good.replace(/=$/, ''),
          good.replace(/\+[0-9a-f]{8}\+/, (m) => m.replace('+0', '+'))])
        : mutateText(rng, good, ['+', '=', 'A', '/', name]);
    }
    ctx.input = vkey;
    let k;
    try {
      k = parseVkey(vkey);
    } catch (e) {
      expectOwn(e);
      if (unmutated && rustKeyNameOk(name) && pubs.includes(pub)) fail(`a vkey Rust accepts was refused: ${e.message}`);
      return 'rejected';
    }
    const again = `${k.name}+${k.idHex}+${bytesToBase64(Uint8Array.of(1, ...k.pub))}`;
    if (again !== vkey) fail(`accepted a non-canonical vkey; it re-renders as ${again}`);
    if (!rustKeyNameOk(k.name)) fail(`accepted the key name ${JSON.stringify(k.name)}, which Rust refuses`);
    const point = ed25519.Point.fromBytes(k.pub);
    if (!sameBytes(point.toBytes(), k.pub)) fail('accepted a non-canonical point encoding');
    return 'accepted';
  });
});
