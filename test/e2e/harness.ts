import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, normalize, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build } from 'vite';
import react from '@vitejs/plugin-react';
import { CHANNELS, isChannel } from '../../src-main/bridge/contract';
import { apiFromChannels } from '../../src-main/bridge/exposeApi';
import { newOrganization, type OrgState } from '../../src-main/core/model/org';
import { createInvoke, memoryServices, vaultServices } from '../../src-main/ipc/register';
import type { Services } from '../../src-main/ipc/services';
import { Workspace, type VaultControl } from '../../src-main/session/workspace';
import { ScriptedDesktop, type Desktop } from '../../src-main/session/desktop';
import { OrgSession } from '../../src-main/session/orgSession';
import { TEST_KDF } from '../../src-main/vault/testing/kdf';
import { createVaultWith } from '../../src-main/vault/testing/vaultWith';

/**
 * End to end without Electron: the built renderer runs in Debian's Chromium, and window.api is
 * the preload's object over a page binding into main's real invoke path (sender check,
 * validation, handlers, session). Only the preload's transport is stood in for.
 */

export const CHROMIUM = '/usr/bin/chromium';
/** The passphrase of the vault openApp creates for an organization it is given. */
export const E2E_PASSPHRASE = 'violet tractor sings under 42 lanterns';
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
   * Back the app with the vault in this folder (first run when it doesn't exist yet, the lock
   * screen when it does). Without it, the organization given is put in a new vault in a temporary
   * folder, opened as after the admin unlocked it, and removed by close().
   */
  readonly vaultDir?: string;
  /** Hold the organization given in memory, with no vault: for a test about that mode only. */
  readonly store?: 'vault' | 'memory';
  /** Answers the file dialogs (no native dialog can be clicked in the browser). */
  readonly desktop?: Desktop;
  /** Staging is on, as in the app; `false` for a test of edits applied at once. */
  readonly staging?: boolean;
  /** The Dataverse sign-in main would use (a token the test's Dataverse double accepts). */
  readonly dataverseSignIn?: Services['dataverse'];
}

export interface OpenedApp {
  readonly page: Page;
  readonly session: OrgSession;
  readonly workspace: VaultControl;
  /** Every channel the page called, in order. */
  readonly calls: string[];
  /** Closes the page, locks the vault and removes the temporary vault openApp made. */
  readonly close: () => Promise<void>;
}

/**
 * A page whose window.api is the preload's, over main's invoke for the real services: the vault
 * workspace (or, when asked, an organization in memory). The binding passes the calling frame's
 * URL to the sender check, as ipcMain passes senderFrame.url.
 */
export async function openApp(browser: Browser, appUrl: string, state: OrgState | null, options: AppOptions = {}): Promise<OpenedApp> {
  const session = new OrgSession(newOrganization({ name: 'none', rootbusinessunitid: 'none', defaultteamid: 'none-team' }));
  const desktop = options.desktop ?? new ScriptedDesktop();
  let made: string | null = null;
  let services: Services;
  if (options.store === 'memory') {
    if (!state) throw new Error('openApp: an organization held in memory needs a state');
    services = memoryServices(new OrgSession(state), desktop);
  } else {
    let dir = options.vaultDir;
    if (!dir) {
      if (!state) throw new Error('openApp: give an organization or a vault folder');
      made = mkdtempSync(join(tmpdir(), 'roleatlas-e2e-'));
      dir = join(made, 'vault');
      await createVaultWith(dir, E2E_PASSPHRASE, state);
    }
    const workspace = new Workspace({ dir, actor: 'e2e admin', session, kdf: TEST_KDF });
    if (made) {
      const unlocked = await workspace.unlock({ passphrase: E2E_PASSPHRASE });
      if (!unlocked.ok) throw new Error(`openApp: the vault did not unlock: ${unlocked.error.message}`);
    }
    services = vaultServices(session, workspace, desktop);
  }
  // The system browser cannot be driven here: a test that pulls or pushes stands in for the sign-in.
  if (options.dataverseSignIn) services = { ...services, dataverse: options.dataverseSignIn };
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
  if (options.staging === false) await page.addInitScript(`localStorage.setItem('roleatlas.staging', 'off')`);
  page.on('pageerror', (e) => console.error('[page error]', e.message));
  await page.goto(appUrl);
  const close = async () => {
    await context.close();
    workspace.lock();
    if (made) rmSync(made, { recursive: true, force: true });
  };
  return { page, session: services.session, workspace, calls, close };
}

/** The first-run screen as the admin goes through it: a passphrase twice, Create vault, and the demo organization open. */
export async function createVaultOnFirstRun(page: Page, passphrase = E2E_PASSPHRASE): Promise<void> {
  await page.getByRole('heading', { name: 'Create your vault' }).waitFor();
  await page.getByLabel('Passphrase', { exact: true }).fill(passphrase);
  await page.getByLabel('Passphrase again').fill(passphrase);
  await page.getByRole('button', { name: 'Create vault' }).click();
  await page.getByLabel('Organization', { exact: true }).getByText('Contoso').waitFor();
}

/**
 * What the admin does with what they staged: Preview in the top bar, read the pending changes,
 * Apply all, and go back to the screen they came from. Returns the pending changes as listed.
 */
export async function applyStagedFromPreview(page: Page): Promise<string[]> {
  const nav = page.getByRole('navigation', { name: 'Screens' });
  // The sidebar button's first text is the screen's title; its count follows in a span.
  const from = await nav.locator('[aria-current="page"]').evaluate((b) => b.firstChild?.textContent ?? '');
  await page.getByRole('button', { name: /^Preview: [1-9]\d* staged$/ }).click();
  const pending = page.getByRole('list', { name: 'Pending changes' });
  await pending.waitFor();
  const reviewed = await pending.getByRole('listitem').evaluateAll((items) => items.map((li) => li.firstChild?.textContent ?? ''));
  await page.getByRole('button', { name: 'Apply all' }).click();
  await page.getByText(/^Nothing is staged\./).waitFor();
  await nav.getByRole('button', { name: new RegExp(`^${from.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`) }).first().click();
  return reviewed;
}
