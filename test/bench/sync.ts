/**
 * Sync figures over the embedded server on loopback (in-memory PGlite):
 * - push_10000_changes_ms / push_10000_requests: 10,000 journaled commands pushed by the client;
 * - full_pull_ms: the first pull of the whole organization (records and shares are not synced);
 * - incremental_pull_100_ms: a delta pull after 100 changes made on the server by another client.
 * Standalone: npx tsx test/bench/sync.ts [--small]
 */
import { applyAll } from '../../src-main/core/commands/apply';
import { PREDEFINED_ROLES, expandPrivileges } from '../../src-main/core/catalog/seedRoles';
import { syntheticOrganization } from '../../src-main/core/generate/synthetic';
import type { Command } from '../../src-main/core/commands/schema';
import type { OrgState } from '../../src-main/core/model/org';
import { DEPTHS } from '../../src-main/core/model/depth';
import { openServerModel, startServer } from '../../server/run';
import { Accounts } from '../../server/auth';
import { SyncClient } from '../../src-main/sync/client';
import { MemorySyncStore } from '../../src-main/sync/store';
import { round } from './measure';

/** Privilege edits over the roles, users renamed: the journal of a long offline session. */
function journal(state: OrgState, n: number): Command[] {
  const roles = [...state.roles.values()].filter((r) => r.roleid !== 'bench-sysadmin');
  const privileges = ['prvReadAccount', 'prvWriteAccount', 'prvReadContact', 'prvWriteContact', 'prvReadLead', 'prvCreateAccount', 'prvDeleteAccount', 'prvAppendAccount'];
  const out: Command[] = [];
  for (let i = 0; out.length < n; i++) {
    const role = roles[i % roles.length];
    out.push({ type: 'setRolePrivilege', roleid: role.roleid, privilege: privileges[i % privileges.length], depth: DEPTHS[(i + role.roleid.length) % 4] });
  }
  return out;
}

export async function benchSync(state: OrgState): Promise<Record<string, number>> {
  const sysadmin = PREDEFINED_ROLES.find((r) => r.name === 'System Administrator')!;
  const seeded = applyAll({ ...state, records: new Map(), shares: new Map() }, [{ type: 'createRole', roleid: 'bench-sysadmin', name: 'Bench System Administrator', privileges: expandPrivileges(sysadmin) }]);
  if (!seeded.ok) throw new Error(seeded.error.message);
  const model = await openServerModel({ databaseUrl: '', seed: seeded.state });
  const server = await startServer(model, { rateLimit: 100_000, bodyLimit: 64 * 1024 * 1024 });
  try {
    const accounts = new Accounts(model);
    await accounts.add({ name: 'bench', password: 'bench-password', role: 'bench-sysadmin' });
    await accounts.add({ name: 'other', password: 'other-password', role: 'bench-sysadmin' });
    const token = async (name: string, password: string) =>
      ((await (await fetch(`${server.url}/auth/token`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name, password }) })).json()) as { access_token: string }).access_token;

    const store = new MemorySyncStore('bench-a');
    const client = new SyncClient({ server: server.url, token: await token('bench', 'bench-password'), store });
    let t = performance.now();
    const full = await client.pull();
    const fullPullMs = performance.now() - t;

    for (const c of journal(model.state, 10_000)) store.journal.push({ id: `bench-a-${store.journal.length + 1}`, command: c });
    t = performance.now();
    const push = await client.push();
    const pushMs = performance.now() - t;
    if (push.pushed + push.duplicates !== 10_000) throw new Error(`pushed ${push.pushed} of 10000`);
    await client.pull();

    // 100 changes by another client, then the incremental pull.
    const other = new SyncClient({ server: server.url, token: await token('other', 'other-password'), store: new MemorySyncStore('bench-b') });
    const otherStore = (other as unknown as { o: { store: MemorySyncStore } }).o.store;
    otherStore.setDeltaToken(model.currentVersion);
    const users = [...model.state.systemusers.keys()];
    for (let i = 0; i < 100; i++) otherStore.journal.push({ id: `b-${i}`, command: { type: 'updateUser', systemuserid: users[i * 7], fullname: `Renamed ${i}` } });
    await other.push();
    t = performance.now();
    const delta = await client.pull();
    const incrementalMs = performance.now() - t;
    if (delta.rows < 100) throw new Error(`incremental pull saw ${delta.rows} rows`);
    return {
      push_10000_changes_ms: round(pushMs, 1),
      push_10000_requests: push.requests,
      full_pull_ms: round(fullPullMs, 1),
      full_pull_rows: full.rows,
      incremental_pull_100_ms: round(incrementalMs, 1),
    };
  } finally {
    await server.close();
  }
}

if (process.argv[1]?.endsWith('test/bench/sync.ts')) {
  const small = process.argv.includes('--small');
  const t = performance.now();
  const state = syntheticOrganization(small ? { businessunits: 50, users: 1000, teams: 100, roles: 50, records: 0, shares: 0, popularRoleHolders: 100 } : { records: 0, shares: 0 });
  console.error(`organization generated in ${round(performance.now() - t, 0)} ms`);
  benchSync(state).then(
    (figures) => console.log(JSON.stringify(figures, null, 2)),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
