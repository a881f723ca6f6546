// A small Sankey (flow) diagram in plain SVG: where the money went.
//
// Input: {nodes: [{id, label}], links: [{source, target, value_fen}]} as the
// node's flows and fund-trace endpoints give it. Columns are the longest path
// from a source; nodes that pay nothing onward (households, projects,
// payees) are pushed to the last column. Heights are proportional to money.

import { wan } from './format.js';

const SVG = 'http://www.w3.org/2000/svg';
const PALETTE = ['#c2410c', '#b45309', '#a16207', '#4d7c0f', '#0f766e', '#1d4ed8', '#7c3aed', '#be185d'];

function el(name, attrs = {}, text) {
  const e = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

/** Computes the layout (pure; exported for tests). */
export function layout(graph, { width, height, nodeWidth = 12, pad = 8, minSlot = 34 }) {
  const nodes = new Map();
  for (const n of graph.nodes || []) nodes.set(String(n.id), { id: String(n.id), label: n.label || String(n.id), inLinks: [], outLinks: [] });
  const links = [];
  for (const l of graph.links || []) {
    const value = Number(l.value_fen);
    const s = nodes.get(String(l.source));
    const t = nodes.get(String(l.target));
    if (!s || !t || s === t || !(value > 0)) continue;
    const link = { source: s, target: t, value };
    s.outLinks.push(link);
    t.inLinks.push(link);
    links.push(link);
  }
  const used = [...nodes.values()].filter((n) => n.inLinks.length || n.outLinks.length);
  if (used.length === 0) return null;
  for (const n of used) {
    const vin = n.inLinks.reduce((a, l) => a + l.value, 0);
    const vout = n.outLinks.reduce((a, l) => a + l.value, 0);
    n.value = Math.max(vin, vout);
    n.depth = 0;
  }
  // Longest path from the sources (bounded relaxation: also safe on cycles).
  for (let round = 0; round < used.length; round++) {
    let changed = false;
    for (const l of links) {
      if (l.target.depth < l.source.depth + 1) {
        l.target.depth = l.source.depth + 1;
        changed = true;
      }
    }
    if (!changed) break;
  }
  const maxDepth = Math.max(...used.map((n) => n.depth));
  for (const n of used) if (n.outLinks.length === 0 && n.inLinks.length) n.depth = maxDepth;
  const columns = [];
  for (const n of used) (columns[n.depth] ||= []).push(n);
  for (const col of columns) if (col) col.sort((a, b) => (a.outLinks.length === 0 && b.outLinks.length === 0 ? b.value - a.value : 0));

  const cols = columns.filter(Boolean);
  const ky = Math.min(...cols.map((c) => (height - (c.length - 1) * pad) / c.reduce((a, n) => a + n.value, 0)));
  const dx = maxDepth > 0 ? (width - nodeWidth) / maxDepth : 0;
  // Each node gets at least `minSlot` pixels so that its two-line label fits.
  const extent = (c) => c.reduce((a, n) => a + Math.max(Math.max(n.value * ky, 2) + pad, minSlot), 0) - pad;
  const total = Math.max(height, ...cols.map(extent));
  for (const col of cols) {
    let y = (total - extent(col)) / 2;
    for (const n of col) {
      const h = Math.max(n.value * ky, 2);
      const slot = Math.max(h + pad, minSlot);
      n.x0 = n.depth * dx;
      n.x1 = n.x0 + nodeWidth;
      n.y0 = y + (slot - pad - h) / 2;
      n.y1 = n.y0 + h;
      y += slot;
    }
  }
  // Link bands: stacked in the order of the other end's position.
  for (const n of used) {
    n.outLinks.sort((a, b) => a.target.y0 - b.target.y0);
    n.inLinks.sort((a, b) => a.source.y0 - b.source.y0);
    let y = n.y0;
    for (const l of n.outLinks) {
      l.width = Math.max(l.value * ky, 1);
      l.y0 = y + l.width / 2;
      y += l.value * ky;
    }
    y = n.y0;
    for (const l of n.inLinks) {
      l.y1 = y + Math.max(l.value * ky, 1) / 2;
      y += l.value * ky;
    }
  }
  return { nodes: used, links, maxDepth, height: total };
}

function truncate(text, max) {
  const chars = Array.from(text);
  return chars.length > max ? chars.slice(0, max - 1).join('') + '…' : text;
}

/**
 * Draws the diagram into a new <svg>. `minWidth` keeps it readable on a
 * phone (the caller puts it in a horizontally scrolling box).
 */
export function sankeySvg(graph, { width = 800, minWidth = 680, title = '资金流向图' } = {}) {
  const W = Math.max(width, minWidth);
  const labelRoom = Math.min(170, Math.round(W * 0.2));
  const margin = { top: 8, right: labelRoom, bottom: 8, left: 4 };
  const L = layout(graph, { width: W - margin.left - margin.right, height: 240 });
  const H = (L ? L.height : 60) + margin.top + margin.bottom;
  const svg = el('svg', {
    viewBox: `0 0 ${W} ${H}`,
    width: W,
    height: H,
    role: 'img',
    class: 'sankey',
    'aria-label': title,
  });
  svg.appendChild(el('title', {}, title));
  if (!L) return svg;
  const g = el('g', { transform: `translate(${margin.left},${margin.top})` });
  svg.appendChild(g);
  const colour = (n) => PALETTE[n.depth % PALETTE.length];
  const linkG = el('g', { class: 'links', fill: 'none' });
  for (const l of L.links) {
    const x0 = l.source.x1;
    const x1 = l.target.x0;
    const xm = (x0 + x1) / 2;
    const p = el('path', {
      d: `M${x0},${l.y0}C${xm},${l.y0} ${xm},${l.y1} ${x1},${l.y1}`,
      stroke: colour(l.source),
      'stroke-width': l.width.toFixed(2),
      'stroke-opacity': 0.28,
    });
    p.appendChild(el('title', {}, `${l.source.label} → ${l.target.label}：${wan(l.value)}`));
    linkG.appendChild(p);
  }
  g.appendChild(linkG);
  const nodeG = el('g', { class: 'nodes' });
  const colWidth = L.maxDepth > 0 ? (W - margin.left - margin.right) / L.maxDepth : W;
  const maxChars = Math.max(4, Math.floor((Math.min(colWidth, labelRoom) - 18) / 12));
  for (const n of L.nodes) {
    const r = el('rect', {
      x: n.x0, y: n.y0, width: n.x1 - n.x0, height: Math.max(n.y1 - n.y0, 1), fill: colour(n), rx: 2,
    });
    r.appendChild(el('title', {}, `${n.label}：${wan(n.value)}`));
    nodeG.appendChild(r);
    const cy = (n.y0 + n.y1) / 2;
    const last = n.depth === L.maxDepth;
    const text = el('text', { x: n.x1 + 5, y: cy, 'dominant-baseline': 'middle', class: 'sankey-label' });
    const name = el('tspan', { x: n.x1 + 5, dy: '-0.35em' }, truncate(n.label, last ? Math.floor(labelRoom / 12) : maxChars));
    const amount = el('tspan', { x: n.x1 + 5, dy: '1.2em', class: 'sankey-amount' }, wan(n.value));
    text.append(name, amount);
    text.appendChild(el('title', {}, `${n.label}：${wan(n.value)}`));
    nodeG.appendChild(text);
  }
  g.appendChild(nodeG);
  return svg;
}
