// 户码 (household code), version 1: a short code a person can carry,
// derived from the public 32-byte HouseholdRef, so that no secret is needed
// to compute it (the pseudonym key never reaches a browser or a terminal).
// Specified in docs/FORMAT.md; ledger-core/src/household_code.rs computes
// the same, and both are tested against fixtures/vectors/household_code.json.
// Pure (no DOM, no network): node's test runner exercises it directly.
//
//   n      = u64 big-endian of ref[0..8]  mod 29^10
//   v0..v9 = n in base 29, most significant digit first
//   c      = (29 − Σ (i+1)·v_i mod 29) mod 29
//   code   = ALPHABET[v0..v9] + ALPHABET[c]   shown as XXXX-XXXX-XXX
//
// 29 is prime and the weights 1..10 are all below it, so every single wrong
// symbol and every swap of two different adjacent symbols changes the sum
// mod 29: the check symbol catches both, and a typo never opens another
// household.

/** 29 symbols without look-alikes (no 0 1 I L O S Z); value = index. */
export const ALPHABET = '23456789ABCDEFGHJKMNPQRTUVWXY';
export const DATA_SYMBOLS = 10;
export const CODE_SYMBOLS = DATA_SYMBOLS + 1;
/** A prefix shorter than this matches too many households to be useful. */
export const MIN_PREFIX_SYMBOLS = 6;
/** Longer input is refused unread (a 64-hex 户号 with its separators fits). */
export const MAX_INPUT_CHARS = 100;

const BASE = 29n;
const MODULUS = BASE ** BigInt(DATA_SYMBOLS);
const VALUE = new Map([...ALPHABET].map((c, i) => [c, i]));
const REF = /^[0-9a-f]{64}$/;

/**
 * Symbols that are not used, with what a person might have meant. Never
 * applied silently: the message names the symbol and asks to check.
 */
const EXCLUDED = {
  0: '户码中没有数字 0 和字母 O',
  O: '户码中没有数字 0 和字母 O',
  1: '户码中没有数字 1 和字母 I、L；可能是 7 或 J',
  I: '户码中没有数字 1 和字母 I、L；可能是 7 或 J',
  L: '户码中没有数字 1 和字母 I、L；可能是 7 或 J',
  S: '户码中没有字母 S；可能是数字 5',
  Z: '户码中没有字母 Z；可能是数字 2',
};

/** A code the page refuses, with a stable ASCII `code` and a Chinese message. */
export class CodeError extends Error {
  constructor(code, message, extra = {}) {
    super(message);
    this.code = code;
    Object.assign(this, extra);
  }
}

function checkValue(values) {
  let sum = 0;
  values.forEach((v, i) => {
    sum += (i + 1) * v;
  });
  return (29 - (sum % 29)) % 29;
}

/** The 11-symbol code of a 64-hex HouseholdRef (lowercase or uppercase). */
export function householdCode(refHex) {
  const ref = String(refHex || '').toLowerCase();
  if (!REF.test(ref)) throw new CodeError('bad_ref', '户号应为 64 位十六进制字符');
  let n = BigInt(`0x${ref.slice(0, 16)}`) % MODULUS;
  const values = new Array(DATA_SYMBOLS);
  for (let i = DATA_SYMBOLS - 1; i >= 0; i--) {
    values[i] = Number(n % BASE);
    n /= BASE;
  }
  return values.map((v) => ALPHABET[v]).join('') + ALPHABET[checkValue(values)];
}

/** XXXX-XXXX-XXX (groups 4-4-3); a shorter prefix is grouped the same way. */
export function displayCode(code) {
  const s = String(code || '');
  return [s.slice(0, 4), s.slice(4, 8), s.slice(8)].filter(Boolean).join('-');
}

/**
 * Uppercase, full-width forms to ASCII, separators removed: what a person
 * types from a slip (spaces, dashes, the middle dot of a Chinese IME).
 */
export function normalizeCodeInput(text) {
  return [...String(text ?? '')]
    .map((ch) => {
      const c = ch.codePointAt(0);
      if (c >= 0xff01 && c <= 0xff5e) return String.fromCodePoint(c - 0xfee0);
      if (c === 0x3000) return ' ';
      return ch;
    })
    .join('')
    .toUpperCase()
    .replace(/[\s\-·\u2010-\u2015\u2212\u30fb\u2027\u2022]/g, '');
}

/** True when all 11 symbols are in the alphabet and the check symbol fits. */
export function checkOk(code) {
  if (typeof code !== 'string' || code.length !== CODE_SYMBOLS) return false;
  const values = [...code].map((c) => VALUE.get(c));
  if (values.some((v) => v === undefined)) return false;
  return checkValue(values.slice(0, DATA_SYMBOLS)) === values[DATA_SYMBOLS];
}

/**
 * Reads what a person typed into 查询我家:
 *   {kind: 'ref', ref}        a full 64-hex 户号 (as printed before codes existed)
 *   {kind: 'code', code}      a complete 11-symbol code whose check symbol fits
 *   {kind: 'prefix', prefix}  6 to 10 symbols: the start of the data symbols
 * and throws a CodeError otherwise: `bad_symbol` (naming it), `code_too_short`,
 * `code_too_long`, `bad_code_check`, `bad_ref` (a
 * 64-hex 户号 with a digit missing or extra).
 */
export function parseCodeInput(text) {
  const raw = String(text ?? '');
  // A pasted paragraph is not a code (a 64-hex 户号 with separators is ~80).
  if (raw.length > MAX_INPUT_CHARS) throw new CodeError('code_too_long', `输入太长：户码共 11 位。请对照发放单核对。`);
  const s = normalizeCodeInput(raw);
  // Nothing typed is "too short" (the shared vectors say so): with its own words.
  if (!s) throw new CodeError('code_too_short', '请输入户码：共 11 位，印在补贴发放单上；至少输入前 6 位。');
  if (s.length === 64 && /^[0-9A-F]{64}$/.test(s)) return { kind: 'ref', ref: s.toLowerCase() };
  // Then in the order of docs/FORMAT.md §8.5.1: length, symbols, shortness, check.
  if (s.length > CODE_SYMBOLS) {
    // All hex and long: a 64-hex 户号 with a digit missing or extra, not a long code.
    if (s.length >= 48 && /^[0-9A-F]+$/.test(s)) {
      throw new CodeError('bad_ref', `户号应为 64 位十六进制字符，现在是 ${s.length} 位。请对照发放单核对，或改输 11 位户码。`);
    }
    throw new CodeError('code_too_long', `户码太长：输入了 ${s.length} 位，户码共 11 位。请对照发放单核对。`);
  }
  for (const [i, ch] of [...s].entries()) {
    if (VALUE.has(ch)) continue;
    const hint = EXCLUDED[ch];
    const shown = /^[\x21-\x7e]$/.test(ch) ? ch : `“${ch}”`;
    throw new CodeError('bad_symbol', hint
      ? `户码第 ${i + 1} 位“${shown}”不对：${hint}。请对照发放单核对。`
      : `户码第 ${i + 1} 位“${shown}”不是户码中的字符（户码只用数字 2-9 和大写字母，不用 0、1、I、L、O、S、Z）。请对照发放单核对。`,
    { symbol: ch, position: i + 1 });
  }
  if (s.length < MIN_PREFIX_SYMBOLS) {
    throw new CodeError('code_too_short', `户码太短：只输入了 ${s.length} 位，户码共 11 位，至少要输入前 ${MIN_PREFIX_SYMBOLS} 位。`);
  }
  if (s.length === CODE_SYMBOLS) {
    if (!checkOk(s)) throw new CodeError('bad_code_check', '户码校验位不符：可能有一位输错或相邻两位颠倒。请对照发放单逐位核对。');
    return { kind: 'code', code: s };
  }
  return { kind: 'prefix', prefix: s };
}

/**
 * Does the household `ref` the node answered with really carry what was
 * typed? The page checks this itself: a node that answers with another
 * household is a failure, never a green result.
 */
export function refMatches(ref, parsed) {
  let code;
  try {
    code = householdCode(ref);
  } catch {
    return false;
  }
  if (parsed.kind === 'code') return code === parsed.code;
  if (parsed.kind === 'prefix') return code.startsWith(parsed.prefix);
  if (parsed.kind === 'ref') return String(ref).toLowerCase() === parsed.ref;
  return false;
}
