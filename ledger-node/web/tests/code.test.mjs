// Unit tests of the household code (src/code.js), no browser: the shared
// vectors of fixtures/vectors/household_code.json (the same file the Rust
// tests check), a few vectors computed independently (Python, big integers),
// and the typo cases the check symbol must catch.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  ALPHABET, CodeError, checkOk, displayCode, householdCode, normalizeCodeInput, parseCodeInput, refMatches,
} from '../src/code.js';

const here = dirname(fileURLToPath(import.meta.url));
const shared = join(here, '..', '..', '..', 'fixtures', 'vectors', 'household_code.json');

// Computed with Python's integers, independently of the JS BigInt code.
const OWN = [
  ['00'.repeat(32), '22222222222'],
  ['ff'.repeat(32), 'YK33H2BAXTC'],
  [`0000000000000001${'00'.repeat(24)}`, '2222222223N'],
  ['527121aa6774be83a82dd12f970eb99b07c113a096fea13036e1a14d03db767c', 'EEC8F2JJC2A'],
  ['2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881', '62WC59V2QVN'],
];

function errorCode(fn) {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof CodeError, `a CodeError, not ${e}`);
    return e.code;
  }
  return null;
}

test('the alphabet: 29 symbols, no look-alikes', () => {
  assert.equal(ALPHABET, '23456789ABCDEFGHJKMNPQRTUVWXY');
  assert.equal(new Set(ALPHABET).size, 29);
  for (const c of '01ILOSZ') assert.ok(!ALPHABET.includes(c));
});

test('codes of independently computed vectors, upper- or lowercase ref', () => {
  for (const [ref, code] of OWN) {
    assert.equal(householdCode(ref), code);
    assert.equal(householdCode(ref.toUpperCase()), code);
    assert.ok(checkOk(code));
  }
  assert.equal(displayCode('EEC8F2JJC2A'), 'EEC8-F2JJ-C2A');
  assert.equal(displayCode('EEC8F2'), 'EEC8-F2');
  assert.equal(errorCode(() => householdCode('abc')), 'bad_ref');
  assert.equal(errorCode(() => householdCode('g'.repeat(64))), 'bad_ref');
});

test('the shared vectors file (fixtures/vectors/household_code.json), as the Rust tests', (t) => {
  if (!existsSync(shared)) {
    t.skip('fixtures/vectors/household_code.json is not on this branch yet');
    return;
  }
  const v = JSON.parse(readFileSync(shared, 'utf8'));
  assert.equal(v.version, 1);
  assert.equal(v.alphabet, ALPHABET);
  assert.ok(v.vectors.length >= 20);
  for (const x of v.vectors) {
    assert.equal(householdCode(x.ref), x.code, x.ref);
    assert.equal(displayCode(x.code), x.display);
    assert.deepEqual(parseCodeInput(x.display), { kind: 'code', code: x.code });
  }
  for (const x of v.typos || []) {
    assert.equal(errorCode(() => parseCodeInput(x.input)), x.error, x.input);
  }
  for (const x of v.accepted || []) {
    assert.deepEqual(parseCodeInput(x.input), x.code ? { kind: 'code', code: x.code } : { kind: 'prefix', prefix: x.prefix }, x.input);
  }
});

test('input normalisation: spaces, dashes, middle dots, lowercase, full-width', () => {
  assert.equal(normalizeCodeInput(' eec8-f2jj c2a '), 'EEC8F2JJC2A');
  assert.equal(normalizeCodeInput('EEC8·F2JJ·C2A'), 'EEC8F2JJC2A');
  assert.equal(normalizeCodeInput('ＥＥＣ８－Ｆ２ＪＪ　Ｃ２Ａ'), 'EEC8F2JJC2A');
  assert.deepEqual(parseCodeInput('ｅｅｃ８ｆ２ｊｊｃ２ａ'), { kind: 'code', code: 'EEC8F2JJC2A' });
  assert.deepEqual(parseCodeInput('EEC8-F2'), { kind: 'prefix', prefix: 'EEC8F2' });
  assert.deepEqual(parseCodeInput('EEC8F2JJC2'), { kind: 'prefix', prefix: 'EEC8F2JJC2' });
  // A full 64-hex 户号 still works (slips printed before codes).
  const ref = OWN[3][0];
  assert.deepEqual(parseCodeInput(ref.toUpperCase()), { kind: 'ref', ref });
});

test('every single wrong symbol and every adjacent swap is caught by the check symbol', () => {
  for (const [, code] of OWN) {
    for (let i = 0; i < code.length; i++) {
      for (const c of ALPHABET) {
        if (c === code[i]) continue;
        const typo = code.slice(0, i) + c + code.slice(i + 1);
        assert.equal(errorCode(() => parseCodeInput(typo)), 'bad_code_check', typo);
      }
      if (i + 1 < code.length && code[i] !== code[i + 1]) {
        const swapped = code.slice(0, i) + code[i + 1] + code[i] + code.slice(i + 2);
        assert.equal(errorCode(() => parseCodeInput(swapped)), 'bad_code_check', swapped);
      }
    }
  }
});

test('look-alike and foreign symbols are named, never guessed', () => {
  const at = (input) => {
    try {
      parseCodeInput(input);
    } catch (e) {
      return [e.code, e.symbol, e.position, e.message];
    }
    return null;
  };
  let [code, symbol, position, message] = at('EEC8-F2JJ-C2O');
  assert.deepEqual([code, symbol, position], ['bad_symbol', 'O', 11]);
  assert.match(message, /^户码第 11 位“O”不对：户码中没有数字 0 和字母 O/);
  [code, symbol, position, message] = at('SEC8F2JJC2A');
  assert.deepEqual([code, symbol, position], ['bad_symbol', 'S', 1]);
  assert.match(message, /可能是数字 5/);
  [code, , , message] = at('EEC8F2JJC2Z');
  assert.equal(code, 'bad_symbol');
  assert.match(message, /可能是数字 2/);
  [code, symbol, , message] = at('EEC1F2JJC2A');
  assert.deepEqual([code, symbol], ['bad_symbol', '1']);
  assert.match(message, /没有数字 1 和字母 I、L/);
  [code, symbol, position] = at('EEC8户F2JJC2');
  assert.deepEqual([code, symbol, position], ['bad_symbol', '户', 5]);
});

test('too short, too long, empty', () => {
  assert.equal(errorCode(() => parseCodeInput('EEC8F')), 'code_too_short');
  assert.equal(errorCode(() => parseCodeInput('E')), 'code_too_short');
  assert.equal(errorCode(() => parseCodeInput('EEC8F2JJC2AA')), 'code_too_long');
  assert.equal(errorCode(() => parseCodeInput('  - ')), 'code_too_short');
  // Length before symbols, as docs/FORMAT.md §8.5.1 orders them.
  assert.equal(errorCode(() => parseCodeInput('EEC8F2JJC2AO')), 'code_too_long');
  assert.equal(errorCode(() => parseCodeInput('E'.repeat(101))), 'code_too_long');
  // 63 or 65 hex digits: a 户号 mistyped, said as such.
  assert.equal(errorCode(() => parseCodeInput('0a'.repeat(31) + 'a')), 'bad_ref');
  assert.equal(errorCode(() => parseCodeInput('a'.repeat(65))), 'bad_ref');
});

test('the page checks that the household the node returned carries the typed code', () => {
  const [ref, code] = [OWN[3][0], OWN[3][1]];
  assert.ok(refMatches(ref, { kind: 'code', code }));
  assert.ok(refMatches(ref, { kind: 'prefix', prefix: code.slice(0, 6) }));
  assert.ok(!refMatches(OWN[4][0], { kind: 'code', code }));
  assert.ok(!refMatches(OWN[4][0], { kind: 'prefix', prefix: code.slice(0, 6) }));
  assert.ok(!refMatches('not a ref', { kind: 'code', code }));
  assert.ok(refMatches(ref, { kind: 'ref', ref }));
  assert.ok(!refMatches(OWN[4][0], { kind: 'ref', ref }));
});
