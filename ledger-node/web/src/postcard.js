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
  constructor(message, code = 'decode') {
    super(`条目字节无法解码：${message}`);
    this.code = code;
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
// Format version 2 (issue 12): business dates, offices, the policy, and the
// public procedures (notices, checks, registration, exit, objections,
// confirmations) as kinds 12-18; issue 13 added the project library's
// stages as kinds 19-26 and the policy's retention and fund time limits
// (still version 2: new kinds go at the end); format 3 (issue 14) ends a
// HouseholdSubsidy with `supplementary` and ControlDates with `duplicates`. Mirrors ledger-core/src/entry.rs,
// procedure.rs, project.rs, policy.rs and the token model of
// ledger-core/tests/fuzzkit.
export const ENTRY_KINDS = [
  'Genesis', 'KeyGrant', 'KeyRevoke', 'RegionRegister', 'PolicyUpdate', 'FundIssue', 'Transfer',
  'ProjectRegister', 'ProjectDisbursement', 'HouseholdSubsidy', 'Reversal', 'LogKeyRotate',
  'Notice', 'HouseholdCheck', 'HouseholdRegister', 'HouseholdExit', 'Objection', 'ObjectionResolve', 'PaymentConfirm',
  'ProjectReview', 'ProjectApprove', 'ProjectStart', 'ProjectAccept', 'ProjectHandover', 'ProjectEvaluate', 'ProjectAdjust',
  'ProjectCancel',
];
/** Kinds 21-23 share one structure (`ProjectMilestone`: date, document, note). */
export const MILESTONE_KINDS = ['ProjectStart', 'ProjectAccept', 'ProjectHandover'];
export const FUND_SOURCES = ['Central', 'Provincial', 'Municipal', 'District', 'SocialDonation'];
export const FUND_CATEGORIES = ['SpecialPoverty', 'Industry', 'Infrastructure', 'Housing', 'Education', 'Medical', 'SocialSecurity', 'Other'];
export const PROJECT_CATEGORIES = ['VillageRoad', 'HousingRenovation', 'IndustryBase', 'Solar', 'Water', 'Irrigation', 'Other'];
export const SUBSIDY_CATEGORIES = ['HousingRenovation', 'Education', 'MedicalInsurance', 'Employment', 'Pension', 'MinimumLiving', 'IndustrySupport', 'Other'];
export const ROLES = ['Admin', 'Operator', 'Auditor'];
export const OFFICES = [
  'Admin', 'VillageCommittee', 'TownPovertyOffice', 'TownFinance', 'DistrictPovertyOffice', 'DistrictFinance',
  'DistrictDepartment', 'DistrictLeader', 'DisciplineInspector', 'Auditor',
];
export const ASSISTANCE_CATEGORIES = [
  'MinimumLiving', 'ExtremePoverty', 'RegisteredLowIncome', 'ChildInDifficulty', 'SevereDisability', 'FamilyPlanningHardship',
];
export const NOTICE_STAGES = [
  'Application', 'VillagePublicity', 'TownPublicity', 'DistrictPublicity', 'ObjectionReview', 'ExitAnnouncement',
  'PaymentList', 'ProjectPlan',
];
export const NOTICE_LINE_KINDS = ['Households', 'Payments', 'Projects'];
export const CHECK_KINDS = ['DataComparison', 'HomeVerification'];
export const OBJECTION_CHANNELS = ['Hotline12317', 'InPerson', 'Letter', 'Web'];
export const OBJECTION_TARGETS = ['NoticeLine', 'Entry'];
export const OBJECTION_OUTCOMES = ['Upheld', 'Dismissed'];
export const CONFIRM_METHODS = ['BankStatement', 'CardSignature', 'InPerson'];
/** The publicity window fields of a policy, in format order. */
export const PUBLICITY_FIELDS = ['application', 'village', 'town', 'district', 'objection_review', 'exit', 'payment_list', 'project_plan'];
/** The control dates of a policy, in format order. */
export const CONTROL_FIELDS = ['registration', 'payment_list', 'roles', 'confirmation', 'projects', 'duplicates'];
/** Why a household payment is supplementary (format 3, issue 14): 补发, 差额补足. */
export const SUPPLEMENT_REASONS = ['BackPay', 'TopUp'];
/** The fund time limits of a policy (资金滞留), in format order. */
export const FUND_LIMIT_FIELDS = ['district_days', 'town_days', 'village_days', 'project_days'];

/** The entry and submission format version this page reads (3: issue 14's
 * supplementary payments and duplicate-payment control). */
export const FORMAT_VERSION = 3;
/** What the page says about a version-1 entry (docs/FORMAT.md §1 "Versions"). */
export const VERSION_1_MESSAGE = '账本格式版本1（早于业务日期和公示制度），本页面读取版本3';
/** What the page says about a version-2 entry. */
export const VERSION_2_MESSAGE = '账本格式版本2（早于补发标记和重复发放控制），本页面读取版本3';

const hex = (b) => Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
const region = (r) => String(r.u64()).padStart(12, '0');

/** The Rust rule of `ids::Date::new`: YYYYMMDD, years 2000-2099, real month lengths. */
export function isDate(n) {
  if (!Number.isInteger(n)) return false;
  const y = Math.floor(n / 10000);
  const m = Math.floor(n / 100) % 100;
  const d = n % 100;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  const days = [0, 31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m] || 0;
  return y >= 2000 && y <= 2099 && d >= 1 && d <= days;
}

function date(r) {
  const n = r.u32();
  if (!isDate(n)) throw new DecodeError(`不是合法的日期（YYYYMMDD）：${n}`);
  return n;
}

function bool(r) {
  const b = r.byte();
  if (b > 1) throw new DecodeError(`布尔值只能是 0 或 1，不是 ${b}`);
  return b === 1;
}

function option(r, value) {
  const tag = r.byte();
  if (tag === 0) return null;
  if (tag === 1) return value();
  throw new DecodeError(`可选值的标记只能是 0 或 1，不是 ${tag}`);
}

function account(r) {
  const v = r.variant(['Treasury', 'Project']);
  return v === 'Treasury' ? { Treasury: region(r) } : { Project: r.str() };
}

function grant(r) {
  return {
    key: hex(r.bytes(32)),
    holder: r.str(),
    role: r.variant(ROLES),
    office: r.variant(OFFICES),
    scope: { regions: r.vec(() => region(r)), kinds: r.vec(() => r.variant(ENTRY_KINDS)) },
    valid_from_ms: r.u64(),
    valid_until_ms: r.u64(),
  };
}

function cosignRule(r) {
  return { kind: r.variant(ENTRY_KINDS), min_amount: r.u64(), signatures: r.byte(), roles: r.vec(() => r.variant(OFFICES)) };
}

function policy(r) {
  const cosign_rules = r.vec(() => cosignRule(r));
  const publicity_days = {};
  for (const f of PUBLICITY_FIELDS) publicity_days[f] = r.u16();
  const categories = r.vec(() => ({
    category: r.variant(ASSISTANCE_CATEGORIES),
    subsidies: r.vec(() => r.variant(SUBSIDY_CATEGORIES)),
    ends_with_exit: bool(r),
  }));
  const confirmation_days = r.u16();
  const enforced_from = {};
  for (const f of CONTROL_FIELDS) enforced_from[f] = date(r);
  const retention_bp = r.u16();
  const fund_limits = {};
  for (const f of FUND_LIMIT_FIELDS) fund_limits[f] = r.u16();
  return { cosign_rules, publicity_days, categories, confirmation_days, enforced_from, retention_bp, fund_limits };
}

function regionDef(r) {
  return { code: region(r), name: r.str() };
}

const periodOf = (r) => ({ year: r.u16(), month: r.byte() });
const lineRef = (r) => ({ notice: r.str(), line: r.u32() });

function noticeLines(r) {
  const kind = r.variant(NOTICE_LINE_KINDS);
  switch (kind) {
    case 'Households':
      return { Households: r.vec(() => ({
        household: hex(r.bytes(32)), masked_name: r.str(), village: region(r), category: r.variant(ASSISTANCE_CATEGORIES),
      })) };
    case 'Payments':
      return { Payments: r.vec(() => ({
        household: hex(r.bytes(32)), masked_name: r.str(), category: r.variant(SUBSIDY_CATEGORIES), period: periodOf(r), amount: r.u64(),
      })) };
    default:
      return { Projects: r.vec(() => r.str()) };
  }
}

// The project library's structures (docs/FORMAT.md §5.10). Field order is
// the format; a bound the Rust rules check (score ≤ 100, 1-16 funds) is the
// node's to refuse, the page reads whatever a valid log may hold.
const payee = (r) => ({ id: r.str(), name: r.str() });
const fundBudgets = (r) => r.vec(() => ({ fund: r.str(), amount: r.u64() }));
const contract = (r) => ({ contractor: payee(r), contract_no: r.str() });

function projectStage(kind, r) {
  switch (kind) {
    case 'ProjectReview':
      return { project: r.str(), date: date(r), document_no: r.str(), passed: bool(r), note: r.str() };
    case 'ProjectApprove':
      return {
        project: r.str(), date: date(r), document_no: r.str(), plan: lineRef(r), budgets: fundBudgets(r), contract: contract(r),
      };
    case 'ProjectEvaluate':
      return { project: r.str(), date: date(r), document_no: r.str(), score: r.byte(), note: r.str() };
    case 'ProjectAdjust':
      return {
        project: r.str(), date: date(r), document_no: r.str(), budgets: fundBudgets(r), contract: option(r, () => contract(r)),
        reason: r.str(),
      };
    case 'ProjectCancel':
      return { project: r.str(), date: date(r), reason: r.str() };
    default: // ProjectStart, ProjectAccept, ProjectHandover
      return { project: r.str(), date: date(r), document_no: r.str(), note: r.str() };
  }
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
        policy: policy(r),
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
      data = { policy: policy(r) };
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
        date: date(r),
      };
      break;
    case 'Transfer':
      data = { fund: r.str(), from: account(r), to: account(r), amount: r.u64(), memo: r.str(), date: date(r) };
      break;
    case 'ProjectRegister':
      data = {
        project: r.str(),
        name: r.str(),
        village: region(r),
        category: r.variant(PROJECT_CATEGORIES),
        budget: r.u64(),
        implementer: r.str(),
        start: date(r),
        end: date(r),
      };
      break;
    case 'ProjectDisbursement':
      data = {
        fund: r.str(),
        project: r.str(),
        from: account(r),
        payee: payee(r),
        amount: r.u64(),
        contract_ref: r.str(),
        milestone: r.str(),
        date: date(r),
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
        period: periodOf(r),
        amount: r.u64(),
        date: date(r),
        notice: option(r, () => lineRef(r)),
        // Format 3: a second payment of the same household, category and
        // period names the payment it adds to (补发, 差额补足).
        supplementary: option(r, () => ({ reason: r.variant(SUPPLEMENT_REASONS), of_seq: r.u64(), note: r.str() })),
      };
      break;
    case 'Reversal':
      data = { target_seq: r.u64(), reason: r.str(), date: date(r) };
      break;
    case 'LogKeyRotate':
      data = { log_vkey: r.str(), reason: r.str(), endorsement: hex(r.bytes(64)) };
      break;
    case 'Notice':
      data = {
        notice: r.str(),
        stage: r.variant(NOTICE_STAGES),
        region: region(r),
        start: date(r),
        title: r.str(),
        lines: noticeLines(r),
      };
      break;
    case 'HouseholdCheck':
      data = { application: lineRef(r), check: r.variant(CHECK_KINDS), date: date(r), passed: bool(r), note: r.str() };
      break;
    case 'HouseholdRegister':
      data = {
        household: hex(r.bytes(32)),
        masked_name: r.str(),
        village: region(r),
        category: r.variant(ASSISTANCE_CATEGORIES),
        date: date(r),
        notices: option(r, () => ({
          application: lineRef(r), village: lineRef(r), town: lineRef(r), district: lineRef(r), objection_review: lineRef(r),
        })),
      };
      break;
    case 'HouseholdExit':
      data = { household: hex(r.bytes(32)), village: region(r), date: date(r), announcement: lineRef(r), reason: r.str() };
      break;
    case 'Objection': {
      const case_no = r.str();
      const t = r.variant(OBJECTION_TARGETS);
      const target = t === 'NoticeLine' ? { NoticeLine: lineRef(r) } : { Entry: r.u64() };
      data = { case_no, target, channel: r.variant(OBJECTION_CHANNELS), received: date(r), summary: r.str() };
      break;
    }
    case 'ObjectionResolve':
      data = { case_no: r.str(), outcome: r.variant(OBJECTION_OUTCOMES), date: date(r), reason: r.str() };
      break;
    case 'PaymentConfirm':
      data = { payment_seq: r.u64(), method: r.variant(CONFIRM_METHODS), date: date(r) };
      break;
    case 'ProjectReview':
    case 'ProjectApprove':
    case 'ProjectStart':
    case 'ProjectAccept':
    case 'ProjectHandover':
    case 'ProjectEvaluate':
    case 'ProjectAdjust':
    case 'ProjectCancel':
      data = projectStage(kind, r);
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
  if (v === 1) throw new DecodeError(VERSION_1_MESSAGE, 'version');
  if (v === 2) throw new DecodeError(VERSION_2_MESSAGE, 'version');
  if (v !== FORMAT_VERSION) throw new DecodeError(`条目格式版本${v}，本页面读取版本${FORMAT_VERSION}`, 'version');
  const seq = r.u64();
  const time_ms = r.u64();
  const prev_hash = hex(r.bytes(32));
  const subStart = r.o;
  const sv = r.byte();
  if (sv === 1) throw new DecodeError(VERSION_1_MESSAGE, 'version');
  if (sv === 2) throw new DecodeError(VERSION_2_MESSAGE, 'version');
  if (sv !== FORMAT_VERSION) throw new DecodeError(`提交格式版本${sv}，本页面读取版本${FORMAT_VERSION}`, 'version');
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
