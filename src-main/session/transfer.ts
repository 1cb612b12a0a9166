import { randomUUID } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve, sep } from 'node:path';
import { catalogFor } from '../core/catalog/catalog';
import type { Id, OrgState } from '../core/model/org';
import { refused, type Result } from '../core/result';
import { loadSolutionPaths } from '../importers/solution/loadSolution';
import { exportSolution } from '../importers/solution/exportSolution';
import { writeAtomically, writeInterchange } from '../files/atomicWrite';
import { planSolutionImport, type ImportPlan, type ImportPreview, type ProfilePreview, type RolePreview } from '../importers/solution/plan';
import type { SolutionContent } from '../importers/solution/readSolution';
import { MAX_CSV_BYTES, planUserImport, type UserImportPlan } from '../importers/users/csvUsers';
import type { ExportedOrgDto, ExportedSolutionDto, ImportedDto, ProfilePreviewDto, RolePreviewDto, RolesPreviewDto, UsersPreviewDto } from '../bridge/channels/transfer';
import type { Desktop } from './desktop';
import type { OrgSession } from './orgSession';
import { safeFileName } from '../files/fileNames';

/**
 * Import & export for the app: files are chosen through the Desktop and read here, never by the
 * renderer. A preview is kept under a short-lived import id with the state it was computed on;
 * applying it applies exactly the previewed commands, or refuses when the organization has
 * changed since in a way that would make the import do something else.
 */

export interface TransferOptions {
  /** Milliseconds since the epoch; previews older than `ttlMs` are forgotten. */
  readonly now?: () => number;
  readonly ttlMs?: number;
  /** Ids for import ids and new users. */
  readonly newId?: () => string;
}

interface RolesImport {
  readonly kind: 'roles';
  readonly at: number;
  readonly state: OrgState;
  readonly content: SolutionContent;
  readonly plan: ImportPlan;
  readonly sources: readonly string[];
}

interface UsersImport {
  readonly kind: 'users';
  readonly at: number;
  readonly state: OrgState;
  readonly text: string;
  readonly file: string;
  /** The ids the plan gave its new users, in the order it asked for them: a re-plan reuses them. */
  readonly ids: readonly Id[];
  readonly plan: UserImportPlan;
}

type Pending = RolesImport | UsersImport;

/** A solution folder's content is found by loadSolutionPaths; these are the single files it reads. */
const SOLUTION_FILTERS = [{ name: 'Solution files', extensions: ['xml', 'zip'] }];
const CSV_FILTERS = [{ name: 'CSV', extensions: ['csv'] }];
const ORG_FILTERS = [{ name: 'RoleAtlas organization', extensions: ['json'] }];
/** Previews kept at once: the screen shows one of each kind; a few more cover a second window. */
const MAX_PENDING = 6;

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

export class Transfer {
  private readonly pending = new Map<string, Pending>();
  /** Files and folders this window wrote: the only paths "Show in folder" accepts. */
  private readonly written = new Set<string>();
  private readonly now: () => number;
  private readonly ttlMs: number;
  private readonly newId: () => string;

  constructor(
    private readonly session: OrgSession,
    private readonly desktop: Desktop,
    options: TransferOptions = {},
  ) {
    this.now = options.now ?? Date.now;
    this.ttlMs = options.ttlMs ?? 30 * 60_000;
    this.newId = options.newId ?? randomUUID;
  }

  // ---- security roles from solution files ----

  async previewRoles(pick: 'files' | 'folder'): Promise<Result<RolesPreviewDto | null>> {
    const paths = await this.desktop.chooseOpenFiles(
      pick === 'folder'
        ? { title: 'Import security roles from an unpacked solution folder', filters: [], folders: true }
        : { title: 'Import security roles from solution files', filters: SOLUTION_FILTERS, multiple: true },
    );
    if (!paths.length) return { ok: true, value: null };
    const content = await loadSolutionPaths(paths);
    const state = this.session.current;
    const sources = paths.map((p) => basename(p));
    let plan = planSolutionImport(state, content);
    if (!content.roles.length && !content.profiles.length && !plan.preview.errors.length) {
      const nothing = { file: sources.join(', '), message: 'holds no security roles or field security profiles' };
      plan = { commands: [], preview: { ...plan.preview, errors: [nothing] } };
    }
    const importid = this.keep({ kind: 'roles', at: this.now(), state, content, plan, sources });
    return { ok: true, value: rolesPreviewDto(importid, sources, state, plan.preview, shortName(paths)) };
  }

  applyRoles(importid: string, choice: { readonly roles: readonly Id[]; readonly profiles: readonly Id[] }): Result<ImportedDto> {
    const p = this.take(importid, 'roles');
    if (!p.ok) return p;
    const { state, content, plan, sources } = p.value;
    if (plan.preview.errors.length) return refused('import-has-errors', `The files have ${plan.preview.errors.length} problem(s); fix them and preview again. Nothing was imported.`);
    const wanted = { roles: new Set(choice.roles.map((id) => id.toLowerCase())), profiles: new Set(choice.profiles.map((id) => id.toLowerCase())) };
    const chosen = planSolutionImport(state, content, wanted);
    if (chosen.preview.errors.length) return refused('import-refused', `The chosen roles cannot be imported on their own: ${chosen.preview.errors[0].message}`);
    if (!chosen.commands.length) return refused('nothing-chosen', 'Nothing to import: tick at least one new or changed role or profile.');

    const current = this.session.current;
    if (current !== state) {
      // Something was changed since the preview: apply only if the import would still do exactly what was shown.
      const now = planSolutionImport(current, content, wanted);
      const shown = (x: ImportPlan) => ({ commands: x.commands, errors: x.preview.errors, roles: chosenRoles(x.preview, wanted.roles), profiles: chosenProfiles(x.preview, wanted.profiles) });
      if (!same(shown(now), shown(chosen))) {
        return refused('changed-since-preview', 'The organization changed since this preview, and the import would now do something else. Nothing was imported: preview the files again.');
      }
    }
    // A custom table, once in the catalog, has no inverse (the vault refuses to undo it), so the
    // tables go first as a step of their own: the roles and profiles stay one undoable step.
    const tables = chosen.commands.filter((c) => c.type === 'addCustomEntity');
    const rest = chosen.commands.filter((c) => c.type !== 'addCustomEntity');
    if (tables.length && rest.length) {
      const t = this.session.applyAll(tables, `Add custom tables for roles from ${listed(sources)}`);
      if (!t.ok) return t;
    }
    const r = this.session.applyAll(rest.length ? rest : tables, `Import roles from ${listed(sources)}`);
    if (!r.ok) return tables.length && rest.length ? { ok: false, error: { ...r.error, message: `${r.error.message} (the custom tables were added; the roles and profiles were not)` } } : r;
    this.pending.delete(importid);
    return { ok: true, value: { message: r.value.message, commands: chosen.commands.length } };
  }

  // ---- users from CSV ----

  async previewUsers(): Promise<Result<UsersPreviewDto | null>> {
    const [path] = await this.desktop.chooseOpenFiles({ title: 'Import users from a CSV file', filters: CSV_FILTERS });
    if (!path) return { ok: true, value: null };
    const file = basename(path);
    let text: string;
    try {
      const size = statSync(path).size;
      if (size > MAX_CSV_BYTES) return { ok: true, value: { importid: '', file, users: [], errors: [{ row: 0, column: '(file)', reason: `file is ${size} bytes; the limit is ${MAX_CSV_BYTES}` }] } };
      text = readFileSync(path, 'utf8');
    } catch (e) {
      return refused('unreadable', `${file} cannot be read: ${(e as Error).message}`);
    }
    const state = this.session.current;
    const ids: Id[] = [];
    const plan = planUserImport(state, text, () => {
      const id = this.newId();
      ids.push(id);
      return id;
    });
    const importid = this.keep({ kind: 'users', at: this.now(), state, text, file, ids, plan });
    return { ok: true, value: { importid, file, users: plan.users.map(({ systemuserid: _, ...u }) => ({ ...u, roles: [...u.roles], teams: [...u.teams] })), errors: [...plan.errors] } };
  }

  applyUsers(importid: string): Result<ImportedDto> {
    const p = this.take(importid, 'users');
    if (!p.ok) return p;
    const { state, text, ids, plan, file } = p.value;
    if (plan.errors.length) return refused('import-has-errors', `${file} has ${plan.errors.length} problem(s); no user was added. Fix the file and preview it again.`);
    if (!plan.commands.length) return refused('nothing-chosen', `${file} lists no users.`);
    if (this.session.current !== state) {
      let i = 0;
      const again = planUserImport(this.session.current, text, () => ids[i++] ?? this.newId());
      // What is applied decides; a unit renamed since only changes how the preview spelled it.
      if (!same({ c: again.commands, e: again.errors }, { c: plan.commands, e: plan.errors })) return refused('changed-since-preview', `The organization changed since ${file} was checked, and the import would now do something else. No user was added: check the file again.`);
    }
    const r = this.session.applyAll(plan.commands, `Import ${plan.users.length} user(s) from ${file}`);
    if (!r.ok) return r;
    this.pending.delete(importid);
    return { ok: true, value: { message: r.value.message, commands: plan.commands.length } };
  }

  discard(importid: string): void {
    this.pending.delete(importid);
  }

  // ---- export ----

  async exportOrganization(): Promise<Result<ExportedOrgDto | null>> {
    const state = this.session.current;
    const path = await this.desktop.chooseSaveFile({ title: 'Export the organization', defaultName: `${safeFileName(state.organization.name) || 'organization'}.json`, filters: ORG_FILTERS });
    if (!path) return { ok: true, value: null };
    try {
      const bytes = writeAtomically(path, (out) => writeInterchange(state, out));
      this.written.add(resolve(path));
      return { ok: true, value: { path, bytes } };
    } catch (e) {
      return refused('write-failed', `Cannot write ${path}: ${(e as Error).message}`);
    }
  }

  async exportSolution(): Promise<Result<ExportedSolutionDto | null>> {
    const state = this.session.current;
    const [folder] = await this.desktop.chooseOpenFiles({ title: 'Export roles and field security profiles into a folder', filters: [], folders: true });
    if (!folder) return { ok: true, value: null };
    try {
      if (!statSync(folder).isDirectory()) return refused('not-a-folder', `${folder} is not a folder`);
    } catch {
      return refused('not-a-folder', `${folder} does not exist`);
    }
    const files = exportSolution(state);
    const before = roleFilesIn(folder);
    try {
      for (const f of files) {
        const path = join(folder, ...f.path.split('/'));
        mkdirSync(dirname(path), { recursive: true });
        writeAtomically(path, (out) => out(f.text));
      }
    } catch (e) {
      return refused('write-failed', `Cannot write into ${folder}: ${(e as Error).message}`);
    }
    this.written.add(resolve(folder));
    const wrote = new Set(files.map((f) => f.path.toLowerCase()));
    return {
      ok: true,
      value: {
        folder,
        roles: files.length - 1,
        profiles: state.fieldsecurityprofiles.size,
        files: files.map((f) => f.path),
        stale: before.filter((p) => !wrote.has(p.toLowerCase())),
      },
    };
  }

  reveal(path: string): Result<Record<string, never>> {
    if (!this.written.has(resolve(path))) return refused('not-exported', 'Only files and folders exported from this window can be shown.');
    this.desktop.revealFile(path);
    return { ok: true, value: {} };
  }

  // ---- previews kept between preview and apply ----

  private keep(p: Pending): string {
    this.expire();
    while (this.pending.size >= MAX_PENDING) this.pending.delete(this.pending.keys().next().value!);
    const id = this.newId();
    this.pending.set(id, p);
    return id;
  }

  private take<K extends Pending['kind']>(importid: string, kind: K): Result<Extract<Pending, { kind: K }>> {
    this.expire();
    const p = this.pending.get(importid);
    if (!p || p.kind !== kind) return refused('import-expired', `This preview is no longer available (it was applied, closed or is older than ${Math.round(this.ttlMs / 60_000)} minutes): choose the file again.`);
    return { ok: true, value: p as Extract<Pending, { kind: K }> };
  }

  private expire(): void {
    const now = this.now();
    for (const [id, p] of this.pending) if (now - p.at > this.ttlMs) this.pending.delete(id);
  }
}

// ---- what crosses the bridge ----

function chosenRoles(p: ImportPreview, ids: ReadonlySet<Id>): RolePreview[] {
  return [...p.roles.new, ...p.roles.changed].filter((r) => ids.has(r.sourceroleid));
}
function chosenProfiles(p: ImportPreview, ids: ReadonlySet<Id>): ProfilePreview[] {
  return [...p.profiles.new, ...p.profiles.changed].filter((x) => ids.has(x.sourceprofileid));
}

const text = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

/** A file as the admin knows it: from the picked file or folder down ("unpacked/Roles/Sales.xml"), not the whole path. */
function shortName(picked: readonly string[]): (file: string) => string {
  const parents = picked.map((p) => dirname(resolve(p)) + sep);
  return (file) => {
    const full = resolve(file.split('!')[0]) + (file.includes('!') ? file.slice(file.indexOf('!')) : '');
    const parent = parents.find((d) => full.startsWith(d));
    return parent ? full.slice(parent.length) : file;
  };
}

function rolesPreviewDto(importid: string, sources: readonly string[], state: OrgState, p: ImportPreview, name: (file: string) => string): RolesPreviewDto {
  const catalog = catalogFor(state).withCustomEntities([...p.customentities]);
  const role = (r: RolePreview): RolePreviewDto => ({
    roleid: r.roleid,
    sourceroleid: r.sourceroleid,
    name: r.name,
    file: name(r.file),
    matchedby: r.matchedby,
    privileges: Object.keys(r.privileges).length,
    counts: { ...r.counts },
    changes: r.changes.map((c) => ({ privilege: c.privilege, displayname: catalog.lookup(c.privilege)?.displayname ?? c.privilege, before: c.before, after: c.after })),
    fields: r.fields.map((f) => ({ field: f.field, before: text(f.before), after: text(f.after) })),
  });
  const profile = (x: ProfilePreview): ProfilePreviewDto => ({
    fieldsecurityprofileid: x.fieldsecurityprofileid,
    sourceprofileid: x.sourceprofileid,
    name: x.name,
    file: name(x.file),
    matchedby: x.matchedby,
    changes: x.changes.map((c) => ({ entityname: c.entityname, attributelogicalname: c.attributelogicalname, before: c.before ? { ...c.before } : null, after: c.after ? { ...c.after } : null })),
    fields: x.fields.map((f) => ({ field: f.field, before: text(f.before), after: text(f.after) })),
  });
  return {
    importid,
    sources: [...sources],
    roles: { new: p.roles.new.map(role), changed: p.roles.changed.map(role), unchanged: p.roles.unchanged.map(role) },
    profiles: { new: p.profiles.new.map(profile), changed: p.profiles.changed.map(profile), unchanged: p.profiles.unchanged.map(profile) },
    customentities: p.customentities.map((c) => ({ logicalname: c.logicalname, displayname: c.displayname, ownership: c.ownership })),
    warnings: p.warnings.map((w) => ({ ...w, file: name(w.file) })),
    errors: p.errors.map((e) => ({ ...e, file: name(e.file) })),
  };
}

/** "a.xml, b.zip and 3 more" */
function listed(names: readonly string[]): string {
  return names.length <= 2 ? names.join(', ') : `${names.slice(0, 2).join(', ')} and ${names.length - 2} more`;
}

/** Role files an earlier export (or anything else) left in the folder's Roles/. */
function roleFilesIn(folder: string): string[] {
  try {
    const roles = readdirSync(folder).find((n) => n.toLowerCase() === 'roles');
    if (!roles) return [];
    return readdirSync(join(folder, roles))
      .filter((n) => /\.xml$/i.test(n))
      .sort()
      .map((n) => `${roles}/${n}`);
  } catch {
    return [];
  }
}

