/**
 * npm run bench [-- --json]: the speed and memory targets, measured as medians over the
 * synthetic benchmark organization (2,000 units, 50,000 users, 5,000 teams, 500 roles,
 * 1,000,000 records, 100,000 shares), with a same-run baseline.
 */
import { syntheticOrganization, BENCH_ORG } from '../../src-main/core/generate/synthetic';
import { AccessEngine } from '../../src-main/core/access/engine';
import { preview } from '../../src-main/core/access/preview';
import { diff } from '../../src-main/core/access/diff';
import { SeededRandom } from '../../src-main/core/generate/random';
import type { OrgState } from '../../src-main/core/model/org';
import { baselineMs, medianMs, round } from './measure';
import { benchVault } from './vault';
import { benchVaultHistory } from './vaultHistory';
import { benchSync } from './sync';
import { benchReports } from './reports';
import { benchHierarchy, HIERARCHY_TARGETS } from './hierarchy';
import { benchImportRoles, IMPORT_TARGETS } from './importRoles';
import { benchCliStart, benchOrgFileLoad } from './cliStart';
import { benchServerStart, SERVER_START_TARGETS } from './serverStart';
import { benchDataversePull, DATAVERSE_PULL_TARGETS } from './dataversePull';
import { benchDataversePush, DATAVERSE_PUSH_TARGETS } from './dataversePush';
import { benchDataverseJournal, DATAVERSE_JOURNAL_TARGETS } from './dataverseJournal';

const json = process.argv.includes('--json');
const log = (s: string) => {
  if (!json) console.error(s);
};

const TARGETS: Record<string, number> = {
  effective_privileges_all_users_ms: 500,
  check_explain_ms: 0.05,
  preview_one_user_ms: 5,
  diff_role_held_by_10000_users_ms: 200,
  peak_memory_mb: 1536,
  vault_open_ms: 1500,
  vault_edit_durable_ms: 50,
  snapshot_time_ratio: 1.3,
  vault_size_ratio: 1.2,
  vault_cli_apply_history_ratio: 1.3,
  push_10000_changes_ms: 10_000,
  push_10000_requests: 21,
  full_pull_ms: 10_000,
  incremental_pull_100_ms: 200,
  role_matrix_all_roles_xlsx_ms: 10_000,
  all_users_access_csv_ms: 15_000,
  all_users_access_csv_peak_rss_mb: 1024,
  findings_all_ms: 2000,
  ...HIERARCHY_TARGETS,
  ...IMPORT_TARGETS,
  org_file_load_ms: 3000,
  ...SERVER_START_TARGETS,
  ...DATAVERSE_PULL_TARGETS,
  ...DATAVERSE_PUSH_TARGETS,
  ...DATAVERSE_JOURNAL_TARGETS,
};

log('generating the benchmark organization…');
const state = syntheticOrganization();
const engine = AccessEngine.of(state);
const U = state.systemusers.size;
const rnd = new SeededRandom(7);
const userIds = [...state.systemusers.keys()];
const recordIds = [...state.records.keys()];
const entityOf = (id: string) => state.records.get(id)!.entity;

const baseline = baselineMs();

// Fresh copies of the user and role tables: every org index, grant and effective row is rebuilt.
let fresh: OrgState = state;
const effective = medianMs(
  5,
  () => {
    const e = AccessEngine.of(fresh);
    for (let u = 0; u < U; u++) e.effectiveLevels(u);
  },
  () => {
    fresh = { ...state, systemusers: new Map(state.systemusers), roles: new Map(state.roles) };
  },
);

const BATCH = 1000;
const checkExplain =
  medianMs(11, () => {
    for (let k = 0; k < BATCH; k++) {
      const rec = recordIds[rnd.int(recordIds.length)];
      engine.explain(userIds[rnd.int(userIds.length)], entityOf(rec), 'Read', rec);
    }
  }) / BATCH;

const previewMs = medianMs(21, (i) => {
  const r = preview(state, userIds[(i * 2377) % 10_000], 'account', 'Read');
  if (!r.ok) throw new Error(r.error.message);
});

const popular = 'r-0000';
const holders = [...state.systemuserroles.values()].filter((a) => a.roleid === popular).length;
const depths = ['Deep', 'Global', 'Basic', 'Local'] as const;
let rows = 0;
const diffMs = medianMs(9, (i) => {
  const r = diff(state, [{ type: 'setRolePrivilege', roleid: popular, privilege: 'prvReadAccount', depth: depths[i % depths.length] }]);
  if (!r.ok) throw new Error(r.error.message);
  rows = r.changes.length;
});

// Peak memory is read before the vault and sync parts, which hold second copies of the organization.
const peak = process.resourceUsage().maxRSS / 1024;
log('hierarchy…');
const hierarchyFigures = await benchHierarchy(state);
log('command line start…');
const cliFigures = { ...benchCliStart(), ...benchOrgFileLoad(state) };
log('importing roles…');
const importFigures = await benchImportRoles(state);
log('vault…');
const vaultFigures = await benchVault(state);
log('vault history (10,000 edits)…');
const historyFigures = await benchVaultHistory(state);
log('sync…');
const syncFigures = await benchSync(state);
log('dataverse pull…');
const dataverseFigures = await benchDataversePull(state);
log('sync server start…');
const serverStartFigures = await benchServerStart();
log('reports…');
const reportFigures = await benchReports(state);
log('Dataverse push (10,000 staged changes to the double)…');
const dataversePushFigures = await benchDataversePush({ ...state, records: new Map(), shares: new Map() });
log('Dataverse push of 10,000 changes applied since the pull (planned with its access diff)…');
const dataverseJournalFigures = await benchDataverseJournal({ ...state, records: new Map(), shares: new Map() });

const figures = {
  baseline_ms: round(baseline),
  effective_privileges_all_users_ms: round(effective, 1),
  check_explain_ms: round(checkExplain, 4),
  preview_one_user_ms: round(previewMs, 2),
  diff_role_held_by_10000_users_ms: round(diffMs, 1),
  peak_memory_mb: round(peak, 0),
  ...hierarchyFigures,
  ...importFigures,
  ...cliFigures,
  ...vaultFigures,
  ...historyFigures,
  ...syncFigures,
  ...dataverseFigures,
  ...serverStartFigures,
  ...reportFigures,
  ...dataversePushFigures,
  ...dataverseJournalFigures,
};
const context = { organization: BENCH_ORG, diff_role_direct_holders: holders, diff_rows: rows, node: process.version };

if (json) {
  console.log(JSON.stringify({ ...figures, context }));
} else {
  console.log('| figure | median | target | ratio to baseline |');
  console.log('|---|---|---|---|');
  for (const [k, v] of Object.entries(figures)) {
    const target = TARGETS[k];
    console.log(`| ${k} | ${v} | ${target === undefined ? '' : `< ${target}${v < target ? ' ✓' : ' ✗'}`} | ${k.endsWith('_ms') ? round(v / baseline, 1) : ''} |`);
  }
}
