/**
 * Importing real-sized roles: 100 generated System Administrator-sized role files (1,200 privileges
 * each: catalog privileges at depths they allow, plus names the catalog does not know) into the
 * 50,000-user organization, read, previewed and applied (target < 3 s).
 *
 * Standalone: node --import tsx test/bench/importRoles.ts
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUILTIN_CATALOG } from '../../src-main/core/catalog/catalog';
import { applyAll } from '../../src-main/core/commands/apply';
import { SeededRandom } from '../../src-main/core/generate/random';
import { syntheticOrganization } from '../../src-main/core/generate/synthetic';
import type { OrgState } from '../../src-main/core/model/org';
import { loadSolutionPaths } from '../../src-main/importers/solution/loadSolution';
import { planSolutionImport } from '../../src-main/importers/solution/plan';
import { roleXml } from '../../src-main/importers/solution/exportSolution';
import { round } from './measure';

export const IMPORT_TARGETS = { import_100_sysadmin_roles_ms: 3000 };

const ROLES = 100;
const PRIVILEGES = 1200;

/** Writes the role files into a fresh folder's Roles/ and returns the folder. */
function writeRoles(): string {
  const dir = mkdtempSync(join(tmpdir(), 'roleatlas-bench-import-'));
  mkdirSync(join(dir, 'Roles'));
  const rnd = new SeededRandom(11);
  const catalog = BUILTIN_CATALOG.privileges;
  for (let i = 0; i < ROLES; i++) {
    const privileges: Record<string, (typeof catalog)[number]['depths'][number]> = {};
    for (let k = 0; Object.keys(privileges).length < PRIVILEGES - 40 && k < catalog.length; k++) {
      const def = catalog[(i * 13 + k) % catalog.length];
      privileges[def.name] = def.depths[rnd.int(def.depths.length)];
    }
    // Privileges no catalog lists: kept as written, unverified.
    for (let k = 0; k < 40; k++) privileges[`prvReadbench_Table${k}`] = 'Global';
    const id = `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`;
    writeFileSync(join(dir, 'Roles', `Bench Role ${i}.xml`), '\ufeff' + roleXml({ roleid: id, name: `Bench Role ${i}`, businessunitid: '', isinherited: 1, privileges }));
  }
  return dir;
}

export async function benchImportRoles(state: OrgState): Promise<Record<string, number>> {
  const dir = writeRoles();
  try {
    // Read the files untimed once, so the median is not the first, cold read.
    await loadSolutionPaths([dir]);
    const times: number[] = [];
    let applied = 0;
    for (let run = 0; run < 5; run++) {
      const t = performance.now();
      const content = await loadSolutionPaths([dir]);
      const plan = planSolutionImport(state, content);
      if (plan.preview.errors.length) throw new Error(plan.preview.errors[0].message);
      const r = applyAll(state, plan.commands);
      if (!r.ok) throw new Error(r.error.message);
      times.push(performance.now() - t);
      applied = r.state.roles.size - state.roles.size;
    }
    if (applied !== ROLES) throw new Error(`expected ${ROLES} new roles, got ${applied}`);
    times.sort((a, b) => a - b);
    return { import_100_sysadmin_roles_ms: round(times[Math.floor(times.length / 2)], 0) };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export { writeRoles };
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const state = syntheticOrganization();
  console.log(JSON.stringify(await benchImportRoles(state)));
}
