/**
 * What main needs from the desktop around the window: choosing files and showing the files it
 * wrote. Electron's dialog and shell in the app (src-main/desktop/electronDesktop.ts); tests and
 * the e2e harness pass their own, so every service stays testable without Electron.
 */
export interface FileFilter {
  readonly name: string;
  readonly extensions: readonly string[];
}

export interface Desktop {
  /** A path to write to, or null when the admin cancelled. */
  chooseSaveFile(options: { readonly title: string; readonly defaultName: string; readonly filters: readonly FileFilter[] }): Promise<string | null>;
  /** Paths to read, or an empty list when the admin cancelled. */
  chooseOpenFiles(options: { readonly title: string; readonly filters: readonly FileFilter[]; readonly multiple?: boolean; readonly folders?: boolean }): Promise<readonly string[]>;
  /** Opens a written file with the system's application for it. */
  openFile(path: string): Promise<void>;
  /** Shows a written file in the system's file manager. */
  revealFile(path: string): void;
  /** Opens a web page in the system browser (a sign-in page). */
  openExternal(url: string): Promise<void>;
}

/**
 * A desktop that answers with prepared paths: for tests and the e2e harness, where no dialog can
 * be clicked. Opened and revealed files are recorded so a test can assert on them.
 */
export class ScriptedDesktop implements Desktop {
  readonly opened: string[] = [];
  readonly revealed: string[] = [];
  /** Pages opened in the system browser, in order. */
  readonly external: string[] = [];
  /** Plays the browser for an opened page (a test following a sign-in page); absent: the page is only recorded. */
  onExternal: ((url: string) => void) | null = null;
  private readonly saves: (string | null)[] = [];
  private readonly opens: (readonly string[])[] = [];

  /** The next save dialog answers this path (null: cancelled). */
  willSaveTo(path: string | null): this {
    this.saves.push(path);
    return this;
  }

  /** The next open dialog answers these paths (empty: cancelled). */
  willOpen(paths: readonly string[]): this {
    this.opens.push(paths);
    return this;
  }

  async chooseSaveFile(): Promise<string | null> {
    return this.saves.length ? this.saves.shift()! : null;
  }
  async chooseOpenFiles(): Promise<readonly string[]> {
    return this.opens.length ? this.opens.shift()! : [];
  }
  async openFile(path: string): Promise<void> {
    this.opened.push(path);
  }
  revealFile(path: string): void {
    this.revealed.push(path);
  }
  async openExternal(url: string): Promise<void> {
    this.external.push(url);
    this.onExternal?.(url);
  }
}
