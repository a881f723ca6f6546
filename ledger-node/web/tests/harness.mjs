// Starts a demo ledger-node and a headless Debian chromium for the browser
// tests and the screenshots. Never downloads a browser.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, '..', '..', '..');

export const CHROMIUM = process.env.CHROMIUM || '/usr/bin/chromium';
export const NODE_BIN = process.env.LEDGER_NODE_BIN || join(repoRoot, 'target', 'debug', 'ledger-node');

function freePort() {
  return new Promise((res, rej) => {
    const s = createServer();
    s.unref();
    s.on('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => res(port));
    });
  });
}

/** Starts `ledger-node --demo` on a fresh data folder; resolves once /readyz answers. */
export async function startNode(extraArgs = []) {
  if (!existsSync(NODE_BIN)) throw new Error(`${NODE_BIN} not found: run cargo build -p ledger-node`);
  const data = mkdtempSync(join(tmpdir(), 'sunshine-web-test-'));
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(NODE_BIN, ['--demo', '--data', join(data, 'node'), '--listen', `127.0.0.1:${port}`, ...extraArgs], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, RUST_LOG: process.env.RUST_LOG || 'warn' },
  });
  let log = '';
  child.stdout.on('data', (d) => (log += d));
  child.stderr.on('data', (d) => (log += d));
  const exited = new Promise((res) => child.on('exit', (code) => res(code)));
  const deadline = Date.now() + 180_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`ledger-node exited with ${child.exitCode}:\n${log.slice(-4000)}`);
    try {
      const r = await fetch(`${url}/readyz`);
      if (r.ok) {
        const l = await fetch(`${url}/v1/log`);
        if (l.ok && (await l.json()).size > 100) break;
      }
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`ledger-node did not become ready:\n${log.slice(-4000)}`);
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  return {
    url,
    // The node's data folder (keys/ inside): the rotation test prepares a key there.
    data: join(data, 'node'),
    log: () => log,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(t);
      }
      rmSync(data, { recursive: true, force: true });
    },
  };
}

/** Launches Debian's chromium headless with a fresh profile; `env` for its process (e.g. FONTCONFIG_FILE). */
export async function startBrowser({ env } = {}) {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} not found: apt-get install -y chromium`);
  const profile = mkdtempSync(join(tmpdir(), 'sunshine-web-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    locale: 'zh-CN',
    timezoneId: 'Asia/Shanghai',
    viewport: { width: 1280, height: 900 },
    ...(env ? { env: { ...process.env, ...env } } : {}),
    args: [
      '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
