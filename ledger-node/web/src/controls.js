// The second kind of green (issue 15, item 2). A payment card says two
// things separately:
//   (a) 已记录且未被篡改 — the cryptographic check this browser did itself
//       (check.js): the bytes are in the signed log, unaltered;
//   (b) 审核控制 — whether the payment passed the controls the node knows of
//       (duplicate of the same household/category/period, paid without or
//       before publicity, under an open objection, unconfirmed past its
//       deadline, registration, signatures). The node computes (b) and serves
//       it as `controls` on each payment with the texts once per answer in
//       `control_texts` ({code: {title_zh, status_zh: {status: text},
//       what_to_do_zh}}, docs/API.md "Two kinds of green"); the page shows it
//       as the node's finding, with the explanation and what to do, and never
//       turns it into a tick that was not given: no `controls` → "not
//       provided", never green.
// A row lists only the checks that did not pass; the answer names the
// checks it ran once, in `checked` (a check named there and absent from the
// row passed): `withChecked` restores the full list on the rows of that
// answer, as `withTexts` restores the texts. A pre-rule history warning is
// shown once, inside the control it broke (review finding 3), not again in
// a separate warnings list.

import { h } from './dom.js';
import { ymd } from './format.js';

const arr = (v) => (Array.isArray(v) ? v : []);
const str = (v) => (typeof v === 'string' && v.trim() ? v : null);
/** At most this many checks are drawn per payment (the node sends six). */
const MAX_CHECKS = 12;

/** Chinese names of the controls, by stable code, when the answer has no `control_texts`. */
export const CONTROL_ZH = {
  duplicate: '重复发放',
  publicity: '发放公示',
  objection: '异议',
  confirmation: '农户确认',
  registration: '建档立卡',
  signatures: '经办签字',
};

/** Check statuses, by what they mean for the payment. */
const STATE = {
  passed: 'passed',
  pending: 'pending',
  not_applicable: 'not_applicable',
  failed: 'failed',
  // Broke the control before the policy enforced it: never shown as fine.
  not_enforced_then: 'failed',
};

/**
 * Restore each row's full list of checks from the answer's `checked` (the
 * checks the node ran, named once per answer): a check named there and
 * absent from the row passed. Without `checked` (a node that lists every
 * check on every row) the rows are left as they are. Returns `items`.
 */
export function withChecked(items, answer) {
  const names = arr(answer && answer.checked).filter((x) => str(x)).slice(0, MAX_CHECKS);
  if (!names.length) return arr(items);
  for (const p of arr(items)) {
    const c = p && p.controls;
    if (!c || typeof c !== 'object' || c.full) continue;
    const listed = arr(c.checks).filter((x) => x && typeof x === 'object');
    const byCode = new Map(listed.map((x) => [x.code, x]));
    const checks = names.map((code) => byCode.get(code) || { code, status: 'passed' });
    // A check the row names that the answer's list lacks is kept, never dropped.
    for (const x of listed) if (!names.includes(x.code)) checks.push(x);
    p.controls = { ...c, checks, full: true };
  }
  return arr(items);
}

function readCheck(c, texts) {
  if (!c || typeof c !== 'object' || !str(c.code)) return null;
  const t = texts && typeof texts[c.code] === 'object' && texts[c.code] ? texts[c.code] : {};
  const state = STATE[c.status] || 'unknown';
  const extra = [];
  const others = arr(c.with).filter((x) => Number.isSafeInteger(x));
  if (others.length) extra.push(`另见账本第 ${others.join('、')} 条记录`);
  if (c.deadline != null) extra.push(`确认期限 ${ymd(c.deadline)}`);
  return {
    code: c.code,
    status: String(c.status || ''),
    state,
    title: str(t.title_zh) || CONTROL_ZH[c.code] || c.code,
    message: (t.status_zh && typeof t.status_zh === 'object' ? str(t.status_zh[c.status]) : null) || null,
    extra: extra.join('；') || null,
    action: state === 'failed' ? str(t.what_to_do_zh) : null,
    because: arr(c.because).filter((x) => str(x)),
  };
}

/**
 * What the node says about the controls of payment `p`:
 * {state: 'passed' | 'failed' | 'unknown', checks, failed, passed, pending}.
 * Without `controls`, history `warnings` still make it 'failed'; with
 * neither it is 'unknown' — never shown as green.
 */
export function controlsOf(p, texts) {
  const c = p && p.controls;
  const checks = c && typeof c === 'object' ? arr(c.checks).slice(0, MAX_CHECKS).map((x) => readCheck(x, texts)).filter(Boolean) : [];
  // The history warnings behind a control broken before it was enforced are
  // shown inside that control's finding (once); `uncovered` are the rest.
  const warningList = arr(p && p.warnings).filter((w) => w && typeof w === 'object');
  for (const x of checks) x.history = x.status === 'not_enforced_then' ? warningList.filter((w) => x.because.includes(w.code)) : [];
  const covered = new Set(checks.flatMap((x) => x.history));
  const uncovered = warningList.filter((w) => !covered.has(w));
  const failed = checks.filter((x) => x.state === 'failed');
  const passed = checks.filter((x) => x.state === 'passed');
  const pending = checks.filter((x) => x.state === 'pending');
  const warnings = arr(p && p.warnings).length;
  let state = 'unknown';
  // The node's overall word counts only towards caution: "ok" beside a
  // failed check or a history warning is read as failed.
  if (failed.length || (c && c.status === 'warning') || warnings) state = 'failed';
  else if (c && c.status === 'reversed') state = 'reversed';
  else if (c && c.status === 'ok' && checks.length && checks.every((x) => x.state !== 'unknown')) state = 'passed';
  return { state, checks, failed, passed, pending, warnings, uncovered };
}

/** The (b) badge: a tick only when the node reported every known control fine. */
export function controlsBadge(r) {
  if (r.state === 'failed') {
    const n = r.failed.length || r.warnings;
    return h('span', { class: 'badge badge-warn', 'data-testid': 'controls-status', 'data-status': 'failed' }, `⚠ 审核控制：${n ? `${n} 项` : ''}未通过`);
  }
  if (r.state === 'passed') {
    return h('span', { class: 'badge badge-ok-soft', 'data-testid': 'controls-status', 'data-status': 'passed' }, `✔ 通过已知的 ${r.checks.length} 项审核控制`);
  }
  if (r.state === 'reversed') {
    return h('span', { class: 'badge badge-muted', 'data-testid': 'controls-status', 'data-status': 'reversed' }, '审核控制：此笔已冲正，不再检查');
  }
  return h('span', { class: 'badge badge-muted', 'data-testid': 'controls-status', 'data-status': 'unknown' }, '审核控制：节点未提供结果');
}

/** What failed, with explanation and what to do; what passed or is pending, briefly. */
export function controlsBlock(r) {
  const line = (x) => [h('strong', null, x.title), x.message ? `：${x.message}` : '', x.extra ? `（${x.extra}）` : ''];
  // A control broken before it was enforced: its own history warnings say
  // precisely what happened, so they replace the control's general text.
  const history = (x) => h('ul', { class: 'history', 'data-testid': 'control-history' }, x.history.map((w) => h('li', { 'data-code': w.code || '' },
    w.message_zh || w.message || w.code || '警示')));
  return h('div', { class: `controls controls-${r.state}`, 'data-testid': 'controls' },
    r.failed.length ? h('ul', { class: 'warnings', role: 'note', 'data-testid': 'control-findings' }, r.failed.map((x) => h('li', { 'data-code': x.code, 'data-status': x.status },
      h('span', { class: 'warn-mark', 'aria-hidden': 'true' }, '⚠'), ' ',
      x.history.length ? [h('strong', null, x.title), '：', history(x)] : line(x),
      h('span', { class: 'block small' }, `怎么办：${x.action || '请向村委会或乡镇扶贫办了解原因；如认为有问题，可拨打下方“有疑问？”中的电话反映。'}`)))) : null,
    r.pending.length ? h('p', { class: 'small', 'data-testid': 'control-pending' }, r.pending.map((x) => h('span', { class: 'block' }, '○ ', line(x)))) : null,
    r.passed.length ? h('p', { class: 'small muted' }, `已通过：${r.passed.map((x) => x.title).join('、')}。`) : null,
    r.state === 'unknown' ? h('p', { class: 'small muted' }, '节点没有给出这笔款项的审核控制结果；“已记录且未被篡改”只说明记录本身可信，不说明发放是否合规。') : null);
}
