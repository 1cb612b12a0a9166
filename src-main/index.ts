import { app, BrowserWindow, ipcMain, session } from 'electron';
import { fileURLToPath } from 'node:url';
import { demoOrganization } from './core/generate/demo';
import { registerIpc } from './ipc/register';
import type { RendererOrigin } from './ipc/sender';
import { OrgSession } from './session/orgSession';

// The same policy as the <meta> in src-renderer/index.html; the header covers dev-server responses.
const CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

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
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));

  const orgSession = new OrgSession(demoOrganization());
  registerIpc(ipcMain, { session: orgSession }, origin, log);

  createWindow();
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow();
  });
});

app.on('window-all-closed', () => {
  if (process.platform !== 'darwin') app.quit();
});
