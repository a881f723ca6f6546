// For villagers, not cryptographers (issue 15, item 4): what the checkmark
// means in one plain paragraph, large-text mode (remembered on this device)
// and the kiosk mode of a village terminal (full screen, its own back and
// home buttons since the browser shows none, returns to the start after a
// minute without a touch).

import { h } from './dom.js';

const LARGE = 'sunshine-ledger.large-text';
/** A village terminal goes back to the start after this long untouched. */
export const KIOSK_IDLE_MS = 60_000;
/** Kiosk mode lasts for the browser tab (a terminal's tab never closes). */
const KIOSK = 'sunshine-ledger.kiosk';

function stored(storage, key) {
  try {
    return storage.getItem(key) === '1';
  } catch {
    return false; // storage disabled: the mode is simply not remembered
  }
}

function store(storage, key, on) {
  try {
    if (on) storage.setItem(key, '1');
    else storage.removeItem(key);
  } catch {
    /* storage disabled */
  }
}

/** The plain paragraph: what ✔ means, what it does not, why it can be trusted. */
export function checkmarkMeaning() {
  return h('div', { class: 'plain-meaning', 'data-testid': 'checkmark-meaning' },
    h('p', null, h('strong', null, '“✔ 已记录且未被篡改”是什么意思？'),
      ' 它说明这笔钱确实记在公开的账本上，而且从记上那天起，金额、日期、收款人一个字都没有被改过。这个结果是您的手机或这台电脑自己算出来的，不是听服务器说的：账本的每一页都有财政部门的电子签名，改动任何一个字，签名就对不上。'),
    h('p', null, h('strong', null, '它不说明这笔钱发得对不对。'),
      ' 是否重复发放、是否先公示后发放、有没有未处理的异议，看每笔款项下面的“审核控制”一栏。觉得不对，请拨打下方的举报电话。'));
}

// ------------------------------------------------------------ large text

export function largeText() {
  return stored(localStorage, LARGE);
}

function applyLargeText(on) {
  document.documentElement.classList.toggle('large-text', on);
  const b = document.getElementById('large-text-toggle');
  if (b) {
    b.setAttribute('aria-pressed', on ? 'true' : 'false');
    b.textContent = on ? '标准字' : '大字';
  }
}

/** The 大字 button in the header: toggles, and remembers on this device. */
export function setupLargeText() {
  const nav = document.querySelector('.nav');
  if (nav && !document.getElementById('large-text-toggle')) {
    nav.append(h('button', { type: 'button', id: 'large-text-toggle', class: 'nav-button', 'aria-pressed': 'false', onclick: () => {
      const on = !largeText();
      store(localStorage, LARGE, on);
      applyLargeText(on);
    } }, '大字'));
  }
  applyLargeText(largeText());
}

// ----------------------------------------------------------------- kiosk

export function kioskMode() {
  return stored(sessionStorage, KIOSK);
}

/**
 * `#/kiosk` or `?kiosk=1` turns kiosk mode on for this tab, `?kiosk=0`
 * off. Returns true when the current route was `#/kiosk` (the caller then
 * shows the start page).
 */
export function setupKiosk() {
  const q = new URLSearchParams(location.search).get('kiosk');
  if (q === '1') store(sessionStorage, KIOSK, true);
  if (q === '0') store(sessionStorage, KIOSK, false);
  if (location.hash === '#/kiosk') {
    store(sessionStorage, KIOSK, true);
    history.replaceState(null, '', '#/');
  }
  const on = kioskMode();
  document.documentElement.classList.toggle('kiosk', on);
  if (!on) return;
  if (!document.getElementById('kiosk-bar')) {
    document.body.append(h('nav', { id: 'kiosk-bar', class: 'kiosk-bar', 'aria-label': '终端导航' },
      h('button', { type: 'button', class: 'btn btn-ghost', onclick: () => history.back() }, '‹ 返回'),
      h('a', { class: 'btn', href: '#/h', 'data-testid': 'kiosk-household' }, '查询我家'),
      h('a', { class: 'btn', href: '#/', 'data-testid': 'kiosk-home' }, '回到首页')));
  }
  // A terminal's browser is usually started full screen (chromium --kiosk);
  // if not, the first touch asks for it (browsers allow it only on a gesture).
  window.addEventListener('pointerdown', () => {
    const el = document.documentElement;
    if (!document.fullscreenElement && typeof el.requestFullscreen === 'function') el.requestFullscreen().catch(() => {});
  }, { once: true });
  startIdleReset();
}

/**
 * Back to the start after a minute untouched, so the next villager never
 * sees the previous one's household. Tests shorten the wait through
 * `window.__SUNSHINE_KIOSK_IDLE_MS__` (set before the page loads).
 */
function startIdleReset() {
  const hook = Number(window.__SUNSHINE_KIOSK_IDLE_MS__);
  const wait = Number.isFinite(hook) && hook > 0 ? hook : KIOSK_IDLE_MS;
  let timer = null;
  const reset = () => {
    // Forget what was typed or opened: inputs cleared, scrolled to the top.
    for (const i of document.querySelectorAll('input')) i.value = '';
    if (location.hash !== '#/' && location.hash !== '') location.hash = '#/';
    window.scrollTo(0, 0);
    document.documentElement.dataset.kioskReset = String(Number(document.documentElement.dataset.kioskReset || 0) + 1);
  };
  const touch = () => {
    clearTimeout(timer);
    timer = setTimeout(reset, wait);
  };
  for (const ev of ['pointerdown', 'keydown', 'wheel', 'touchstart', 'scroll']) window.addEventListener(ev, touch, { passive: true });
  window.addEventListener('hashchange', touch);
  touch();
}
