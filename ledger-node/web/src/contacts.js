// 有疑问？ Supervision and objection contacts (issue 15, item 3): the 12317
// hotline, the district's and town's discipline-inspection offices (phone,
// address, office hours), published as signed ledger data (entry kind 27,
// ContactsUpdate) and served by GET /v1/regions/{code}/contacts, nearest
// region first (village, town, district). Shown on every page (the footer)
// and on each payment card.
//
// When the node has no contacts for a region the page says so and gives only
// the nationwide 12317 hotline, which is public knowledge, not ledger data.

import { api } from './api.js';
import { h, fill } from './dom.js';

const arr = (v) => (Array.isArray(v) ? v : []);
const str = (v) => (typeof v === 'string' && v.trim() ? v.trim() : null);
/** Never render more than this many contacts (a hostile answer could list thousands). */
const MAX_CONTACTS = 12;

/** The nationwide poverty-alleviation supervision hotline (国务院扶贫办 12317). */
const NATIONAL = { name: '全国扶贫监督举报电话', phone: '12317', role: 'hotline_12317' };

/** A phone number as a tel: link (digits, +, - only), else as text. */
function phone(p) {
  const s = str(p);
  if (!s) return null;
  const digits = s.replace(/[\s-]/g, '');
  return /^\+?\d{3,20}$/.test(digits) ? h('a', { href: `tel:${digits}`, class: 'phone' }, s) : s;
}

/** One contact: who, phone, address, office hours, and which level publishes it. */
function contactItem(c) {
  const scope = c.region && typeof c.region === 'object' ? str(c.region.name) : null;
  return h('li', { class: 'contact', 'data-testid': 'contact', 'data-role': str(c.role) || '' },
    h('strong', null, str(c.name) || str(c.role_zh) || '监督电话'),
    str(c.role_zh) && str(c.name) ? h('span', { class: 'small muted' }, `（${c.role_zh}）`) : null,
    scope ? h('span', { class: 'small muted' }, ` · ${scope}`) : null,
    str(c.phone) ? h('span', { class: 'contact-phone' }, ' 电话 ', phone(c.phone)) : null,
    str(c.address) ? h('span', { class: 'block small' }, `地址：${c.address}`) : null,
    str(c.hours) ? h('span', { class: 'block small muted' }, `办公时间：${c.hours}`) : null);
}

/**
 * The contacts of an answer, nearest region first: `by_region` is
 * [{region, seq, contacts: [{role, name, phone, address, hours}]}], the
 * role's Chinese name in `role_labels` (docs/API.md).
 */
export function contactsOf(r) {
  const labels = r && r.role_labels && typeof r.role_labels === 'object' ? r.role_labels : {};
  return arr(r && r.by_region).flatMap((g) => arr(g && g.contacts)
    .filter((c) => c && typeof c === 'object')
    .map((c) => ({ ...c, region: g.region, role_zh: typeof labels[c.role] === 'string' ? labels[c.role] : null })))
    .slice(0, MAX_CONTACTS);
}

function fallback(reason) {
  return [
    h('ul', { class: 'contact-list' }, contactItem(NATIONAL)),
    h('p', { class: 'small muted', 'data-testid': 'contacts-missing' }, reason),
  ];
}

/**
 * 有疑问？ for a region (a village, town or the district): loads its contacts
 * and draws them; `compact` for a payment card or the printed sheet.
 */
export function contactsBlock(code, { compact = false, title = '有疑问？' } = {}) {
  const body = h('div', { class: 'contacts-body' }, h('span', { class: 'small muted' }, '正在加载监督电话…'));
  const box = h('div', { class: `contacts${compact ? ' contacts-compact' : ''}`, 'data-testid': 'contacts' },
    h('p', { class: 'contacts-title' }, h('strong', null, title), ' 对补贴、名单或本页内容有疑问，可在公示期内或任何时候反映：'), body);
  if (!code) {
    fill(body, fallback('未能确定所在地区。'));
    return box;
  }
  api.contacts(code).then((r) => {
    const list = contactsOf(r);
    box.dataset.count = String(list.length);
    fill(body, list.length ? h('ul', { class: 'contact-list' }, list.map(contactItem)) : fallback('本地区尚未在账本中公布监督电话。'));
  }, () => {
    box.dataset.count = '0';
    fill(body, fallback('暂时无法获取本地区的监督电话。'));
  });
  return box;
}

/** The footer's 有疑问？ for the region the page is about (the district on the start page). */
export function footerContacts(code) {
  const el = document.getElementById('footer-contacts');
  if (!el) return;
  if (el.dataset.region === (code || '')) return;
  el.dataset.region = code || '';
  fill(el, contactsBlock(code));
}
