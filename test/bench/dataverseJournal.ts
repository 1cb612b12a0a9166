/**
 * The changes applied since a Dataverse pull, on a vault holding the 50,000-user synthetic
 * organization with 10,000 changes applied since its pull (the kinds of dataversePush.ts's staged
 * set, applied with staging off in batches of 500):
 * - dataverse_since_pull_status_ms: what the status counts (the journal read back from the pull on);
 * - dataverse_since_pull_state_ms: the organization as pulled (every change taken back);
 * - dataverse_since_pull_plan_ms: the push planned from them against the double (requests and the
 *   access diff from the organization as pulled; the diff is the core's, as for a staged set).
 * Standalone: npx tsx test/bench/dataverseJournal.ts [--small] [--changes N] [--no-plan]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { syntheticOrganization } from '../../src-main/core/generate/synthetic';
import type { OrgState } from '../../src-main/core/model/org';
import { Connection } from '../../src-main/dataverse/connection';
import { sincePull, sincePullStatus } from '../../src-main/dataverse/sincePull';
import { planVaultPush } from '../../src-main/dataverse/vaultLink';
import { Vault } from '../../src-main/vault/vault';
import { startDataverseDouble } from '../dataverse/double/app';
import { pulledFrom, stagedChanges, withGuids } from './dataversePush';
import { round } from './measure';

const BATCH = 500;

/** The push's plan (requests and access diff) of 10,000 changes within the push target's 20 s. */
export const DATAVERSE_JOURNAL_TARGETS: Record<string, number> = { dataverse_since_pull_plan_ms: 20_000 };

/** `plan`: also plan the push; its access diff (the core's, as for a staged set) grows fast with the changes. */
export async function benchDataverseJournal(seed: OrgState, changes = 10_000, o: { plan?: boolean } = {}): Promise<Record<string, number>> {
  const state = withGuids(seed);
  const commands = stagedChanges(state, changes);
  const double = await startDataverseDouble(state);
  const dir = mkdtempSync(join(tmpdir(), 'roleatlas-bench-journal-'));
  // No compaction while measuring: the journal since the pull is one segment, as between two snapshots.
  const vault = await Vault.create(dir, 'a bench passphrase of some length', { actor: 'bench', kdf: { N: 1024, r: 8, p: 1 }, compactAfter: Number.MAX_SAFE_INTEGER });
  try {
    vault.replaceState(state, 'the 50,000-user organization');
    const pulled = pulledFrom(double);
    const linked = vault.setSyncState({ dataverse: { env: double.url, pulledat: new Date().toISOString(), privileges: pulled.privileges, etags: pulled.etags, counts: {}, journalseq: vault.seq } });
    if (!linked.ok) throw new Error(linked.error.message);
    for (let i = 0; i < commands.length; i += BATCH) {
      const r = vault.applyAll(commands.slice(i, i + BATCH));
      if (!r.ok) throw new Error(r.error.message);
    }
    console.error(`${commands.length} changes applied to the vault`);
    const link = vault.getSyncState().dataverse!;
    let t = performance.now();
    const status = sincePullStatus(vault, link);
    const statusMs = performance.now() - t;
    console.error(`status: ${round(statusMs, 0)} ms`);
    if (status.applied !== commands.length) throw new Error(`the status counts ${status.applied} changes, not ${commands.length}`);
    t = performance.now();
    sincePull(vault, link).pulled();
    const stateMs = performance.now() - t;
    console.error(`organization as pulled: ${round(stateMs, 0)} ms`);
    const figures = { dataverse_since_pull_changes: status.applied, dataverse_since_pull_status_ms: round(statusMs, 0), dataverse_since_pull_state_ms: round(stateMs, 0) };
    if (o.plan === false) return figures;
    t = performance.now();
    const plan = await planVaultPush(vault, new Connection({ url: double.url, token: async () => 'bench-token' }));
    return { ...figures, dataverse_since_pull_plan_ms: round(performance.now() - t, 0), dataverse_since_pull_requests: plan.requests.length };
  } finally {
    vault.lock();
    rmSync(dir, { recursive: true, force: true });
    await double.close();
  }
}

if (process.argv[1]?.endsWith('test/bench/dataverseJournal.ts')) {
  const small = process.argv.includes('--small');
  const state = syntheticOrganization(small ? { businessunits: 50, users: 1000, teams: 100, roles: 50, records: 0, shares: 0, popularRoleHolders: 100 } : { records: 0, shares: 0 });
  const at = process.argv.indexOf('--changes');
  benchDataverseJournal(state, at > 0 ? Number(process.argv[at + 1]) : small ? 800 : 10_000, { plan: !process.argv.includes('--no-plan') }).then(
    (figures) => console.log(JSON.stringify(figures, null, 2)),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
