import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AccessEngine } from '../core/access/engine';
import { applyAll } from '../core/commands/apply';
import { demoOrganization } from '../core/generate/demo';
import { syntheticOrganization } from '../core/generate/synthetic';
import { depthOfLevel } from '../core/model/depth';
import type { OrgState } from '../core/model/org';
import { grantLabeller, sparseRoles } from '../core/reports/grants';
import { depthCell, userAccessReport, type Cell, type Report } from '../core/reports/index';
import { writeReport } from './run';

const ctx = { generatedAt: '2026-03-01T10:00:00.000Z', source: 'file contoso.json' };
let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'roleatlas-access-csv-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sha256 = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

async function csvOf(report: Report, name: string): Promise<Buffer> {
  const path = join(dir, name);
  await writeReport(report, 'csv', path);
  return readFileSync(path);
}

/** The same report with runs() removed, so the CSV writer takes the row-by-row path. */
const rowByRow = (r: Report): Report => ({ ...r, sections: r.sections.map((s) => ({ ...s, tables: s.tables.map((t) => ({ ...t, runs: undefined })) })) });

/**
 * The row builder the report had before rows were spelled as runs, kept as the reference: rows
 * [user, sign-in name, unit, table, right, privilege, depth, source] of every active user.
 */
function* referenceRows(state: OrgState): Generator<Cell[]> {
  const engine = AccessEngine.of(state);
  const g = engine.grantRows;
  const P = engine.catalog.privileges.length;
  const sparse = sparseRoles(engine);
  const label = grantLabeller(state, engine);
  const entityNames = engine.catalog.privileges.map((p) => p.entities.map((e) => engine.catalog.entities.get(e)?.displayname ?? e));
  const p = engine.principals;
  for (let u = 0; u < p.userIds.length; u++) {
    if (!engine.isActive(u)) continue;
    const user = state.systemusers.get(p.userIds[u])!;
    const head = [user.fullname, user.domainname, p.userUnit[u] >= 0 ? (state.businessunits.get(p.tree.ids[p.userUnit[u]])?.name ?? p.tree.ids[p.userUnit[u]]) : ''];
    const best = new Uint8Array(P);
    const from = g.start[u];
    const count = g.start[u + 1] - from;
    for (let k = 0; k < count; k++) {
      const s = sparse[g.role[from + k]];
      for (let j = 0; j < s.index.length; j++) best[s.index[j]] = Math.max(best[s.index[j]], s.level[j]);
    }
    for (let i = 0; i < P; i++) {
      const level = best[i];
      if (!level) continue;
      const labels: string[] = [];
      for (let k = 0; k < count; k++) {
        if (engine.roles.levels[g.role[from + k]][i] !== level) continue;
        const l = label(from + k);
        if (!labels.includes(l)) labels.push(l);
      }
      const def = engine.catalog.privileges[i];
      const tail = [def.name, depthCell(depthOfLevel(level)), labels.join('; ')];
      if (def.accessright === null) yield [...head, '(miscellaneous)', def.displayname, ...tail];
      else for (const e of entityNames[i]) yield [...head, e, def.accessright, ...tail];
    }
  }
}

/** The all-users report with its rows from referenceRows. */
function referenceReport(state: OrgState): Report {
  const r = userAccessReport(state, ctx);
  const [section] = r.sections;
  const [table] = section.tables;
  return { ...r, sections: [{ ...section, tables: [{ columns: table.columns, size: table.size, rows: () => referenceRows(state) }] }] };
}

/** A small synthetic organization, plus a user holding more than 31 roles directly (sources then come from a scan, not a bit mask). */
function manyRolesOrganization(): OrgState {
  const base = syntheticOrganization({ users: 600, businessunits: 30, teams: 60, roles: 50, records: 500, shares: 50, popularRoleHolders: 60, seed: 7 });
  const user = [...base.systemusers.values()].find((u) => !u.isdisabled)!;
  const held = new Set([...base.systemuserroles.values()].filter((a) => a.systemuserid === user.systemuserid).map((a) => a.roleid));
  const roles = [...base.roles.values()].filter((r) => !held.has(r.roleid)).slice(0, 35);
  const r = applyAll(base, roles.map((role) => ({ type: 'assignRole' as const, roleid: role.roleid, systemuserid: user.systemuserid })));
  if (!r.ok) throw new Error(r.error.message);
  return r.state;
}

describe("every user's effective access as CSV", () => {
  it('is byte for byte the file written before rows were copied as encoded runs (demo organization)', async () => {
    // Digests of the files the row-by-row writer produced; if the demo organization or the report's content changes on purpose, take them again.
    const state = demoOrganization();
    await writeReport(userAccessReport(state, ctx), 'csv', join(dir, 'all.csv'));
    expect(sha256(join(dir, 'all.csv'))).toBe('567686f16a5c47068a5473199555a620b8b8aaf89740f4c2fda41e2e543ae6cb');
    await writeReport(userAccessReport(state, ctx, [...state.systemusers.keys()].slice(0, 3)), 'csv', join(dir, 'some.csv'));
    expect(sha256(join(dir, 'some.csv'))).toBe('9818e291a940c561437f78b1b0f5f1a574972200e15b775571c8c6a4b8da3fa9');
  });

  it('has the rows of the reference builder, in its order', async () => {
    for (const [name, state] of [['demo', demoOrganization()], ['synthetic', manyRolesOrganization()]] as const) {
      const engine = AccessEngine.of(state);
      expect(Math.max(...Array.from({ length: engine.principals.userIds.length }, (_, u) => engine.grantRows.start[u + 1] - engine.grantRows.start[u]))).toBeGreaterThan(name === 'demo' ? 0 : 31);
      const expected = await csvOf(referenceReport(state), `${name}-reference.csv`);
      expect((await csvOf(userAccessReport(state, ctx), `${name}-runs.csv`)).equals(expected)).toBe(true);
      expect((await csvOf(rowByRow(userAccessReport(state, ctx)), `${name}-rows.csv`)).equals(expected)).toBe(true);
    }
  });

  it('escapes a user name starting with = in every row of that user', async () => {
    const state = demoOrganization();
    const user = [...state.systemusers.values()].find((u) => !u.isdisabled)!;
    const evil = { ...state, systemusers: new Map(state.systemusers).set(user.systemuserid, { ...user, fullname: '=HYPERLINK("http://x")' }) };
    const text = (await csvOf(userAccessReport(evil, ctx), 'evil.csv')).toString('utf8');
    const lines = text.split('\r\n').filter((l) => l.includes('HYPERLINK'));
    expect(lines.length).toBeGreaterThan(10);
    for (const l of lines) expect(l.startsWith(`"'=HYPERLINK(""http://x"")",`)).toBe(true);
  });
});
