import { main } from './main';

// bin/roleatlas.mjs falls back to the sources only when the build failed to load, never after this.
(globalThis as { __roleatlasStarted?: boolean }).__roleatlasStarted = true;

// A reader that stops early (roleatlas … | head) closes the pipe: end quietly, as Unix tools do.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code !== 'EPIPE') throw e;
  process.exit(process.exitCode ?? 0);
});

process.exitCode = await main(process.argv.slice(2));
