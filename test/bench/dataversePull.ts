/**
 * Dataverse pull figures against the double on loopback, seeded with the synthetic organization:
 * - dataverse_full_pull_ms: every security table at the documented page size (5,000), and the
 *   records of account, contact, lead, opportunity and incident counted per owner (FetchXML
 *   aggregates, split where a query would count more than 50,000 records);
 * - dataverse_delta_pull_100_ms: the second pull after 100 changes in the environment (40 users,
 *   30 team renames, 30 members taken out of teams): the tracked tables asked for changes only,
 *   the others read in full, the differences turned into commands;
 * - dataverse_*_double_ms: of each pull, the time the double itself spent answering (it runs in
 *   the same process): the rest is the client and loopback;
 * - dataverse_429_storm_ms: the full pull again with every third request answered 429 with a
 *   short Retry-After, against the ideal (the unthrottled pull plus the waits, which overlap
 *   across the requests in flight).
 * Standalone: npx tsx test/bench/dataversePull.ts [--small]
 */
import { syntheticOrganization } from '../../src-main/core/generate/synthetic';
import type { OrgState } from '../../src-main/core/model/org';
import { Connection, DEFAULT_CONCURRENCY } from '../../src-main/dataverse/connection';
import { pullEnvironment } from '../../src-main/dataverse/pull';
import { DEFAULT_COUNT_TABLES } from '../../src-main/dataverse/recordCounts';
import { commandsBetween } from '../../src-main/dataverse/stateChanges';
import { applyAll } from '../../src-main/core/commands/apply';
import { startDataverseDouble } from '../dataverse/double/app';
import { round } from './measure';

export const DATAVERSE_PULL_TARGETS = { dataverse_full_pull_ms: 30_000 };

/** The storm's Retry-After: short, so the bench takes seconds; the cost it adds is this wait per throttled request. */
const RETRY_AFTER_S = 0.05;

export async function benchDataversePull(state: OrgState): Promise<Record<string, number>> {
  const double = await startDataverseDouble(state);
  try {
    const connect = () => new Connection({ url: double.url, token: async () => 'bench-token' });
    const counts = [...DEFAULT_COUNT_TABLES];
    let doubleMs = 0;
    const answer = double.env.handleHttp.bind(double.env);
    double.env.handleHttp = (req) => {
      const started = performance.now();
      try {
        return answer(req);
      } finally {
        doubleMs += performance.now() - started;
      }
    };

    let t = performance.now();
    const full = await pullEnvironment(connect(), () => {}, { counts, skipMissingCounts: true });
    const fullMs = performance.now() - t;
    const fullDoubleMs = doubleMs;
    const countedRecords = Object.values(full.recordCounts).reduce((a, b) => a + b, 0);

    // 100 changes in the environment, through the Web API the double answers.
    const send = (method: string, path: string, body?: unknown) => {
      const r = double.env.handle({ method, path, headers: {}, body: body === undefined ? '' : JSON.stringify(body) });
      if (r.status >= 400) throw new Error(`${method} ${path}: ${r.body}`);
    };
    const users = [...full.state.systemusers.values()];
    for (let i = 0; i < 40; i++) send('PATCH', `systemusers(${users[(i * 97) % users.length].systemuserid})`, { internalemailaddress: `renamed${i}@example.com` });
    const teams = [...full.state.teams.values()].filter((x) => !x.isdefault);
    for (let i = 0; i < 30; i++) {
      const team = teams[(i * 13) % teams.length];
      send('PATCH', `teams(${team.teamid})`, { name: `${team.name} (renamed)` });
    }
    const members = [...full.state.teammembership.values()];
    for (let i = 0; i < 30; i++) {
      const m = members[(i * 101) % members.length];
      send('DELETE', `teams(${m.teamid})/teammembership_association(${m.systemuserid})/$ref`);
    }

    doubleMs = 0;
    t = performance.now();
    const delta = await pullEnvironment(connect(), () => {}, { since: { state: full.state, deltaLinks: full.deltaLinks } });
    const commands = commandsBetween(full.state, delta.state);
    const applied = applyAll(full.state, commands);
    if (!applied.ok) throw new Error(applied.error.message);
    const deltaMs = performance.now() - t;
    const deltaDoubleMs = doubleMs;

    double.env.throttle = { every: 3, retryAfterSeconds: RETRY_AFTER_S };
    const stormConnection = connect();
    t = performance.now();
    await pullEnvironment(stormConnection, () => {}, { counts, skipMissingCounts: true });
    const stormMs = performance.now() - t;
    double.env.throttle = undefined;
    // The waits overlap across the requests in flight: the ideal adds their sum spread over the concurrency.
    const idealMs = fullMs + stormConnection.throttledWaitMs / DEFAULT_CONCURRENCY;

    return {
      dataverse_full_pull_ms: round(fullMs, 0),
      dataverse_full_pull_double_ms: round(fullDoubleMs, 0),
      dataverse_full_pull_requests: full.requests,
      dataverse_full_pull_rows: Object.values(full.counts).reduce((a, b) => a + b, 0),
      dataverse_counted_records: countedRecords,
      dataverse_delta_pull_100_ms: round(deltaMs, 0),
      dataverse_delta_pull_double_ms: round(deltaDoubleMs, 0),
      dataverse_delta_pull_commands: commands.length,
      dataverse_delta_pull_requests: delta.requests,
      dataverse_429_storm_ms: round(stormMs, 0),
      dataverse_429_storm_throttled: stormConnection.throttled,
      dataverse_429_storm_waited_ms: round(stormConnection.throttledWaitMs, 0),
      dataverse_429_storm_ideal_ms: round(idealMs, 0),
      dataverse_429_storm_overhead_ratio: round(stormMs / idealMs, 2),
    };
  } finally {
    await double.close();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const small = process.argv.includes('--small');
  const state = syntheticOrganization(small ? { businessunits: 50, users: 1000, teams: 100, roles: 50, records: 20_000, shares: 0, popularRoleHolders: 100 } : {});
  console.log(JSON.stringify(await benchDataversePull(state)));
}
