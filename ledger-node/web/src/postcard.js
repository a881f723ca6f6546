// A strict reader of the ledger's canonical entry bytes (postcard encoding of
// `ledger_core::chain::SequencedEntry`, see ledger-core/src/entry.rs and
// docs/FORMAT.md). The page decodes the very bytes whose hash is proven to be
// in the log, so what it shows a citizen (amount, household, category,
// period) comes from the signed record, not from the node's JSON.
//
// Postcard rules used here: u8 is one raw byte; u16/u32/u64 are LEB128
// varints; enums are a varint variant index then the fields; strings and
// vectors are a varint length then the items; fixed byte arrays (hashes,
// keys, signatures, nonces) are raw bytes. Canonical form: varints must be
// minimal and no bytes may trail (the node refuses anything else too).

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

// `ignoreBOM: true` keeps a leading U+FEFF in the string, as Rust does: by
// default TextDecoder drops it, so a text starting with a BOM (valid in a
// Text) was shown without it and compared unequal to the node's JSON, and
// the page called a valid entry inconsistent (fuzz target js_decode_entry).
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

export class DecodeError extends Error {
  constructor(message) {
    super(`条目字节无法解码：${message}`);
    this.code = 'decode';
  }
}

class Reader {
  constructor(bytes) {
    this.b = bytes;
    this.o = 0;
  }
  byte() {
    if (this.o >= this.b.length) throw new DecodeError('数据提前结束');
    return this.b[this.o++];
  }
  bytes(n) {
    if (this.o + n > this.b.length) throw new DecodeError('数据提前结束');
    const out = this.b.slice(this.o, this.o + n);
    this.o += n;
    return out;
  }
  varint(maxBits) {
    let v = 0n;
    let shift = 0n;
    const maxBytes = Math.ceil(maxBits / 7);
    for (let i = 0; i < maxBytes; i++) {
      const b = this.byte();
      v |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) {
        if (b === 0 && i > 0) throw new DecodeError('变长整数编码不规范');
        if (v >> BigInt(maxBits) !== 0n) throw new DecodeError('整数超出范围');
        return v;
      }
      shift += 7n;
    }
    throw new DecodeError('变长整数过长');
  }
  u16() {
    return Number(this.varint(16));
  }
  u32() {
    return Number(this.varint(32));
  }
  /**
   * A u64: a Number up to 2^53 − 1, the exact BigInt above. The Rust rules
   * accept such values (a key valid "forever" has valid_until_ms = 2^64 − 1,
   * a co-signature threshold may be any u64), so refusing them would make the
   * page call a valid entry undecodable. Every value of a real log's money,
   * sequence and time fields stays a Number, so display code is unchanged;
   * the formatting helpers and the JSON comparison accept both (format.js,
   * check.js).
   */
  u64() {
    const v = this.varint(64);
    return v > MAX_SAFE ? v : Number(v);
  }
  len() {
    const n = this.u32();
    if (n > this.b.length - this.o) throw new DecodeError('长度超出数据');
    return n;
  }
  str() {
    const n = this.len();
    try {
      return UTF8.decode(this.bytes(n));
    } catch (e) {
      if (e instanceof DecodeError) throw e;
      throw new DecodeError('字符串不是合法的 UTF-8');
    }
  }
  vec(item) {
    const n = this.len();
    const out = [];
    for (let i = 0; i < n; i++) out.push(item());
    return out;
  }
  variant(names) {
    const i = this.u32();
    if (i >= names.length) throw new DecodeError(`未知的枚举值 ${i}`);
    return names[i];
  }
}

// Variant order is the format (never reordered; new ones go at the end).
export const ENTRY_KINDS = [
  'Genesis', 'KeyGrant', 'KeyRevoke', 'RegionRegister', 'PolicyUpdate', 'FundIssue', 'Transfer',
  'ProjectRegister', 'ProjectDisbursement', 'HouseholdSubsidy', 'Reversal', 'LogKeyRotate',
];
export const FUND_SOURCES = ['Central', 'Provincial', 'Municipal', 'District', 'SocialDonation'];
export const FUND_CATEGORIES = ['SpecialPoverty', 'Industry', 'Infrastructure', 'Housing', 'Education', 'Medical', 'SocialSecurity', 'Other'];
export const PROJECT_CATEGORIES = ['VillageRoad', 'HousingRenovation', 'IndustryBase', 'Solar', 'Water', 'Irrigation', 'Other'];
export const SUBSIDY_CATEGORIES = ['HousingRenovation', 'Education', 'MedicalInsurance', 'Employment', 'Pension', 'MinimumLiving', 'IndustrySupport', 'Other'];
const ROLES = ['Admin', 'Operator', 'Auditor'];

const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
const region = (r) => String(r.u64()).padStart(12, '0');

function account(r) {
  const v = r.variant(['Treasury', 'Project']);
  return v === 'Treasury' ? { Treasury: region(r) } : { Project: r.str() };
}

function grant(r) {
  return {
    key: hex(r.bytes(32)),
    holder: r.str(),
    role: r.variant(ROLES),
    scope: { regions: r.vec(() => region(r)), kinds: r.vec(() => r.variant(ENTRY_KINDS)) },
    valid_from_ms: r.u64(),
    valid_until_ms: r.u64(),
  };
}

function cosignRule(r) {
  return { kind: r.variant(ENTRY_KINDS), min_amount: r.u64(), signatures: r.byte() };
}

function regionDef(r) {
  return { code: region(r), name: r.str() };
}

function body(r) {
  const kind = r.variant(ENTRY_KINDS);
  let data;
  switch (kind) {
    case 'Genesis':
      data = {
        title: r.str(),
        grants: r.vec(() => grant(r)),
        regions: r.vec(() => regionDef(r)),
        cosign_rules: r.vec(() => cosignRule(r)),
        pseudonym_commitment: hex(r.bytes(32)),
        log_vkey: r.str(),
      };
      break;
    case 'KeyGrant':
      data = grant(r);
      break;
    case 'KeyRevoke':
      data = { key: hex(r.bytes(32)), reason: r.str() };
      break;
    case 'RegionRegister':
      data = { regions: r.vec(() => regionDef(r)) };
      break;
    case 'PolicyUpdate':
      data = { cosign_rules: r.vec(() => cosignRule(r)) };
      break;
    case 'FundIssue':
      data = {
        fund: r.str(),
        title: r.str(),
        document_no: r.str(),
        source: r.variant(FUND_SOURCES),
        category: r.variant(FUND_CATEGORIES),
        fiscal_year: r.u16(),
        to: account(r),
        amount: r.u64(),
      };
      break;
    case 'Transfer':
      data = { fund: r.str(), from: account(r), to: account(r), amount: r.u64(), memo: r.str() };
      break;
    case 'ProjectRegister':
      data = {
        project: r.str(),
        name: r.str(),
        village: region(r),
        category: r.variant(PROJECT_CATEGORIES),
        budget: r.u64(),
        implementer: r.str(),
        start: r.u32(),
        end: r.u32(),
      };
      break;
    case 'ProjectDisbursement':
      data = {
        fund: r.str(),
        project: r.str(),
        from: account(r),
        payee: { id: r.str(), name: r.str() },
        amount: r.u64(),
        contract_ref: r.str(),
        milestone: r.str(),
      };
      break;
    case 'HouseholdSubsidy':
      data = {
        fund: r.str(),
        from: account(r),
        household: hex(r.bytes(32)),
        masked_name: r.str(),
        village: region(r),
        category: r.variant(SUBSIDY_CATEGORIES),
        period: { year: r.u16(), month: r.byte() },
        amount: r.u64(),
      };
      break;
    case 'Reversal':
      data = { target_seq: r.u64(), reason: r.str() };
      break;
    case 'LogKeyRotate':
      data = { log_vkey: r.str(), reason: r.str(), endorsement: hex(r.bytes(64)) };
      break;
    default:
      throw new DecodeError(`未知的条目类型 ${kind}`);
  }
  return { kind, data };
}

/**
 * Decodes canonical `SequencedEntry` bytes. Returns the fields, plus the byte
 * range of the signed `Submission` so that operator signatures can be checked.
 */
export function decodeEntry(bytes) {
  const r = new Reader(bytes);
  const v = r.byte();
  if (v !== 1) throw new DecodeError(`不支持的条目版本 ${v}`);
  const seq = r.u64();
  const time_ms = r.u64();
  const prev_hash = hex(r.bytes(32));
  const subStart = r.o;
  const sv = r.byte();
  if (sv !== 1) throw new DecodeError(`不支持的提交版本 ${sv}`);
  const origin = r.str();
  const nonce = hex(r.bytes(16));
  const not_after_ms = r.u64();
  const b = body(r);
  const subEnd = r.o;
  const signatures = r.vec(() => ({ key: r.bytes(32), signature: r.bytes(64) }));
  if (r.o !== bytes.length) throw new DecodeError(`末尾多出 ${bytes.length - r.o} 字节`);
  return {
    v,
    seq,
    time_ms,
    prev_hash,
    origin,
    nonce,
    not_after_ms,
    kind: b.kind,
    body: b.data,
    signatures,
    submissionBytes: bytes.slice(subStart, subEnd),
  };
}
