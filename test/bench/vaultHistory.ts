/**
 * The vault as history grows: one `roleatlas apply --vault` (a new process: unlock, open, apply,
 * print, close) on a vault holding 10,000 audited edits against the same on a fresh vault of the
 * same organization (the ratio should stay near 1: apply reads only what it wrote, and compaction
 * keeps the journal short), and the vault folder's size after those 10,000 edits.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Vault } from '../../src-main/vault/vault';
import { tuneScrypt } from '../../src-main/vault/crypto';
import type { OrgState } from '../../src-main/core/model/org';
import { round } from './measure';

const PASS = 'benchmark passphrase';
const EDITS = 10_000;
/** Frames after which the app writes a snapshot in the background (VaultOptions.compactAfter's default). */
const COMPACT_EVERY = 500;
const BIN = fileURLToPath(new URL('../../bin/roleatlas.mjs', import.meta.url));

const folderBytes = (dir: string) => readdirSync(dir).reduce((n, f) => n + statSync(join(dir, f)).size, 0);

function cliApplyMs(vault: string, commands: string): number {
  const t = performance.now();
  const r = spawnSync(process.execPath, [BIN, 'apply', '--vault', vault, '--passphrase-env', 'BENCH_VAULT_PASS', '--commands', commands], { encoding: 'utf8', env: { ...process.env, BENCH_VAULT_PASS: PASS } });
  const ms = performance.now() - t;
  if (r.status !== 0) throw new Error(`roleatlas apply failed: ${r.stderr}`);
  return ms;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export async function benchVaultHistory(state: OrgState, edits = EDITS): Promise<Record<string, number>> {
  const root = mkdtempSync(join(tmpdir(), 'roleatlas-bench-history-'));
  try {
    const kdf = await tuneScrypt(250);
    const fresh = join(root, 'fresh');
    const grown = join(root, 'grown');
    for (const dir of [fresh, grown]) {
      const v = await Vault.create(dir, PASS, { actor: 'bench', kdf });
      v.replaceState(state, 'benchmark organization');
      v.lock();
    }
    const v = await Vault.open(grown, { passphrase: PASS }, { actor: 'bench', compactAfter: Number.MAX_SAFE_INTEGER });
    const users = [...v.state.systemusers.keys()];
    for (let i = 0; i < edits; i++) {
      const r = v.apply({ type: 'updateUser', systemuserid: users[(i * 7919) % users.length], fullname: `Edited ${i}` });
      if (!r.ok) throw new Error(r.error.message);
      // As the app does in the background every COMPACT_EVERY frames.
      if ((i + 1) % COMPACT_EVERY === 0) v.compact();
    }
    v.lock();
    const sizeAfterEdits = folderBytes(grown);

    const commands = join(root, 'commands.json');
    const runs = { fresh: [] as number[], grown: [] as number[] };
    for (let i = 0; i < 3; i++) {
      writeFileSync(commands, JSON.stringify([{ type: 'updateUser', systemuserid: users[i], fullname: `Through the command line ${i}` }]));
      runs.fresh.push(cliApplyMs(fresh, commands));
      runs.grown.push(cliApplyMs(grown, commands));
    }
    return {
      vault_cli_apply_fresh_ms: round(median(runs.fresh), 0),
      vault_cli_apply_after_10000_edits_ms: round(median(runs.grown), 0),
      vault_cli_apply_history_ratio: round(median(runs.grown) / median(runs.fresh), 2),
      vault_size_after_10000_edits_mb: round(sizeAfterEdits / 2 ** 20, 1),
      vault_size_fresh_mb: round(folderBytes(fresh) / 2 ** 20, 1),
    };
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

// Standalone: npx tsx test/bench/vaultHistory.ts [--small]  (--small: 500 users and 1,000 edits, a quick look)
if (process.argv[1]?.endsWith('vaultHistory.ts')) {
  const { syntheticOrganization } = await import('../../src-main/core/generate/synthetic');
  const small = process.argv.includes('--small');
  const org = small ? syntheticOrganization({ businessunits: 20, users: 500, teams: 20, roles: 10, records: 5000, shares: 200, popularRoleHolders: 50 }) : syntheticOrganization();
  console.log(JSON.stringify(await benchVaultHistory(org, small ? 1000 : EDITS)));
}
