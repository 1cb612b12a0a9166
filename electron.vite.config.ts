import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';
import type { Plugin } from 'vite';

const here = import.meta.dirname;

/**
 * In dev, @vitejs/plugin-react puts its fast-refresh preamble in an inline <script>, which our CSP
 * (script-src 'self', also sent as a header by main) blocks. Serve the same code as a module from
 * the plugin's own virtual preamble instead; production builds have no preamble.
 */
function preambleAsModule(): Plugin {
  return {
    name: 'roleatlas:react-preamble-as-module',
    apply: 'serve',
    transformIndexHtml: {
      order: 'post',
      handler: (html) =>
        html.replace(
          /<script type="module">\s*import \{ injectIntoGlobalHook \}[\s\S]*?<\/script>/,
          '<script type="module" src="/@id/@vitejs/plugin-react/preamble"></script>',
        ),
    },
  };
}

export default defineConfig({
  // ESM (package.json "type": "module"); src-main/core is bundled in, npm dependencies stay external.
  // The command line is built with the app (out/main/cli.js), so `roleatlas` starts without tsx.
  main: {
    build: {
      rolldownOptions: { input: { index: resolve(here, 'src-main/index.ts'), cli: resolve(here, 'src-main/cli/run.ts') } },
    },
  },
  // One self-contained CommonJS file: a sandboxed preload can require nothing but 'electron',
  // so zod and the contract are bundled in and nothing is split into chunks.
  preload: {
    build: {
      externalizeDeps: false,
      rolldownOptions: {
        input: { index: resolve(here, 'src-main/preload/index.ts') },
        output: { format: 'cjs', entryFileNames: '[name].cjs', codeSplitting: false },
      },
    },
  },
  renderer: {
    root: resolve(here, 'src-renderer'),
    plugins: [react(), preambleAsModule()],
    build: {
      // electron-vite leaves the renderer unminified; minified it is a third of the size, less for the window to parse at every start.
      minify: true,
      outDir: resolve(here, 'out/renderer'),
      rolldownOptions: { input: { index: resolve(here, 'src-renderer/index.html') } },
    },
  },
});
