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

/** Project status (docs/API.md "Project status"): code → [Chinese, badge tone]. */
export const PROJECT_STATUS = {
  proposed: ['申报', 'muted'], reviewed: ['审核', 'muted'], approved: ['已批复', 'info'], started: ['实施中', 'info'],
  accepted: ['已验收', 'ok'], handed_over: ['已移交', 'ok'], evaluated: ['已评价', 'ok'], cancelled: ['已终止', 'fail'],
};
const STATUS_ORDER = Object.keys(PROJECT_STATUS);

/** Timeline kinds of the API → the stage they reach (a failed review reaches none). */
const KIND_STAGE = {
  register: 'proposed', review: 'reviewed', approve: 'approved', start: 'started', accept: 'accepted', handover: 'handed_over',
  evaluate: 'evaluated',
};
/** The decoder's kind names (postcard.js) for the API's timeline kinds. */
const DECODED_KIND = {
  register: 'ProjectRegister', review: 'ProjectReview', approve: 'ProjectApprove', start: 'ProjectStart', accept: 'ProjectAccept',
  handover: 'ProjectHandover', evaluate: 'ProjectEvaluate', adjust: 'ProjectAdjust', cancel: 'ProjectCancel',
};
const KIND_ZH = {
  register: '申报', review: '审核论证', approve: '批复入库', start: '开工实施', accept: '竣工验收', handover: '资产移交',
  evaluate: '绩效评价', adjust: '项目调整', cancel: '项目终止',
};
/** What the document of each kind is called on paper. */
const DOC_ZH = {
  review: '论证文号', approve: '批复文号', start: '开工令', accept: '验收报告', handover: '移交书', evaluate: '评价报告',
  adjust: '调整批复',
};
/** The project warnings' codes (docs/API.md "Project warnings") for lists that carry only codes. */
export const PROJECT_WARNING_ZH = {
  over_budget: '超出批复预算', idle_money: '资金滞留', not_accepted: '逾期未验收', retention_held: '质保金待验收后支付',
};

/** A stage's Chinese label: the API's, else ours. */
export const stageLabel = (zh, code) => zh || STAGE_ZH[code] || code || '—';

/** The project's status badge (a cancelled project names the stage it stopped at). */
export function projectStatus(p) {
  const status = p.status || (p.cancelled ? 'cancelled' : p.stage);
  const [word, tone] = PROJECT_STATUS[status] || [null, 'muted'];
  const text = status === 'cancelled' ? `${p.status_zh || word}（于${stageLabel(p.stage_zh, p.stage)}阶段）` : p.status_zh || word || status || '—';
  return h('span', { class: `badge badge-${tone}`, 'data-testid': 'project-status', 'data-status': status || '' }, text);
}

/** Money fields are integers of fen (`*_fen`); null when absent. */
const fen = (x, ...names) => {
  for (const n of names) if (x && (typeof x[n] === 'number' || typeof x[n] === 'bigint')) return x[n];
  return null;
};

// ------------------------------------------------------------ timeline

/** A contract as the API gives it (`contractor_id`, `contractor_name`) or as decoded (`contractor: {id, name}`). */
const contractor = (c) => (c ? { id: c.contractor_id ?? c.contractor?.id, name: c.contractor_name ?? c.contractor?.name, no: c.contract_no } : null);

/** The facts of one timeline item, from its decoded bytes when checked, else from the API. */
function stageFacts(s, decoded) {
  const b = decoded ? decoded.body : s;
  const rows = [];
  if (b.document_no) rows.push([DOC_ZH[s.kind] || '文号', h('span', { 'data-testid': 'stage-document' }, b.document_no)]);
  if (s.kind === 'review') rows.push(['结论', b.passed === false ? '未通过（退回申报）' : '通过']);
  if (s.kind === 'register') {
    if (decoded) rows.push(['申报预算', yuan(b.budget)], ['计划工期', `${ymd(b.start)} 至 ${ymd(b.end)}`]);
  }
  if (s.kind === 'approve' && b.plan) rows.push(['项目公示', lineRefLink(b.plan)]);
  if ((s.kind === 'approve' || s.kind === 'adjust') && arr(b.budgets).length) {
    rows.push([s.kind === 'adjust' ? '调整后预算' : '批复预算',
      arr(b.budgets).map((x) => `${x.fund}：${yuan(x.amount ?? x.amount_fen)}`).join('；')]);
  }
  const c = contractor(b.contract);
  if (c) rows.push([s.kind === 'adjust' ? '变更承建单位' : '施工合同', `${c.name || '—'}（合同 ${c.no || '—'}）`]);
  if (s.kind === 'evaluate' && b.score != null) rows.push(['评分', `${b.score} 分`]);
  const note = b.note ?? b.reason;
  if (note) rows.push([s.kind === 'cancel' || s.kind === 'adjust' ? '原因' : s.kind === 'handover' ? '接收方' : '说明', note]);
  if (s.seq != null) rows.push(['账本序号', `第 ${s.seq} 条`]);
  return rows;
}

const dateKey = (d) => String(ymd(d));

/**
 * The timeline: the seven stages in order, each done (with its date,
 * document and the check of its entry), next, or still to come; the
 * adjustments (调整), failed reviews and a cancellation (终止) in date order
 * among them.
 */
function timeline(p, items, log) {
  const events = arr(items).filter((s) => s && s.kind);
  const reached = new Map();
  for (const s of events) {
    const st = KIND_STAGE[s.kind];
    if (st && !(s.kind === 'review' && s.passed === false)) reached.set(st, s);
  }
  const cancelled = p.status === 'cancelled';
  const current = STAGE_INDEX[p.stage] ?? -1;
  const rows = STAGES.map(([code, zh], i) => {
    const s = reached.get(code);
    const state = s || i <= current ? 'done' : cancelled ? 'skipped' : i === current + 1 ? 'next' : 'todo';
    return { code, zh, s, state };
  });
  // Other events go after the last stage reached on or before their date.
  for (const s of events) {
    if (reached.get(KIND_STAGE[s.kind]) === s) continue;
    let at = 0;
    rows.forEach((r, i) => {
      if (r.s && (r.s.date == null || dateKey(r.s.date) <= dateKey(s.date))) at = i + 1;
    });
    const zh = s.kind === 'review' ? '审核论证（未通过）' : KIND_ZH[s.kind] || s.kind_zh || s.kind;
    rows.splice(at, 0, { code: s.kind, zh, s, state: s.kind === 'cancel' ? 'cancel' : 'event' });
  }
  return h('ol', { class: 'timeline', 'data-testid': 'timeline' }, rows.map((r) => stageItem(r, log)));
}

const STATE_ZH = { done: '', next: '下一步', todo: '未开始', skipped: '未进行（已终止）', event: '', cancel: '' };

function stageItem(it, log) {
  const facts = h('dl', { class: 'facts small' });
  const checkable = it.s && it.s.seq != null && log;
  const badge = h('span', { class: 'badge badge-pending', 'data-testid': 'stage-verify' }, '核验中…');
  const when = it.s ? (it.s.date != null ? ymd(it.s.date) : it.s.kind === 'register' ? '' : '—') : STATE_ZH[it.state];
  const dateBox = h('span', { class: 'stage-date', 'data-testid': 'stage-date' }, when);
  const li = h('li', { class: `stage stage-${it.state}`, 'data-stage': it.code, 'data-state': it.state, 'data-testid': 'stage', 'data-verify': checkable ? 'pending' : null },
    h('span', { class: 'stage-dot', 'aria-hidden': 'true' }),
    h('div', { class: 'stage-body' },
      h('div', { class: 'stage-head' }, h('strong', null, it.zh), ' ', dateBox, ' ', checkable ? badge : null),
      facts));
  const show = (decoded) => fill(facts, ...(it.s ? stageFacts(it.s, decoded) : []).flatMap(([k, v]) => [h('dt', null, k), h('dd', null, v)]));
  show(null);
  if (checkable) verifyStage(it.s, li, badge, dateBox, show, log);
  return li;
}

/**
 * Fetches a stage entry with its proof and checks it (check.js), then shows
 * the date, document and note decoded from its signed bytes.
 */
async function verifyStage(s, li, badge, dateBox, show, log) {
  let result;
  try {
    const got = await api.entry(s.seq);
    result = checkEntry({ entry: got.entry, proof: got.proof, log, pinned: pinnedKey(log.origin) });
    const want = DECODED_KIND[s.kind];
    if (result.ok && want && result.decoded.kind !== want) {
      result.ok = false;
      result.steps.push({ id: 'kind', ok: false, title: '核对记录类型', detail: `账本第 ${s.seq} 条是 ${result.decoded.kind}，不是 ${want}` });
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
  const failed = result.steps.find((x) => !x.ok);
  badge.title = failed ? `${failed.title}：${failed.detail}` : '签名字节、包含证明和日志签名均已在本机核验';
  if (failed) li.querySelector('.stage-body').append(h('p', { class: 'field-error', role: 'alert' }, `${failed.title}未通过：${failed.detail}`));
  if (result.ok && result.decoded) {
    if (result.decoded.body.date != null) dateBox.textContent = ymd(result.decoded.body.date);
    show(result.decoded);
  }
}

// -------------------------------------------------------------- budget

function budgetRow(b) {
  const approved = fen(b, 'approved_fen');
  const paid = fen(b, 'paid_fen') ?? 0;
  const over = fen(b, 'over_fen') ?? (approved != null && paid > approved ? paid - approved : 0);
  return h('tr', { class: over > 0 ? 'has-warnings' : null, 'data-testid': 'budget-row', 'data-fund': b.fund },
    h('td', { 'data-label': '资金' }, h('span', null, link(`#/f/${enc(b.fund)}`, b.fund), b.title ? h('span', { class: 'small muted block' }, b.title) : null)),
    h('td', { class: 'num', 'data-label': '批复预算', 'data-testid': 'budget-approved' }, yuan(approved)),
    h('td', { class: 'num', 'data-label': '已支付', 'data-testid': 'budget-paid' }, yuan(paid)),
    h('td', { 'data-label': '进度' }, progress(paid, approved)),
    h('td', { class: 'num', 'data-label': '余额' }, over > 0
      ? h('span', { class: 'warn-line' }, `⚠ 超出 ${yuan(over)}`) : yuan(fen(b, 'left_fen') ?? (approved ?? 0) - paid)));
}

function budgetCard(p, budget) {
  if (!budget) {
    return card('预算与支付',
      h('p', { class: 'muted', 'data-testid': 'no-budget' }, `申报预算 ${yuan(fen(p, 'budget_fen'))}；尚未批复入库，没有批复预算，不能付款。`),
      fen(p, 'paid_fen') ? h('div', { class: 'alert alert-warn' }, `⚠ 未经批复已支付 ${yuan(p.paid_fen)}（规则施行前的历史记录）`) : null);
  }
  const funds = arr(budget.funds);
  const approved = fen(budget, 'approved_fen');
  const paid = fen(budget, 'paid_fen');
  const retained = fen(budget, 'retained_fen');
  const bp = budget.retention_bp;
  return card('预算与支付（按资金）',
    h('div', { class: 'table-wrap' }, h('table', { 'data-testid': 'project-budgets' },
      h('thead', null, h('tr', null, ['资金', '批复预算', '已支付', '进度', '余额'].map((t) => h('th', { scope: 'col', class: t === '进度' || t === '资金' ? null : 'num' }, t)))),
      h('tbody', null, funds.map(budgetRow)),
      funds.length > 1 ? h('tfoot', null, h('tr', null,
        h('th', { scope: 'row' }, '合计'),
        h('td', { class: 'num', 'data-label': '批复预算' }, yuan(approved)),
        h('td', { class: 'num', 'data-label': '已支付' }, yuan(paid)),
        h('td', { 'data-label': '进度' }, progress(paid, approved)),
        h('td', { class: 'num', 'data-label': '余额' }, approved != null && paid != null ? yuan(approved > paid ? approved - paid : 0) : '—'))) : null)),
    h('p', { class: 'small' }, `批复（含调整）预算 ${yuan(approved)}${budget.document_no ? `，依据 ${budget.document_no}` : ''}；申报预算 ${yuan(fen(p, 'budget_fen'))}。`),
    retained ? h('p', { class: `retention${budget.retention_released ? ' muted' : ''}`, 'data-testid': 'retention' }, budget.retention_released
      ? `质保金（尾款）${yuan(retained)}：项目已竣工验收，可以支付。`
      : `质保金（尾款）${yuan(retained)}${bp != null ? `（批复预算的 ${bp / 100}%）` : ''}在竣工验收前不得支付：验收前累计支付不超过 ${yuan(approved - retained)}。`) : null,
    h('p', { class: 'hint' }, '每笔项目支出累计不得超过该资金的批复预算（含调整），超出 1 分钱也会被账本拒绝；规则施行前的历史记录如有超支，以 ⚠ 标出。'));
}

function contractCard(p, r) {
  const c = contractor(r.contract);
  const changes = arr(r.contracts).slice(1);
  return card('承建单位与合同', h('dl', { class: 'facts', 'data-testid': 'contract' },
    h('dt', null, '承建单位'), h('dd', { 'data-testid': 'contractor' }, (c && c.name) || p.implementer || '—'),
    c && c.id ? [h('dt', null, '统一社会信用代码'), h('dd', null, h('code', null, c.id))] : null,
    h('dt', null, '合同编号'), h('dd', { 'data-testid': 'contract-no' }, (c && c.no) || h('span', { class: 'muted' }, '尚未批复，无合同')),
    r.contract && r.contract.document_no ? [h('dt', null, '依据'), h('dd', null, `${r.contract.document_no}${r.contract.date ? `（${ymd(r.contract.date)}）` : ''}`)] : null,
    c && p.implementer && c.name !== p.implementer ? [h('dt', null, '申报时的实施单位'), h('dd', null, p.implementer)] : null,
    changes.length ? [h('dt', null, '合同变更'), h('dd', null, h('ul', { class: 'plain' }, changes.map((x) => h('li', null,
      `${ymd(x.date)} ${x.document_no || ''}：${x.contractor_name || '—'}（合同 ${x.contract_no || '—'}）`))))] : null),
  h('p', { class: 'hint' }, '项目款只能付给合同约定的承建单位；更换承建单位须有调整批复记入账本。'));
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
  const budget = r.budget || null;
  const idle = arr(r.idle);
  const warnings = arr(r.warnings);
  const village = p.village;
  const approved = budget ? fen(budget, 'approved_fen') : null;
  page(
    h('nav', { class: 'crumbs', 'aria-label': '位置' }, link('#/', '首页'),
      p.town ? [' › ', link(`#/r/${p.town}`, p.town_name || nameOf(p.town) || p.town)] : null,
      village ? [' › ', link(`#/r/${village}`, p.village_name || nameOf(village) || village)] : null, ' › 项目'),
    h('header', { class: 'region-head' },
      h('h2', { 'data-testid': 'project-name' }, p.name || id, ' ', projectStatus(p)),
      h('p', { class: 'muted' }, `${p.category_zh || PROJECT_CATEGORY_ZH[p.category] || ''} · 项目编号 ${p.id || id} · 计划工期 ${ymd(p.start)} 至 ${ymd(p.end)}`)),
    warnings.length ? h('div', { class: 'alert alert-warn', 'data-testid': 'project-warnings' }, h('strong', null, '⚠ 请留意'), warningsBlock(warnings)) : null,
    h('div', { class: 'stats', 'data-testid': 'project-totals' },
      stat(budget ? '批复预算' : '申报预算', yuan(approved ?? fen(p, 'budget_fen')), budget ? `${count(arr(budget.funds).length)} 项资金` : '尚未批复', 'approved'),
      stat('已支付', yuan(fen(p, 'paid_fen')), null, 'paid'),
      h('div', { class: 'stat' }, h('div', { class: 'stat-label' }, '支付进度'), progress(fen(p, 'paid_fen'), approved ?? fen(p, 'budget_fen'))),
      stat('当前阶段', stageLabel(p.stage_zh, p.stage), p.status === 'cancelled' ? '已终止' : null, 'stage')),
    card('项目进程', timeline(p, r.timeline, log),
      h('p', { class: 'hint' }, '每个阶段都是账本中的一条签名记录；标有“✔ 已核验”的阶段，其日期、文号和说明取自本机核验过的签名字节。项目须经审核论证和公示、公示期满后方可批复入库。')),
    budgetCard(p, budget),
    contractCard(p, r),
    idle.length ? card('资金滞留预警', idleTable(idle.map((x) => ({ account: `project:${p.id || id}`, account_name: '项目账户', ...x }))),
      h('p', { class: 'hint' }, `资金到达项目账户后超过政策规定的期限仍未支出${r.as_of ? `（截至 ${ymd(r.as_of)}，账本最新业务日期）` : ''}。`)) : null,
    card('支付记录', arr(r.disbursements).length ? table([
      { title: '序号', cell: (d) => d.seq },
      { title: '支付日期', cell: (d) => (d.date != null ? ymd(d.date) : '—') },
      { title: '收款单位', cell: (d) => d.payee_name || d.payee_id },
      { title: '阶段', cell: (d) => d.milestone || '—' },
      { title: '合同', cell: (d) => d.contract_ref || '—' },
      { title: '资金', cell: (d) => link(`#/f/${enc(d.fund)}`, d.fund) },
      { title: '金额', num: true, cell: (d) => [yuan(d.amount_fen), d.reversed_by != null ? h('span', { class: 'tag tag-warn' }, `已冲正 #${d.reversed_by}`) : null] },
      // History warnings in their own column: a long message must wrap, which an amount cell does not.
      arr(r.disbursements).some((d) => arr(d.warnings).length) ? { title: '警示', cell: (d) => warningsBlock(d.warnings) || '—' } : null,
    ].filter(Boolean), r.disbursements, { testid: 'disbursements' }) : empty('尚无支付')),
  );
}

function projectItem(x) {
  const budget = fen(x, 'approved_fen') ?? fen(x, 'budget_fen');
  const codes = arr(x.warnings).map((w) => (typeof w === 'string' ? w : w.code));
  return h('li', { class: `project-item${codes.length ? ' has-warnings' : ''}`, 'data-testid': 'project-item', 'data-project': x.id },
    h('div', { class: 'notice-head' }, link(`#/p/${enc(x.id)}`, h('strong', null, x.name || x.id)),
      codes.map((c) => h('span', { class: 'tag tag-warn', 'data-testid': 'warning-tag', 'data-code': c }, `⚠ ${PROJECT_WARNING_ZH[c] || c}`))),
    h('div', { class: 'notice-sub muted' },
      [x.category_zh || PROJECT_CATEGORY_ZH[x.category], x.contractor_name || x.implementer,
        budget != null ? `${fen(x, 'approved_fen') != null ? '批复' : '申报'} ${yuan(budget)}` : '尚未批复', `已付 ${yuan(x.paid_fen)}`,
        x.last_date ? `最近 ${ymd(x.last_date)}` : null].filter(Boolean).join(' · ')),
    budget != null ? progress(x.paid_fen, budget) : null);
}

/** Which group a project of the list goes in: its status. */
const statusOf = (x) => x.status || (x.cancelled ? 'cancelled' : x.stage) || 'unknown';

/**
 * A region's projects grouped by status (申报 … 已评价, 已终止), each group
 * with its count from `by_status` (the whole region, every page); an empty
 * status is left out of the groups but kept in the counts line.
 */
function projectsByStatus(r, load) {
  const counts = arr(r.by_status);
  const groups = new Map();
  const section = (status) => {
    if (!groups.has(status)) {
      const c = counts.find((x) => x.status === status);
      const [word] = PROJECT_STATUS[status] || [status];
      const list = h('ul', { class: 'plain' });
      const box = h('section', { class: 'stage-group', 'data-status': status, 'data-testid': 'stage-group' },
        h('h4', null, `${(c && c.status_zh) || word}${c ? `（${count(c.count)} 个）` : ''}`), list);
      groups.set(status, { box, list });
    }
    return groups.get(status);
  };
  const container = h('div', { class: 'stage-groups' });
  const add = (items) => {
    for (const x of items) section(statusOf(x)).list.append(projectItem(x));
    const order = [...STATUS_ORDER, 'unknown'];
    for (const st of order) if (groups.has(st)) container.append(groups.get(st).box); // re-append keeps the status order
  };
  add(arr(r.projects));
  const more = h('div', { class: 'more' });
  let next = r.next;
  const draw = () => {
    fill(more);
    if (next == null) return;
    more.append(h('button', { class: 'btn btn-ghost', type: 'button', onclick: async (e) => {
      e.target.disabled = true;
      e.target.textContent = '正在加载…';
      try {
        const page2 = await load(next);
        add(arr(page2.projects));
        next = page2.next ?? null;
        draw();
      } catch (err) {
        fill(more, errorBox(err, draw));
      }
    } }, '加载更多项目'));
  };
  draw();
  return h('div', { 'data-testid': 'projects-by-stage' },
    counts.length ? h('ul', { class: 'category-counts', 'aria-label': '各阶段项目数', 'data-testid': 'status-counts' },
      counts.filter((c) => c.count > 0).map((c) => h('li', { 'data-status': c.status },
        h('span', null, c.status_zh || PROJECT_STATUS[c.status]?.[0] || c.status), h('strong', null, `${count(c.count)} 个`)))) : null,
    container, more);
}

/** The flows' plain project list, for a node without the project library's read API. */
function legacyTable(projects) {
  return table([
    { title: '项目', cell: (x) => link(`#/p/${enc(x.id)}`, x.name) },
    { title: '类别', cell: (x) => x.category_zh || PROJECT_CATEGORY_ZH[x.category] || x.category },
    { title: '预算', num: true, cell: (x) => yuan(x.budget_fen) },
    { title: '已支付', num: true, cell: (x) => yuan(x.paid_fen) },
    { title: '进度', cell: (x) => progress(x.paid_fen, x.budget_fen) },
    { title: '实施单位', cell: (x) => x.implementer || '—' },
  ], projects, { testid: 'projects-table' });
}

/**
 * The projects card of a region: its projects grouped by status, from
 * /v1/regions/{code}/projects; `flowsProjects` (the flows' list) is shown
 * instead by a node that does not serve that endpoint (404).
 */
export function projectsCard(code, flowsProjects = []) {
  const body = h('div', { 'data-testid': 'projects' }, loading('正在加载项目…'));
  const box = card('扶贫项目（按阶段）', body);
  const load = async () => {
    try {
      const r = await api.projects(code);
      fill(body,
        arr(r.projects).length ? projectsByStatus(r, (after) => api.projects(code, after)) : empty('暂无项目'),
        h('p', { class: 'hint' }, '项目须经申报、审核论证、公示、批复入库后方可开工和付款；竣工验收前暂扣质保金（尾款）；验收后移交资产并进行绩效评价。'));
    } catch (e) {
      fill(body, e.status === 404 ? (flowsProjects.length ? legacyTable(flowsProjects) : empty('暂无项目')) : errorBox(e, load));
    }
  };
  load();
  return box;
}
