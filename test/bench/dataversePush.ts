/**
 * Dataverse push figures against the double on loopback, seeded with the 50,000-user synthetic
 * organization and pulled once (the push needs the pull's ids and row versions):
 * - dataverse_push_10000_ms / dataverse_push_10000_batches: 10,000 staged changes of every common
 *   kind (privileges, members, roles, managers, users moved and disabled, teams created and
 *   renamed), planned and sent;
 * - dataverse_push_429_extra_ms: the same push's change sets sent while every third request is
 *   answered 429, less the same sends unthrottled and less the Retry-After the push waited: what
 *   the storm costs beyond the waits Dataverse asks for.
 * Standalone: npx tsx test/bench/dataversePush.ts [--small]
 */
import type { Command } from '../../src-main/core/commands/schema';
import { syntheticOrganization } from '../../src-main/core/generate/synthetic';
import type { OrgState } from '../../src-main/core/model/org';
import { DEPTHS } from '../../src-main/core/model/depth';
import { Connection } from '../../src-main/dataverse/connection';
import { pullEnvironment } from '../../src-main/dataverse/pull';
import { planPush, pushContext, sendPush } from '../../src-main/dataverse/push';
import { startDataverseDouble } from '../dataverse/double/app';
import { round } from './measure';

const RETRY_AFTER_SECONDS = 1;

/**
 * 10,000 staged changes a long offline session could hold, nine kinds of about 1,100 each, every one
 * valid in order: each kind draws its users from its own slice of the users, so no two changes
 * meet; managers are users without one, so no chain of managers turns into a cycle.
 */
export function stagedChanges(state: OrgState, n: number): Command[] {
  const per = Math.ceil((n / 9) * 1.1);
  const users = [...state.systemusers.values()].filter((u) => !u.isdisabled);
  const managers = users.filter((u) => u.parentsystemuserid === null).slice(0, 50);
  const subjects = users.filter((u) => u.parentsystemuserid !== null);
  const pool = (k: number) => subjects.slice(k * per, (k + 1) * per);
  if (subjects.length < 6 * per) throw new Error(`the organization has ${subjects.length} users with a manager; ${6 * per} are needed`);
  const units = [...state.businessunits.values()].filter((u) => !u.isdisabled);
  const root = units.find((u) => u.parentbusinessunitid === null)!;
  const teams = [...state.teams.values()].filter((t) => !t.isdefault);
  const rootRoles = [...state.roles.values()].filter((r) => r.businessunitid === root.businessunitid).slice(0, 5);
  const roles = [...state.roles.values()];
  const privileges = ['prvReadAccount', 'prvWriteAccount', 'prvReadContact', 'prvWriteContact', 'prvReadLead', 'prvCreateAccount', 'prvDeleteAccount', 'prvAppendAccount'];
  const held = new Set([...state.systemuserroles.values()].map((a) => `${a.systemuserid}|${a.roleid}`));
  const kinds: Command[][] = [
    Array.from({ length: per }, (_, i): Command => ({ type: 'setRolePrivilege', roleid: roles[i % roles.length].roleid, privilege: privileges[Math.floor(i / roles.length) % privileges.length], depth: DEPTHS[i % 4] })),
    pool(0).map((u, i): Command => ({ type: 'addTeamMember', teamid: teams[i % teams.length].teamid, systemuserid: u.systemuserid })).filter((c) => c.type === 'addTeamMember' && !state.teammembership.has(`${c.teamid}|${c.systemuserid}`)),
    pool(1).map((u, i): Command => ({ type: 'updateUser', systemuserid: u.systemuserid, internalemailaddress: `renamed.${i}@contoso.example` })),
    pool(2).map((u, i): Command => ({ type: 'updateUser', systemuserid: u.systemuserid, parentsystemuserid: managers[i % managers.length].systemuserid })),
    pool(3).map((u): Command => ({ type: 'setUserDisabled', systemuserid: u.systemuserid, isdisabled: true })),
    pool(4).map((u, i): Command => ({ type: 'moveUser', systemuserid: u.systemuserid, businessunitid: units.filter((x) => x.businessunitid !== u.businessunitid)[(i * 31) % (units.length - 1)].businessunitid })),
    // Roles of the root unit to users of a few units: few role copies to look up.
    pool(5)
      .filter((u) => units.slice(0, 10).some((x) => x.businessunitid === u.businessunitid))
      .concat(pool(5))
      .flatMap((u) => rootRoles.map((r): Command => ({ type: 'assignRole', systemuserid: u.systemuserid, roleid: r.roleid })))
      .filter((c, k, all) => c.type === 'assignRole' && !held.has(`${c.systemuserid}|${c.roleid}`) && all.findIndex((x) => x.type === 'assignRole' && x.systemuserid === c.systemuserid && x.roleid === c.roleid) === k)
      .slice(0, per),
    teams.slice(0, per).map((t, i): Command => ({ type: 'updateTeam', teamid: t.teamid, name: `${t.name} (renamed ${i})` })),
    Array.from({ length: per }, (_, i): Command => ({ type: 'createTeam', teamid: `7e4a0000-0000-4000-8000-${String(i).padStart(12, '0')}`, name: `Bench team ${i}`, teamtype: 1, businessunitid: units[i % units.length].businessunitid })),
  ];
  const out: Command[] = [];
  for (let i = 0; out.length < n; i++) {
    const before = out.length;
    for (const k of kinds) if (i < k.length && out.length < n) out.push(k[i]);
    if (out.length === before) throw new Error(`only ${out.length} changes could be made`);
  }
  return out;
}

export async function benchDataversePush(seed: OrgState, changes = 10_000): Promise<Record<string, number>> {
  const double = await startDataverseDouble(seed);
  try {
    const connect = () => new Connection({ url: double.url, token: async () => 'bench-token' });
    let t = performance.now();
    const pulled = await pullEnvironment(connect());
    const pullMs = performance.now() - t;
    const staged = stagedChanges(pulled.state, changes);

    const c = connect();
    t = performance.now();
    const plan = await planPush(staged, pushContext(c, pulled.state, { privileges: pulled.privilegeIds, etags: pulled.etags }));
    const planMs = performance.now() - t;
    t = performance.now();
    const report = await sendPush(c, plan);
    const sendMs = performance.now() - t;

    // The storm: the same kinds of change on a fresh environment, every third HTTP request answered 429.
    await double.close();
    const stormy = await startDataverseDouble(seed);
    try {
      const s = new Connection({ url: stormy.url, token: async () => 'bench-token' });
      const again = await pullEnvironment(s);
      const plan2 = await planPush(staged, pushContext(s, again.state, { privileges: again.privilegeIds, etags: again.etags }));
      stormy.env.throttle = { every: 3, retryAfterSeconds: RETRY_AFTER_SECONDS };
      const waitedBefore = s.throttledWaitMs;
      t = performance.now();
      const stormReport = await sendPush(s, plan2);
      const stormMs = performance.now() - t;
      const waited = s.throttledWaitMs - waitedBefore;
      return {
        dataverse_pull_for_push_ms: round(pullMs, 0),
        dataverse_push_10000_ms: round(planMs + sendMs, 0),
        dataverse_push_10000_plan_ms: round(planMs, 0),
        dataverse_push_10000_send_ms: round(sendMs, 0),
        dataverse_push_10000_requests: report.sent,
        dataverse_push_10000_batches: report.batches,
        dataverse_push_429_send_ms: round(stormMs, 0),
        dataverse_push_429_waited_ms: round(waited, 0),
        dataverse_push_429_throttled: s.throttled,
        dataverse_push_429_extra_ms: round(stormMs - sendMs - waited, 0),
        dataverse_push_429_batches: stormReport.batches,
      };
    } finally {
      await stormy.close();
    }
  } finally {
    await double.close().catch(() => {});
  }
}

export const DATAVERSE_PUSH_TARGETS: Record<string, number> = { dataverse_push_10000_ms: 20_000, dataverse_push_10000_batches: 12 };

if (process.argv[1]?.endsWith('test/bench/dataversePush.ts')) {
  const small = process.argv.includes('--small');
  const t = performance.now();
  const state = syntheticOrganization(small ? { businessunits: 50, users: 1000, teams: 100, roles: 50, records: 0, shares: 0, popularRoleHolders: 100 } : { records: 0, shares: 0 });
  console.error(`organization generated in ${round(performance.now() - t, 0)} ms`);
  benchDataversePush(state, small ? 1000 : 10_000).then(
    (figures) => console.log(JSON.stringify(figures, null, 2)),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
