// 公示表: one notice as a printable A4 sheet for the village's notice board
// (issue 15, item 4). Route #/print/<notice>. The print stylesheet
// (style.css, @media print) drops the page's header, footer and buttons and
// keeps the table, the window and where to object; each household line
// carries its code (户码), so a villager can look the line up on a phone.

import { api } from './api.js';
import { h, link } from './dom.js';
import { assistanceZh, count, period, yuan, ymd } from './format.js';
import { empty, errorBox, loading } from './ui.js';
import { displayCode, householdCode } from './code.js';
import { windowText } from './procedures.js';
import { contactsBlock } from './contacts.js';

const arr = (v) => (Array.isArray(v) ? v : []);
const enc = encodeURIComponent;

function codeCell(ref) {
  try {
    return h('code', { class: 'hcode' }, displayCode(householdCode(ref)));
  } catch {
    return '—';
  }
}

export async function printView(id, page, setTitle) {
  page(loading());
  let n;
  try {
    n = await api.notice(id);
  } catch (e) {
    page(errorBox(e.status === 404 ? new Error(`没有找到公示 ${id}`) : e, () => printView(id, page, setTitle)));
    return;
  }
  setTitle(`${n.title || id}（公示表）`);
  const lines = arr(n.lines);
  const region = n.region || {};
  const money = lines.some((l) => l.amount_fen != null);
  const cols = ['序号', '户主', '户码', '类别', ...(money ? ['期间', '金额'] : []), '状态'];
  const total = lines.reduce((a, l) => a + (l.status !== 'withdrawn' && typeof l.amount_fen === 'number' ? l.amount_fen : 0), 0);
  page(
    h('div', { class: 'print-actions no-print' },
      link(`#/n/${enc(id)}`, '‹ 返回公示'), ' ',
      h('button', { class: 'btn', type: 'button', 'data-testid': 'print-button', onclick: () => window.print() }, '打印公示表（A4）')),
    h('article', { class: 'sheet', 'data-testid': 'publicity-sheet' },
      h('h2', { class: 'sheet-title' }, n.title || id),
      h('p', { class: 'sheet-sub' }, `${region.name || region.code || ''} · ${n.stage_zh || ''} · 编号 ${n.notice || id}${n.seq != null ? ` · 账本第 ${n.seq} 条` : ''}`),
      h('p', { class: 'sheet-window', 'data-testid': 'sheet-window' }, h('strong', null, `公示期：${windowText(n)}`),
        n.status_zh ? `（${n.status_zh}）` : null),
      lines.length ? h('table', { class: 'sheet-table', 'data-testid': 'sheet-lines' },
        h('thead', null, h('tr', null, cols.map((t) => h('th', { scope: 'col', class: t === '金额' ? 'num' : null }, t)))),
        h('tbody', null, lines.map((l) => h('tr', { 'data-status': l.status || '' },
          h('td', null, typeof l.line === 'number' ? String(l.line + 1) : '—'),
          h('td', null, l.project ? l.project : (l.masked_name || '—')),
          h('td', null, l.household ? codeCell(l.household) : '—'),
          h('td', null, assistanceZh(l.category_zh, l.category)),
          money ? [h('td', null, l.period != null ? period(l.period) : '—'), h('td', { class: 'num' }, l.amount_fen != null ? yuan(l.amount_fen) : '—')] : null,
          h('td', null, l.status_zh || l.status || '—', arr(l.objections).length ? `（异议 ${l.objections.join('、')}）` : ''))))) : empty('没有名单行'),
      money ? h('p', { class: 'sheet-total' }, `共 ${count(lines.length)} 行，合计 ${yuan(total)}（不含已撤回的行）。`) : h('p', { class: 'sheet-total' }, `共 ${count(lines.length)} 行。`),
      h('p', { class: 'sheet-note' }, '户主姓名已脱敏。对名单有异议的，请在公示期内反映；异议及处理结果都记入账本，可在“阳光账本”查询。凭户码可在手机或村查询终端上查看该户每一笔补贴。'),
      contactsBlock(region.code, { compact: true }),
      h('p', { class: 'sheet-foot' }, `打印日期：${ymd(new Date().toISOString().slice(0, 10))} · 数据来自阳光账本（签名、只能追加的公开账本）`)),
  );
}
