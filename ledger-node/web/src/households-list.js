// 户名册: every household of a village (issue 15, item 1) — paid or
// registered, exited included — with its masked name and household code
// (户码, code.js), and a search box narrowing the list by masked name or by
// the start of the code, so a villager without a slip finds their household.
//
// Data: GET /v1/regions/{code}/household-list[?q=&after=] (docs/API.md).
// The code shown is computed here from the public household reference, not
// taken from the node, and the page filters what the node answers with the
// same rule as the node, so a row that does not match the query is never
// shown.

import { api } from './api.js';
import { h, link, fill } from './dom.js';
import { assistanceZh, count, yuan } from './format.js';
import { card, empty, errorBox, loading } from './ui.js';
import { ALPHABET, CODE_SYMBOLS, displayCode, householdCode, normalizeCodeInput } from './code.js';
import { collapse, pager } from './procedures.js';

const arr = (v) => (Array.isArray(v) ? v : []);
/** The node refuses a longer `q` (docs/API.md); so does the field. */
const MAX_QUERY_CHARS = 32;
/** Pages followed for one search (500 households a page at most). */
const MAX_SEARCH_PAGES = 20;

/** The code of a listed household, or null when its reference is not 64 hex. */
function codeOf(hh) {
  try {
    return householdCode(hh.household);
  } catch {
    return null;
  }
}

/**
 * Does a household match the search, by the node's rule? A query that,
 * read as a code, is 1 to 11 code symbols matches the start of the code;
 * any other query a masked name containing it ("王", "王*明", "*明").
 */
export function matches(hh, query) {
  const q = String(query || '').trim();
  if (!q) return true;
  const c = normalizeCodeInput(q);
  if (c.length >= 1 && c.length <= CODE_SYMBOLS && [...c].every((x) => ALPHABET.includes(x))) {
    const code = codeOf(hh);
    return code != null && code.startsWith(c);
  }
  return String(hh.masked_name || '').includes(q);
}

function categoriesText(hh, labels) {
  const cats = arr(hh.categories);
  return cats.length ? cats.map((c) => (labels && labels[c]) || assistanceZh(null, c)).join('、') : null;
}

function householdRow(labels) {
  return (hh) => {
    const code = codeOf(hh);
    const target = code || hh.household;
    const status = (labels.status && labels.status[hh.status]) || null;
    return h('tr', { 'data-testid': 'household-row', 'data-code': code || '', 'data-status': hh.status || '' },
      h('td', { 'data-label': '户主' }, link(`#/h/${target}`, hh.masked_name || '—')),
      h('td', { 'data-label': '户码', class: 'nowrap' }, code ? link(`#/h/${code}`, h('code', { class: 'hcode' }, displayCode(code))) : '—'),
      h('td', { 'data-label': '类别' }, categoriesText(hh, labels.category) || h('span', { class: 'muted' }, status || '—'),
        status && arr(hh.categories).length ? h('span', { class: 'small muted' }, ` · ${status}`) : null),
      h('td', { class: 'num', 'data-label': '已收到' }, typeof hh.paid_fen === 'number' ? yuan(hh.paid_fen) : '—',
        typeof hh.payments === 'number' ? h('span', { class: 'small muted block' }, `${count(hh.payments)} 笔`) : null));
  };
}

function tableOf(rows, render) {
  return h('table', { class: 'compact', 'data-testid': 'household-table' },
    h('thead', null, h('tr', null, ['户主', '户码', '类别', '已收到'].map((t, i) => h('th', { scope: 'col', class: i === 3 ? 'num' : null }, t)))),
    h('tbody', null, rows.map(render)));
}

const labelsOf = (r) => ({ category: r.category_labels || {}, status: r.status_labels || {} });

/** 本村农户: the village's households with codes, and a search. */
export function householdListCard(code) {
  const list = h('div', { 'data-testid': 'household-list' }, loading('正在加载本村农户…'));
  const status = h('p', { class: 'muted', 'data-testid': 'household-search-status', 'aria-live': 'polite' });
  const input = h('input', {
    type: 'search', id: 'household-search', maxlength: String(MAX_QUERY_CHARS), autocomplete: 'off', spellcheck: 'false',
    placeholder: '输入户主姓名中的字或户码前几位', 'aria-label': '按户主姓名或户码查找农户', enterkeyhint: 'search',
  });
  const box = card('本村农户（户名册）',
    h('form', { class: 'search household-search', role: 'search', onsubmit: (e) => {
      e.preventDefault();
      search(input.value);
    } }, input, h('button', { class: 'btn', type: 'submit' }, '查找')),
    status, list,
    h('p', { class: 'hint' }, '本村收到过补贴或登记在册的每一户。户主姓名已脱敏；户码印在补贴发放单上，点击户码可查看该户的每一笔补贴并在本机验证。'));

  // Every search gets a number: an older answer arriving late is dropped.
  let generation = 0;

  const show = async (q) => {
    const mine = ++generation;
    fill(status);
    delete list.dataset.query;
    fill(list, loading(q ? '正在查找…' : '正在加载本村农户…'));
    try {
      let r = await api.householdList(code, null, q || null);
      if (mine !== generation) return;
      const labels = labelsOf(r);
      const render = householdRow(labels);
      if (!q) {
        const all = arr(r.households);
        const table = tableOf(all, render);
        const tbody = table.querySelector('tbody');
        fill(status, typeof r.total === 'number' ? `共 ${count(r.total)} 户` : '');
        fill(list, all.length ? [h('div', { class: 'table-wrap' }, table), collapse(tbody, 12, '户'), pager(tbody, r.next, async (c) => {
          const more = await api.householdList(code, c);
          return { items: arr(more.households), next: more.next };
        }, render)] : empty('本村暂无农户记录'));
        list.dataset.query = '';
        return;
      }
      // The node filters with `q`; the page filters again by the same rule.
      const found = arr(r.households).filter((hh) => matches(hh, q));
      for (let pages = 1; r.next != null && pages < MAX_SEARCH_PAGES; pages++) {
        r = await api.householdList(code, r.next, q);
        if (mine !== generation) return;
        found.push(...arr(r.households).filter((hh) => matches(hh, q)));
      }
      fill(status, found.length ? `找到 ${count(found.length)} 户` : '');
      fill(list, found.length
        ? h('div', { class: 'table-wrap' }, tableOf(found, render))
        : h('p', { class: 'empty', 'data-testid': 'household-search-none' }, `没有户主姓名含“${q}”或户码以“${q}”开头的农户。户码不用 0、1、I、L、O、S、Z，请对照发放单核对。`));
      list.dataset.query = q; // what the list now shows (tests wait on it)
    } catch (e) {
      if (mine !== generation) return;
      fill(list, e.status === 404 ? empty('暂无本村户名册') : errorBox(e, () => show(q)));
    }
  };
  const search = (text) => show(String(text || '').trim().slice(0, MAX_QUERY_CHARS));

  // Narrows as one types, after a short pause (not a request per keystroke).
  let timer = null;
  input.addEventListener('input', () => {
    clearTimeout(timer);
    timer = setTimeout(() => search(input.value), 300);
  });
  show('');
  return box;
}
