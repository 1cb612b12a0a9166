/**
 * The vault on the benchmark organization: open (unlock + load), one edit durable on disk, a full
 * encrypted snapshot against writing the same organization as plain interchange JSON (same run),
 * and the snapshot's size against that JSON's.
 */
import { closeSync, fsyncSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Vault } from '../../src-main/vault/vault';
import { tuneScrypt } from '../../src-main/vault/crypto';
import { toInterchange } from '../../src-main/core/interchange/fromState';
import type { OrgState } from '../../src-main/core/model/org';
import { round } from './measure';

const PASS = 'benchmark passphrase';

async function medianAsync(runs: number, fn: (i: number) => Promise<void> | void): Promise<number> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    await fn(i);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

export async function benchVault(state: OrgState): Promise<Record<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'roleatlas-bench-vault-'));
  try {
    const kdf = await tuneScrypt(250);
    const created = await Vault.create(join(dir, 'v'), PASS, { actor: 'bench', kdf });
    created.replaceState(state, 'benchmark organization');
    created.lock();
    const path = join(dir, 'v');

    let vault: Vault | null = null;
    const open = await medianAsync(3, async () => {
      vault?.lock();
      vault = await Vault.open(path, { passphrase: PASS }, { actor: 'bench', compactAfter: Number.MAX_SAFE_INTEGER });
    });
    const v = vault!;
    const users = [...v.state.systemusers.keys()];
    const edit = await medianAsync(21, (i) => {
      const r = v.apply({ type: 'updateUser', systemuserid: users[i * 997], fullname: `Renamed ${i}` });
      if (!r.ok) throw new Error(r.error.message);
    });
    const snapshot = await medianAsync(3, (i) => {
      if (i > 0) v.apply({ type: 'updateUser', systemuserid: users[i], fullname: `Again ${i}` });
      v.compact();
    });
    const jsonPath = join(dir, 'plain.json');
    let jsonBytes = 0;
    const plain = await medianAsync(3, () => {
      const text = JSON.stringify(toInterchange(v.state));
      const fd = openSync(jsonPath, 'w');
      writeSync(fd, text);
      fsyncSync(fd);
      closeSync(fd);
      jsonBytes = Buffer.byteLength(text);
    });
    const size = statSync(join(path, 'snapshot.rav')).size;
    v.lock();
    return {
      scrypt_N: kdf.N,
      vault_open_ms: round(open, 0),
      vault_edit_durable_ms: round(edit, 2),
      snapshot_encrypted_ms: round(snapshot, 0),
      snapshot_plain_json_ms: round(plain, 0),
      snapshot_time_ratio: round(snapshot / plain, 2),
      vault_size_ratio: round(size / jsonBytes, 3),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// Standalone: npx tsx test/bench/vault.ts
if (process.argv[1]?.endsWith('vault.ts')) {
  const { syntheticOrganization } = await import('../../src-main/core/generate/synthetic');
  console.log(JSON.stringify(await benchVault(syntheticOrganization())));
}
