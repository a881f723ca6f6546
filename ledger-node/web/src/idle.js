// 资金滞留预警 (issue 13, item 3): money that has sat at an account longer
// than the policy's time limit for its level (district, town or village
// treasury, or a project account), counted from business dates to the
// ledger's latest business date. A warning, never a refusal; the node
// computes it with ledger-core's `idle_money`, the same figures as
// `ledger audit` (docs/FORMAT.md §6.5).
//
// Data: GET /v1/regions/{code}/idle (docs/API.md "资金滞留预警").

import { api } from './api.js';
import { h, link, fill } from './dom.js';
import { accountLabel, count, yuan, ymd } from './format.js';
import { card, empty, errorBox, loading } from './ui.js';
import { nameOf } from './regions.js';

const enc = encodeURIComponent;
const arr = (v) => (Array.isArray(v) ? v : []);

/** An account `treasury:<code>` / `project:<id>` as a link to its region or project. */
function accountCell(x) {
  const acc = typeof x.account === 'string' ? x.account : '';
  const text = x.account_name || accountLabel(acc, nameOf);
  const [kind, id] = [acc.slice(0, acc.indexOf(':')), acc.slice(acc.indexOf(':') + 1)];
  const target = kind === 'project' ? `#/p/${enc(id)}` : kind === 'treasury' ? `#/r/${id}` : null;
  return [target ? link(target, text) : text, x.level_zh ? h('span', { class: 'small muted' }, ` ${x.level_zh}`) : null];
}

function idleRow(x) {
  return h('tr', { class: 'has-warnings', 'data-testid': 'idle-row', 'data-account': x.account || '', 'data-fund': x.fund },
    h('td', { 'data-label': '账户' }, accountCell(x)),
    h('td', { 'data-label': '资金' }, h('span', null, link(`#/f/${enc(x.fund)}`, x.fund), x.fund_title ? h('span', { class: 'small muted block' }, x.fund_title) : null)),
    h('td', { 'data-label': '到账日期', class: 'nowrap', 'data-testid': 'idle-since' }, `${ymd(x.since)} 起`),
    h('td', { 'data-label': '已滞留', class: 'nowrap', 'data-testid': 'idle-days' }, `${count(x.days)} 天`,
      x.limit_days != null ? h('span', { class: 'small muted' }, `（期限 ${count(x.limit_days)} 天${x.over_days != null ? `，超 ${count(x.over_days)} 天` : ''}）`) : null),
    h('td', { class: 'num', 'data-label': '滞留金额', 'data-testid': 'idle-amount' }, yuan(x.amount_fen)));
}

/** The idle money rows: account, fund, since, days against the limit, amount. */
export function idleTable(items, testid = 'idle') {
  const body = h('tbody', null, items.map(idleRow));
  return h('div', { class: 'table-wrap' }, h('table', { 'data-testid': testid, class: 'compact' },
    h('caption', { class: 'sr-only' }, '超过期限滞留的资金'),
    h('thead', null, h('tr', null, ['账户', '资金', '到账日期', '已滞留', '滞留金额'].map((t, i) => h('th', { scope: 'col', class: i === 4 ? 'num' : null }, t)))),
    body));
}

/** Sub-region sums (by_town / by_village) as links with amount and count. */
function subSums(title, list) {
  if (!list.length) return null;
  return h('div', { class: 'idle-sums' }, h('h4', null, title), h('ul', { class: 'category-counts' }, list.map((x) => h('li', { 'data-region': x.region?.code },
    link(`#/r/${x.region?.code}`, x.region?.name || nameOf(x.region?.code) || x.region?.code), h('strong', null, yuan(x.amount_fen)),
    h('span', { class: 'small muted' }, `${count(x.count)} 笔`)))));
}

function limitsHint(l) {
  const base = '资金到达某一账户后，应在政策规定的期限内拨付下级或支出';
  const tail = '超过期限仍留在账户上的部分（先到的资金先拨出）在此列出；这是预警，不影响拨付。';
  if (!l || typeof l !== 'object') return `${base}。${tail}`;
  return `${base}：区财政 ${l.district_days} 天、镇财政所 ${l.town_days} 天、村集体 ${l.village_days} 天、项目账户 ${l.project_days} 天。${tail}`;
}

/** 资金滞留预警 of a region (its treasuries and its villages' projects); nothing idle → a short all-clear. */
export function idleCard(code, level) {
  const body = h('div', { 'data-testid': 'idle-money' }, loading('正在计算资金滞留…'));
  const box = card('资金滞留预警', body);
  const load = async () => {
    try {
      const r = await api.idle(code);
      const items = arr(r.items);
      const asOf = r.as_of ? `截至 ${ymd(r.as_of)}（账本最新业务日期）` : '';
      if (!items.length) {
        fill(body, h('p', { class: 'ok-line', 'data-testid': 'idle-none' }, `✔ 没有超过期限滞留的资金${asOf ? `，${asOf}` : ''}。`),
          h('p', { class: 'hint' }, limitsHint(r.limits)));
        return;
      }
      const table = idleTable(items);
      const tbody = table.querySelector('tbody');
      const more = h('div', { class: 'more' });
      let next = r.next;
      const draw = () => {
        fill(more);
        if (next == null) return;
        more.append(h('button', { class: 'btn btn-ghost', type: 'button', onclick: async (e) => {
          e.target.disabled = true;
          e.target.textContent = '正在加载…';
          try {
            const again = await api.idle(code, next);
            tbody.append(...arr(again.items).map(idleRow));
            next = again.next ?? null;
            draw();
          } catch (err) {
            fill(more, errorBox(err, draw));
          }
        } }, '加载更多'));
      };
      draw();
      fill(body,
        h('div', { class: 'alert alert-warn', role: 'note', 'data-testid': 'idle-total' },
          h('strong', null, `⚠ ${count(r.count ?? items.length)} 笔资金超过拨付或支出期限，合计 ${yuan(r.total_fen)}`),
          asOf ? h('p', null, `${asOf}，按业务日期计算。`) : null),
        // The district lists its towns, a town its villages: one level down, as the region tiles do.
        level === 'district' ? subSums('各镇（街道）', arr(r.by_town)) : level === 'town' ? subSums('各村（社区）', arr(r.by_village)) : null,
        table, more,
        h('p', { class: 'hint' }, limitsHint(r.limits)));
    } catch (e) {
      fill(body, e.status === 404 ? empty('暂无资金滞留数据') : errorBox(e, load));
    }
  };
  load();
  return box;
}
