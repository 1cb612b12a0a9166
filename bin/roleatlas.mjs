#!/usr/bin/env node
// The command line as `npm run build` made it (out/main/cli.js) when that build is newer than every
// source it was made from; otherwise the TypeScript sources through tsx, so `npx roleatlas` works
// right after `npm ci` with no build step, and never runs a stale build.
import { readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const built = join(root, 'out', 'main', 'cli.js');

function newestIn(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestIn(path));
    else if (!entry.name.includes('.test.')) newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

function builtIsCurrent() {
  try {
    const at = statSync(built).mtimeMs;
    return at >= newestIn(join(root, 'src-main')) && at >= newestIn(join(root, 'resources'));
  } catch {
    return false;
  }
}

async function fromSources() {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src-main/cli/run.ts');
}

let loaded = false;
if (builtIsCurrent()) {
  try {
    await import(pathToFileURL(built).href);
    loaded = true;
  } catch (e) {
    // A build being written at this moment (npm run build in another terminal) does not load: use
    // the sources. Once the command has started (run.ts sets the mark), its errors are its own.
    if (globalThis.__roleatlasStarted) throw e;
  }
}
if (!loaded) await fromSources();
