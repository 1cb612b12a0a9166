import { dialog, shell, type BrowserWindow } from 'electron';
import type { Desktop } from '../session/desktop';

/** The app's Desktop: Electron's native dialogs (modal to the window) and shell. */
export function electronDesktop(window: () => BrowserWindow | null): Desktop {
  return {
    async chooseSaveFile({ title, defaultName, filters }) {
      const win = window();
      const options = { title, defaultPath: defaultName, filters: filters.map((f) => ({ name: f.name, extensions: [...f.extensions] })) };
      const r = win ? await dialog.showSaveDialog(win, options) : await dialog.showSaveDialog(options);
      return r.canceled || !r.filePath ? null : r.filePath;
    },
    async chooseOpenFiles({ title, filters, multiple, folders }) {
      const win = window();
      const properties: ('openFile' | 'openDirectory' | 'multiSelections')[] = [folders ? 'openDirectory' : 'openFile'];
      if (multiple) properties.push('multiSelections');
      const options = { title, filters: filters.map((f) => ({ name: f.name, extensions: [...f.extensions] })), properties };
      const r = win ? await dialog.showOpenDialog(win, options) : await dialog.showOpenDialog(options);
      return r.canceled ? [] : r.filePaths;
    },
    async openFile(path) {
      const error = await shell.openPath(path);
      if (error) throw new Error(`could not open ${path}: ${error}`);
    },
    revealFile(path) {
      shell.showItemInFolder(path);
    },
    async openExternal(url) {
      // Only a sign-in page goes to the browser: never a file: or custom-scheme URL.
      if (!/^https?:\/\//i.test(url)) throw new Error(`refusing to open ${url} in the browser`);
      await shell.openExternal(url);
    },
  };
}
