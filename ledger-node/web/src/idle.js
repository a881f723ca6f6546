// 资金滞留预警 (issue 13, item 3): money that has sat at an account longer
// than the policy's time limit for its level (district, town or village
// treasury, or a project account), from business dates. A warning, never a
// refusal; the node computes it with ledger-core's `idle_money`, the same
// figures as `ledger audit` (docs/FORMAT.md §6.5).
//
// Data: GET /v1/regions/{code}/idle (docs/API.md).

import { api } from './api.js';
import { h, link, fill } from './dom.js';
import { accountLabel, count, yuan, ymd } from './format.js';
import { card, empty, errorBox, loading } from './ui.js';
import { nameOf } from './regions.js';

const enc = encodeURIComponent;
const arr = (v) => (Array.isArray(v) ? v : []);

/** An account, `treasury:<code>` / `project:<id>` or `{Treasury}`/`{Project}`, as a link. */
function accountCell(x) {
  const acc = x.account;
  const text = x.account_name || accountLabel(acc, nameOf);
  const s = typeof acc === 'string' ? acc : acc && acc.Treasury ? `treasury:${acc.Treasury}` : acc && acc.Project ? `project:${acc.Project}` : '';
  const [kind, id] = [s.slice(0, s.indexOf(':')), s.slice(s.indexOf(':') + 1)];
  if (kind === 'project') return link(`#/p/${enc(id)}`, text);
  if (kind === 'treasury' && nameOf(id)) return link(`#/r/${id}`, text);
  return text;
}

/** The idle money rows: account, fund, amount, since, days against the limit. */
export function idleTable(items) {
  return h('div', { class: 'table-wrap' }, h('table', { 'data-testid': 'idle', class: 'compact' },
    h('thead', null, h('tr', null, ['账户', '资金', '到账日期', '已滞留', '滞留金额'].map((t, i) => h('th', { scope: 'col', class: i === 4 ? 'num' : null }, t)))),
    h('tbody', null, items.map((x) => h('tr', { class: 'has-warnings', 'data-testid': 'idle-row', 'data-fund': x.fund },
      h('td', { 'data-label': '账户' }, accountCell(x)),
      h('td', { 'data-label': '资金' }, link(`#/f/${enc(x.fund)}`, x.fund_title || x.fund)),
      h('td', { 'data-label': '到账日期', class: 'nowrap', 'data-testid': 'idle-since' }, `${ymd(x.since)} 起`),
      h('td', { 'data-label': '已滞留', class: 'nowrap', 'data-testid': 'idle-days' },
        `${count(x.days)} 天`, x.limit_days != null ? h('span', { class: 'small muted' }, `（期限 ${count(x.limit_days)} 天）`) : null),
      h('td', { class: 'num', 'data-label': '滞留金额', 'data-testid': 'idle-amount' }, yuan(x.amount_fen)))))));
}

/** 资金滞留预警 of a region (its treasury, its sub-regions and projects); nothing idle → a short all-clear. */
export function idleCard(code) {
  const body = h('div', { 'data-testid': 'idle-money' }, loading('正在计算资金滞留…'));
  const box = card('资金滞留预警', body);
  const load = async () => {
    try {
      const r = await api.idle(code);
      const items = arr(r.items ?? r.idle);
      const total = r.total_fen ?? items.reduce((a, x) => a + (Number(x.amount_fen) || 0), 0);
      const asOf = r.today ?? r.as_of;
      fill(body,
        items.length
          ? [h('div', { class: 'alert alert-warn', role: 'note', 'data-testid': 'idle-total' },
            h('strong', null, `⚠ ${count(items.length)} 笔资金超过拨付或支出期限，合计 ${yuan(total)}`),
            asOf ? h('p', null, `截至 ${ymd(asOf)}，按业务日期计算。`) : null),
          idleTable(items)]
          : h('p', { class: 'ok-line', 'data-testid': 'idle-none' }, `✔ 没有超过期限滞留的资金${asOf ? `（截至 ${ymd(asOf)}）` : ''}。`),
        h('p', { class: 'hint' }, limitsHint(r.limits ?? r.fund_limits)));
    } catch (e) {
      fill(body, e.status === 404 ? empty('暂无资金滞留数据') : errorBox(e, load));
    }
  };
  load();
  return box;
}

function limitsHint(l) {
  const base = '资金到达某一账户后，应在政策规定的期限内拨付下级或支出';
  if (!l || typeof l !== 'object') return `${base}；超过期限仍留在账户上的部分在此列出（预警，不影响拨付）。`;
  return `${base}：区财政 ${l.district_days} 天、镇财政 ${l.town_days} 天、村集体 ${l.village_days} 天、项目账户 ${l.project_days} 天。超过期限仍留在账户上的部分在此列出（预警，不影响拨付）。`;
}
