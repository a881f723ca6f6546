// The entry model of the page's fuzz targets (tests/fuzz.test.mjs): byte and
// text mutations, the postcard entry format as tokens (one token per field,
// so that mutations act on fields), an encoder written from docs/FORMAT.md
// (the inverse of postcard.js), generators of values valid under the Rust
// rules (ledger-core/tests/fuzzkit), and token mutations. Split from the
// targets when the project library's kinds 19-26 were added (issue 13), so
// that each file stays one subject.
import { bytesToHex } from '../src/verify.js';
import {
  ASSISTANCE_CATEGORIES, CHECK_KINDS, CONFIRM_METHODS, CONTROL_FIELDS, ENTRY_KINDS, FUND_CATEGORIES, FUND_LIMIT_FIELDS,
  FUND_SOURCES, MILESTONE_KINDS, NOTICE_STAGES, OBJECTION_CHANNELS, OBJECTION_OUTCOMES, OFFICES, PROJECT_CATEGORIES,
  PUBLICITY_FIELDS, ROLES, SUBSIDY_CATEGORIES, SUPPLEMENT_REASONS,
} from '../src/postcard.js';

export const MASK64 = (1n << 64n) - 1n;
const utf8 = new TextEncoder();
export const hex = (b) => bytesToHex(b);
export const fail = (why) => {
  throw new Error(why);
};

// ------------------------------------------------------ byte and text mutations

const INTERESTING_BYTES = [0x00, 0x01, 0x02, 0x7f, 0x80, 0x81, 0xff, 0xfe, 0xc0, 0xe2, 0x0a, 0x20];

export function mutateBytes(rng, data, other) {
  let d = Array.from(data);
  const rounds = 1 + rng.below(4);
  for (let r = 0; r < rounds; r++) {
    const len = d.length;
    const at = rng.below(len + 1);
    switch (rng.below(12)) {
      case 0: if (len) d[rng.below(len)] ^= 1 << rng.below(8); break;
      case 1: if (len) d[rng.below(len)] = rng.pick(INTERESTING_BYTES); break;
      case 2: d.splice(at, 0, ...rng.bytes(1 + rng.below(4))); break;
      case 3: d.splice(at, 1 + rng.below(8)); break;
      case 4: d = d.slice(0, at); break;
      case 5: d.push(...(rng.chance(1, 2) ? [0] : rng.bytes(1 + rng.below(4)))); break;
      case 6: if (len) { const s = rng.below(len); d.splice(rng.below(len + 1), 0, ...d.slice(s, s + 1 + rng.below(16))); } break;
      case 7: if (other.length) d = d.slice(0, at).concat(Array.from(other.slice(rng.below(other.length)))); break;
      case 8: d.splice(at, 0, ...new Array(1 + rng.below(10)).fill(0x80), rng.below(2)); break;
      case 9: if (len > 1) { const i = rng.below(len); const j = rng.below(len); [d[i], d[j]] = [d[j], d[i]]; } break;
      case 10: if (len) { const i = rng.below(len); d[i] = (d[i] + (rng.chance(1, 2) ? 1 : 255)) & 0xff; } break;
      default: d.splice(rng.below(len + 1), 0, rng.pick(INTERESTING_BYTES));
    }
  }
  return Uint8Array.from(d);
}

const INTERESTING_TEXT = ['\n', '\r\n', '\r', '\t', ' ', '  ', '\u00a0', '\u3000', '\ufeff', '\u2028', '\u0085', '\u0000',
  '\u007f', '\u200b', '+', '\u2014', '\u2014 ', '=', '==', '/', '-', '.', ',', '"', '0', '00', '9', 'x', 'X', 'A', '字',
  '😀', 'e\u0301', '\\'];

/** Text mutations on code points (never splitting a surrogate pair). */
export function mutateText(rng, text, dict = []) {
  let cps = Array.from(text);
  const word = () => (dict.length && rng.chance(1, 2) ? rng.pick(dict) : rng.pick(INTERESTING_TEXT));
  const rounds = 1 + rng.below(3);
  for (let r = 0; r < rounds; r++) {
    const at = rng.below(cps.length + 1);
    switch (rng.below(10)) {
      case 0: case 1: cps.splice(at, 0, ...Array.from(word())); break;
      case 2: cps.splice(at, 1 + rng.below(4)); break;
      case 3: case 4: {
        const lines = cps.join('').split('\n');
        const i = rng.below(lines.length);
        const op = rng.below(3);
        if (op === 0) lines.splice(i, 0, lines[i]);
        else if (op === 1) lines.splice(i, 1);
        else { const j = rng.below(lines.length); [lines[i], lines[j]] = [lines[j], lines[i]]; }
        cps = Array.from(lines.join('\n'));
        break;
      }
      case 5: if (cps.length) {
        const i = rng.below(cps.length);
        const c = cps[i];
        cps[i] = /[a-z]/.test(c) ? c.toUpperCase() : /[A-Z]/.test(c) ? c.toLowerCase()
          : /[0-9]/.test(c) ? String((Number(c) + 1 + rng.below(9)) % 10) : word();
      } break;
      case 6: cps = cps.slice(0, at); break;
      case 7: cps.push(...Array.from(dict.length ? rng.pick(dict) : '\n')); break;
      case 8: if (cps.length) { const i = rng.below(cps.length); cps.splice(i, 0, ...cps.slice(i, i + 1 + rng.below(8))); } break;
      default: if (cps.length) cps[rng.below(cps.length)] = word();
    }
  }
  return cps.join('');
}

// ---------------------------------------------- the entry format, as tokens

// A token is {t: 'u8'|'var'|'fixed'|'str'|'raw', v, bits, role}: a field of
// the postcard encoding (docs/FORMAT.md §2), so that mutations act on fields.
const u8 = (v) => ({ t: 'u8', v });
// Varint values are Numbers below 2^53 and BigInts above (as decodeEntry
// returns them): BigInt arithmetic is slow, and most values are small.
const num = (v, bits = 64) => ({ t: 'var', v, bits, role: 'num' });
const variant = (i, n) => ({ t: 'var', v: i, bits: 32, role: 'variant', n });
const len = (n) => ({ t: 'var', v: n, bits: 64, role: 'len' });
const fixed = (bytes) => ({ t: 'fixed', v: Uint8Array.from(bytes) });
const str = (s) => ({ t: 'str', v: typeof s === 'string' ? utf8.encode(s) : Uint8Array.from(s) });
const raw = (bytes) => ({ t: 'raw', v: Uint8Array.from(bytes) });

export function varint(v, out) {
  if (typeof v === 'number') {
    let n = v;
    while (n >= 128) {
      out.push((n % 128) | 0x80);
      n = Math.floor(n / 128);
    }
    out.push(n);
    return;
  }
  let x = BigInt(v);
  for (;;) {
    const byte = Number(x & 0x7fn);
    x >>= 7n;
    if (x === 0n) {
      out.push(byte);
      return;
    }
    out.push(byte | 0x80);
  }
}

export function toBytes(tokens) {
  const out = [];
  for (const k of tokens) {
    if (k.t === 'u8') out.push(k.v & 0xff);
    else if (k.t === 'var') varint(k.v, out);
    else if (k.t === 'str') {
      varint(k.v.length, out);
      for (const b of k.v) out.push(b);
    } else for (const b of k.v) out.push(b);
  }
  return Uint8Array.from(out);
}

const unhex = (h) => Uint8Array.from(h.match(/../g) ?? [], (x) => parseInt(x, 16));
export const big = (v) => v;
const regionTok = (r) => num(r.length > 15 ? BigInt(r) : Number(r));

const NK = ENTRY_KINDS.length;
const dateTok = (d) => num(d, 32);
const boolTok = (b) => u8(b ? 1 : 0);
const enumTok = (list, v) => variant(list.indexOf(v), list.length);
function grantToks(g, out) {
  out.push(fixed(unhex(g.key)), str(g.holder), enumTok(ROLES, g.role), enumTok(OFFICES, g.office));
  out.push(len(g.scope.regions.length), ...g.scope.regions.map(regionTok));
  out.push(len(g.scope.kinds.length), ...g.scope.kinds.map((k) => variant(ENTRY_KINDS.indexOf(k), NK)));
  out.push(num(big(g.valid_from_ms)), num(big(g.valid_until_ms)));
}
const ruleToks = (r, out) => out.push(variant(ENTRY_KINDS.indexOf(r.kind), NK), num(big(r.min_amount)), u8(r.signatures),
  len(r.roles.length), ...r.roles.map((o) => enumTok(OFFICES, o)));
function policyToks(p, out) {
  out.push(len(p.cosign_rules.length));
  p.cosign_rules.forEach((r) => ruleToks(r, out));
  for (const f of PUBLICITY_FIELDS) out.push(num(p.publicity_days[f], 16));
  out.push(len(p.categories.length));
  for (const c of p.categories) {
    out.push(enumTok(ASSISTANCE_CATEGORIES, c.category), len(c.subsidies.length), ...c.subsidies.map((x) => enumTok(SUBSIDY_CATEGORIES, x)),
      boolTok(c.ends_with_exit));
  }
  out.push(num(p.confirmation_days, 16));
  for (const f of CONTROL_FIELDS) out.push(dateTok(p.enforced_from[f]));
  out.push(num(p.retention_bp, 16));
  for (const f of FUND_LIMIT_FIELDS) out.push(num(p.fund_limits[f], 16));
}
const regionDefToks = (d, out) => out.push(regionTok(d.code), str(d.name));
function accountToks(a, out) {
  if ('Treasury' in a) out.push(variant(0, 2), regionTok(a.Treasury));
  else out.push(variant(1, 2), str(a.Project));
}
const lineRefToks = (l, out) => out.push(str(l.notice), num(l.line, 32));
const periodToks = (p, out) => out.push(num(p.year, 16), u8(p.month));
function optionToks(v, out, f) {
  if (v === null) out.push(u8(0));
  else {
    out.push(u8(1));
    f(v, out);
  }
}
function noticeLinesToks(l, out) {
  if ('Households' in l) {
    out.push(variant(0, 3), len(l.Households.length));
    for (const x of l.Households) {
      out.push(fixed(unhex(x.household)), str(x.masked_name), regionTok(x.village), enumTok(ASSISTANCE_CATEGORIES, x.category));
    }
  } else if ('Payments' in l) {
    out.push(variant(1, 3), len(l.Payments.length));
    for (const x of l.Payments) {
      out.push(fixed(unhex(x.household)), str(x.masked_name), enumTok(SUBSIDY_CATEGORIES, x.category));
      periodToks(x.period, out);
      out.push(num(big(x.amount)));
    }
  } else {
    out.push(variant(2, 3), len(l.Projects.length), ...l.Projects.map((p) => str(p)));
  }
}

const payeeToks = (p, out) => out.push(str(p.id), str(p.name));
const budgetsToks = (bs, out) => {
  out.push(len(bs.length));
  for (const x of bs) out.push(str(x.fund), num(big(x.amount)));
};
const contractToks = (c, out) => {
  payeeToks(c.contractor, out);
  out.push(str(c.contract_no));
};

/** Tokens of an entry as decodeEntry returns it: the inverse of postcard.js. */
export function entryToks(e) {
  const out = [u8(e.v), num(big(e.seq)), num(big(e.time_ms)), fixed(unhex(e.prev_hash))];
  out.push(u8(e.v), str(e.origin), fixed(unhex(e.nonce)), num(big(e.not_after_ms)));
  const b = e.body;
  out.push(variant(ENTRY_KINDS.indexOf(e.kind), NK));
  switch (e.kind) {
    case 'Genesis':
      out.push(str(b.title), len(b.grants.length));
      b.grants.forEach((g) => grantToks(g, out));
      out.push(len(b.regions.length));
      b.regions.forEach((d) => regionDefToks(d, out));
      policyToks(b.policy, out);
      out.push(fixed(unhex(b.pseudonym_commitment)), str(b.log_vkey));
      break;
    case 'KeyGrant': grantToks(b, out); break;
    case 'KeyRevoke': out.push(fixed(unhex(b.key)), str(b.reason)); break;
    case 'RegionRegister': out.push(len(b.regions.length)); b.regions.forEach((d) => regionDefToks(d, out)); break;
    case 'PolicyUpdate': policyToks(b.policy, out); break;
    case 'FundIssue':
      out.push(str(b.fund), str(b.title), str(b.document_no), variant(FUND_SOURCES.indexOf(b.source), 5),
        variant(FUND_CATEGORIES.indexOf(b.category), 8), num(b.fiscal_year, 16));
      accountToks(b.to, out);
      out.push(num(big(b.amount)), dateTok(b.date));
      break;
    case 'Transfer':
      out.push(str(b.fund));
      accountToks(b.from, out);
      accountToks(b.to, out);
      out.push(num(big(b.amount)), str(b.memo), dateTok(b.date));
      break;
    case 'ProjectRegister':
      out.push(str(b.project), str(b.name), regionTok(b.village), variant(PROJECT_CATEGORIES.indexOf(b.category), 7),
        num(big(b.budget)), str(b.implementer), dateTok(b.start), dateTok(b.end));
      break;
    case 'ProjectDisbursement':
      out.push(str(b.fund), str(b.project));
      accountToks(b.from, out);
      payeeToks(b.payee, out);
      out.push(num(big(b.amount)), str(b.contract_ref), str(b.milestone), dateTok(b.date));
      break;
    case 'HouseholdSubsidy':
      out.push(str(b.fund));
      accountToks(b.from, out);
      out.push(fixed(unhex(b.household)), str(b.masked_name), regionTok(b.village),
        variant(SUBSIDY_CATEGORIES.indexOf(b.category), 8));
      periodToks(b.period, out);
      out.push(num(big(b.amount)), dateTok(b.date));
      optionToks(b.notice, out, lineRefToks);
      optionToks(b.supplementary, out, (s) => out.push(variant(SUPPLEMENT_REASONS.indexOf(s.reason), 2), num(big(s.of_seq)), str(s.note)));
      break;
    case 'Reversal': out.push(num(big(b.target_seq)), str(b.reason), dateTok(b.date)); break;
    case 'LogKeyRotate': out.push(str(b.log_vkey), str(b.reason), fixed(unhex(b.endorsement))); break;
    case 'Notice':
      out.push(str(b.notice), enumTok(NOTICE_STAGES, b.stage), regionTok(b.region), dateTok(b.start), str(b.title));
      noticeLinesToks(b.lines, out);
      break;
    case 'HouseholdCheck':
      lineRefToks(b.application, out);
      out.push(enumTok(CHECK_KINDS, b.check), dateTok(b.date), boolTok(b.passed), str(b.note));
      break;
    case 'HouseholdRegister':
      out.push(fixed(unhex(b.household)), str(b.masked_name), regionTok(b.village), enumTok(ASSISTANCE_CATEGORIES, b.category),
        dateTok(b.date));
      optionToks(b.notices, out, (n) => ['application', 'village', 'town', 'district', 'objection_review'].forEach((k) => lineRefToks(n[k], out)));
      break;
    case 'HouseholdExit':
      out.push(fixed(unhex(b.household)), regionTok(b.village), dateTok(b.date));
      lineRefToks(b.announcement, out);
      out.push(str(b.reason));
      break;
    case 'Objection':
      out.push(str(b.case_no));
      if ('NoticeLine' in b.target) {
        out.push(variant(0, 2));
        lineRefToks(b.target.NoticeLine, out);
      } else out.push(variant(1, 2), num(big(b.target.Entry)));
      out.push(enumTok(OBJECTION_CHANNELS, b.channel), dateTok(b.received), str(b.summary));
      break;
    case 'ObjectionResolve':
      out.push(str(b.case_no), enumTok(OBJECTION_OUTCOMES, b.outcome), dateTok(b.date), str(b.reason));
      break;
    case 'PaymentConfirm':
      out.push(num(big(b.payment_seq)), enumTok(CONFIRM_METHODS, b.method), dateTok(b.date));
      break;
    case 'ProjectReview':
      out.push(str(b.project), dateTok(b.date), str(b.document_no), boolTok(b.passed), str(b.note));
      break;
    case 'ProjectApprove':
      out.push(str(b.project), dateTok(b.date), str(b.document_no));
      lineRefToks(b.plan, out);
      budgetsToks(b.budgets, out);
      contractToks(b.contract, out);
      break;
    case 'ProjectStart': case 'ProjectAccept': case 'ProjectHandover':
      out.push(str(b.project), dateTok(b.date), str(b.document_no), str(b.note));
      break;
    case 'ProjectEvaluate':
      out.push(str(b.project), dateTok(b.date), str(b.document_no), u8(b.score), str(b.note));
      break;
    case 'ProjectAdjust':
      out.push(str(b.project), dateTok(b.date), str(b.document_no));
      budgetsToks(b.budgets, out);
      optionToks(b.contract, out, contractToks);
      out.push(str(b.reason));
      break;
    case 'ProjectCancel':
      out.push(str(b.project), dateTok(b.date), str(b.reason));
      break;
    default: fail(`unknown kind ${e.kind}`);
  }
  out.push(len(e.signatures.length));
  for (const s of e.signatures) out.push(fixed(s.key), fixed(s.signature));
  return out;
}

// ------------------------------------------- values valid under the Rust rules

const IDENT = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-';
const TEXT_CHARS = Array.from('aZ09 .-_("\'\\<>&%淮安区资金〔〕号·０\ufeff\u200d\u202e\u0301😀𠀀\u00a0\u3000\u2028+—=*/');
const NAME_CHARS = Array.from('张李王欧华Azé·•𠀀Ω');
const u64js = (v) => (v > BigInt(Number.MAX_SAFE_INTEGER) ? v : Number(v));

function genIdent(rng) {
  const n = rng.pick([1, 64, 1 + rng.below(20)]);
  let s = '';
  for (let i = 0; i < n; i++) s += rng.pick(IDENT);
  return s;
}
/** 1-200 scalar values, no control character (Cc), not blank (Rust White_Space). */
function genText(rng) {
  const n = rng.pick([1, 200, 199, 1 + rng.below(30), 1 + rng.below(30)]);
  let cps = [];
  for (let i = 0; i < n; i++) cps.push(rng.pick(TEXT_CHARS));
  if (cps.every((c) => /^\p{White_Space}$/u.test(c))) cps = ['文'];
  return cps.join('');
}
/** Unconstrained strings (origin, region names, vkeys): any scalar values. */
function genString(rng) {
  switch (rng.below(6)) {
    case 0: return '';
    case 1: return 'huaian.sunshine-ledger.example/demo';
    case 2: return Array.from(genText(rng)).slice(0, 10).join('') + rng.pick(['\n', '\u0000', '\u0085', '\u007f', '\ufeff']);
    default: { let s = ''; for (let i = rng.below(40); i > 0; i--) s += rng.pick(TEXT_CHARS); return s; }
  }
}
const genMasked = (rng) => (rng.chance(1, 3) ? `${rng.pick(NAME_CHARS)}*` : `${rng.pick(NAME_CHARS)}*${rng.pick(NAME_CHARS)}`);
function genRegion(rng) {
  switch (rng.below(6)) {
    case 0: return '100000000000';
    case 1: return '999999999999';
    case 2: return '320803000000';
    case 3: return String(320803000000 + rng.range(1, 20) * 1000);
    case 4: return String(320803000000 + rng.range(1, 20) * 1000 + rng.range(1, 999));
    default: return String(100000000000 + rng.below(900000) * 1000000 + rng.below(1000000));
  }
}
const genDate = (rng) => rng.pick([20000229, 20991231, 20000101, rng.range(2000, 2099) * 10000 + rng.range(1, 12) * 100 + rng.range(1, 28)]);
const genU64 = (rng) => u64js(rng.edgyU64());
const genHex = (rng, n) => hex(rng.bytes(n));
const genAccount = (rng) => (rng.chance(1, 2) ? { Treasury: genRegion(rng) } : { Project: genIdent(rng) });
const times = (n, f) => Array.from({ length: n }, f);
function genGrant(rng) {
  return {
    key: genHex(rng, 32),
    holder: genText(rng),
    role: rng.pick(ROLES),
    office: rng.pick(OFFICES),
    scope: { regions: times(rng.below(4), () => genRegion(rng)), kinds: times(rng.below(4), () => rng.pick(ENTRY_KINDS)) },
    valid_from_ms: genU64(rng),
    valid_until_ms: genU64(rng),
  };
}
const genRule = (rng) => ({
  kind: rng.pick(ENTRY_KINDS), min_amount: genU64(rng), signatures: rng.below(256), roles: times(rng.below(4), () => rng.pick(OFFICES)),
});
const genRegionDef = (rng) => ({ code: genRegion(rng), name: genString(rng) });
const genU16 = (rng) => rng.pick([0, 1, 7, 127, 128, 65535, rng.below(65536)]);
function genPolicy(rng) {
  const publicity_days = {};
  for (const f of PUBLICITY_FIELDS) publicity_days[f] = genU16(rng);
  const enforced_from = {};
  for (const f of CONTROL_FIELDS) enforced_from[f] = genDate(rng);
  const fund_limits = {};
  for (const f of FUND_LIMIT_FIELDS) fund_limits[f] = genU16(rng);
  return {
    cosign_rules: times(rng.below(4), () => genRule(rng)),
    publicity_days,
    categories: times(rng.below(4), () => ({
      category: rng.pick(ASSISTANCE_CATEGORIES), subsidies: times(rng.below(4), () => rng.pick(SUBSIDY_CATEGORIES)), ends_with_exit: rng.chance(1, 2),
    })),
    confirmation_days: genU16(rng),
    enforced_from,
    retention_bp: genU16(rng),
    fund_limits,
  };
}
const genLine = (rng) => rng.pick([0, 127, 128, 499, 0xffffffff, rng.below(600)]);
const genLineRef = (rng) => ({ notice: genIdent(rng), line: genLine(rng) });
const genPeriod = (rng) => ({ year: rng.range(2000, 2099), month: rng.range(0, 12) });
function genNoticeLines(rng) {
  const n = rng.chance(1, 8) ? 0 : 1 + rng.below(5);
  switch (rng.below(3)) {
    case 0: return { Households: times(n, () => ({
      household: genHex(rng, 32), masked_name: genMasked(rng), village: genRegion(rng), category: rng.pick(ASSISTANCE_CATEGORIES),
    })) };
    case 1: return { Payments: times(n, () => ({
      household: genHex(rng, 32), masked_name: genMasked(rng), category: rng.pick(SUBSIDY_CATEGORIES), period: genPeriod(rng), amount: genU64(rng),
    })) };
    default: return { Projects: times(n, () => genIdent(rng)) };
  }
}

const genPayee = (rng) => ({ id: genIdent(rng), name: genText(rng) });
const genBudgets = (rng) => times(rng.chance(1, 8) ? 0 : 1 + rng.below(4), () => ({ fund: genIdent(rng), amount: genU64(rng) }));
const genContract = (rng) => ({ contractor: genPayee(rng), contract_no: genText(rng) });

function genBody(rng) {
  const kind = rng.pick(ENTRY_KINDS);
  if (MILESTONE_KINDS.includes(kind)) {
    return [kind, { project: genIdent(rng), date: genDate(rng), document_no: genText(rng), note: genText(rng) }];
  }
  switch (kind) {
    case 'Genesis': return [kind, {
      title: genText(rng), grants: times(rng.below(3), () => genGrant(rng)), regions: times(rng.below(6), () => genRegionDef(rng)),
      policy: genPolicy(rng), pseudonym_commitment: genHex(rng, 32), log_vkey: genString(rng),
    }];
    case 'KeyGrant': return [kind, genGrant(rng)];
    case 'KeyRevoke': return [kind, { key: genHex(rng, 32), reason: genText(rng) }];
    case 'RegionRegister': return [kind, { regions: times(rng.below(5), () => genRegionDef(rng)) }];
    case 'PolicyUpdate': return [kind, { policy: genPolicy(rng) }];
    case 'FundIssue': return [kind, {
      fund: genIdent(rng), title: genText(rng), document_no: genText(rng), source: rng.pick(FUND_SOURCES),
      category: rng.pick(FUND_CATEGORIES), fiscal_year: Number(rng.edgyU64() & 0xffffn), to: genAccount(rng), amount: genU64(rng),
      date: genDate(rng),
    }];
    case 'Transfer': return [kind, {
      fund: genIdent(rng), from: genAccount(rng), to: genAccount(rng), amount: genU64(rng), memo: genText(rng), date: genDate(rng),
    }];
    case 'ProjectRegister': return [kind, {
      project: genIdent(rng), name: genText(rng), village: genRegion(rng), category: rng.pick(PROJECT_CATEGORIES),
      budget: genU64(rng), implementer: genText(rng), start: genDate(rng), end: genDate(rng),
    }];
    case 'ProjectDisbursement': return [kind, {
      fund: genIdent(rng), project: genIdent(rng), from: genAccount(rng), payee: { id: genIdent(rng), name: genText(rng) },
      amount: genU64(rng), contract_ref: genText(rng), milestone: genText(rng), date: genDate(rng),
    }];
    case 'ProjectReview': return [kind, {
      project: genIdent(rng), date: genDate(rng), document_no: genText(rng), passed: rng.chance(1, 2), note: genText(rng),
    }];
    case 'ProjectApprove': return [kind, {
      project: genIdent(rng), date: genDate(rng), document_no: genText(rng), plan: genLineRef(rng), budgets: genBudgets(rng),
      contract: genContract(rng),
    }];
    case 'ProjectEvaluate': return [kind, {
      project: genIdent(rng), date: genDate(rng), document_no: genText(rng), score: rng.pick([0, 100, 255, rng.below(101)]), note: genText(rng),
    }];
    case 'ProjectAdjust': return [kind, {
      project: genIdent(rng), date: genDate(rng), document_no: genText(rng), budgets: genBudgets(rng),
      contract: rng.chance(1, 2) ? null : genContract(rng), reason: genText(rng),
    }];
    case 'ProjectCancel': return [kind, { project: genIdent(rng), date: genDate(rng), reason: genText(rng) }];
    case 'HouseholdSubsidy': return [kind, {
      fund: genIdent(rng), from: genAccount(rng), household: genHex(rng, 32), masked_name: genMasked(rng),
      village: genRegion(rng), category: rng.pick(SUBSIDY_CATEGORIES), period: genPeriod(rng), amount: genU64(rng),
      date: genDate(rng), notice: rng.chance(1, 3) ? null : genLineRef(rng),
      supplementary: rng.chance(2, 3) ? null : { reason: rng.pick(SUPPLEMENT_REASONS), of_seq: genU64(rng), note: genText(rng) },
    }];
    case 'Reversal': return [kind, { target_seq: genU64(rng), reason: genText(rng), date: genDate(rng) }];
    case 'LogKeyRotate': return [kind, { log_vkey: genString(rng), reason: genText(rng), endorsement: genHex(rng, 64) }];
    case 'Notice': return [kind, {
      notice: genIdent(rng), stage: rng.pick(NOTICE_STAGES), region: genRegion(rng), start: genDate(rng), title: genText(rng),
      lines: genNoticeLines(rng),
    }];
    case 'HouseholdCheck': return [kind, {
      application: genLineRef(rng), check: rng.pick(CHECK_KINDS), date: genDate(rng), passed: rng.chance(1, 2), note: genText(rng),
    }];
    case 'HouseholdRegister': return [kind, {
      household: genHex(rng, 32), masked_name: genMasked(rng), village: genRegion(rng), category: rng.pick(ASSISTANCE_CATEGORIES),
      date: genDate(rng),
      notices: rng.chance(1, 4) ? null : {
        application: genLineRef(rng), village: genLineRef(rng), town: genLineRef(rng), district: genLineRef(rng), objection_review: genLineRef(rng),
      },
    }];
    case 'HouseholdExit': return [kind, {
      household: genHex(rng, 32), village: genRegion(rng), date: genDate(rng), announcement: genLineRef(rng), reason: genText(rng),
    }];
    case 'Objection': return [kind, {
      case_no: genIdent(rng), target: rng.chance(1, 2) ? { NoticeLine: genLineRef(rng) } : { Entry: genU64(rng) },
      channel: rng.pick(OBJECTION_CHANNELS), received: genDate(rng), summary: genText(rng),
    }];
    case 'ObjectionResolve': return [kind, {
      case_no: genIdent(rng), outcome: rng.pick(OBJECTION_OUTCOMES), date: genDate(rng), reason: genText(rng),
    }];
    case 'PaymentConfirm': return [kind, { payment_seq: genU64(rng), method: rng.pick(CONFIRM_METHODS), date: genDate(rng) }];
    default: return fail(`the generator has no case for ${kind}`);
  }
}

/** An entry as decodeEntry returns it (without submissionBytes). */
export function genEntry(rng) {
  const [kind, body] = genBody(rng);
  const n = rng.chance(1, 6) ? 8 : 1 + rng.below(3);
  return {
    v: 3, seq: genU64(rng), time_ms: genU64(rng), prev_hash: genHex(rng, 32), origin: genString(rng),
    nonce: genHex(rng, 16), not_after_ms: genU64(rng), kind, body,
    signatures: times(n, () => ({ key: rng.bytes(32), signature: rng.bytes(64) })),
  };
}

// ----------------------------------------------------------- token mutations

function interestingString(rng) {
  return rng.pick([
    [], utf8.encode(' '), utf8.encode('a'), utf8.encode('\ufeff标题'), utf8.encode('\ufeff'), utf8.encode('a\nb'),
    utf8.encode('A'.repeat(65)), utf8.encode('字'.repeat(201)), utf8.encode('张**'), [0xef, 0xbb, 0xbf, 0x41],
    [0xff], [0x61, 0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x80], [0xf0, 0x9f, 0x98],
    [0xef, 0xbf, 0xbd], utf8.encode('😀'), rng.bytes(rng.below(40)),
  ]);
}

function paddedVarint(v, extra) {
  const out = [];
  varint(v, out);
  out[out.length - 1] |= 0x80;
  for (let i = 1; i < extra; i++) out.push(0x80);
  out.push(0);
  return out;
}

export function mutateTokens(rng, toks, other) {
  const rounds = 1 + rng.below(3);
  for (let r = 0; r < rounds; r++) {
    if (!toks.length) { toks.push(u8(0)); continue; }
    const i = rng.below(toks.length);
    if (rng.chance(1, 5)) {
      switch (rng.below(5)) {
        case 0: toks.splice(i, 1); break;
        case 1: toks.splice(i, 0, toks[i]); break;
        case 2: { const j = rng.below(toks.length); [toks[i], toks[j]] = [toks[j], toks[i]]; break; }
        case 3: if (other.length) toks.splice(i, 0, rng.pick(other)); break;
        default: if (other.length) toks.splice(i, toks.length - i, ...other.slice(rng.below(other.length)));
      }
      continue;
    }
    const k = toks[i];
    switch (k.t) {
      case 'u8': toks[i] = u8(rng.pick([k.v + 1, 0, 255, rng.below(256)])); break;
      case 'var': {
        const op = rng.below(7);
        if (op === 0) toks[i] = raw(paddedVarint(k.v, 1 + rng.below(3)));
        else if (op === 1) toks[i] = raw([...new Array(10).fill(0x80), 0x01]);
        else if (op === 2) { const out = []; varint(k.v, out); out[out.length - 1] |= 0x80; toks[i] = raw(out); }
        else {
          let v;
          const kv = BigInt(k.v);
          const max = (1n << BigInt(k.bits)) - 1n;
          if (k.role === 'variant') v = BigInt(rng.pick([k.n, k.n + 1 + rng.below(300), rng.below(k.n)]));
          else if (k.role === 'len') v = rng.pick([kv + 1n, kv > 0n ? kv - 1n : 0n, 0n, rng.edgyU64()]);
          else v = rng.pick([kv + 1n, kv > 0n ? kv - 1n : MASK64, max, max + 1n, (max >> 1n) + 1n, 0n, rng.edgyU64()]);
          toks[i] = { ...k, v: v & MASK64 };
        }
        break;
      }
      case 'fixed': {
        const b = Array.from(k.v);
        const op = rng.below(4);
        if (op === 0 && b.length) b[rng.below(b.length)] ^= 1 << rng.below(8);
        else if (op === 1) b.pop();
        else if (op === 2) b.push(rng.below(256));
        else b.fill(0);
        toks[i] = fixed(b);
        break;
      }
      case 'str': {
        const op = rng.below(6);
        if (op <= 2) toks[i] = str(interestingString(rng));
        else if (op === 3) {
          const out = [];
          varint(rng.pick([k.v.length + 1, Math.max(k.v.length - 1, 0), Number(rng.edgyU64() & 0xffffffn)]), out);
          toks[i] = raw([...out, ...k.v]);
        } else if (op === 4) toks[i] = raw([...paddedVarint(k.v.length, 1), ...k.v]);
        else {
          const b = Array.from(k.v);
          b.splice(rng.below(b.length + 1), 0, ...interestingString(rng));
          toks[i] = str(b);
        }
        break;
      }
      default: toks[i] = raw(mutateBytes(rng, k.v, []));
    }
  }
}
