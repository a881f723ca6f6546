// The project library on the page (issue 13, item 4): a project as a
// timeline of its stages (申报 → 审核论证 → 公示 → 批复入库 → 实施 → 竣工验收 →
// 资产移交 → 绩效评价) with dates and documents (批复文号), its approved
// budget against what was paid per fund, the contractor and contract, its
// status and warnings; a village's projects grouped by stage.
//
// Every stage entry is checked in the browser like a household's entries
// (check.js: raw bytes → leaf → operator signatures → inclusion proof →
// signed checkpoint), and the date and document number shown on a checked
// stage are the ones decoded from its signed bytes, not the node's JSON.
//
// Data: GET /v1/projects/{id} and the `projects` of /v1/regions/{code}/flows
// (docs/API.md). Stage codes are the snake_case names of docs/FORMAT.md §6.5.

import { api } from './api.js';
import { checkEntry } from './check.js';
import { h, link, fill } from './dom.js';
import { PROJECT_CATEGORY_ZH, count, yuan, ymd } from './format.js';
import { lineRefLink, warningsBlock } from './procedures.js';
import { card, empty, errorBox, loading, progress, stat, table } from './ui.js';
import { idleTable } from './idle.js';
import { nameOf } from './regions.js';
import { pinnedKey } from './trust.js';

const enc = encodeURIComponent;
const arr = (v) => (Array.isArray(v) ? v : []);

/** ProjectStage in order (docs/FORMAT.md §6.5): code, label. */
export const STAGES = [
  ['proposed', '申报'], ['reviewed', '审核论证'], ['approved', '批复入库'], ['started', '实施'],
  ['accepted', '竣工验收'], ['handed_over', '资产移交'], ['evaluated', '绩效评价'],
];
const STAGE_INDEX = Object.fromEntries(STAGES.map(([c], i) => [c, i]));
const STAGE_ZH = Object.fromEntries(STAGES);

/** The entry kind that reaches each stage (snake_case, as the API names kinds). */
const STAGE_KIND = {
  proposed: 'project_register', reviewed: 'project_review', approved: 'project_approve', started: 'project_start',
  accepted: 'project_accept', handed_over: 'project_handover', evaluated: 'project_evaluate',
};
const KIND_STAGE = Object.fromEntries(Object.entries(STAGE_KIND).map(([s, k]) => [k, s]));
/** The decoder's kind names (postcard.js) for the same kinds. */
const DECODED_KIND = {
  project_register: 'ProjectRegister', project_review: 'ProjectReview', project_approve: 'ProjectApprove',
  project_start: 'ProjectStart', project_accept: 'ProjectAccept', project_handover: 'ProjectHandover',
  project_evaluate: 'ProjectEvaluate', project_adjust: 'ProjectAdjust', project_cancel: 'ProjectCancel',
};
const KIND_ZH = {
  project_register: '申报入库', project_review: '审核论证', project_approve: '批复入库', project_start: '开工实施',
  project_accept: '竣工验收', project_handover: '资产移交', project_evaluate: '绩效评价', project_adjust: '项目调整',
  project_cancel: '项目终止',
};
/** What the document of each kind is called on paper. */
const DOC_ZH = {
  project_review: '论证意见', project_approve: '批复文号', project_start: '开工令', project_accept: '验收报告',
  project_handover: '移交书', project_evaluate: '评价报告', project_adjust: '调整批复',
};

/** A stage's Chinese label: the API's, else ours. */
export const stageLabel = (zh, code) => zh || STAGE_ZH[code] || code || '—';

/**
 * The project's status badge: its stage, or 已终止 for a cancelled project
 * (it keeps the stage it was cancelled at, shown beside).
 */
export function projectStatus(p) {
  if (p.cancelled) {
    return h('span', { class: 'badge badge-fail', 'data-testid': 'project-status', 'data-status': 'cancelled' },
      `已终止（于${stageLabel(p.stage_zh, p.stage)}阶段）`);
  }
  const i = STAGE_INDEX[p.stage];
  const tone = i === undefined ? 'muted' : i >= STAGE_INDEX.accepted ? 'ok' : i >= STAGE_INDEX.approved ? 'info' : 'muted';
  return h('span', { class: `badge badge-${tone}`, 'data-testid': 'project-status', 'data-status': p.stage || '' }, stageLabel(p.stage_zh, p.stage));
}

/** Amount fields may come as `*_fen` (integers) — the only form used for sums here. */
const fen = (x, ...names) => {
  for (const n of names) if (x && (typeof x[n] === 'number' || typeof x[n] === 'bigint')) return x[n];
  return null;
};

/**
 * The warnings shown on a project: the node's (codes of ledger-core's rules
 * and audit, with Chinese messages), plus what the page can see in the
 * figures it shows — a fund paid beyond its approved budget, money idle in
 * the project's account, a project past its planned end and not accepted —
 * unless the node already names them.
 */
export function projectWarnings(p, budgets, idle, today) {
  const out = arr(p.warnings).slice();
  const has = (code) => out.some((w) => w.code === code);
  for (const b of budgets) {
    const paid = fen(b, 'paid_fen');
    const limit = fen(b, 'budget_fen', 'approved_fen', 'amount_fen');
    if (paid != null && limit != null && paid > limit && !has('budget_exceeded')) {
      out.push({ code: 'budget_exceeded', message_zh: `资金 ${b.fund} 已支付 ${yuan(paid)}，超过批复预算 ${yuan(limit)}` });
    }
  }
  if (arr(idle).length && !has('idle_money')) {
    const total = idle.reduce((a, x) => a + (Number(fen(x, 'amount_fen')) || 0), 0);
    out.push({ code: 'idle_money', message_zh: `项目账户有 ${yuan(total)} 超过期限未支出（资金滞留）` });
  }
  const i = STAGE_INDEX[p.stage];
  if (!p.cancelled && i !== undefined && i >= STAGE_INDEX.approved && i < STAGE_INDEX.accepted && p.end && today
    && String(ymd(p.end)) < String(ymd(today)) && !has('not_accepted')) {
    out.push({ code: 'not_accepted', message_zh: `计划 ${ymd(p.end)} 完工，至今（${ymd(today)}）尚未竣工验收` });
  }
  return out;
}

// ------------------------------------------------------------ timeline

/** The facts of one stage entry, from its decoded bytes when checked, else from the API. */
function stageFacts(s, decoded) {
  const b = decoded ? decoded.body : s;
  const rows = [];
  const doc = b.document_no;
  if (doc) rows.push([DOC_ZH[s.kind] || '文号', h('span', { 'data-testid': 'stage-document' }, doc)]);
  if (s.kind === 'project_review') rows.push(['结论', b.passed === false ? '未通过（退回申报）' : '通过']);
  if (s.kind === 'project_approve') {
    if (b.plan) rows.push(['项目公示', lineRefLink(b.plan)]);
    const c = b.contract;
    if (c) rows.push(['施工合同', `${c.contract_no || '—'} · ${(c.contractor && c.contractor.name) || '—'}`]);
  }
  if (s.kind === 'project_evaluate' && b.score != null) rows.push(['评分', `${b.score} 分`]);
  if (s.kind === 'project_adjust') {
    const budgets = arr(b.budgets);
    if (budgets.length) {
      rows.push(['调整后预算', budgets.map((x) => `${x.fund} ${yuan(x.amount ?? x.amount_fen ?? x.budget_fen)}`).join('；')]);
    }
    if (b.contract) rows.push(['变更承建单位', `${b.contract.contractor?.name || '—'}（合同 ${b.contract.contract_no || '—'}）`]);
  }
  const note = b.note || b.reason;
  if (note) rows.push([s.kind === 'project_cancel' || s.kind === 'project_adjust' ? '原因' : '说明', note]);
  if (s.seq != null) rows.push(['账本序号', `第 ${s.seq} 条`]);
  return rows;
}

/**
 * The timeline: the seven stages in order, each done (with its date,
 * document and the check of its entry), current, or still to come; the
 * adjustments (调整) and a cancellation (终止) in date order among them.
 */
function timeline(p, stages, log) {
  const events = arr(stages).filter((s) => s && s.kind);
  const reached = new Map();
  for (const s of events) {
    const st = KIND_STAGE[s.kind];
    // A failed review leaves the project proposed: it is an event, not the stage.
    if (st && !(s.kind === 'project_review' && s.passed === false)) reached.set(st, s);
  }
  const current = STAGE_INDEX[p.stage] ?? -1;
  const items = [];
  STAGES.forEach(([code, zh], i) => {
    const s = reached.get(code);
    const state = s || i <= current ? 'done' : p.cancelled ? 'skipped' : i === current + 1 ? 'next' : 'todo';
    items.push({ code, zh, s, state, date: s ? s.date : null, order: i });
  });
  // Events that are not a stage (adjustments, cancellation, failed reviews)
  // go after the last stage reached on or before their date.
  for (const s of events) {
    if (reached.get(KIND_STAGE[s.kind]) === s) continue;
    let at = 0;
    items.forEach((it, i) => {
      if (it.s && String(ymd(it.date)) <= String(ymd(s.date))) at = i + 1;
    });
    items.splice(at, 0, { code: s.kind, zh: KIND_ZH[s.kind] || s.kind_zh || s.kind, s, state: s.kind === 'project_cancel' ? 'cancel' : 'event', date: s.date });
  }
  const list = h('ol', { class: 'timeline', 'data-testid': 'timeline' }, items.map((it) => stageItem(it, log)));
  return list;
}

const STATE_ZH = { done: '已完成', next: '下一步', todo: '未开始', skipped: '未进行（已终止）', event: '', cancel: '' };

function stageItem(it, log) {
  const facts = h('dl', { class: 'facts small' });
  const badge = h('span', { class: 'badge badge-pending', 'data-testid': 'stage-verify' }, it.s && it.s.seq != null ? '核验中…' : '');
  const dateBox = h('span', { class: 'stage-date', 'data-testid': 'stage-date' }, it.date != null ? ymd(it.date) : STATE_ZH[it.state]);
  const li = h('li', { class: `stage stage-${it.state}`, 'data-stage': it.code, 'data-state': it.state, 'data-verify': it.s && it.s.seq != null ? 'pending' : null },
    h('span', { class: 'stage-dot', 'aria-hidden': 'true' }),
    h('div', { class: 'stage-body' },
      h('div', { class: 'stage-head' }, h('strong', null, it.zh), ' ', dateBox, ' ', it.s && it.s.seq != null ? badge : null),
      facts));
  const show = (decoded) => fill(facts, ...(it.s ? stageFacts(it.s, decoded) : []).flatMap(([k, v]) => [h('dt', null, k), h('dd', null, v)]));
  show(null);
  if (it.s && it.s.seq != null && log) verifyStage(it, li, badge, dateBox, show, log);
  return li;
}

/** Fetches a stage entry with its proof and checks it (check.js); shows the date and document from its bytes. */
async function verifyStage(it, li, badge, dateBox, show, log) {
  let result;
  try {
    const got = await api.entry(it.s.seq);
    result = checkEntry({ entry: got.entry, proof: got.proof, log, pinned: pinnedKey(log.origin) });
    const want = DECODED_KIND[it.s.kind];
    if (result.ok && want && result.decoded.kind !== want) {
      result.ok = false;
      result.steps.push({ id: 'kind', ok: false, title: '核对记录类型', detail: `账本第 ${it.s.seq} 条是 ${result.decoded.kind}，不是 ${want}` });
    }
  } catch (e) {
    badge.className = 'badge badge-fail';
    badge.textContent = '✘ 无法核验';
    badge.title = e.message || String(e);
    li.dataset.verify = 'fail';
    return;
  }
  li.dataset.verify = result.ok ? 'ok' : 'fail';
  badge.className = `badge ${result.ok ? 'badge-ok' : 'badge-fail'}`;
  badge.textContent = result.ok ? '✔ 已核验' : '✘ 核验失败';
  const failed = result.steps.find((s) => !s.ok);
  badge.title = failed ? `${failed.title}：${failed.detail}` : '签名字节、包含证明和日志签名均已在本机核验';
  if (result.ok && result.decoded) {
    const b = result.decoded.body;
    // ProjectRegister has no stage date of its own (its start/end are the plan).
    if (b.date != null) dateBox.textContent = ymd(b.date);
    show(result.decoded);
  }
}

// -------------------------------------------------------------- budget

function budgetRows(budgets) {
  return budgets.map((b) => {
    const limit = fen(b, 'budget_fen', 'approved_fen', 'amount_fen');
    const paid = fen(b, 'paid_fen') ?? 0;
    const over = limit != null && paid > limit;
    return h('tr', { class: over ? 'has-warnings' : null, 'data-fund': b.fund },
      h('td', { 'data-label': '资金' }, link(`#/f/${enc(b.fund)}`, b.fund_title || b.fund)),
      h('td', { class: 'num', 'data-label': '批复预算' }, yuan(limit)),
      h('td', { class: 'num', 'data-label': '已支付' }, yuan(paid)),
      h('td', { 'data-label': '进度' }, progress(paid, limit)),
      h('td', { class: 'num', 'data-label': '余额' }, limit == null ? '—' : over ? h('span', { class: 'warn-line' }, `超出 ${yuan(paid - limit)}`) : yuan(limit - paid)));
  });
}

function budgetCard(p, budgets) {
  if (!budgets.length) {
    return card('预算与支付', h('p', { class: 'muted' }, `申报预算 ${yuan(fen(p, 'budget_fen'))}，尚未批复，不能支付。`),
      p.paid_fen ? h('div', { class: 'alert alert-warn' }, `⚠ 未批复已支付 ${yuan(p.paid_fen)}（规则施行前的历史记录）`) : null);
  }
  const approved = fen(p, 'approved_fen') ?? budgets.reduce((a, b) => a + (Number(fen(b, 'budget_fen', 'approved_fen', 'amount_fen')) || 0), 0);
  const paid = fen(p, 'paid_fen') ?? budgets.reduce((a, b) => a + (Number(fen(b, 'paid_fen')) || 0), 0);
  const retention = fen(p, 'retention_fen');
  const accepted = (STAGE_INDEX[p.stage] ?? -1) >= STAGE_INDEX.accepted;
  const bp = p.retention_bp;
  return card('预算与支付（按资金）',
    h('div', { class: 'table-wrap' }, h('table', { 'data-testid': 'project-budgets' },
      h('thead', null, h('tr', null, ['资金', '批复预算', '已支付', '进度', '余额'].map((t) => h('th', { scope: 'col', class: t === '进度' || t === '资金' ? null : 'num' }, t)))),
      h('tbody', null, budgetRows(budgets)),
      budgets.length > 1 ? h('tfoot', null, h('tr', null,
        h('th', { scope: 'row', 'data-label': '' }, '合计'),
        h('td', { class: 'num', 'data-label': '批复预算' }, yuan(approved)),
        h('td', { class: 'num', 'data-label': '已支付' }, yuan(paid)),
        h('td', { 'data-label': '进度' }, progress(paid, approved)),
        h('td', { class: 'num', 'data-label': '余额' }, yuan(approved - paid)))) : null)),
    retention ? h('p', { class: `retention ${accepted ? 'muted' : ''}`, 'data-testid': 'retention' }, accepted
      ? `质保金（尾款）${yuan(retention)}：项目已竣工验收，可以支付。`
      : `质保金（尾款）${yuan(retention)}${bp != null ? `（批复预算的 ${bp / 100}%）` : ''}在竣工验收前暂不支付：验收前累计支付不超过 ${yuan(approved - retention)}。`) : null,
    fen(p, 'budget_fen') != null && fen(p, 'budget_fen') !== approved
      ? h('p', { class: 'hint' }, `申报预算 ${yuan(p.budget_fen)}；批复（含调整）预算 ${yuan(approved)}。`) : null,
    h('p', { class: 'hint' }, '每笔项目支出不得超过该资金的批复预算（含调整），超出即被账本拒绝；规则施行前的历史记录如有超支，以 ⚠ 标出。'));
}

// --------------------------------------------------------------- views

/** #/p/<id>: one project. */
export async function projectView(id, page, setTitle) {
  page(loading());
  let r;
  let log = null;
  try {
    [r, log] = await Promise.all([api.project(id), api.log().catch(() => null)]);
  } catch (e) {
    page(h('nav', { class: 'crumbs' }, link('#/', '首页'), ' › 项目'), errorBox(e.status === 404 ? new Error(`没有找到项目 ${id}`) : e, () => projectView(id, page, setTitle)));
    return;
  }
  const p = r.project || {};
  setTitle(p.name || id);
  const budgets = arr(p.budgets ?? r.budgets);
  const idle = arr(p.idle ?? r.idle);
  const today = r.today ?? p.today ?? null;
  const warnings = projectWarnings(p, budgets, idle, today);
  const contract = p.contract ?? r.contract ?? null;
  const village = p.village && typeof p.village === 'object' ? p.village.code : p.village;
  page(
    h('nav', { class: 'crumbs', 'aria-label': '位置' }, link('#/', '首页'), village ? [' › ', link(`#/r/${village}`, p.village_name || nameOf(village) || village)] : null, ' › 项目'),
    h('header', { class: 'region-head' },
      h('h2', { 'data-testid': 'project-name' }, p.name || id, ' ', projectStatus(p)),
      h('p', { class: 'muted' }, `${p.category_zh || PROJECT_CATEGORY_ZH[p.category] || ''} · 项目编号 ${p.id || id} · 计划 ${ymd(p.start)} 至 ${ymd(p.end)}`)),
    warnings.length ? h('div', { class: 'alert alert-warn', 'data-testid': 'project-warnings' }, h('strong', null, '⚠ 请留意'), warningsBlock(warnings)) : null,
    h('div', { class: 'stats', 'data-testid': 'project-totals' },
      stat('批复预算', yuan(fen(p, 'approved_fen') ?? (budgets.length ? null : fen(p, 'budget_fen'))), budgets.length ? `${count(budgets.length)} 项资金` : '尚未批复', 'approved'),
      stat('已支付', yuan(fen(p, 'paid_fen')), null, 'paid'),
      h('div', { class: 'stat' }, h('div', { class: 'stat-label' }, '支付进度'), progress(fen(p, 'paid_fen'), fen(p, 'approved_fen') ?? fen(p, 'budget_fen'))),
      stat('当前阶段', stageLabel(p.stage_zh, p.stage), p.cancelled ? '已终止' : null, 'stage')),
    card('承建单位与合同', h('dl', { class: 'facts', 'data-testid': 'contract' },
      h('dt', null, '承建单位'), h('dd', null, (contract && contract.contractor && contract.contractor.name) || p.implementer || '—'),
      contract && contract.contractor && contract.contractor.id ? [h('dt', null, '统一社会信用代码'), h('dd', null, h('code', null, contract.contractor.id))] : null,
      h('dt', null, '合同编号'), h('dd', { 'data-testid': 'contract-no' }, (contract && contract.contract_no) || h('span', { class: 'muted' }, '尚未批复，无合同')),
      contract && p.implementer && contract.contractor && contract.contractor.name !== p.implementer
        ? [h('dt', null, '申报时的实施单位'), h('dd', null, p.implementer)] : null),
      h('p', { class: 'hint' }, '项目款只能付给合同约定的承建单位；变更承建单位须有调整批复记入账本。')),
    card('项目进程', timeline(p, r.stages, log),
      h('p', { class: 'hint' }, '每个阶段都是账本中的一条签名记录；标有“✔ 已核验”的阶段，其日期和文号取自本机核验过的签名字节。公示期结束后方可批复入库。')),
    budgetCard(p, budgets),
    idle.length ? card('资金滞留预警', idleTable(idle), h('p', { class: 'hint' }, '资金到达项目账户后超过政策规定的期限仍未支出。')) : null,
    card('支付记录', arr(r.disbursements).length ? table([
      { title: '序号', cell: (d) => d.seq },
      { title: '支付日期', cell: (d) => (d.date != null ? ymd(d.date) : '—') },
      { title: '收款单位', cell: (d) => d.payee_name || d.payee_id },
      { title: '阶段', cell: (d) => d.milestone || '—' },
      { title: '合同', cell: (d) => d.contract_ref || '—' },
      { title: '资金', cell: (d) => link(`#/f/${enc(d.fund)}`, d.fund) },
      { title: '金额', num: true, cell: (d) => [yuan(d.amount_fen), d.reversed_by != null ? h('span', { class: 'tag tag-warn' }, `已冲正 #${d.reversed_by}`) : null, warningsBlock(d.warnings)] },
    ], r.disbursements, { testid: 'disbursements' }) : empty('尚无支付')),
  );
}

function projectItem(x) {
  const budget = fen(x, 'approved_fen') ?? fen(x, 'budget_fen');
  const warned = arr(x.warnings).length > 0 || (budget != null && fen(x, 'paid_fen') > budget);
  return h('li', { class: `project-item${warned ? ' has-warnings' : ''}`, 'data-testid': 'project-item', 'data-project': x.id },
    h('div', { class: 'notice-head' }, link(`#/p/${enc(x.id)}`, h('strong', null, x.name || x.id)),
      x.cancelled ? h('span', { class: 'badge badge-fail' }, '已终止') : null,
      warned ? h('span', { class: 'tag tag-warn', 'data-testid': 'warning-tag' }, '⚠ 有警示') : null),
    h('div', { class: 'notice-sub muted' },
      `${x.category_zh || PROJECT_CATEGORY_ZH[x.category] || ''} · ${x.implementer || '—'} · ${fen(x, 'approved_fen') != null ? '批复' : '申报'} ${yuan(budget)} · 已付 ${yuan(x.paid_fen)}`),
    progress(x.paid_fen, budget));
}

/**
 * A village's projects grouped by stage (申报 … 绩效评价, then 已终止), each
 * group with its count; an empty stage is left out.
 */
export function projectsByStage(projects) {
  const groups = new Map();
  for (const x of projects) {
    const key = x.cancelled ? 'cancelled' : x.stage in STAGE_INDEX ? x.stage : 'unknown';
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(x);
  }
  const order = [...STAGES.map(([c]) => c), 'unknown', 'cancelled'];
  const label = (k, list) => (k === 'cancelled' ? '已终止' : k === 'unknown' ? '阶段未知' : stageLabel(list[0].stage_zh, k));
  return h('div', { class: 'stage-groups', 'data-testid': 'projects-by-stage' },
    h('ul', { class: 'category-counts', 'aria-label': '各阶段项目数' }, order.filter((k) => groups.has(k)).map((k) => h('li', null,
      h('span', null, label(k, groups.get(k))), h('strong', null, `${count(groups.get(k).length)} 个`)))),
    order.filter((k) => groups.has(k)).map((k) => h('section', { class: 'stage-group', 'data-stage': k },
      h('h4', null, `${label(k, groups.get(k))}（${count(groups.get(k).length)}）`),
      h('ul', { class: 'plain' }, groups.get(k).map(projectItem)))));
}

/** The projects card of a region: by stage for a village, a table with the stage for a town or the district. */
export function projectsCard(level, projects) {
  if (!projects.length) return card('扶贫项目', empty('暂无项目'));
  const staged = projects.some((x) => x.stage);
  if (level === 'village' && staged) {
    return card('扶贫项目（按阶段）', projectsByStage(projects),
      h('p', { class: 'hint' }, '项目经申报、审核论证、公示、批复入库后方可实施和付款；竣工验收前暂扣质保金（尾款）。'));
  }
  return card('扶贫项目', table([
    { title: '项目', cell: (x) => link(`#/p/${enc(x.id)}`, x.name) },
    { title: '类别', cell: (x) => x.category_zh || PROJECT_CATEGORY_ZH[x.category] || x.category },
    staged ? { title: '阶段', cell: (x) => projectStatus(x) } : null,
    { title: '预算', num: true, cell: (x) => yuan(fen(x, 'approved_fen') ?? fen(x, 'budget_fen')) },
    { title: '已支付', num: true, cell: (x) => yuan(x.paid_fen) },
    { title: '进度', cell: (x) => progress(x.paid_fen, fen(x, 'approved_fen') ?? fen(x, 'budget_fen')) },
    { title: '实施单位', cell: (x) => x.implementer || '—' },
  ].filter(Boolean), projects, { testid: 'projects' }));
}
