import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { applyAll } from '../../core/commands/apply';
import { BUILTIN_CATALOG, catalogFor } from '../../core/catalog/catalog';
import { newOrganization, type OrgState } from '../../core/model/org';
import { loadSolutionPaths } from './loadSolution';
import { planSolutionImport } from './plan';
import { exportSolution } from './exportSolution';

/**
 * Security roles exported from real Dynamics 365 environments into public repositories
 * (../shared/real-roles, byte-exact, SOURCES.json names each file's origin). Every privilege of
 * every role must come in at the level written, and go out and back in unchanged.
 */
const CORPUS = fileURLToPath(new URL('../../../../shared/real-roles/', import.meta.url));

function corpusFiles(dir = CORPUS): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir).sort()) {
    const full = join(dir, name);
    if (statSync(full).isDirectory()) out.push(...corpusFiles(full));
    else if (/\.xml$/i.test(name) && !/FieldSecurityProfiles\.xml$/i.test(name)) out.push(full);
  }
  return out;
}

interface CountedRole {
  name: string;
  isinherited: 0 | 1;
  privileges: Map<string, string>;
}

/**
 * An independent reading of a role file, sharing nothing with the importer: plain text matching of
 * <Role id name isinherited> and its <RolePrivilege name level/> elements. In customizations.xml
 * only the top-level <Roles> section counts (forms and ribbons also carry <Role Id=…/>).
 */
function countRoles(file: string): Map<string, CountedRole> {
  let text = readFileSync(file, 'utf8');
  const top = /<ImportExportXml[\s>]/.test(text) ? /\n {2}<Roles>([\s\S]*?)\n {2}<\/Roles>/.exec(text) : null;
  if (/<ImportExportXml[\s>]/.test(text)) text = top ? top[1] : '';
  const roles = new Map<string, CountedRole>();
  // <Role … unmodified="1" /> names a system role the solution only refers to: not a role to import.
  for (const m of text.matchAll(/<Role\s([^>]*[^/])>([\s\S]*?)<\/Role>/g)) {
    const attrs = Object.fromEntries([...m[1].matchAll(/(\w+)="([^"]*)"/g)].map((a) => [a[1].toLowerCase(), a[2]]));
    const id = attrs.id.replace(/[{}]/g, '').toLowerCase();
    const privileges = new Map<string, string>();
    for (const p of m[2].matchAll(/<RolePrivilege\s+name="([^"]+)"\s+level="([^"]+)"\s*\/>/g)) privileges.set(p[1], p[2]);
    roles.set(id, { name: attrs.name.replace(/&amp;/g, '&'), isinherited: attrs.isinherited === '0' ? 0 : 1, privileges });
  }
  return roles;
}

const fresh = (): OrgState => newOrganization({ name: 'Fresh', rootbusinessunitid: 'bu-root', defaultteamid: 'team-root' });

async function importInto(state: OrgState, paths: string[]): Promise<{ state: OrgState; warnings: string[] }> {
  const plan = planSolutionImport(state, await loadSolutionPaths(paths));
  expect(plan.preview.errors, paths.join(', ')).toEqual([]);
  const r = applyAll(state, plan.commands);
  if (!r.ok) throw new Error(`${paths.join(', ')}: command ${r.index} refused: ${r.error.message}`);
  return { state: r.state, warnings: plan.preview.warnings.map((w) => w.message) };
}

function expectRoles(state: OrgState, expected: Map<string, CountedRole>, where: string): void {
  for (const [id, role] of expected) {
    const got = state.roles.get(id);
    expect(got, `${where}: role ${role.name} (${id})`).toBeDefined();
    expect({ name: got!.name, isinherited: got!.isinherited }, where).toEqual({ name: role.name, isinherited: role.isinherited });
    expect(new Map(Object.entries(got!.privileges)), `${where}: ${role.name}`).toEqual(role.privileges);
  }
}

const files = existsSync(CORPUS) ? corpusFiles() : [];

describe('roles exported from real environments', () => {
  it('finds the corpus beside the project (../shared/real-roles)', () => {
    expect(files.length).toBeGreaterThanOrEqual(60);
  });

  it.each(files.map((f) => [relative(CORPUS, f), f]))('%s imports exactly, and exports and re-imports unchanged', async (_, file) => {
    const expected = countRoles(file);
    const { state, warnings } = await importInto(fresh(), [file]);
    expect(state.roles.size).toBe(expected.size);
    expectRoles(state, expected, file);
    // Nothing in a real file contradicts the catalog's depth rules.
    expect(warnings.filter((w) => w.includes('marked unverified'))).toEqual([]);

    const out = mkdtempSync(join(tmpdir(), 'roleatlas-real-'));
    try {
      for (const f of exportSolution(state)) {
        mkdirSync(dirname(join(out, f.path)), { recursive: true });
        writeFileSync(join(out, f.path), f.text);
      }
      const again = await importInto(fresh(), [out]);
      expectRoles(again.state, expected, `${file} after export`);
      expect([...again.state.roles.values()].map((r) => r.description ?? null)).toEqual([...state.roles.values()].map((r) => r.description ?? null));
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });

  it('imports a solution folder whose field security profile names a column of a table only the solution knows', async () => {
    const folder = join(CORPUS, 'paradiseisfound__riata/solution');
    const { state } = await importInto(fresh(), [folder]);
    const profile = state.fieldsecurityprofiles.get('2fae993b-935a-f011-877a-000d3a36d7e0')!;
    expect(profile.name).toBe('Riata Column Security Profile');
    expect(profile.fieldpermissions.map((f) => [f.entityname, f.attributelogicalname, f.canread, f.cancreate, f.canupdate])).toEqual([
      ['mda_transactioncategory', 'mda_depth', 4, 0, 0],
      ['mda_transactioncategory', 'mda_index', 4, 0, 0],
    ]);
    expect(catalogFor(state).entities.get('mda_transactioncategory')).toBeDefined();
  });

  it('imports a profile of 100 field permissions exactly as the file lists them', async () => {
    const file = join(CORPUS, 'tc-ca__ROMTS-GSRST.PowerApps/romts_gsrst/Other/FieldSecurityProfiles.xml');
    const text = readFileSync(file, 'utf8');
    const written = [...text.matchAll(/<FieldPermission>([\s\S]*?)<\/FieldPermission>/g)].map((m) => {
      const v = (tag: string) => new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(m[1])![1];
      return `${v('EntityName')}.${v('AttributeName')}=${v('CanRead')}${v('CanCreate')}${v('CanUpdate')}`.toLowerCase();
    });
    const { state } = await importInto(fresh(), [file]);
    const [profile] = [...state.fieldsecurityprofiles.values()];
    expect(profile.fieldpermissions.map((f) => `${f.entityname}.${f.attributelogicalname}=${f.canread}${f.cancreate}${f.canupdate}`).sort()).toEqual(written.sort());
    expect(written).toHaveLength(100);
  });

  it('holds no level in any corpus file outside what the built-in catalog allows for that privilege', () => {
    const outside: string[] = [];
    for (const file of files) {
      for (const role of countRoles(file).values()) {
        for (const [name, level] of role.privileges) {
          const def = BUILTIN_CATALOG.lookup(name);
          if (def && !def.depths.includes(level as never)) outside.push(`${relative(CORPUS, file)}: ${name} at ${level} (catalog: ${def.depths.join(', ')})`);
          if (def) expect(def.name, 'the catalog spells the name as Dataverse writes it').toBe(name);
        }
      }
    }
    expect(outside).toEqual([]);
  });

  it('lists well over a thousand privileges, each table and miscellaneous privilege with its source', () => {
    expect(BUILTIN_CATALOG.privileges.length).toBeGreaterThan(2000);
    const largest = Math.max(...files.flatMap((f) => [...countRoles(f).values()].map((r) => r.privileges.size)));
    expect(largest).toBe(1238);
  });
});
