// The policy's public procedures on the page (issue 12, item 7): notices
// with their publicity windows (公示中 / 已结束), each line's status,
// registered households per category (建档立卡), objections (异议) with
// their status and dates, and for payments the business date (发放日期), the
// payment-list line that publicised it, the household's confirmation (确认)
// and any history warning (⚠, never a plain green tick alone).
//
// Data: the node's read API (api.js: notices, notice, households,
// objections; payments in flows and households carry date, notice,
// confirmation, warnings).

import { api } from './api.js';
import { h, link, fill } from './dom.js';
import {
  CONFIRMATION_STATUS, LINE_STATUS, NOTICE_STATUS, OBJECTION_STATUS, assistanceZh, channelZh, count, methodZh,
  period, shortRef, stageZh, yuan, ymd,
} from './format.js';
import { card, empty, errorBox, loading } from './ui.js';
import { nameOf } from './regions.js';

const enc = encodeURIComponent;
const arr = (v) => (Array.isArray(v) ? v : []);

/** A status badge: the API's Chinese word when it gives one, the tone from the code. */
export function statusBadge(map, status, zh, testid) {
  const [word, tone] = map[status] || [null, 'muted'];
  return h('span', { class: `badge badge-${tone}`, 'data-status': status ?? '', 'data-testid': testid }, zh || word || status || '—');
}

/** The day before a `YYYY-MM-DD` (or YYYYMMDD) date, as `YYYY-MM-DD`. */
export function dayBefore(d) {
  const m = /^(\d{4})-?(\d{2})-?(\d{2})$/.exec(String(d ?? ''));
  if (!m) return ymd(d);
  const t = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) - 86400000);
  return `${t.getUTCFullYear()}-${String(t.getUTCMonth() + 1).padStart(2, '0')}-${String(t.getUTCDate()).padStart(2, '0')}`;
}

/**
 * `2019-03-01 至 2019-03-07（7 天）`. The API's `ends` is the first day after
 * the window (the day it is over on), so the last day shown is the one before.
 */
export function windowText(n) {
  const days = typeof n.window_days === 'number' ? `（${n.window_days} 天）` : '';
  return `${ymd(n.start)} 至 ${dayBefore(n.ends)}${days}`;
}

/**
 * Long lists on a phone: the first `keep` children of `list` stay, the rest
 * are hidden behind one button ("显示其余 N …").
 */
export function collapse(list, keep, noun) {
  const extra = [...list.children].slice(keep);
  if (!extra.length) return null;
  for (const e of extra) e.hidden = true;
  const button = h('button', { class: 'btn btn-ghost btn-small', type: 'button', 'data-testid': 'show-all', onclick: () => {
    for (const e of extra) e.hidden = false;
    button.remove();
  } }, `显示其余 ${extra.length} ${noun}`);
  return h('div', { class: 'more' }, button);
}

/**
 * A list that pages with a cursor: `load(cursor)` answers `{items, next}`;
 * the button below appends the next page.
 */
export function pager(list, next, load, render) {
  const more = h('div', { class: 'more' });
  const draw = () => {
    fill(more);
    if (next == null) return;
    more.append(h('button', { class: 'btn btn-ghost', type: 'button', onclick: async (e) => {
      e.target.disabled = true;
      e.target.textContent = '正在加载…';
      try {
        const r = await load(next);
        list.append(...r.items.map(render));
        next = r.next ?? null;
        draw();
      } catch (err) {
        fill(more, errorBox(err, draw));
      }
    } }, '加载更多'));
  };
  draw();
  return more;
}

/** A notice line reference `{notice, line}` as a link to the notice (line numbers shown from 1). */
export function lineRefLink(ref) {
  if (!ref || typeof ref !== 'object' || ref.notice == null) return null;
  const line = typeof ref.line === 'number' ? ` 第 ${ref.line + 1} 行` : '';
  return link(`#/n/${enc(ref.notice)}`, h('span', { class: 'notice-ref' }, `${ref.notice}${line}`));
}

/**
 * A supplementary payment (补发/差额补足, issue 14): its reason in Chinese.
 * The node's rows carry the codes (`back_pay`, `top_up`), the verified
 * bytes the variant names (`BackPay`, `TopUp`); anything else is shown as
 * is, never dropped.
 */
const SUPPLEMENT_ZH = { back_pay: '补发', BackPay: '补发', top_up: '差额补足', TopUp: '差额补足' };

/** `supplementary` as {word, ofSeq, note}, or null for a plain payment. */
export function supplementOf(sup) {
  if (!sup || typeof sup !== 'object' || !Number.isSafeInteger(sup.of_seq)) return null;
  const word = SUPPLEMENT_ZH[sup.reason] || String(sup.reason || '补发');
  return { word, ofSeq: sup.of_seq, note: typeof sup.note === 'string' ? sup.note : '' };
}

/** The tag a supplementary payment carries beside its amount (补发 or 差额补足). */
export function supplementTag(sup) {
  const s = supplementOf(sup);
  return s ? h('span', { class: 'tag tag-info', 'data-testid': 'supplement-tag', title: s.note || null }, s.word) : null;
}

/**
 * "补发第 N 号发放": the earlier payment it adds to, as a link. `href` is
 * where that payment is shown (the household's page); on that page the
 * link scrolls to its card instead of reloading.
 */
export function supplementLink(sup, href) {
  const s = supplementOf(sup);
  if (!s) return null;
  return h('a', {
    href, 'data-testid': 'supplement-of', 'data-of-seq': s.ofSeq,
    onclick: (ev) => {
      const card = document.querySelector(`article.entry[data-seq="${s.ofSeq}"]`);
      if (!card) return; // not on this page: follow the link
      ev.preventDefault();
      card.scrollIntoView({ block: 'center' });
    },
  }, `${s.word}第 ${s.ofSeq} 号发放`);
}

/**
 * The warnings of a payment as a visible block: ⚠ and the Chinese message
 * of each (docs: history imported before a control was enforced).
 */
export function warningsBlock(warnings) {
  const list = arr(warnings);
  if (!list.length) return null;
  return h('ul', { class: 'warnings', 'data-testid': 'payment-warnings', role: 'note' },
    list.map((w) => h('li', { 'data-code': w.code || '' },
      h('span', { class: 'warn-mark', 'aria-hidden': 'true' }, '⚠'), ' ',
      h('span', null, w.message_zh || w.message || w.code || '警示'))));
}

/** The confirmation status of a payment, with date and method when confirmed, or the deadline. */
export function confirmationCell(c) {
  if (!c || typeof c !== 'object') return h('span', { class: 'muted' }, '—');
  const detail = [];
  if (c.date != null) detail.push(`${ymd(c.date)}${c.method ? ` · ${methodZh(c.method_zh, c.method)}` : ''}`);
  else if (c.deadline != null && c.status !== 'not_required') detail.push(`期限 ${ymd(c.deadline)}`);
  return h('span', { class: 'confirmation' },
    statusBadge(CONFIRMATION_STATUS, c.status, c.status_zh, 'confirmation-status'),
    detail.length ? h('span', { class: 'small muted' }, ` ${detail.join('')}`) : null);
}

/**
 * Payments come lean (docs/API.md "Household payments"): the Chinese labels
 * of their codes (`labels`) and the texts of their warnings
 * (`warning_texts`, named by index) are sent once per answer, not on every
 * row. Put them back on the rows of that answer, so the tables read
 * `category_zh`, `confirmation.status_zh`/`method_zh` and each warning's
 * `message_zh`/`message` as before. Rows that already carry them keep them.
 */
export function withTexts(items, answer) {
  const labels = (answer && answer.labels) || {};
  const texts = arr(answer && answer.warning_texts);
  const label = (map, code) => (map && code != null ? map[code] : undefined);
  for (const p of arr(items)) {
    if (p.category_zh == null) p.category_zh = label(labels.category, p.category);
    const c = p.confirmation;
    if (c && typeof c === 'object') {
      if (c.status_zh == null) c.status_zh = label(labels.confirmation, c.status);
      if (c.method_zh == null) c.method_zh = label(labels.method, c.method);
    }
    for (const w of arr(p.warnings)) {
      const t = typeof w.text === 'number' ? texts[w.text] : null;
      if (t && w.message_zh == null) w.message_zh = t.message_zh;
      if (t && w.message == null) w.message = t.message;
    }
  }
  return arr(items);
}

/** Does a payment carry warnings? */
export const hasWarnings = (p) => arr(p && p.warnings).length > 0;

// ------------------------------------------------------------ notices

function noticeItem(n) {
  const lines = Array.isArray(n.lines) ? n.lines.length : n.lines;
  return h('li', { class: 'notice-item', 'data-testid': 'notice', 'data-notice': n.notice },
    h('div', { class: 'notice-head' },
      link(`#/n/${enc(n.notice)}`, h('strong', null, n.title || n.notice)),
      ' ', statusBadge(NOTICE_STATUS, n.status, n.status_zh, 'notice-status')),
    h('div', { class: 'notice-sub muted' },
      h('span', null, stageZh(n.stage_zh, n.stage)), ' · ',
      h('span', { 'data-testid': 'notice-window' }, `公示期 ${windowText(n)}`),
      typeof lines === 'number' ? ` · ${count(lines)} 行` : null,
      n.region && n.region.name ? ` · ${n.region.name}` : null,
      ' · ', link(`#/print/${enc(n.notice)}`, h('span', { 'data-testid': 'print-link' }, '打印公示表'))));
}

/** The notices of a region, newest first, open ones on top. */
export function noticesCard(code) {
  const body = h('div', { 'data-testid': 'notices' }, loading('正在加载公示…'));
  const box = card('公告公示', body);
  const load = async () => {
    fill(body, loading('正在加载公示…'));
    try {
      const r = await api.notices(code);
      // Newest first (the node's order); those still open on top.
      const notices = arr(r.notices).slice().sort((a, b) => (b.status === 'open') - (a.status === 'open') || (Number(b.seq) - Number(a.seq)));
      const open = notices.filter((n) => n.status === 'open').length;
      const list = h('ul', { class: 'notice-list' }, notices.map(noticeItem));
      fill(body,
        h('p', { class: 'muted' }, open
          ? `${count(open)} 份正在公示${r.today ? `（今天 ${ymd(r.today)}）` : ''}。公示期内如有异议，可拨打 12317 扶贫监督举报电话或向村、镇反映。`
          : `目前没有正在公示的名单${r.today ? `（今天 ${ymd(r.today)}）` : ''}。以下为已结束的公告公示。`),
        notices.length ? [list, collapse(list, 6, '份公告公示'), pager(list, r.next, async (c) => {
          const more = await api.notices(code, c);
          return { items: arr(more.notices), next: more.next };
        }, noticeItem)] : empty('暂无公告公示'));
    } catch (e) {
      fill(body, e.status === 404 ? empty('暂无公告公示') : errorBox(e, load));
    }
  };
  load();
  return box;
}

function lineRows(lines) {
  return lines.map((l) => h('tr', { 'data-testid': 'notice-line', 'data-status': l.status || '' },
    h('td', { 'data-label': '行' }, typeof l.line === 'number' ? String(l.line + 1) : '—'),
    h('td', { 'data-label': l.project ? '项目' : '户主' }, l.project ? link(`#/p/${enc(l.project)}`, l.project)
      : l.household ? link(`#/h/${l.household}`, l.masked_name || shortRef(l.household)) : (l.masked_name || '—')),
    h('td', { 'data-label': '村' }, l.village ? (l.village.name || nameOf(l.village.code) || l.village.code) : '—'),
    h('td', { 'data-label': '类别' }, assistanceZh(l.category_zh, l.category)),
    h('td', { 'data-label': '期间' }, l.period != null ? period(l.period) : '—'),
    h('td', { class: 'num', 'data-label': '金额' }, l.amount_fen != null ? yuan(l.amount_fen) : '—'),
    h('td', { 'data-label': '状态' }, statusBadge(LINE_STATUS, l.status, l.status_zh, 'line-status'),
      l.paid_seq != null ? h('span', { class: 'small muted' }, ` 第 ${l.paid_seq} 条记录`) : null,
      arr(l.objections).length ? h('span', { class: 'small' }, ` 异议 ${l.objections.join('、')}`) : null)));
}

/** #/n/<id>: one notice with its window and its lines. */
export async function noticeView(id, page, setTitle) {
  page(loading());
  let n;
  try {
    n = await api.notice(id);
  } catch (e) {
    page(h('nav', { class: 'crumbs' }, link('#/', '首页'), ' › 公示'), errorBox(e.status === 404 ? new Error(`没有找到公示 ${id}`) : e, () => noticeView(id, page, setTitle)));
    return;
  }
  setTitle(n.title || id);
  const lines = arr(n.lines);
  const region = n.region || {};
  const byStatus = {};
  for (const l of lines) byStatus[l.status] = (byStatus[l.status] || 0) + 1;
  page(
    h('nav', { class: 'crumbs' }, link('#/', '首页'), region.code ? [' › ', link(`#/r/${region.code}`, region.name || nameOf(region.code) || region.code)] : null, ' › 公示'),
    h('header', { class: 'region-head' },
      h('h2', { 'data-testid': 'notice-title' }, n.title || id, ' ', statusBadge(NOTICE_STATUS, n.status, n.status_zh, 'notice-status')),
      h('p', { class: 'muted' }, `${stageZh(n.stage_zh, n.stage)} · 编号 ${n.notice || id}${n.seq != null ? ` · 账本第 ${n.seq} 条` : ''}`)),
    h('div', { class: `alert ${n.status === 'open' ? 'alert-info' : 'alert-muted'}`, 'data-testid': 'notice-window' },
      h('strong', null, `公示期：${windowText(n)}`),
      h('p', null, n.status === 'open'
        ? '正在公示。对名单有异议的，请在公示期内拨打 12317 扶贫监督举报电话，或向村委会、镇纪委反映；异议处理结果也会记入账本。'
        : '公示期已结束。公示期结束后，名单上的款项才能发放。')),
    card(`公示名单（${count(lines.length)} 行）`,
      h('p', { class: 'muted' }, Object.keys(LINE_STATUS).filter((s) => byStatus[s]).map((s) => `${LINE_STATUS[s][0]} ${byStatus[s]} 行`).join('，') || ''),
      lines.length ? h('div', { class: 'table-wrap' }, h('table', { 'data-testid': 'notice-lines' },
        h('thead', null, h('tr', null, ['行', '户主', '村', '类别', '期间', '金额', '状态'].map((t) => h('th', { scope: 'col', class: t === '金额' ? 'num' : null }, t)))),
        h('tbody', null, lineRows(lines)))) : empty('没有名单行'),
      h('p', { class: 'hint' }, '户主姓名已脱敏。“已撤回”表示该行经异议核实后撤回，不能再据此发放。'),
      h('p', null, link(`#/print/${enc(n.notice || id)}`, h('span', { class: 'btn btn-ghost btn-small', 'data-testid': 'print-link' }, '打印公示表（A4）')))),
  );
}

// --------------------------------------------------------- households

function categoryCounts(r) {
  const out = [];
  const bc = r.by_category;
  if (Array.isArray(bc)) {
    for (const x of bc) out.push([assistanceZh(x.category_zh, x.category), x.count ?? x.households ?? arr(x.households).length]);
  } else if (bc && typeof bc === 'object') {
    for (const [k, v] of Object.entries(bc)) {
      if (typeof v === 'number') out.push([assistanceZh(null, k), v]);
      else if (Array.isArray(v)) out.push([assistanceZh(null, k), v.length]);
      else if (v && typeof v === 'object') out.push([assistanceZh(v.category_zh, k), v.count ?? v.households ?? 0]);
    }
  }
  return out;
}

function registrationRow({ hh, g }) {
  return h('tr', { class: g.until != null || g.ended_seq != null ? 'ended' : null },
    h('td', { 'data-label': '户主' }, link(`#/h/${hh.household}`, hh.masked_name || shortRef(hh.household))),
    h('td', { 'data-label': '类别' }, assistanceZh(g.category_zh, g.category)),
    h('td', { 'data-label': '登记期间' }, registrationPeriod(g)),
    h('td', { 'data-label': '程序', class: 'wide' }, g.procedure === false
      ? h('span', { class: 'tag tag-warn' }, '⚠ 未经公示程序（规则施行前的历史数据）')
      : h('span', { class: 'small muted' }, '经两公告四公示')));
}

/** `2019-01-10 起，至今` / `2018-06-01 起，2020-12-31 止`. */
export const registrationPeriod = (g) => `${ymd(g.from)} 起${g.until != null ? `，${ymd(g.until)} 止` : '，至今'}`;

/** Registered households of a village, per category. */
export function householdsCard(code) {
  const body = h('div', { 'data-testid': 'registered' }, loading('正在加载建档立卡农户…'));
  const box = card('建档立卡农户', body);
  const load = async () => {
    try {
      const r = await api.households(code);
      const households = arr(r.households);
      const counts = categoryCounts(r).filter(([, n]) => n > 0);
      let tbody;
      const rowsOf = (list) => list.flatMap((hh) => arr(hh.registrations).map((g) => ({ hh, g })));
      const rows = rowsOf(households);
      fill(body,
        counts.length ? h('ul', { class: 'category-counts', 'data-testid': 'by-category' }, counts.map(([name, n]) => h('li', null, h('span', null, name), h('strong', null, `${count(n)} 户`)))) : null,
        rows.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'compact', 'data-testid': 'registrations' },
          h('thead', null, h('tr', null, ['户主', '类别', '登记期间', '程序'].map((t) => h('th', { scope: 'col' }, t)))),
          tbody = h('tbody', null, rows.map(registrationRow))), collapse(tbody, 10, '条登记'), pager(tbody, r.next, async (c) => {
          const more = await api.households(code, c);
          return { items: rowsOf(arr(more.households)), next: more.next };
        }, registrationRow))
          : empty('本村暂无建档立卡农户'),
        h('p', { class: 'hint' }, '农户经申报公告、部门比对和入户核对、村镇区三级公示及异议审核公示后登记（两公告两比对四公示）。'));
    } catch (e) {
      fill(body, e.status === 404 ? empty('暂无建档立卡数据') : errorBox(e, load));
    }
  };
  load();
  return box;
}

// ---------------------------------------------------------- objections

function targetCell(t) {
  if (!t || typeof t !== 'object') return '—';
  if (t.notice != null) return lineRefLink(t);
  if (t.seq != null) return `账本第 ${t.seq} 条记录`;
  return '—';
}

/** Objections received in a region, with status and dates. */
export function objectionsCard(code) {
  const body = h('div', { 'data-testid': 'objections' }, loading('正在加载异议…'));
  const box = card('异议及处理', body);
  const load = async () => {
    try {
      const r = await api.objections(code);
      const items = arr(r.objections);
      const list = h('ul', { class: 'objection-list' }, items.map(objectionItem));
      fill(body,
        items.length ? [list, pager(list, r.next, async (c) => {
          const more = await api.objections(code, c);
          return { items: arr(more.objections), next: more.next };
        }, objectionItem)] : empty('暂无异议'),
        h('p', { class: 'hint' }, '异议记录不含反映人的任何个人信息。扶贫监督举报电话：12317。'));
    } catch (e) {
      fill(body, e.status === 404 ? empty('暂无异议记录') : errorBox(e, load));
    }
  };
  load();
  return box;
}

function objectionItem(o) {
  return h('li', { class: 'objection', 'data-testid': 'objection', 'data-case': o.case_no },
    h('div', { class: 'notice-head' }, h('strong', null, `案号 ${o.case_no}`), ' ', statusBadge(OBJECTION_STATUS, o.status, o.status_zh, 'objection-status')),
    h('p', null, o.summary || ''),
    h('dl', { class: 'facts small' },
      h('dt', null, '针对'), h('dd', null, targetCell(o.target)),
      h('dt', null, '渠道'), h('dd', null, channelZh(o.channel_zh, o.channel)),
      h('dt', null, '收到日期'), h('dd', { 'data-testid': 'objection-received' }, ymd(o.received)),
      o.decided_date != null ? [h('dt', null, '处理日期'), h('dd', { 'data-testid': 'objection-decided' }, ymd(o.decided_date))] : null,
      o.reason ? [h('dt', null, '处理理由'), h('dd', null, o.reason)] : null));
}

