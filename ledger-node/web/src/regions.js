// The region table (/v1/regions), loaded once and shared by every view.

import { api } from './api.js';

let index = null;

/** code → {code, name, level, parent, totals}. */
export async function regions() {
  if (!index) {
    const r = await api.regions();
    index = new Map((r.regions || []).map((x) => [x.code, x]));
  }
  return index;
}

/** The name of a region code, once the table is loaded (else null). */
export function nameOf(code) {
  const r = index && index.get(code);
  return r ? r.name : null;
}
