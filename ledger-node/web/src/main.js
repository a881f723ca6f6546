// 阳光账本 · the citizens' page. A hash-routed single page:
//   #/              choose a town and a village, or search
//   #/r/<code>      a town or village: totals, flow diagram, projects, subsidies
//   #/f/<fund>      trace one fund from its document to the final payees
//   #/p/<project>   one project: stages, budget per fund against paid, contract, warnings
//   #/n/<notice>    one notice (公示): its window, its lines and their status
//   #/h[/<ref>]     查询我家: a household's entries, verified in the browser
//   #/h/<code>      the same by household code (户码) or a prefix of it: the slips' QR codes
//   #/print/<notice> a notice as a printable A4 公示表
//   #/kiosk         village terminal mode (also ?kiosk=1): see villager.js
//   #/key           how the page verifies; the log key; pin it

import { api } from './api.js';
import { h, clear, link, fill } from './dom.js';
import {
  FUND_CATEGORY_ZH, SOURCE_ZH, SUBSIDY_CATEGORY_ZH, accountLabel, count, dateTime, period,
  shortRef, wan, yuan, ymd,
} from './format.js';
import { bars, card, empty, errorBox, flowChart, loading, stat, table } from './ui.js';
import { codeForm, householdView } from './household.js';
import {
  confirmationCell, hasWarnings, householdsCard, lineRefLink, noticeView, noticesCard, objectionsCard, supplementLink, supplementTag,
  warningsBlock, withTexts,
} from './procedures.js';
import { householdListCard } from './households-list.js';
import { keyView } from './keypage.js';
import { projectView, projectsCard } from './projects.js';
import { idleCard } from './idle.js';
import { nameOf, regions } from './regions.js';
import { printView } from './publicity.js';
import { displayCode, householdCode } from './code.js';
import { footerContacts } from './contacts.js';
import { setupKiosk, setupLargeText } from './villager.js';
import { staticConfig } from './static/source.js';
import { startStatic } from './static/views.js';

const main = document.getElementById('app');
const regionName = nameOf;

const LEVEL_ZH = { district: '区', town: '镇（街道）', village: '村（社区）' };

function setTitle(...parts) {
  document.title = [...parts, '阳光账本'].filter(Boolean).join(' · ');
}

function page(...children) {
  clear(main).append(...children.flat().filter(Boolean));
  main.focus({ preventScroll: true });
  window.scrollTo(0, 0);
}

// ----------------------------------------------------------------- home

function regionPicker(index) {
  const all = [...index.values()];
  const towns = all.filter((r) => r.level === 'town').sort((a, b) => a.code.localeCompare(b.code));
  const townSel = h('select', { id: 'town-select', 'aria-label': '选择镇（街道）' }, h('option', { value: '' }, '— 选择镇（街道） —'), towns.map((t) => h('option', { value: t.code }, t.name)));
  const villageSel = h('select', { id: 'village-select', 'aria-label': '选择村（社区）', disabled: true }, h('option', { value: '' }, '— 先选择镇（街道） —'));
  const go = h('button', { class: 'btn', type: 'submit', id: 'region-go' }, '查看');
  townSel.addEventListener('change', () => {
    const villages = all.filter((r) => r.level === 'village' && r.parent === townSel.value).sort((a, b) => a.code.localeCompare(b.code));
    fill(villageSel, h('option', { value: '' }, villages.length ? '— 全镇（或选择村、社区） —' : '— 先选择镇（街道） —'), ...villages.map((v) => h('option', { value: v.code }, v.name)));
    villageSel.disabled = villages.length === 0;
  });
  const form = h('form', { class: 'picker', onsubmit: (e) => {
    e.preventDefault();
    const code = villageSel.value || townSel.value;
    if (code) location.hash = `#/r/${code}`;
  } }, h('label', null, '镇（街道）', townSel), h('label', null, '村（社区）', villageSel), go);
  return form;
}

function searchBox() {
  const input = h('input', { type: 'search', id: 'search', placeholder: '输入村名、镇名、文号、项目名或代码', 'aria-label': '搜索', autocomplete: 'off', enterkeyhint: 'search' });
  const results = h('div', { class: 'search-results', 'aria-live': 'polite' });
  const form = h('form', { class: 'search', role: 'search', onsubmit: async (e) => {
    e.preventDefault();
    const q = input.value.trim();
    if (!q) return;
    fill(results, loading('正在搜索…'));
    try {
      // A 12-digit code goes straight to the region.
      if (/^\d{12}$/.test(q) && (await regions()).has(q)) {
        location.hash = `#/r/${q}`;
        return;
      }
      const r = await api.search(q);
      const items = [
        ...(r.regions || []).map((x) => h('li', null, link(`#/r/${x.code}`, x.name), h('span', { class: 'muted' }, ` ${LEVEL_ZH[x.level] || ''} · ${x.code}`))),
        ...(r.funds || []).map((x) => h('li', null, link(`#/f/${encodeURIComponent(x.id)}`, x.title), h('span', { class: 'muted' }, ` 资金 · ${x.document_no || x.id}`))),
        ...(r.projects || []).map((x) => h('li', null, link(`#/p/${encodeURIComponent(x.id)}`, x.name), h('span', { class: 'muted' }, ` 项目 · ${regionName(x.village) || x.village || ''}`))),
      ];
      fill(results, items.length ? h('ul', { class: 'result-list' }, items) : empty(`没有找到“${q}”相关的村居、资金或项目`));
    } catch (err) {
      fill(results, errorBox(err));
    }
  } }, input, h('button', { class: 'btn', type: 'submit' }, '搜索'));
  return h('div', null, form, results);
}

async function home() {
  setTitle();
  page(loading());
  let index;
  try {
    index = await regions();
  } catch (e) {
    page(errorBox(e, home));
    return;
  }
  const district = [...index.values()].find((r) => r.level === 'district');
  const towns = [...index.values()].filter((r) => r.level === 'town').sort((a, b) => a.code.localeCompare(b.code));
  const t = district?.totals || {};
  footerContacts(district?.code);
  page(
    h('div', { class: 'intro' },
      h('h2', null, `${district ? district.name : '淮安区'}扶贫资金公开`),
      h('p', null, '每一笔扶贫资金从哪里来、拨到哪里、用在哪个项目、补贴了哪些农户，都记在这本签名账本里。账本只能追加、不能修改；本页面在您的手机或电脑上直接核验签名，不需要相信服务器。')),
    district ? h('div', { class: 'stats' },
      stat('到区资金', wan(t.received_fen), '全区累计下达', 'district-received'),
      stat('到户补贴', wan(t.households_fen), `${count(t.households)} 户 · ${count(t.subsidies)} 笔`),
      stat('项目支出', wan(t.projects_fen), `${count(t.projects)} 个项目`),
      stat('账户结余', wan(t.balance_fen), '尚未拨付或支出')) : null,
    card('选择村居', regionPicker(index), searchBox()),
    card('查询我家', h('p', null, '输入补贴发放单上印的 11 位“户码”（或扫描单上的二维码），查看您家每一笔补贴，并在本机验证它确实记在签名账本里。不知道户码的，可在本村页面按户主姓名查找。'), codeForm('')),
    card('各镇（街道）',
      h('ul', { class: 'tiles', 'data-testid': 'town-list' }, towns.map((x) => h('li', null, link(`#/r/${x.code}`,
        h('span', { class: 'tile-name' }, x.name),
        h('span', { class: 'tile-value' }, wan(x.totals?.received_fen)),
        h('span', { class: 'tile-sub' }, `到户 ${count(x.totals?.households)} 户 · 项目 ${count(x.totals?.projects)} 个`)))))),
  );
}

// --------------------------------------------------------------- region

function breadcrumb(code, index) {
  const chain = [];
  let c = index.get(code);
  while (c) {
    chain.unshift(c);
    c = c.parent ? index.get(c.parent) : null;
  }
  return h('nav', { class: 'crumbs', 'aria-label': '位置' }, link('#/', '首页'), chain.map((r, i) => [' › ', i === chain.length - 1 ? h('span', { 'aria-current': 'page' }, r.name) : link(`#/r/${r.code}`, r.name)]));
}

/** Explains an empty breakdown: money can reach households without passing the village account. */
function noneReceived(f) {
  if ((f.by_source || []).length || (f.totals && f.totals.received_fen)) return null;
  return empty('没有拨付到本级账户的资金。到户补贴可能由区、镇财政直接发放到户，见下方“到户补贴”。');
}

/** A household's code for display (户码), or its short reference if it is not 64 hex. */
function codeOrRef(ref) {
  try {
    return displayCode(householdCode(ref));
  } catch {
    return shortRef(ref);
  }
}

function subsidyRows(items) {
  return items.map((s) => h('tr', { class: [s.reversed_by != null ? 'reversed' : null, hasWarnings(s) ? 'has-warnings' : null].filter(Boolean).join(' ') || null, 'data-seq': s.seq },
    h('td', { 'data-label': '户主', class: 'nowrap' }, s.masked_name || '—'),
    // A category is at most six characters: kept on one line, the wide last column wraps instead.
    h('td', { 'data-label': '类别', class: 'nowrap' }, s.category_zh || SUBSIDY_CATEGORY_ZH[s.category] || s.category || '—'),
    h('td', { 'data-label': '期间', class: 'nowrap' }, period(s.period)),
    h('td', { 'data-label': '发放日期', 'data-testid': 'payment-date', class: 'nowrap' }, s.date != null ? `${ymd(s.date)} 发放` : '—'),
    h('td', { class: 'num', 'data-label': '金额' }, yuan(s.amount_fen),
      s.reversed_by != null ? h('span', { class: 'tag tag-warn' }, `已冲正 #${s.reversed_by}`) : null,
      supplementTag(s.supplementary),
      hasWarnings(s) ? h('span', { class: 'tag tag-warn', 'data-testid': 'warning-tag' }, '⚠ 有警示') : null,
      // (b) of issue 15 on the list too: a control failed without a history warning (a duplicate).
      !hasWarnings(s) && s.controls && s.controls.status === 'warning' ? h('span', { class: 'tag tag-warn', 'data-testid': 'controls-tag' }, '⚠ 审核控制未通过') : null),
    h('td', { 'data-label': '确认' }, confirmationCell(s.confirmation)),
    h('td', { 'data-label': '公示 · 户码', class: 'wide' },
      s.notice ? ['发放公示 ', lineRefLink(s.notice), ' · '] : (s.date != null ? [h('span', { class: 'muted' }, '无发放公示'), ' · '] : null),
      // A 补发 names the earlier payment, shown on the household's page.
      s.supplementary ? [supplementLink(s.supplementary, `#/h/${s.household}`), ' · '] : null,
      '户码 ', link(`#/h/${s.household}`, h('code', { class: 'hcode' }, codeOrRef(s.household))), ' ', link(`#/h/${s.household}`, h('span', { class: 'verify-link' }, '核验')),
      warningsBlock(s.warnings))));
}

function subsidiesTable(code, subsidies) {
  const body = h('tbody', null, subsidyRows(withTexts(subsidies.items, subsidies)));
  const more = h('div', { class: 'more' });
  let next = subsidies.next;
  const renderMore = () => {
    fill(more);
    if (next == null) return;
    more.append(h('button', { class: 'btn btn-ghost', type: 'button', onclick: async (e) => {
      e.target.disabled = true;
      e.target.textContent = '正在加载…';
      try {
        const r = await api.flows(code, next);
        body.append(...subsidyRows(withTexts(r.subsidies?.items, r.subsidies)));
        next = r.subsidies?.next ?? null;
        renderMore();
      } catch (err) {
        fill(more, errorBox(err, renderMore));
      }
    } }, '加载更多'));
  };
  renderMore();
  return h('div', null,
    h('p', { class: 'muted' }, `共 ${count(subsidies.count)} 笔，合计 ${yuan(subsidies.total_fen)}。户主姓名已脱敏；户号是居民身份证号的加密摘要，无法反推身份证号。户码由户号算出，印在发放单上；点击“核验”可在本机验证该户的记录。发放日期是钱实际发到户的日期；“确认”是农户确认收到的情况；标有 ⚠ 的款项违反了规则施行前的某项控制，请留意。`),
    h('div', { class: 'table-wrap' }, h('table', { 'data-testid': 'subsidies', class: 'compact' },
      h('thead', null, h('tr', null, ['户主', '类别', '期间', '发放日期', '金额', '确认', '公示 · 户码'].map((t, i) => h('th', { scope: 'col', class: i === 4 ? 'num' : null }, t)))),
      body)),
    more);
}

async function regionView(code) {
  page(loading());
  let index;
  let f;
  try {
    [index, f] = await Promise.all([regions(), api.flows(code)]);
  } catch (e) {
    page(errorBox(e, () => regionView(code)));
    return;
  }
  const me = index.get(code) || { code, name: f.name, level: f.level };
  setTitle(f.name || me.name);
  footerContacts(code);
  const t = f.totals || {};
  const children = (f.children || []).map((c) => index.get(c.code) || c);
  const projects = f.projects || [];
  page(
    breadcrumb(code, index),
    h('header', { class: 'region-head' },
      h('h2', { 'data-testid': 'region-name' }, f.name || me.name),
      h('p', { class: 'muted' }, `${LEVEL_ZH[f.level || me.level] || ''} · 区划代码 ${code}`)),
    h('div', { class: 'stats', 'data-testid': 'region-totals' },
      stat(f.level === 'district' ? '到区资金' : f.level === 'town' ? '到镇资金' : '到村资金', yuan(t.received_fen), '扣除冲正后的净额', 'received'),
      stat('到户补贴', yuan(t.households_fen), `${count(t.households)} 户 · ${count(t.subsidies ?? f.subsidies?.count)} 笔`, 'households'),
      stat('项目支出', yuan(t.projects_fen), `${count(t.projects ?? projects.length)} 个项目`, 'projects'),
      stat('账户结余', yuan(t.balance_fen), '尚未拨付或支出', 'balance')),
    card('资金流向', flowChart(f.sankey, `${f.name || me.name}资金流向图`)),
    children.length ? card(f.level === 'district' ? '下辖镇（街道）' : '下辖村（社区）',
      h('ul', { class: 'tiles' }, children.map((x) => h('li', null, link(`#/r/${x.code}`,
        h('span', { class: 'tile-name' }, x.name),
        h('span', { class: 'tile-value' }, wan(x.totals?.received_fen)),
        h('span', { class: 'tile-sub' }, `到户 ${count(x.totals?.households)} 户 · 项目 ${count(x.totals?.projects)} 个`)))))) : null,
    h('div', { class: 'grid2', 'data-testid': 'breakdowns' },
      card(`收到资金 · 按来源`, noneReceived(f) || bars(f.by_source || [], { label: (x) => x.source_zh || SOURCE_ZH[x.source] || x.source, value: (x) => x.amount_fen })),
      card('收到资金 · 按类别', noneReceived(f) || bars(f.by_category || [], { label: (x) => x.category_zh || FUND_CATEGORY_ZH[x.category] || x.category, value: (x) => x.amount_fen, sub: (x) => (x.count != null ? `${count(x.count)} 笔` : '') })),
      card('收到资金 · 按年度', noneReceived(f) || bars(f.by_year || [], { label: (x) => `${x.year}年`, value: (x) => x.amount_fen, sub: (x) => (x.count != null ? `${count(x.count)} 笔` : '') })),
      card('到户补贴 · 按类别', bars(f.subsidies?.by_category || [], { label: (x) => x.category_zh || SUBSIDY_CATEGORY_ZH[x.category] || x.category, value: (x) => x.amount_fen, sub: (x) => (x.count != null ? `${count(x.count)} 笔` : '') }))),
    card('下达的资金',
      (f.funds_in || []).length ? table([
        { title: '文号', cell: (x) => link(`#/f/${encodeURIComponent(x.fund)}`, x.document_no || x.fund) },
        { title: '资金名称', cell: (x) => x.title },
        { title: '来源', cell: (x) => x.source_zh || SOURCE_ZH[x.source] || x.source },
        { title: '年度', cell: (x) => x.fiscal_year },
        { title: '到达金额', num: true, cell: (x) => yuan(x.amount_fen) },
      ], f.funds_in, { testid: 'funds-in' }) : empty('暂无下达到此的资金'),
      h('p', { class: 'hint' }, '点击文号可追踪这笔资金从下达到最终收款人的全过程。')),
    projectsCard(code, projects),
    idleCard(code, f.level || me.level),
    noticesCard(code),
    (f.level || me.level) === 'village' ? householdListCard(code) : null,
    (f.level || me.level) === 'village' ? householdsCard(code) : null,
    objectionsCard(code),
    card('到户补贴', subsidiesTable(code, f.subsidies || { items: [] })),
  );
}

// ------------------------------------------------------------------ fund

/** A movement's end: a household links to 查询我家, a treasury to its region. */
function party(id, name) {
  const text = name || accountLabel(id, regionName);
  if (typeof id !== 'string') return text;
  const [kind, rest] = [id.slice(0, id.indexOf(':')), id.slice(id.indexOf(':') + 1)];
  if (kind === 'household') return link(`#/h/${rest}`, text);
  if (kind === 'treasury' && regionName(rest)) return link(`#/r/${rest}`, text);
  if (kind === 'project') return link(`#/p/${encodeURIComponent(rest)}`, text);
  return text;
}

function movementRows(items) {
  return items.map((m) => h('tr', { class: m.reversed_by != null ? 'reversed' : null },
    h('td', { 'data-label': '类型' }, m.kind_zh || m.kind),
    h('td', { 'data-label': '序号', class: 'muted' }, `#${m.seq}`),
    h('td', { 'data-label': '日期', class: 'muted' }, m.date != null ? ymd(m.date) : dateTime(m.time_ms)),
    h('td', { 'data-label': '付款 → 收款', class: 'wide flow' }, party(m.from, m.from_name), ' → ', party(m.to, m.to_name)),
    h('td', { class: 'num', 'data-label': '金额' }, yuan(m.amount_fen),
      m.reversed_by != null ? h('span', { class: 'tag tag-warn' }, `已冲正 #${m.reversed_by}`) : null,
      m.reverses != null ? h('span', { class: 'tag tag-warn' }, `冲正 #${m.reverses}`) : null)));
}

function movementsTable(id, t) {
  const body = h('tbody', null, movementRows(t.movements || []));
  const more = h('div', { class: 'more' });
  let next = t.next;
  const renderMore = () => {
    fill(more);
    if (next == null) return;
    more.append(h('button', { class: 'btn btn-ghost', type: 'button', onclick: async (e) => {
      e.target.disabled = true;
      e.target.textContent = '正在加载…';
      try {
        const r = await api.fund(id, next);
        body.append(...movementRows(r.movements || []));
        next = r.next ?? null;
        renderMore();
      } catch (err) {
        fill(more, errorBox(err, renderMore));
      }
    } }, '加载更多'));
  };
  renderMore();
  return h('div', null, h('div', { class: 'table-wrap' }, h('table', { 'data-testid': 'movements', class: 'compact' },
    h('thead', null, h('tr', null, ['类型', '序号', '日期', '付款 → 收款', '金额'].map((x, i) => h('th', { scope: 'col', class: i === 4 ? 'num' : null }, x)))),
    body)), more);
}

async function fundView(id) {
  page(loading());
  let t;
  try {
    [, t] = await Promise.all([regions(), api.fund(id)]);
  } catch (e) {
    page(errorBox(e, () => fundView(id)));
    return;
  }
  const f = t.fund || {};
  setTitle(f.title || id);
  const payees = t.payees || [];
  const paid = f.paid_out_fen ?? payees.reduce((a, p) => a + (p.amount_fen || 0), 0);
  const held = f.held_fen ?? (t.balances || []).reduce((a, b) => a + (b.balance_fen || 0), 0);
  page(
    h('nav', { class: 'crumbs' }, link('#/', '首页'), ' › 资金追踪'),
    h('header', { class: 'region-head' },
      h('h2', { 'data-testid': 'fund-title' }, f.title || id),
      h('p', { class: 'muted' }, `文号 ${f.document_no || '—'} · ${f.source_zh || SOURCE_ZH[f.source] || ''} · ${f.category_zh || FUND_CATEGORY_ZH[f.category] || ''} · ${f.fiscal_year || ''}年度 · 编号 ${f.id || id}`)),
    h('div', { class: 'stats', 'data-testid': 'fund-totals' },
      stat('下达金额', yuan(f.issued_fen), f.issue_seq != null ? `账本第 ${f.issue_seq} 条` : null),
      stat('已付到最终收款人', yuan(paid), `${count(payees.length)} 个收款单位或村的农户`),
      stat('仍在各级账户', yuan(held), '尚未拨付或支出'),
      stat('拨付与支出', count((t.movements || []).length) + (t.next != null ? '+' : ''), '笔记录')),
    card('资金路径', flowChart(t.sankey, `${f.title || id}资金路径图`)),
    card('最终收款人', payees.length ? table([
      { title: '收款人', cell: (p) => (p.kind === 'households' ? link(`#/r/${p.id}`, p.name || p.id) : p.kind === 'household' ? link(`#/h/${p.id}`, p.name || shortRef(p.id)) : p.name || p.id) },
      { title: '类型', cell: (p) => (p.kind === 'payee' ? '承建或供货单位' : '农户') },
      { title: '所在地', cell: (p) => regionName(p.region) || p.region || '—' },
      { title: '笔数', num: true, cell: (p) => count(p.count) },
      { title: '金额', num: true, cell: (p) => yuan(p.amount_fen) },
    ], payees, { testid: 'payees' }) : empty('暂无')),
    card('拨付与支出记录', (t.movements || []).length ? movementsTable(id, t) : empty('暂无记录')),
    card('各账户结余', (t.balances || []).length ? table([
      { title: '账户', cell: (b) => party(b.account, b.account_name) },
      { title: '结余', num: true, cell: (b) => yuan(b.balance_fen) },
    ], t.balances) : empty('资金已全部拨付或支出')),
  );
}

// ---------------------------------------------------------------- router

async function route() {
  const [, view, ...rest] = (location.hash || '#/').replace(/^#/, '').split('/');
  const arg = decodeURIComponent(rest.join('/'));
  for (const a of document.querySelectorAll('.nav a')) a.classList.toggle('active', a.dataset.view === (view || 'home'));
  // 有疑问？ on every page: the district's contacts until a view knows its
  // region (a region view, a household's village).
  if (view !== 'r') {
    regions().then((ix) => footerContacts([...ix.values()].find((r) => r.level === 'district')?.code), () => footerContacts(null));
  }
  switch (view) {
    case 'r':
      return regionView(arg);
    case 'f':
      return fundView(arg);
    case 'p':
      await regions().catch(() => null);
      return projectView(arg, page, setTitle);
    case 'n':
      await regions().catch(() => null);
      return noticeView(arg, page, setTitle);
    case 'print':
      return printView(arg, page, setTitle);
    case 'h':
      await regions().catch(() => null);
      setTitle('查询我家');
      return householdView(main, arg, page);
    case 'key':
      setTitle('验证说明');
      return keyView(main, page);
    default:
      return home();
  }
}

async function footer() {
  const f = document.getElementById('log-info');
  try {
    const log = await api.log();
    fill(f, `账本：${log.title || log.origin} · 共 ${count(log.size)} 条记录 · 日志公钥编号 `, h('code', null, log.log_vkey.split('+')[1] || '—'), ' · ', link('#/key', '如何验证'));
  } catch {
    f.textContent = '暂时无法连接账本节点';
  }
}

setupKiosk();
setupLargeText();
// Static mode (issue 17): a `config.json` beside the page saying
// "mode":"static" (a bucket, the node switched off) routes to the views of
// static/views.js, which read only static files; the node answers
// {"mode":"api"}.
staticConfig().then((cfg) => {
  if (cfg) return startStatic(cfg, { main, page, setTitle });
  window.addEventListener('hashchange', route);
  route();
  footer();
});
