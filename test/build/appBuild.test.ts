import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/**
 * `npm start` and packaging rest on electron-vite's build of main, preload and renderer. The
 * Electron binary can't run here, so this builds the app as `npm run build` does and checks what
 * the window will get: one sandbox-ready preload exposing only window.api, and main's hardening;
 * and it reads the packaging configuration the way electron-builder does, fuses included.
 */
const root = fileURLToPath(new URL('../..', import.meta.url));
const out = (...p: string[]) => readFileSync(join(root, 'out', ...p), 'utf8');

describe('the desktop app build', () => {
  it('builds main, preload and renderer with electron-vite', () => {
    const r = spawnSync(join(root, 'node_modules/.bin/electron-vite'), ['build'], { cwd: root, encoding: 'utf8' });
    expect(r.status, r.stderr || r.stdout).toBe(0);
  }, 180_000);

  it('builds the command line with the app, and roleatlas then runs the build instead of the sources', () => {
    const help = spawnSync(process.execPath, [join(root, 'bin/roleatlas.mjs'), '--help'], { cwd: root, encoding: 'utf8' });
    expect(help.status, help.stderr).toBe(0);
    expect(help.stdout).toMatch(/^roleatlas: offline administration/);
    // The built file itself, without tsx anywhere: what bin/roleatlas.mjs runs when the build is current.
    const built = spawnSync(process.execPath, [join(root, 'out/main/cli.js'), 'demo', '--help'], { cwd: root, encoding: 'utf8' });
    expect(built.status, built.stderr).toBe(0);
    expect(built.stdout).toMatch(/Usage: roleatlas demo/);
    expect(out('main', 'cli.js')).not.toMatch(/from ["']electron["']/);
  });

  it('bundles the preload into one CommonJS file that requires only electron and exposes only window.api', () => {
    const preload = out('preload', 'index.cjs');
    expect([...new Set(preload.match(/require\("[^"]+"\)/g))]).toEqual(['require("electron")']);
    const exposed = [...preload.matchAll(/exposeInMainWorld\("([^"]+)"/g)].map((m) => m[1]);
    expect(exposed).toEqual(['api']);
  });

  it('opens the window sandboxed and isolated, with navigation and new windows blocked', () => {
    const main = out('main', 'index.js');
    for (const s of ['contextIsolation: true', 'sandbox: true', 'nodeIntegration: false', 'will-navigate', 'setWindowOpenHandler', "action: \"deny\"", 'Content-Security-Policy', 'setPermissionRequestHandler', 'setPermissionCheckHandler(() => false)']) {
      expect(main, s).toContain(s);
    }
  });

  it('packages with fuses that stop ELECTRON_RUN_AS_NODE, NODE_OPTIONS and --inspect, load only the checked app.asar and encrypt cookies', async () => {
    // electron-builder's own loader and schema: a misspelt key fails here, not silently at packaging.
    const { getConfig, validateConfiguration } = await import('app-builder-lib/out/util/config/config.js');
    const { DebugLogger } = await import('builder-util');
    const config = await getConfig(root, join(root, 'electron-builder.yml'), null);
    await validateConfiguration(config, new DebugLogger(false));
    expect(config.asar).toBe(true);
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableCookieEncryption: true,
      onlyLoadAppFromAsar: true,
      enableEmbeddedAsarIntegrityValidation: true,
    });
  });

  it('serves the renderer with a strict Content-Security-Policy and no remote content', () => {
    const html = out('renderer', 'index.html');
    const csp = /http-equiv="Content-Security-Policy"\s+content="([^"]+)"/.exec(html)?.[1] ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    // The graph's layout worker is a file of the app: no blob: or data: workers.
    expect(csp).toContain("worker-src 'self';");
    expect(csp).not.toMatch(/blob:|https?:/);
    expect(html).not.toMatch(/<script[^>]+src="https?:/);
    expect(readdirSync(join(root, 'out', 'renderer', 'assets')).some((f) => /^layout\.worker-.*\.js$/.test(f))).toBe(true);
  });
});
