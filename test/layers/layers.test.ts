/**
 * The layer check (`npm run layers`, dependency-cruiser with .dependency-cruiser.cjs) run on a
 * small project laid out like ours, holding one violation of each rule beside imports the rules
 * allow: every violation fails the check by its rule's name, and nothing allowed is named.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const DEPCRUISE = join(ROOT, 'node_modules/dependency-cruiser/bin/dependency-cruiser.mjs');

const FILES: Record<string, string> = {
  'tsconfig.json': JSON.stringify({ compilerOptions: { module: 'ESNext', moduleResolution: 'Bundler', resolveJsonModule: true, verbatimModuleSyntax: true } }),
  'resources/catalog/tables.json': '{}',
  // Allowed in core: zod, its own modules, resource data; a test beside it may import anything.
  'src-main/core/model/depth.ts': "import { z } from 'zod';\nimport tables from '../../../resources/catalog/tables.json';\nexport const depth = z.enum(['Basic', 'Global']);\nexport const TABLES = tables;\n",
  'src-main/core/model/depth.test.ts': "import { readFileSync } from 'node:fs';\nimport { depth } from './depth';\nexport const probe = [readFileSync, depth];\n",
  'src-main/core/model/clock.ts': "import { readFileSync } from 'node:fs';\nexport const read = readFileSync;\n",
  'src-main/bridge/contract.ts': "import { depth } from '../core/model/depth';\nexport const contract = { depth };\nexport type Contract = typeof contract;\n",
  'src-main/session/orgSession.ts': "import { contract } from '../bridge/contract';\nexport class OrgSession { c = contract; }\n",
  'src-main/vault/vault.ts': "import { OrgSession } from '../session/orgSession';\nexport const open = () => new OrgSession();\n",
  'src-main/sync/client.ts': "import { depth } from '../core/model/depth';\nexport const client = depth;\n",
  'src-renderer/api.ts': "import type { Contract } from '../src-main/bridge/contract';\nexport type Api = Contract;\n",
  'src-renderer/features/roles/RolesScreen.ts': "import { contract } from '../../../src-main/bridge/contract';\nexport const screen = contract;\n",
  'src-renderer/features/users/UsersScreen.ts': "import type { OrgSession } from '../../../src-main/session/orgSession';\nexport type Screen = OrgSession;\n",
  'src-renderer/features/reports/ReportsScreen.ts': "import { writeFileSync } from 'node:fs';\nimport { z } from 'zod';\nexport const save = [writeFileSync, z];\n",
  'src-renderer/features/shell/App.ts': "import { ipcRenderer } from 'electron';\nexport const ipc = ipcRenderer;\n",
  'server/app.ts': "import { depth } from '../src-main/core/model/depth';\nimport { client } from '../src-main/sync/client';\nexport const app = [depth, client];\n",
  'server/publish.test.ts': "import { client } from '../src-main/sync/client';\nexport const probe = client;\n",
  'src-main/dataverse/push.ts': "import { rowsOf } from '../sync/dataverse';\nexport const push = rowsOf;\n",
  'src-main/reports/ring/a.ts': "import { b } from './b';\nexport const a = () => b();\n",
  'src-main/reports/ring/b.ts': "import { a } from './a';\nexport const b = () => a();\n",
};

let dir: string;
let status: number | null;
let output: string;

/** The lines of the check's output that name this rule (packages named from node_modules/ on, as
 *  the fixture's node_modules is a link to the project's). */
const violationsOf = (rule: string) =>
  output
    .split('\n')
    .filter((line) => line.includes(`error ${rule}:`))
    .map((line) => line.trim().replace(/→ \S*?node_modules\//, '→ node_modules/'));

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'roleatlas-layers-'));
  for (const [path, text] of Object.entries(FILES)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), text);
  }
  symlinkSync(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
  const run = spawnSync(process.execPath, [DEPCRUISE, '--config', join(ROOT, '.dependency-cruiser.cjs'), '--output-type', 'err', 'src-main', 'src-renderer', 'server'], {
    cwd: dir,
    encoding: 'utf8',
  });
  status = run.status;
  output = `${run.stdout}\n${run.stderr}`;
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the layer check', () => {
  it('fails the check when any rule is broken', () => {
    expect(status).not.toBe(0);
    expect(output).toMatch(/\d+ dependency violations/);
  });

  it('fails a core module that imports node, naming core-imports-only-zod', () => {
    expect(violationsOf('core-imports-only-zod')).toEqual(['error core-imports-only-zod: src-main/core/model/clock.ts → fs']);
  });

  it('lets core import zod and resource data, and lets a core test import node', () => {
    expect(output).not.toContain('src-main/core/model/depth.ts →');
    expect(output).not.toContain('src-main/core/model/depth.test.ts');
  });

  it('fails a renderer screen that imports code from the bridge, naming renderer-imports-only-types-from-main', () => {
    expect(violationsOf('renderer-imports-only-types-from-main')).toEqual([
      'error renderer-imports-only-types-from-main: src-renderer/features/roles/RolesScreen.ts → src-main/bridge/contract.ts',
    ]);
    expect(output).not.toContain('src-renderer/api.ts');
  });

  it('fails a renderer screen that takes even a type from the session, naming renderer-sees-only-bridge-and-core', () => {
    expect(violationsOf('renderer-sees-only-bridge-and-core')).toEqual([
      'error renderer-sees-only-bridge-and-core: src-renderer/features/users/UsersScreen.ts → src-main/session/orgSession.ts',
    ]);
  });

  it('fails a renderer module that imports node or electron, naming renderer-imports-no-node-or-electron, while packages are fine', () => {
    expect(violationsOf('renderer-imports-no-node-or-electron').sort()).toEqual([
      'error renderer-imports-no-node-or-electron: src-renderer/features/reports/ReportsScreen.ts → fs',
      'error renderer-imports-no-node-or-electron: src-renderer/features/shell/App.ts → node_modules/electron/index.js',
    ]);
  });

  it('fails the server importing the sync client, naming server-imports-only-core, while its tests may', () => {
    expect(violationsOf('server-imports-only-core')).toEqual(['error server-imports-only-core: server/app.ts → src-main/sync/client.ts']);
  });

  it('fails the vault calling up into the session, naming services-never-import-session-ipc-cli', () => {
    expect(violationsOf('services-never-import-session-ipc-cli')).toEqual([
      'error services-never-import-session-ipc-cli: src-main/vault/vault.ts → src-main/session/orgSession.ts',
    ]);
  });

  it('fails an import of a file that is not there (moved without its importers), naming imports-resolve', () => {
    expect(violationsOf('imports-resolve')).toEqual(['error imports-resolve: src-main/dataverse/push.ts → ../sync/dataverse']);
  });

  it('fails two modules that import each other, naming no-circular', () => {
    const ring = violationsOf('no-circular');
    expect(ring.length).toBeGreaterThan(0);
    expect(output).toMatch(/no-circular: src-main\/reports\/ring\/[ab]\.ts/);
  });
});
