import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import JSZip from 'jszip';
import { applyAll } from '../../core/commands/apply';
import { newOrganization, type OrgState } from '../../core/model/org';
import type { Depth } from '../../core/model/depth';
import { DEFAULT_SOLUTION_LIMITS, loadSolutionPaths } from './loadSolution';
import { planSolutionImport, type ImportPlan } from './plan';
import { catalogFor, parsePrivilegeName } from '../../core/catalog/catalog';
import { emptyContent, readSolutionDocument } from './readSolution';
import { exportSolution } from './exportSolution';
import { parseXml } from '../xml/safeXml';

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/solutions/', import.meta.url));
const at = (p: string) => join(FIXTURES, p);
const SALES_REP = '6a1c2e44-97d3-4f0b-9c1e-2b7d5a3e8f10';
const SERVICE_LEAD = '0b8f6d21-3c4a-4e55-8a9b-7c6d5e4f3a21';
const ANALYST = 'e5f4a3b2-1c0d-4e9f-8a7b-6c5d4e3f2a1b';
const WORKSTREAM_SECRETS = 'c3d1a9e0-5b7f-4c2d-8e6a-1f0b9d8c7a65';
const WHATSAPP_ADMINS = '7f6e5d4c-3b2a-4190-8f7e-6d5c4b3a2918';

/** Every privilege of every fixture role, at the level the file gives it (legacy names mapped). */
const EXPECTED: Record<string, { name: string; isinherited: 0 | 1; privileges: Record<string, Depth> }> = {
  [SALES_REP]: {
    name: 'Contoso Sales Rep',
    isinherited: 1,
    privileges: {
      prvCreateAccount: 'Basic',
      prvReadAccount: 'Local',
      prvWriteAccount: 'Basic',
      prvAppendAccount: 'Local',
      prvAppendToAccount: 'Local',
      prvShareAccount: 'Basic',
      prvCreateContact: 'Basic',
      prvReadContact: 'Deep',
      prvWriteContact: 'Basic',
      prvReadOpportunity: 'Local',
      prvWriteOpportunity: 'Basic',
      prvReadActivity: 'Local',
      prvCreateActivity: 'Basic',
      prvReadSubject: 'Global',
      prvReadcat_UserSetting: 'Basic',
      prvWritecat_UserSetting: 'Basic',
      prvCreatecat_UserSetting: 'Basic',
      prvExportToExcel: 'Global',
      prvReadOwnCalendar: 'Basic',
    },
  },
  [SERVICE_LEAD]: {
    name: 'Contoso Service Lead',
    isinherited: 0,
    privileges: {
      prvReadIncident: 'Deep',
      prvWriteIncident: 'Local',
      prvCreateIncident: 'Basic',
      prvAssignIncident: 'Local',
      prvReadKnowledgeArticle: 'Global',
      prvReadQueue: 'Local',
      prvReadActivity: 'Deep',
      prvReadcat_EscalationPolicy: 'Global',
      prvWritecat_EscalationPolicy: 'Global',
      prvBulkDelete: 'Global',
    },
  },
  [ANALYST]: {
    name: 'Contoso Marketing Analyst',
    isinherited: 1,
    privileges: {
      prvReadCampaign: 'Global',
      prvWriteCampaign: 'Deep',
      prvReadList: 'Global',
      prvReadAccount: 'Global',
      prvReadcat_UserSetting: 'Local',
      prvAppendTocat_UserSetting: 'Basic',
      prvReadReport: 'Basic',
    },
  },
};

const fresh = (): OrgState => newOrganization({ name: 'Fabrikam', rootbusinessunitid: 'bu-root', defaultteamid: 'team-root' });

function applied(state: OrgState, plan: ImportPlan): OrgState {
  expect(plan.preview.errors).toEqual([]);
  const r = applyAll(state, plan.commands);
  if (!r.ok) throw new Error(`command ${r.index} refused: ${r.error.message}`);
  return r.state;
}

function rolesOf(state: OrgState) {
  return Object.fromEntries([...state.roles.values()].map((r) => [r.roleid, { name: r.name, isinherited: r.isinherited, privileges: { ...r.privileges } }]));
}

async function importFixtures(state = fresh()): Promise<OrgState> {
  const content = await loadSolutionPaths([at('unpacked'), at('customizations.xml')]);
  return applied(state, planSolutionImport(state, content));
}

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'roleatlas-solution-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('importing security roles from solutions', () => {
  it('imports every role of an unpacked solution and a customizations.xml, every privilege at its level', async () => {
    const state = await importFixtures();
    expect(rolesOf(state)).toEqual(EXPECTED);
  });

  it('ignores the ribbon <Role Id> elements of customizations.xml: they are not security roles', async () => {
    const content = await loadSolutionPaths([at('customizations.xml')]);
    expect(content.roles.map((r) => r.name)).toEqual(['Contoso Marketing Analyst']);
    expect(content.errors).toEqual([]);
  });

  it('maps privilege names without regard to case, shared names such as prvReadActivity included', async () => {
    const plan = planSolutionImport(fresh(), await loadSolutionPaths([at('customizations.xml'), at('unpacked')]));
    const analyst = plan.preview.roles.new.find((r) => r.sourceroleid === ANALYST)!;
    expect(analyst.privileges.prvReadAccount).toBe('Global'); // written PRVREADACCOUNT level="global"
    expect(plan.preview.roles.new.find((r) => r.sourceroleid === SERVICE_LEAD)!.privileges.prvReadActivity).toBe('Deep');
  });

  it('keeps privileges of tables the catalog does not know as written, unverified, and counts them per role', async () => {
    const plan = planSolutionImport(fresh(), await loadSolutionPaths([at('unpacked'), at('customizations.xml')]));
    expect(plan.preview.customentities).toEqual([]);
    const rep = plan.preview.roles.new.find((r) => r.sourceroleid === SALES_REP)!;
    expect(rep.counts).toEqual({ known: 16, inferred: 0, unverified: 3 });
    const state = applied(fresh(), plan);
    const catalog = catalogFor(state);
    expect(catalog.privilege('prvReadcat_UserSetting')).toMatchObject({ status: 'unverified', accessright: 'Read', entities: ['cat_usersetting'], depths: ['Basic', 'Local', 'Deep', 'Global'] });
    expect(catalog.entities.get('cat_usersetting')).toMatchObject({ ownership: null, group: 'Unverified' });
  });

  it('takes the ownership of a table the solution defines from its OwnershipTypeMask: its privileges are inferred, not unverified', () => {
    const content = emptyContent();
    const xml = `<ImportExportXml><Entities><Entity><Name LocalizedName="Escalation Policy" OriginalName="Escalation Policy">cat_EscalationPolicy</Name><EntityInfo><entity Name="cat_EscalationPolicy"><OwnershipTypeMask>OrgOwned</OwnershipTypeMask></entity></EntityInfo></Entity></Entities>
      <Roles><Role id="{AB}" name="Escalations"><RolePrivileges><RolePrivilege name="prvReadcat_EscalationPolicy" level="Global"/><RolePrivilege name="prvWritecat_EscalationPolicy" level="Global"/><RolePrivilege name="prvReadAccount" level="Basic"/></RolePrivileges></Role></Roles></ImportExportXml>`;
    const r = parseXml(xml, 'customizations.xml');
    if (!r.ok) throw new Error(r.error.message);
    readSolutionDocument(r.root, 'customizations.xml', content);
    const plan = planSolutionImport(fresh(), content);
    expect(plan.preview.customentities).toEqual([{ logicalname: 'cat_escalationpolicy', displayname: 'Escalation Policy', ownership: 'OrganizationOwned', schemaname: 'cat_EscalationPolicy' }]);
    expect(plan.preview.roles.new[0].counts).toEqual({ known: 1, inferred: 2, unverified: 0 });
    const state = applied(fresh(), plan);
    expect(catalogFor(state).privilege('prvReadcat_EscalationPolicy')).toMatchObject({ status: 'inferred', depths: ['Global'] });
    expect(state.roles.get('ab')!.privileges).toEqual({ prvReadcat_EscalationPolicy: 'Global', prvWritecat_EscalationPolicy: 'Global', prvReadAccount: 'Basic' });
  });

  it('reads the right of a privilege name with AppendTo before Append, in any letter case', () => {
    expect(parsePrivilegeName('prvAppendTocat_UserSetting')).toEqual({ right: 'AppendTo', schemaname: 'cat_UserSetting', table: 'cat_usersetting' });
    expect(parsePrivilegeName('prvAppendtoCategory')).toEqual({ right: 'AppendTo', schemaname: 'Category', table: 'category' });
    expect(parsePrivilegeName('prvAppendcat_UserSetting')).toEqual({ right: 'Append', schemaname: 'cat_UserSetting', table: 'cat_usersetting' });
    expect(parsePrivilegeName('prvBulkDelete')).toBeNull();
  });

  it('keeps a level the catalog disputes, with a warning naming it, and refuses a level that does not exist, with file and line', async () => {
    const plan = planSolutionImport(fresh(), await loadSolutionPaths([at('bad-levels.xml')]));
    expect(plan.commands).toEqual([]);
    expect(plan.preview.errors.map((e) => [e.line, e.message])).toEqual([[7, expect.stringContaining('level "Everything" is not one of Basic, Local, Deep, Global')]]);
    expect(plan.preview.errors[0].file).toMatch(/bad-levels\.xml$/);
    expect(plan.preview.warnings.map((w) => w.message).join('\n')).toMatch(/kept as written, marked unverified .*prvBulkDelete at Basic \(.*bad-levels\.xml:5; catalog: Global\), prvReadSubject at Deep/);
  });

  it('keeps a Microsoft privilege the catalog does not list, as written, rather than dropping it', () => {
    const content = emptyContent();
    const r = parseXml('<Role id="{AB}" name="Customizer"><RolePrivileges><RolePrivilege name="prvReadNewThing" level="Global"/><RolePrivilege name="prvReadAccount" level="Global"/></RolePrivileges></Role>', 'c.xml');
    if (!r.ok) throw new Error(r.error.message);
    readSolutionDocument(r.root, 'c.xml', content);
    const plan = planSolutionImport(fresh(), content);
    expect(plan.preview.roles.new[0].privileges).toEqual({ prvReadNewThing: 'Global', prvReadAccount: 'Global' });
    expect(plan.preview.roles.new[0].counts).toEqual({ known: 1, inferred: 0, unverified: 1 });
  });

  it('previews changed roles privilege by privilege, matched by id', async () => {
    const imported = await importFixtures();
    const edited = applied(imported, {
      preview: { roles: { new: [], changed: [], unchanged: [] }, profiles: { new: [], changed: [], unchanged: [] }, customentities: [], warnings: [], errors: [] },
      commands: [
        { type: 'setRolePrivilege', roleid: SALES_REP, privilege: 'prvReadAccount', depth: 'Global' },
        { type: 'setRolePrivilege', roleid: SALES_REP, privilege: 'prvShareAccount', depth: null },
        { type: 'setRolePrivilege', roleid: SALES_REP, privilege: 'prvDeleteAccount', depth: 'Basic' },
      ],
    });
    const plan = planSolutionImport(edited, await loadSolutionPaths([at('unpacked'), at('customizations.xml')]));
    expect(plan.preview.roles.new).toEqual([]);
    expect(plan.preview.roles.unchanged.map((r) => r.name).sort()).toEqual(['Contoso Marketing Analyst', 'Contoso Service Lead']);
    expect(plan.preview.roles.changed).toHaveLength(1);
    expect(plan.preview.roles.changed[0]).toMatchObject({ roleid: SALES_REP, matchedby: 'id' });
    expect(plan.preview.roles.changed[0].changes).toEqual([
      { privilege: 'prvDeleteAccount', before: 'Basic', after: null },
      { privilege: 'prvReadAccount', before: 'Global', after: 'Local' },
      { privilege: 'prvShareAccount', before: null, after: 'Basic' },
    ]);
    expect(plan.commands.map((c) => c.type)).toEqual(['replaceRolePrivileges']);
    expect(rolesOf(applied(edited, plan))).toEqual(EXPECTED);
  });

  it('matches a role by name when the organization has it under another id, and updates that role', async () => {
    const base = applied(fresh(), {
      preview: { roles: { new: [], changed: [], unchanged: [] }, profiles: { new: [], changed: [], unchanged: [] }, customentities: [], warnings: [], errors: [] },
      commands: [{ type: 'createRole', roleid: 'role-local-copy', name: 'contoso sales rep', privileges: { prvReadAccount: 'Basic' } }],
    });
    const plan = planSolutionImport(base, await loadSolutionPaths([at('unpacked/Roles/Contoso Sales Rep.xml')]));
    expect(plan.preview.roles.changed).toHaveLength(1);
    expect(plan.preview.roles.changed[0]).toMatchObject({ roleid: 'role-local-copy', sourceroleid: SALES_REP, matchedby: 'name' });
    expect(plan.preview.roles.changed[0].fields).toEqual(
      expect.arrayContaining([
        { field: 'name', before: 'contoso sales rep', after: 'Contoso Sales Rep' },
        { field: 'description', before: null, after: "Sells to accounts & contacts of the rep's own business unit." },
      ]),
    );
    const after = applied(base, plan);
    expect(after.roles.get('role-local-copy')!.privileges).toEqual(EXPECTED[SALES_REP].privileges);
    expect(after.roles.has(SALES_REP)).toBe(false);
  });

  it('applies only the roles and profiles the admin chose', async () => {
    const content = await loadSolutionPaths([at('unpacked'), at('customizations.xml')]);
    const plan = planSolutionImport(fresh(), content, { roles: new Set([SALES_REP]), profiles: new Set() });
    expect(plan.commands.map((c) => c.type)).toEqual(['createRole']);
    const state = applied(fresh(), plan);
    expect([...state.roles.keys()]).toEqual([SALES_REP]);
  });

  it('refuses a role given twice with different content, and accepts it twice when both agree', async () => {
    const twice = await loadSolutionPaths([at('unpacked'), at('unpacked')]);
    expect(planSolutionImport(fresh(), twice).preview.errors).toEqual([]);
    const content = await loadSolutionPaths([at('unpacked')]);
    content.roles.push({ ...content.roles[0], privileges: [], file: 'other.xml', line: 3 });
    expect(planSolutionImport(fresh(), content).preview.errors[0]).toMatchObject({ file: 'other.xml', line: 3, message: expect.stringContaining('with different content') });
  });
});

describe('importing field security profiles', () => {
  it('reads profiles from Other/FieldSecurityProfiles.xml and customizations.xml, attributes or child elements', async () => {
    const state = await importFixtures();
    const byId = (id: string) => state.fieldsecurityprofiles.get(id)!;
    expect(byId(WORKSTREAM_SECRETS).name).toBe('Workstream Secrets');
    expect(byId(WORKSTREAM_SECRETS).fieldpermissions).toEqual(
      expect.arrayContaining([
        { entityname: 'msdyn_liveworkstream', attributelogicalname: 'msdyn_secureapikey', canread: 4, cancreate: 0, canupdate: 0 },
        { entityname: 'account', attributelogicalname: 'creditlimit', canread: 4, cancreate: 4, canupdate: 4 },
      ]),
    );
    expect(byId(WHATSAPP_ADMINS).fieldpermissions).toEqual([{ entityname: 'ikl_whatsappconfiguration', attributelogicalname: 'ikl_twilioauthtoken', canread: 4, cancreate: 4, canupdate: 0 }]);
  });

  it('reports a column that is not among the secured columns of its table, and a value other than 0 or 4', () => {
    const content = emptyContent();
    const xml = `<FieldSecurityProfiles>
  <FieldSecurityProfile fieldsecurityprofileid="{AA}" name="Bad">
    <FieldPermissions>
      <FieldPermission entityname="msdyn_liveworkstream" attributelogicalname="msdyn_name" canread="4" cancreate="0" canupdate="0" />
      <FieldPermission entityname="account" attributelogicalname="creditlimit" canread="2" cancreate="0" canupdate="0" />
    </FieldPermissions>
  </FieldSecurityProfile>
</FieldSecurityProfiles>`;
    const r = parseXml(xml, 'fsp.xml');
    if (!r.ok) throw new Error(r.error.message);
    readSolutionDocument(r.root, 'fsp.xml', content);
    const plan = planSolutionImport(fresh(), content);
    expect(plan.commands).toEqual([]);
    expect(plan.preview.errors.map((e) => [e.line, e.message])).toEqual([
      [4, expect.stringContaining('not a secured column of msdyn_liveworkstream (secured: msdyn_secureapikey)')],
      [5, expect.stringContaining('canread must be 0 (not allowed) or 4 (allowed)')],
    ]);
  });

  it('previews a changed permission and removes one the file no longer lists', async () => {
    const imported = await importFixtures();
    const content = emptyContent();
    const r = parseXml(
      `<FieldSecurityProfiles><FieldSecurityProfile fieldsecurityprofileid="{${WORKSTREAM_SECRETS.toUpperCase()}}" name="Workstream Secrets"><FieldPermissions><FieldPermission entityname="msdyn_liveworkstream" attributelogicalname="msdyn_secureapikey" canread="4" cancreate="0" canupdate="4" /></FieldPermissions></FieldSecurityProfile></FieldSecurityProfiles>`,
      'fsp.xml',
    );
    if (!r.ok) throw new Error(r.error.message);
    readSolutionDocument(r.root, 'fsp.xml', content);
    const plan = planSolutionImport(imported, content);
    expect(plan.preview.profiles.changed[0].changes).toEqual([
      { entityname: 'account', attributelogicalname: 'creditlimit', before: { canread: 4, cancreate: 4, canupdate: 4 }, after: null },
      { entityname: 'msdyn_liveworkstream', attributelogicalname: 'msdyn_secureapikey', before: { canread: 4, cancreate: 0, canupdate: 0 }, after: { canread: 4, cancreate: 0, canupdate: 4 } },
    ]);
    expect(applied(imported, plan).fieldsecurityprofiles.get(WORKSTREAM_SECRETS)!.fieldpermissions).toEqual([
      { entityname: 'msdyn_liveworkstream', attributelogicalname: 'msdyn_secureapikey', canread: 4, cancreate: 0, canupdate: 4 },
    ]);
  });
});

describe('exporting roles and profiles back to solution XML', () => {
  it('gives the same roles and profiles on import → export → import', async () => {
    const first = await importFixtures();
    const out = join(tmp, 'roundtrip');
    for (const f of exportSolution(first)) {
      const path = join(out, f.path);
      mkdirSync(dirname(path), { recursive: true });
      writeFileSync(path, f.text);
    }
    const exported = await loadSolutionPaths([out]);
    expect(exported.errors).toEqual([]);
    const second = applied(fresh(), planSolutionImport(fresh(), exported));
    expect(rolesOf(second)).toEqual(rolesOf(first));
    expect(rolesOf(second)).toEqual(EXPECTED);
    expect([...second.entities.values()]).toEqual([...first.entities.values()]);
    expect([...second.fieldsecurityprofiles.values()].map((p) => ({ ...p, fieldpermissions: [...p.fieldpermissions].sort((a, b) => a.entityname.localeCompare(b.entityname)) }))).toEqual(
      [...first.fieldsecurityprofiles.values()].map((p) => ({ ...p, fieldpermissions: [...p.fieldpermissions].sort((a, b) => a.entityname.localeCompare(b.entityname)) })),
    );
    const again = planSolutionImport(first, exported);
    expect(again.preview.roles.unchanged).toHaveLength(3);
    expect(again.preview.profiles.unchanged).toHaveLength(2);
    expect(again.commands).toEqual([]);
  });

  it('writes one Roles/{name}.xml per role and escapes what XML needs escaped', () => {
    const state = applied(fresh(), {
      preview: { roles: { new: [], changed: [], unchanged: [] }, profiles: { new: [], changed: [], unchanged: [] }, customentities: [], warnings: [], errors: [] },
      commands: [{ type: 'createRole', roleid: '9f0c1b2a-0000-4000-8000-00000000abcd', name: 'R&D <Lab>: "A/B"', description: 'x < y', privileges: { prvReadAccount: 'Deep' } }],
    });
    const files = exportSolution(state);
    expect(files.map((f) => f.path)).toEqual(['Roles/R&D _Lab__ _A_B_.xml', 'Other/FieldSecurityProfiles.xml']);
    expect(files[0].text).toContain('<Role id="{9f0c1b2a-0000-4000-8000-00000000abcd}" name="R&amp;D &lt;Lab&gt;: &quot;A/B&quot;" isinherited="1">');
    const back = parseXml(files[0].text, files[0].path);
    expect(back.ok).toBe(true);
  });
});

describe('solution zips', () => {
  async function zipOf(entries: Record<string, string | Uint8Array>): Promise<string> {
    const zip = new JSZip();
    for (const [name, data] of Object.entries(entries)) zip.file(name, data);
    const path = join(tmp, `s-${Math.random().toString(36).slice(2)}.zip`);
    writeFileSync(path, await zip.generateAsync({ type: 'uint8array', compression: 'DEFLATE' }));
    return path;
  }

  it('reads customizations.xml out of a solution zip, naming entries as zip!entry', async () => {
    const path = await zipOf({
      'solution.xml': '<ImportExportXml><SolutionManifest><UniqueName>ContosoSecurity</UniqueName></SolutionManifest></ImportExportXml>',
      '[Content_Types].xml': '<Types />',
      'customizations.xml': readFileSync(at('customizations.xml')),
    });
    const content = await loadSolutionPaths([path]);
    expect(content.errors).toEqual([]);
    expect(content.roles.map((r) => [r.roleid, r.file])).toEqual([[ANALYST, `${path}!customizations.xml`]]);
    expect(content.profiles.map((p) => p.fieldsecurityprofileid)).toEqual([WHATSAPP_ADMINS]);
  });

  it('refuses a truncated zip with a clear error naming the file', async () => {
    const content = await loadSolutionPaths([at('hostile/truncated.zip')]);
    expect(content.errors).toEqual([{ file: at('hostile/truncated.zip'), message: expect.stringMatching(/not a readable zip \(truncated or damaged\?\)/) }]);
  });

  it('stops inflating an entry past the size limit (zip bomb)', async () => {
    const bomb = new Uint8Array(30 * 1024 * 1024).fill(0x20);
    bomb.set(new TextEncoder().encode('<ImportExportXml>'), 0);
    const path = await zipOf({ 'customizations.xml': bomb });
    const content = await loadSolutionPaths([path]);
    expect(content.errors[0]).toMatchObject({ file: `${path}!customizations.xml`, message: expect.stringMatching(/inflates to .* the limit is 20971520 bytes/) });
  });

  it('refuses a zip with more entries than the limit', async () => {
    const path = await zipOf(Object.fromEntries(Array.from({ length: 12 }, (_, i) => [`Roles/r${i}.xml`, '<Role/>'])));
    const content = await loadSolutionPaths([path], { ...DEFAULT_SOLUTION_LIMITS, maxZipEntries: 10 });
    expect(content.errors[0].message).toBe('zip has 12 entries; the limit is 10');
  });

  it('applies nothing when one of several files is hostile', async () => {
    const content = await loadSolutionPaths([at('unpacked'), at('hostile/xxe.xml')]);
    const plan = planSolutionImport(fresh(), content);
    expect(plan.preview.roles.new).toHaveLength(2);
    expect(plan.commands).toEqual([]);
    expect(plan.preview.errors[0].file).toMatch(/xxe\.xml$/);
  });
});
