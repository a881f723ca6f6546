// Shared page pieces: cards, tables, stats, bars, loading and error states.

import { h, fill } from './dom.js';
import { percent, wan, yuan } from './format.js';
import { sankeySvg } from './sankey.js';

export function card(title, ...children) {
  return h('section', { class: 'card' }, title ? h('h3', { class: 'card-title' }, title) : null, ...children);
}

export function stat(label, value, sub, testid) {
  return h('div', { class: 'stat', 'data-testid': testid }, h('div', { class: 'stat-label' }, label), h('div', { class: 'stat-value' }, value), sub ? h('div', { class: 'stat-sub' }, sub) : null);
}

export function loading(text = '正在加载…') {
  return h('p', { class: 'loading', role: 'status' }, text);
}

export function errorBox(e, retry) {
  return h(
    'div',
    { class: 'alert alert-error', role: 'alert' },
    h('strong', null, '出错了：'),
    e && e.message ? e.message : String(e),
    retry ? h('button', { class: 'btn btn-small', type: 'button', onclick: retry }, '重试') : null,
  );
}

export function empty(text) {
  return h('p', { class: 'empty' }, text);
}

/** A table; `cols` = [{title, cell: row => node|string, num?: true}]. */
export function table(cols, rows, { caption, testid } = {}) {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { 'data-testid': testid },
      caption ? h('caption', null, caption) : null,
      h('thead', null, h('tr', null, cols.map((c) => h('th', { class: c.num ? 'num' : null, scope: 'col' }, c.title)))),
      h('tbody', null, rows.map((r) => h('tr', null, cols.map((c) => h('td', { class: c.num ? 'num' : null, 'data-label': c.title }, c.cell(r)))))),
    ),
  );
}

/** A horizontal bar list: label, amount and share of the total. */
export function bars(items, { label, value, sub } = {}) {
  const total = items.reduce((a, i) => a + (Number(value(i)) || 0), 0);
  if (!items.length) return empty('暂无数据');
  return h(
    'ul',
    { class: 'bars' },
    items.map((i) => {
      const p = percent(value(i), total) ?? 0;
      return h(
        'li',
        null,
        h('div', { class: 'bar-head' }, h('span', { class: 'bar-label' }, label(i)), h('span', { class: 'bar-value' }, yuan(value(i)))),
        h('div', { class: 'bar-track' }, h('div', { class: 'bar-fill', 'width%': p })),
        h('div', { class: 'bar-sub' }, `${p}%`, sub ? ` · ${sub(i)}` : ''),
      );
    }),
  );
}

/** Budget against paid, as a bar with the percentage. */
export function progress(paid, budget) {
  const p = percent(paid, budget);
  return h(
    'div',
    { class: 'progress', title: p === null ? '' : `已支付 ${p}%` },
    h('div', { class: 'bar-track' }, h('div', { class: `bar-fill${p !== null && p > 100 ? ' over' : ''}`, 'width%': p ?? 0 })),
    h('span', { class: 'progress-text' }, p === null ? '—' : `${p}%`),
  );
}

/** The flow diagram in a horizontally scrolling box, redrawn on resize. */
export function flowChart(graph, title) {
  const box = h('div', { class: 'sankey-box', 'data-testid': 'sankey' });
  const hint = h('p', { class: 'hint only-narrow' }, '← 左右滑动查看完整的资金路径 →');
  if (!graph || !Array.isArray(graph.links) || graph.links.length === 0) {
    return h('div', null, empty('暂无资金流向数据'));
  }
  let lastWidth = 0;
  const draw = () => {
    const w = Math.floor(box.clientWidth || 800);
    if (Math.abs(w - lastWidth) < 24) return;
    lastWidth = w;
    fill(box, sankeySvg(graph, { width: w, title }));
  };
  requestAnimationFrame(draw);
  if (typeof ResizeObserver === 'function') new ResizeObserver(draw).observe(box);
  const legend = h('p', { class: 'hint' }, '从左到右：资金来源 → 区 → 镇（街道） → 村（社区） → 项目与到户补贴；带宽与金额成正比。');
  return h('div', null, hint, box, legend);
}

export { wan, yuan };
