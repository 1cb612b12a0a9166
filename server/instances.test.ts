/**
 * Several server instances over one PostgreSQL (DATABASE_URL; skipped without it): each instance
 * keeps nothing of its own but a copy it brings up to the database's version, and change sets of
 * all instances take the version row in turn. 20 clients push and pull through two instances,
 * alternating, all at once; then every change is applied exactly once, the versions run without
 * gap or repeat, every client agrees with the server, and the audit has each change once.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { SyncClient } from '../src-main/sync/client';
import { MemorySyncStore } from '../src-main/sync/store';
import { BU } from '../test/fixtures/orgCharts';
import { newStorage, seedOrg, startTestServer, syncedView, type TestServer } from './testing';

const servers: TestServer[] = [];
afterEach(async () => {
  while (servers.length) await servers.pop()!.close().catch(() => {});
});

const CLIENTS = 20;
const ROUNDS = 5;

/** The q-quantile (nearest rank) of xs. */
const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.max(0, Math.min(xs.length - 1, Math.ceil(xs.length * q) - 1))];

describe.skipIf(!process.env.DATABASE_URL)('two server instances over one PostgreSQL', () => {
  it('applies every change of 20 clients pushing through both at once exactly once, with versions in order and everyone converging', async () => {
    const storage = newStorage('postgres');
    const a = await startTestServer(storage, { seed: seedOrg(), rateLimit: 1_000_000 });
    servers.push(a);
    const seedVersion = a.model.currentVersion;
    const b = await startTestServer(storage, { rateLimit: 1_000_000 });
    servers.push(b);
    // An account added through one instance signs in through the other: accounts and tokens live in the database.
    await a.accounts.add({ name: 'ada', password: 'ada-secret-pw', role: 'System Administrator' });
    const tokenB = await b.token('ada', 'ada-secret-pw');

    const pushMs: number[] = [];
    const timed: typeof fetch = async (input, init) => {
      const t = performance.now();
      const res = await fetch(input, init);
      if (init?.method === 'POST' && String(input).endsWith('/api/sync/changesets')) pushMs.push(performance.now() - t);
      return res;
    };
    const stores = Array.from({ length: CLIENTS }, (_, i) => new MemorySyncStore(`client-${i}`));
    const through = (i: number, round: number) => {
      const server = (i + round) % 2 === 0 ? a : b;
      return new SyncClient({ server: server.url, token: tokenB, store: stores[i], fetch: timed, sleep: async () => {}, attempts: 3, timeoutMs: 30_000 });
    };

    const started = performance.now();
    await Promise.all(
      stores.map(async (store, i) => {
        await through(i, 0).sync();
        for (let round = 1; round <= ROUNDS; round++) {
          // Each client changes objects of its own: a unit it creates, then renames, and a user's name.
          if (round === 1) store.record({ type: 'createBusinessUnit', businessunitid: `bu-client-${i}`, defaultteamid: `team-client-${i}`, name: `Client ${i}`, parentbusinessunitid: BU.contoso });
          else store.record({ type: 'updateBusinessUnit', businessunitid: `bu-client-${i}`, name: `Client ${i} round ${round}` });
          const report = await through(i, round).sync();
          expect(report.push.conflicts).toBe(0);
        }
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    // Two more passes through alternating instances: everyone has everyone's changes.
    for (let pass = 0; pass < 2; pass++) for (const [i] of stores.entries()) await through(i, pass + i).sync();

    const q = a.model.db;
    // Exactly once: one applied change id per recorded change, and no change set applied a change id twice.
    const applied = await q.query<{ clientid: string; changeid: string }>('select clientid, changeid from applied_change');
    expect(applied).toHaveLength(CLIENTS * ROUNDS);
    expect(new Set(applied.map((r) => `${r.clientid} ${r.changeid}`)).size).toBe(CLIENTS * ROUNDS);
    for (const [i] of stores.entries()) expect(a.model.state.businessunits.get(`bu-client-${i}`)!.name).toBe(`Client ${i} round ${ROUNDS}`);

    // Versions: the change log runs from the seed's version up without a gap or a repeat, and each
    // change set starts where the one before it ended.
    const versions = (await q.query<{ version: string | number }>('select version from changelog order by version')).map((r) => Number(r.version));
    expect(versions[0]).toBe(seedVersion + 1);
    versions.forEach((v, k) => expect(v).toBe(versions[0] + k));
    const sets = (await q.query<{ fromversion: string | number; toversion: string | number; source: string; commands: unknown[] }>('select fromversion, toversion, source, commands from changeset order by id')).map((r) => ({ ...r, fromversion: Number(r.fromversion), toversion: Number(r.toversion) }));
    for (let k = 1; k < sets.length; k++) expect(sets[k].fromversion).toBe(sets[k - 1].toversion);
    expect(sets.at(-1)!.toversion).toBe(versions.at(-1));

    // The audit (through the other instance) has each change once.
    const audit = (await (await fetch(`${b.url}/api/sync/audit`, { headers: { Authorization: `Bearer ${tokenB}` } })).json()) as { value: { source: string; clientid: string | null; commands: unknown[] }[] };
    const syncSets = audit.value.filter((r) => r.source === 'sync');
    expect(syncSets.reduce((n, r) => n + r.commands.length, 0)).toBe(CLIENTS * ROUNDS);
    expect(syncSets.length).toBe(sets.filter((s) => s.source === 'sync').length);

    // Everyone converges: both instances and all 20 clients hold the same organization.
    await b.model.refresh();
    const truth = syncedView(a.model.state);
    expect(syncedView(b.model.state)).toBe(truth);
    for (const store of stores) expect(syncedView(store.state)).toBe(truth);

    const changeSets = syncSets.length;
    process.stdout.write(
      `two instances, ${CLIENTS} clients, ${ROUNDS} rounds: ${changeSets} change sets in ${seconds.toFixed(2)} s = ${(changeSets / seconds).toFixed(1)} change sets/s; push latency p95 ${quantile(pushMs, 0.95).toFixed(1)} ms (median ${quantile(pushMs, 0.5).toFixed(1)} ms, ${pushMs.length} pushes)\n`,
    );
  }, 180_000);

  it('counts failed sign-ins through both instances together: the account is locked on each', async () => {
    const storage = newStorage('postgres');
    const a = await startTestServer(storage, { seed: seedOrg() });
    servers.push(a);
    const b = await startTestServer(storage);
    servers.push(b);
    await a.accounts.add({ name: 'bob', password: 'bob-secret-pw', role: 'Security Reader' });
    const signIn = (s: TestServer, password: string) => fetch(`${s.url}/auth/token`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ name: 'bob', password }) });
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await signIn(i % 2 ? b : a, `guess-${i}`)).status);
    expect(statuses).toEqual([401, 401, 401, 401, 401, 401]);
    for (const s of [a, b]) {
      const right = await signIn(s, 'bob-secret-pw');
      expect(right.status).toBe(429);
      expect(((await right.json()) as { error: { message: string } }).error.message).toMatch(/too many failed sign-ins for account bob/);
    }
  });
});
