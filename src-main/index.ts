import { app, BrowserWindow, ipcMain, safeStorage, session } from 'electron';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { newOrganization } from './core/model/org';
import { registerIpc, vaultServices } from './ipc/register';
import type { RendererOrigin } from './ipc/sender';
import { OrgSession } from './session/orgSession';
import { Workspace } from './session/workspace';
import { electronStore } from './vault/electronStore';
import { electronDesktop } from './desktop/electronDesktop';
import { safeStorageProtector } from './vault/keyProtector';

// The same policy as the <meta> in src-renderer/index.html; the header covers dev-server responses.
const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; worker-src 'self'; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const rendererDir = fileURLToPath(new URL('../renderer/', import.meta.url));
const preloadPath = fileURLToPath(new URL('../preload/index.cjs', import.meta.url));
const devServerUrl = !app.isPackaged ? process.env.ELECTRON_RENDERER_URL : undefined;
const origin: RendererOrigin = { rendererDir, devServerUrl };

const log = {
  error: (message: string, error?: unknown) => console.error(`[roleatlas] ${message}`, error ?? ''),
  warn: (message: string) => console.warn(`[roleatlas] ${message}`),
};

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1280,
    height: 820,
    show: false,
    title: 'RoleAtlas',
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
    },
  });
  win.once('ready-to-show', () => win.show());
  // The window only ever shows our renderer: no navigation, no new windows.
  win.webContents.on('will-navigate', (event) => event.preventDefault());
  win.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
  if (devServerUrl) void win.loadURL(devServerUrl);
  else void win.loadFile(`${rendererDir}index.html`);
  return win;
}

void app.whenReady().then(() => {
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [CSP] } });
  });
  // The renderer needs no browser permission: requests are refused, and checks (which Chromium
  // makes without asking, e.g. for clipboard, notifications, media or HID) answer no.
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);

  // The organization lives in the encrypted vault; until it is unlocked the session has none.
  const orgSession = new OrgSession(newOrganization({ name: 'locked', rootbusinessunitid: 'locked', defaultteamid: 'locked-team' }));
  const workspace = new Workspace({
    dir: join(app.getPath('userData'), 'vault'),
    actor: process.env.ROLEATLAS_ACTOR || userInfo().username || 'local admin',
    session: orgSession,
    store: electronStore,
    protector: safeStorageProtector(safeStorage),
  });
  let mainWindow: BrowserWindow | null = null;
  const desktop = electronDesktop(() => mainWindow);
  registerIpc(ipcMain, vaultServices(orgSession, workspace, desktop), origin, log);
  app.on('before-quit', () => workspace.lock());

  mainWindow = createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) mainWindow = createWindow();
  });
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
