// Formatting of money, dates and labels for the Chinese page. Money is an
// integer number of fen; it is never turned into a float before formatting.

const group = (digits) => digits.replace(/\B(?=(\d{3})+(?!\d))/g, ',');

function toBig(fen) {
  if (typeof fen === 'bigint') return fen;
  if (typeof fen === 'number' && Number.isSafeInteger(fen)) return BigInt(fen);
  if (typeof fen === 'string' && /^-?\d+$/.test(fen)) return BigInt(fen);
  return null;
}

/** `123456789` fen → `1,234,567.89 元`. */
export function yuan(fen, unit = ' 元') {
  const v = toBig(fen);
  if (v === null) return '—';
  const neg = v < 0n;
  const a = neg ? -v : v;
  const y = group((a / 100n).toString());
  const f = (a % 100n).toString().padStart(2, '0');
  return `${neg ? '-' : ''}${y}.${f}${unit}`;
}

/** Short form for charts and cards: `1,234.57 万元` above 10,000 元. */
export function wan(fen) {
  const v = toBig(fen);
  if (v === null) return '—';
  const neg = v < 0n;
  const a = neg ? -v : v;
  if (a < 1_000_000n) return (neg ? '-' : '') + group((a / 100n).toString()) + ' 元';
  // Round to 0.01 万元 (= 10,000 fen), half up.
  const hundredths = (a + 5_000n) / 10_000n;
  const w = group((hundredths / 100n).toString());
  const f = (hundredths % 100n).toString().padStart(2, '0');
  return `${neg ? '-' : ''}${w}.${f} 万元`;
}

export function count(n) {
  return typeof n === 'number' ? group(String(n)) : '—';
}

export function percent(part, whole) {
  const p = toBig(part);
  const w = toBig(whole);
  if (p === null || w === null || w === 0n) return null;
  return Number((p * 1000n) / w) / 10;
}

const pad = (n) => String(n).padStart(2, '0');

/** Unix ms → `2019-03-05 14:02` in Beijing time (UTC+8), whatever the device zone. */
export function dateTime(ms) {
  if (typeof ms !== 'number') return '—';
  const d = new Date(ms + 8 * 3600 * 1000);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}`;
}

/** `20190306` → `2019-03-06`. */
export function ymd(n) {
  if (typeof n === 'string') return n;
  if (typeof n !== 'number') return '—';
  const s = String(n);
  return s.length === 8 ? `${s.slice(0, 4)}-${s.slice(4, 6)}-${s.slice(6)}` : s;
}

/** A period `{year, month}` or a string → `2019年` / `2019年3月`. */
export function period(p) {
  if (p && typeof p === 'object') return p.month ? `${p.year}年${p.month}月` : `${p.year}年`;
  if (typeof p === 'string') {
    const m = /^(\d{4})(?:-(\d{1,2}))?$/.exec(p);
    if (m) return m[2] && Number(m[2]) !== 0 ? `${m[1]}年${Number(m[2])}月` : `${m[1]}年`;
    return p;
  }
  return '—';
}

export const SOURCE_ZH = {
  Central: '中央财政', Provincial: '省级财政', Municipal: '市级财政', District: '区级财政', SocialDonation: '社会捐赠',
};
export const FUND_CATEGORY_ZH = {
  SpecialPoverty: '财政专项扶贫资金', Industry: '产业发展', Infrastructure: '基础设施', Housing: '住房保障',
  Education: '教育资助', Medical: '医疗保障', SocialSecurity: '社会保障', Other: '其他',
};
export const PROJECT_CATEGORY_ZH = {
  VillageRoad: '村组道路', HousingRenovation: '危房改造', IndustryBase: '产业基地', Solar: '光伏扶贫',
  Water: '饮水安全', Irrigation: '农田水利', Other: '其他',
};
export const SUBSIDY_CATEGORY_ZH = {
  HousingRenovation: '危房改造', Education: '教育资助', MedicalInsurance: '医疗保险', Employment: '就业补贴',
  Pension: '养老保险', MinimumLiving: '最低生活保障', IndustrySupport: '产业扶持', Other: '其他',
};
export const KIND_ZH = {
  Genesis: '创世', KeyGrant: '授权', KeyRevoke: '撤销授权', RegionRegister: '登记区划', PolicyUpdate: '会签规则',
  FundIssue: '资金下达', Transfer: '资金拨付', ProjectRegister: '项目入库', ProjectDisbursement: '项目支出',
  HouseholdSubsidy: '到户补贴', Reversal: '冲正', LogKeyRotate: '日志密钥轮换',
  Notice: '公告公示', HouseholdCheck: '比对核对', HouseholdRegister: '建档立卡', HouseholdExit: '脱贫退出',
  Objection: '异议', ObjectionResolve: '异议处理', PaymentConfirm: '到户确认',
  ProjectReview: '审核论证', ProjectApprove: '批复入库', ProjectStart: '项目实施', ProjectAccept: '竣工验收',
  ProjectHandover: '资产移交', ProjectEvaluate: '绩效评价', ProjectAdjust: '项目调整', ProjectCancel: '项目终止', ContactsUpdate: '监督电话公布',
};
// The Chinese labels of ledger-core's labelled_enum! lists (keys.rs, procedure.rs).
export const OFFICE_ZH = {
  Admin: '系统管理员', VillageCommittee: '村委会', TownPovertyOffice: '镇扶贫办', TownFinance: '镇财政所',
  DistrictPovertyOffice: '区扶贫办', DistrictFinance: '区财政局', DistrictDepartment: '区行业主管部门',
  DistrictLeader: '区分管领导', DisciplineInspector: '纪检监察', Auditor: '审计',
};
export const ASSISTANCE_ZH = {
  MinimumLiving: '低保', ExtremePoverty: '特困供养', RegisteredLowIncome: '建档立卡低收入户', ChildInDifficulty: '困境儿童',
  SevereDisability: '重度残疾人', FamilyPlanningHardship: '计划生育特殊困难家庭',
};
export const NOTICE_STAGE_ZH = {
  Application: '申报公告', VillagePublicity: '村级公示', TownPublicity: '镇级公示', DistrictPublicity: '区级公示',
  ObjectionReview: '异议审核公示', ExitAnnouncement: '脱贫公告', PaymentList: '发放公示', ProjectPlan: '项目公示',
};
export const CHECK_ZH = { DataComparison: '部门数据比对', HomeVerification: '入户核对' };
export const CHANNEL_ZH = { Hotline12317: '12317热线', InPerson: '当面反映', Letter: '来信', Web: '网上反映' };
export const OUTCOME_ZH = { Upheld: '属实', Dismissed: '不属实' };
export const CONFIRM_METHOD_ZH = { BankStatement: '银行流水', CardSignature: '明白卡签字', InPerson: '当面确认' };

/** snake_case API names → the same labels (the read API names enums in snake_case). */
const snake = (map) => Object.fromEntries(Object.entries(map).map(([k, v]) => [k.replace(/(?<=[a-z0-9])([A-Z])/g, '_$1').toLowerCase(), v]));
const ASSISTANCE_SNAKE = snake(ASSISTANCE_ZH);
const SUBSIDY_SNAKE = snake(SUBSIDY_CATEGORY_ZH);
const STAGE_SNAKE = snake(NOTICE_STAGE_ZH);
const CHANNEL_SNAKE = { ...snake(CHANNEL_ZH), hotline_12317: '12317热线' };
const METHOD_SNAKE = snake(CONFIRM_METHOD_ZH);

/** A label from the API's `*_zh` field, else from the code (either spelling), else the code. */
export function label(zh, code, ...maps) {
  if (zh) return zh;
  for (const m of maps) if (code != null && m[code]) return m[code];
  return code == null ? '—' : String(code);
}
export const assistanceZh = (zh, code) => label(zh, code, ASSISTANCE_ZH, ASSISTANCE_SNAKE, SUBSIDY_CATEGORY_ZH, SUBSIDY_SNAKE);
export const stageZh = (zh, code) => label(zh, code, NOTICE_STAGE_ZH, STAGE_SNAKE);
export const channelZh = (zh, code) => label(zh, code, CHANNEL_ZH, CHANNEL_SNAKE);
export const methodZh = (zh, code) => label(zh, code, CONFIRM_METHOD_ZH, METHOD_SNAKE);

/** Statuses of the read API, with their Chinese words and a badge tone. */
export const NOTICE_STATUS = { open: ['公示中', 'open'], ended: ['已结束', 'muted'] };
export const LINE_STATUS = {
  open: ['未发放', 'info'], unpaid: ['未发放', 'info'], covered: ['未发放', 'info'], paid: ['已发放', 'ok'],
  objected: ['有异议', 'warn'], withdrawn: ['已撤回', 'fail'],
};
export const OBJECTION_STATUS = { open: ['处理中', 'warn'], upheld: ['属实', 'fail'], dismissed: ['不属实', 'muted'] };
export const CONFIRMATION_STATUS = {
  confirmed: ['已确认', 'ok'], pending: ['待确认', 'info'], overdue: ['逾期未确认', 'warn'], not_required: ['无需确认', 'muted'],
};

/** `{Treasury: "320803001000"}` / `treasury:…` / `{Project: "P1"}` → a readable label. */
export function accountLabel(acc, regionName) {
  if (!acc) return '—';
  let kind;
  let id;
  if (typeof acc === 'string') {
    [kind, id] = acc.split(':');
  } else if (acc.Treasury) {
    kind = 'treasury';
    id = acc.Treasury;
  } else if (acc.Project) {
    kind = 'project';
    id = acc.Project;
  }
  if (kind === 'treasury') {
    const name = regionName ? regionName(id) : null;
    return name ? `${name}财政` : `财政 ${id}`;
  }
  if (kind === 'project') return `项目 ${id}`;
  return String(acc);
}

/** A household reference shortened for lists: first 8 and last 4 hex digits. */
export function shortRef(ref) {
  return typeof ref === 'string' && ref.length > 16 ? `${ref.slice(0, 8)}…${ref.slice(-4)}` : ref || '—';
}

/** Groups a long hex string in blocks of 4 for reading aloud / comparing. */
export function groupHex(hex, every = 4) {
  return typeof hex === 'string' ? hex.replace(new RegExp(`(.{${every}})(?=.)`, 'g'), '$1 ') : '—';
}
