/**
 * Dataverse push figures against the double on loopback, seeded with the 50,000-user synthetic
 * organization under GUIDs. The vault side is that same organization with the double's privilege
 * ids and row versions, as a pull would give them: the pull is its own bench, not this one's.
 * - dataverse_push_10000_ms / dataverse_push_10000_batches: 10,000 staged changes of every common
 *   kind (privileges, members, roles, managers, users moved and disabled, teams created and
 *   renamed), planned and sent (a push seen through reads nothing back);
 * - dataverse_push_resume_check_ms: the same push run again after one cut off once half its change
 *   sets were taken (vaultLink's `pushing` mark): the read-back of all 10,000 requests that finds
 *   the ones the environment already holds, so only the rest are sent;
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
import type { Etags } from '../../src-main/dataverse/etags';
import { MAX_BATCH, planPush, pushContext } from '../../src-main/dataverse/push';
import { inEffect } from '../../src-main/dataverse/pushReadBack';
import { sendPush } from '../../src-main/dataverse/pushSend';
import { startDataverseDouble, type RunningDouble } from '../dataverse/double/app';
import { guidFor } from '../dataverse/double/seed';
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
  const units = [...state.businessunits.values()].filter((u) => !u.isdisabled);
  // Role assignments go to users of ten units: one read of each role's copies finds them all.
  const assignUnits = new Set(units.slice(0, 10).map((u) => u.businessunitid));
  const assignees = users.filter((u) => u.parentsystemuserid !== null && assignUnits.has(u.businessunitid));
  const subjects = users.filter((u) => u.parentsystemuserid !== null && !assignUnits.has(u.businessunitid));
  const pool = (k: number) => subjects.slice(k * per, (k + 1) * per);
  if (subjects.length < 5 * per) throw new Error(`the organization has ${subjects.length} users with a manager; ${5 * per} are needed`);
  const root = units.find((u) => u.parentbusinessunitid === null)!;
  const teams = [...state.teams.values()].filter((t) => !t.isdefault);
  const rootRoles = [...state.roles.values()].filter((r) => r.businessunitid === root.businessunitid).slice(0, 5);
  const roles = [...state.roles.values()];
  const privileges = ['prvReadAccount', 'prvWriteAccount', 'prvReadContact', 'prvWriteContact', 'prvReadLead', 'prvCreateAccount', 'prvDeleteAccount', 'prvAppendAccount'];
  const held = new Set([...state.systemuserroles.values()].map((a) => `${a.systemuserid}|${a.roleid}`));
  const kinds: Command[][] = [
    Array.from({ length: per }, (_, i): Command => {
      const role = roles[i % roles.length];
      const privilege = privileges[Math.floor(i / roles.length) % privileges.length];
      // A depth the role does not hold yet: each change changes something.
      const depth = [0, 1, 2, 3].map((k) => DEPTHS[(i + k) % 4]).find((d) => role.privileges[privilege] !== d)!;
      return { type: 'setRolePrivilege', roleid: role.roleid, privilege, depth };
    }),
    pool(0).map((u, i): Command => ({ type: 'addTeamMember', teamid: teams[i % teams.length].teamid, systemuserid: u.systemuserid })).filter((c) => c.type === 'addTeamMember' && !state.teammembership.has(`${c.teamid}|${c.systemuserid}`)),
    pool(1).map((u, i): Command => ({ type: 'updateUser', systemuserid: u.systemuserid, internalemailaddress: `renamed.${i}@contoso.example` })),
    pool(2).map((u, i): Command => ({ type: 'updateUser', systemuserid: u.systemuserid, parentsystemuserid: managers[i % managers.length].systemuserid })),
    pool(3).map((u): Command => ({ type: 'setUserDisabled', systemuserid: u.systemuserid, isdisabled: true })),
    pool(4).map((u, i): Command => ({ type: 'moveUser', systemuserid: u.systemuserid, businessunitid: units.filter((x) => x.businessunitid !== u.businessunitid)[(i * 31) % (units.length - 1)].businessunitid })),
    assignees
      .flatMap((u) => rootRoles.map((r): Command => ({ type: 'assignRole', systemuserid: u.systemuserid, roleid: r.roleid })))
      .filter((c) => c.type === 'assignRole' && !held.has(`${c.systemuserid}|${c.roleid}`))
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

/** The organization with every id a GUID (as the double keeps it), so the vault and the environment share ids. */
export function withGuids(state: OrgState): OrgState {
  const g = (v: string) => (v ? guidFor(v) : v);
  const row = (r: object) => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'string' && k.endsWith('id') ? g(v) : v]));
  const table = (m: ReadonlyMap<string, object>) => new Map([...m].map(([k, r]) => [k.split('|').map(g).join('|'), row(r)]));
  const out: Record<string, unknown> = { ...state };
  for (const t of ['businessunits', 'systemusers', 'teams', 'teammembership', 'roles', 'systemuserroles', 'teamroles', 'fieldsecurityprofiles', 'systemuserprofiles', 'teamprofiles'] as const) out[t] = table(state[t]);
  return out as unknown as OrgState;
}

/** What a pull of the double would keep: privilege ids by name and each row's version. */
export function pulledFrom(double: RunningDouble): { privileges: Record<string, string>; etags: Etags } {
  const d = double.env.data;
  const versions = (m: Map<string, Record<string, unknown>>) => Object.fromEntries([...m].map(([id, r]) => [id, `W/"${String(r.versionnumber)}"`]));
  return {
    privileges: Object.fromEntries([...d.privileges.values()].map((p) => [p.name, p.privilegeid])),
    etags: { businessunits: versions(d.businessunits), systemusers: versions(d.systemusers), teams: versions(d.teams), fieldsecurityprofiles: versions(d.fieldsecurityprofiles), roles: Object.fromEntries([...d.roles].map(([id, r]) => [id, `W/"${r.versionnumber}"`])) },
  };
}

export async function benchDataversePush(seed: OrgState, changes = 10_000): Promise<Record<string, number>> {
  const state = withGuids(seed);
  const staged = stagedChanges(state, changes);
  const connect = (d: RunningDouble) => new Connection({ url: d.url, token: async () => 'bench-token' });

  const double = await startDataverseDouble(state);
  let plain: { planMs: number; sendMs: number; sent: number; batches: number };
  try {
    const c = connect(double);
    let t = performance.now();
    const plan = await planPush(staged, pushContext(c, state, pulledFrom(double)));
    const planMs = performance.now() - t;
    t = performance.now();
    const report = await sendPush(c, plan);
    plain = { planMs, sendMs: performance.now() - t, sent: report.sent, batches: report.batches };
  } finally {
    await double.close();
  }

  // A push cut off after half its change sets, run again: only then is what the environment holds read back.
  const resumed = await startDataverseDouble(state);
  let resume: { checkMs: number; held: number; sent: number };
  try {
    const c = connect(resumed);
    const plan = await planPush(staged, pushContext(c, state, pulledFrom(resumed)));
    // A cut falls between change sets; a plan of one change set (--small) is cut in its middle.
    const half = plan.length >= 2 * MAX_BATCH ? Math.floor(plan.length / 2 / MAX_BATCH) * MAX_BATCH : Math.floor(plan.length / 2);
    await sendPush(c, plan.slice(0, half));
    const t = performance.now();
    const held = await inEffect(c, plan);
    const checkMs = performance.now() - t;
    const heldCount = held.filter(Boolean).length;
    const wrong = plan.findIndex((_, i) => held[i] !== i < half);
    if (wrong >= 0) throw new Error(`the read-back after ${half} of ${plan.length} requests went through says request ${wrong + 1} (${plan[wrong].method} ${plan[wrong].path}) is ${held[wrong] ? '' : 'not '}held`);
    const report = await sendPush(c, plan.filter((_, i) => !held[i]));
    resume = { checkMs, held: heldCount, sent: report.sent };
  } finally {
    await resumed.close();
  }

  // The storm: the same push to a fresh environment, every third HTTP request answered 429.
  const stormy = await startDataverseDouble(state);
  try {
    const s = connect(stormy);
    const plan = await planPush(staged, pushContext(s, state, pulledFrom(stormy)));
    stormy.env.throttle = { every: 3, retryAfterSeconds: RETRY_AFTER_SECONDS };
    const waitedBefore = s.throttledWaitMs;
    const throttledBefore = s.throttled;
    const t = performance.now();
    const report = await sendPush(s, plan);
    const stormMs = performance.now() - t;
    const waited = s.throttledWaitMs - waitedBefore;
    return {
      dataverse_push_10000_ms: round(plain.planMs + plain.sendMs, 0),
      dataverse_push_10000_plan_ms: round(plain.planMs, 0),
      dataverse_push_10000_send_ms: round(plain.sendMs, 0),
      dataverse_push_resume_check_ms: round(resume.checkMs, 0),
      dataverse_push_resume_held: resume.held,
      dataverse_push_resume_sent: resume.sent,
      dataverse_push_10000_requests: plain.sent,
      dataverse_push_10000_batches: plain.batches,
      dataverse_push_429_send_ms: round(stormMs, 0),
      dataverse_push_429_throttled: s.throttled - throttledBefore,
      dataverse_push_429_waited_ms: round(waited, 0),
      dataverse_push_429_extra_ms: round(stormMs - plain.sendMs - waited, 0),
      dataverse_push_429_batches: report.batches,
    };
  } finally {
    await stormy.close();
  }
}

export const DATAVERSE_PUSH_TARGETS: Record<string, number> = { dataverse_push_10000_ms: 20_000, dataverse_push_10000_batches: 12 };

if (process.argv[1]?.endsWith('test/bench/dataversePush.ts')) {
  const small = process.argv.includes('--small');
  const t = performance.now();
  const state = syntheticOrganization(small ? { businessunits: 50, users: 1000, teams: 100, roles: 50, records: 0, shares: 0, popularRoleHolders: 100 } : { records: 0, shares: 0 });
  console.error(`organization generated in ${round(performance.now() - t, 0)} ms`);
  benchDataversePush(state, small ? 800 : 10_000).then(
    (figures) => console.log(JSON.stringify(figures, null, 2)),
    (e) => {
      console.error(e);
      process.exit(1);
    },
  );
}
