import { existsSync, readFileSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build } from 'vite';
import react from '@vitejs/plugin-react';
import { CHANNELS, isChannel } from '../../src-main/bridge/contract';
import { apiFromChannels } from '../../src-main/bridge/exposeApi';
import { newOrganization, type OrgState } from '../../src-main/core/model/org';
import { createInvoke, memoryServices, vaultServices, type Services } from '../../src-main/ipc/register';
import { Workspace, type VaultControl } from '../../src-main/session/workspace';
import { ScriptedDesktop, type Desktop } from '../../src-main/session/desktop';
import { OrgSession } from '../../src-main/session/orgSession';

/**
 * End to end without Electron: the built renderer runs in Debian's Chromium, and window.api is
 * the preload's object over a page binding into main's real invoke path (sender check,
 * validation, handlers, session). Only the preload's transport is stood in for.
 */

export const CHROMIUM = '/usr/bin/chromium';
/** A cheap scrypt cost so creating and unlocking the e2e vault stays fast; the app tunes it to ~250 ms. */
const E2E_KDF = { N: 1 << 14, r: 8, p: 1 };
const root = resolve(import.meta.dirname, '../..');
export const RENDERER_OUT = join(root, 'out/e2e-renderer');
export const SCREENSHOTS = join(root, 'test-results/screenshots');

/** Builds src-renderer as electron-vite does (same root, plugin and CSP-bearing index.html). */
export async function buildRenderer(): Promise<void> {
  // vitest runs with NODE_ENV=test; the React plugin and React itself would then build for
  // development (jsxDEV, dev warnings, several times slower). Build as `npm run build` does.
  const env = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await buildProduction();
  } finally {
    process.env.NODE_ENV = env;
  }
}

async function buildProduction(): Promise<void> {
  await build({
    root: join(root, 'src-renderer'),
    base: './',
    configFile: false,
    logLevel: 'warn',
    mode: 'production',
    plugins: [react()],
    build: { outDir: RENDERER_OUT, emptyOutDir: true, reportCompressedSize: false },
  });
}

const TYPES: Record<string, string> = { '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml', '.png': 'image/png', '.woff2': 'font/woff2' };

/** A static server for the built renderer on 127.0.0.1, sending the same CSP header as main. */
export async function serveRenderer(dir = RENDERER_OUT): Promise<{ url: string; close: () => Promise<void> }> {
  const csp = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; worker-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";
  const server: Server = createServer((req, res) => {
    const path = normalize(decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname)).replace(/^([/\\])+/, '');
    const file = join(dir, path || 'index.html');
    if (!file.startsWith(dir) || !existsSync(file) || !statSync(file).isFile()) {
      res.writeHead(404).end('not found');
      return;
    }
    res.writeHead(200, { 'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream', 'Content-Security-Policy': csp });
    res.end(readFileSync(file));
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/`, close: () => new Promise((ok) => server.close(() => ok())) };
}

export async function launchChromium(): Promise<Browser> {
  // playwright-core gives every launch a fresh temporary profile (its own --user-data-dir).
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

export interface AppOptions {
  readonly colorScheme?: 'light' | 'dark';
  /**
   * Back the app with a real vault in this folder (first run when it doesn't exist yet);
   * without it the organization given is held in memory.
   */
  readonly vaultDir?: string;
  /** Answers the file dialogs (no native dialog can be clicked in the browser). */
  readonly desktop?: Desktop;
  /**
   * Start with staging on, as the app does. Off by default here: the other flows check that an
   * edit reaches the organization at once.
   */
  readonly staging?: boolean;
}

/**
 * A page whose window.api is the preload's, over main's invoke for the real services: the vault
 * workspace (or an organization in memory). The binding passes the calling frame's URL to the
 * sender check, as ipcMain passes senderFrame.url.
 */
export async function openApp(browser: Browser, appUrl: string, state: OrgState | null, options: AppOptions = {}): Promise<{ page: Page; session: OrgSession; workspace: VaultControl; calls: string[] }> {
  const session = new OrgSession(state ?? newOrganization({ name: 'none', rootbusinessunitid: 'none', defaultteamid: 'none-team' }));
  const services: Services = options.vaultDir
    ? vaultServices(session, new Workspace({ dir: options.vaultDir, actor: 'e2e admin', session, kdf: E2E_KDF }), options.desktop ?? new ScriptedDesktop())
    : memoryServices(session, options.desktop);
  const { workspace } = services;
  const calls: string[] = [];
  const invoke = createInvoke(services, { rendererDir: RENDERER_OUT, devServerUrl: appUrl }, { error: (m, e) => console.error(m, e), warn: (m) => console.warn(m) });
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, colorScheme: options.colorScheme ?? 'light' });
  const page = await context.newPage();
  await page.exposeBinding('__roleatlasInvoke', async (source, channel: unknown, request: unknown) => {
    if (!isChannel(channel)) return { ok: false, error: { code: 'unknown-channel', message: `unknown channel "${String(channel)}"` } };
    calls.push(channel);
    return invoke(source.frame.url(), channel, request);
  });
  await page.addInitScript(
    `Object.defineProperty(window, 'api', { value: (${apiFromChannels.toString()})(${JSON.stringify(CHANNELS)}, (c, r) => window.__roleatlasInvoke(c, r)), enumerable: true });`,
  );
  if (!options.staging) await page.addInitScript(`localStorage.setItem('roleatlas.staging', 'off')`);
  page.on('pageerror', (e) => console.error('[page error]', e.message));
  await page.goto(appUrl);
  return { page, session, workspace, calls };
}
