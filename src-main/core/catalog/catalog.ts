import { z } from 'zod';
import entitiesJson from '../../../resources/catalog/entities.json';
import miscJson from '../../../resources/catalog/miscellaneous.json';
import { DEPTHS, depthLevel, type Depth, type DepthLevel } from '../model/depth';
import { RIGHTS, type AccessRight } from '../model/accessRights';
import type { CustomEntity, OrgState, Role } from '../model/org';
import { ok, refused, type Result } from '../result';

export type Ownership = 'UserOwned' | 'OrganizationOwned';

/**
 * How much the catalog knows about a privilege:
 * - known: listed in resources/catalog from a public source (table, right and depths);
 * - inferred: table and right read from the name (prv{Right}{Table}), the table's ownership from
 *   the organization's own definition of it (a solution's customizations.xml);
 * - unverified: held by a role but its depth rule is not known (or a role contradicts the rule
 *   the catalog had): every depth is allowed and the admin is told so.
 */
export type PrivilegeStatus = 'known' | 'inferred' | 'unverified';

export interface EntityDef {
  readonly logicalname: string;
  readonly displayname: string;
  /** Suffix of its privilege names: prv{Right}{privilegename} (the schema name). Activities share "Activity". */
  readonly privilegename: string;
  /** null: not known, so every depth is allowed and the table's privileges are unverified. */
  readonly ownership: Ownership | null;
  /** Tab of the role editor. */
  readonly group: string;
  readonly rights: readonly AccessRight[];
  readonly securedattributes: readonly string[];
  readonly custom: boolean;
  /** Privilege names Dataverse spells otherwise than prv{Right}{privilegename} (prvAppendtoCategory). */
  readonly privilegenames?: Readonly<Partial<Record<AccessRight, string>>>;
  /** Depths a business-owned table allows where they differ from its ownership's rule. */
  readonly depths?: readonly Depth[];
}

export interface PrivilegeDef {
  readonly index: number;
  readonly name: string;
  readonly displayname: string;
  readonly group: string;
  /** null for miscellaneous privileges (prvBulkDelete, ...). */
  readonly accessright: AccessRight | null;
  /** Tables whose records this privilege governs (several for shared names such as prvReadActivity). */
  readonly entities: readonly string[];
  readonly depths: readonly Depth[];
  readonly maxLevel: DepthLevel;
  readonly status: PrivilegeStatus;
}

export interface MiscDef {
  readonly name: string;
  readonly displayname: string;
  readonly group: string;
  /** null: the depths it allows are not documented, so all four are allowed, unverified. */
  readonly depths: readonly Depth[] | null;
}

const source = z.string().min(1);
const entityFileSchema = z.object({
  entities: z.array(
    z.object({
      logicalname: z.string().min(1),
      displayname: z.string().min(1),
      privilegename: z.string().min(1),
      ownership: z.enum(['UserOwned', 'OrganizationOwned']),
      group: z.string().min(1),
      rights: z.array(z.enum(RIGHTS)),
      securedattributes: z.array(z.string()).optional(),
      privilegenames: z.partialRecord(z.enum(RIGHTS), z.string().startsWith('prv')).optional(),
      depths: z.array(z.enum(DEPTHS)).min(1).optional(),
      source,
    }),
  ),
});
const miscFileSchema = z.object({
  privileges: z.array(
    z.object({ name: z.string().startsWith('prv'), displayname: z.string(), group: z.string(), depths: z.array(z.enum(DEPTHS)).min(1).nullable(), source }),
  ),
});

const ORG_OWNED_RIGHTS: readonly AccessRight[] = ['Create', 'Read', 'Write', 'Delete', 'Append', 'AppendTo'];

export function customEntityDef(entity: CustomEntity): EntityDef {
  return {
    logicalname: entity.logicalname,
    displayname: entity.displayname,
    privilegename: entity.schemaname ?? entity.logicalname,
    ownership: entity.ownership,
    group: 'Custom Entities',
    rights: entity.ownership === 'OrganizationOwned' ? ORG_OWNED_RIGHTS : RIGHTS,
    securedattributes: [],
    custom: true,
  };
}

export const privilegeName = (right: AccessRight, privilegename: string): string => `prv${right}${privilegename}`;

/** A name Dataverse could hold in a role: prv followed by letters, digits and underscores. */
export const isPrivilegeName = (name: string): boolean => /^prv[A-Za-z0-9_]+$/i.test(name);

// AppendTo must be tried before Append, or prvAppendToX would read as Append on "ToX".
const RIGHT_PREFIX = new RegExp(`^prv(${[...RIGHTS].sort((a, b) => b.length - a.length).join('|')})(.+)$`, 'i');

/** prvAppendtocat_UserSetting → { right: AppendTo, schemaname: cat_UserSetting, table: cat_usersetting }, any letter case. */
export function parsePrivilegeName(name: string): { right: AccessRight; schemaname: string; table: string } | null {
  const m = RIGHT_PREFIX.exec(name);
  if (!m) return null;
  return { right: RIGHTS.find((r) => r.toLowerCase() === m[1].toLowerCase())!, schemaname: m[2], table: m[2].toLowerCase() };
}

const depthsOf = (e: EntityDef): readonly Depth[] => e.depths ?? (e.ownership === 'OrganizationOwned' ? ['Global'] : DEPTHS);
const statusOf = (e: EntityDef): PrivilegeStatus => (e.ownership === null ? 'unverified' : e.custom ? 'inferred' : 'known');
const maxLevelOf = (depths: readonly Depth[]): DepthLevel => depthLevel(depths[depths.length - 1]);

/**
 * The privileges an organization can put in its roles: the built-in tables and miscellaneous
 * privileges from resources/catalog, plus the organization's custom tables, plus what its roles
 * hold that neither knows (see catalogFor).
 */
export class Catalog {
  readonly entities: ReadonlyMap<string, EntityDef>;
  readonly privileges: readonly PrivilegeDef[];
  private readonly byName = new Map<string, PrivilegeDef>();
  private readonly byLowerName = new Map<string, PrivilegeDef>();
  private readonly byEntityRight = new Map<string, PrivilegeDef>();

  constructor(
    private readonly entityDefs: readonly EntityDef[],
    private readonly misc: readonly MiscDef[],
  ) {
    const entities = new Map<string, EntityDef>();
    const privileges: PrivilegeDef[] = [];
    const members = new Map<string, string[]>();
    for (const e of entityDefs) {
      entities.set(e.logicalname, e);
      const depths = depthsOf(e);
      for (const right of e.rights) {
        const name = e.privilegenames?.[right] ?? privilegeName(right, e.privilegename);
        let def = this.byLowerName.get(name.toLowerCase());
        if (!def) {
          const list: string[] = [];
          members.set(name.toLowerCase(), list);
          def = { index: privileges.length, name, displayname: `${right} ${e.displayname}`, group: e.group, accessright: right, entities: list, depths, maxLevel: maxLevelOf(depths), status: statusOf(e) };
          privileges.push(def);
          this.add(def);
        }
        members.get(name.toLowerCase())!.push(e.logicalname);
        this.byEntityRight.set(`${e.logicalname}|${right}`, def);
      }
    }
    for (const m of misc) {
      if (this.byLowerName.has(m.name.toLowerCase())) continue;
      const depths = m.depths ?? DEPTHS;
      const def: PrivilegeDef = { index: privileges.length, name: m.name, displayname: m.displayname, group: m.group, accessright: null, entities: [], depths, maxLevel: maxLevelOf(depths), status: m.depths ? 'known' : 'unverified' };
      privileges.push(def);
      this.add(def);
    }
    this.entities = entities;
    this.privileges = privileges;
  }

  private add(def: PrivilegeDef): void {
    this.byName.set(def.name, def);
    this.byLowerName.set(def.name.toLowerCase(), def);
  }

  /** By the catalog's own spelling (what roles are keyed by). */
  privilege(name: string): PrivilegeDef | undefined {
    return this.byName.get(name);
  }

  /** Without letter case, as Dataverse matches privilege names: for names coming from files and commands. */
  lookup(name: string): PrivilegeDef | undefined {
    return this.byName.get(name) ?? this.byLowerName.get(name.toLowerCase());
  }

  privilegeFor(entity: string, right: AccessRight): PrivilegeDef | undefined {
    return this.byEntityRight.get(`${entity}|${right}`);
  }

  /** Why a depth cannot be set on a privilege, or null when it can. */
  depthProblem(privilegeName: string, depth: Depth): string | null {
    const def = this.lookup(privilegeName);
    if (!def) return `unknown privilege "${privilegeName}"`;
    if (!def.depths.includes(depth)) return `${def.name} does not allow ${depth} (allowed: ${def.depths.join(', ')})`;
    return null;
  }

  withCustomEntities(custom: Iterable<CustomEntity>): Catalog {
    const extra = [...custom].filter((c) => !this.entities.has(c.logicalname)).map(customEntityDef);
    if (extra.length === 0) return this;
    return new Catalog([...this.entityDefs, ...extra], this.misc);
  }

  /**
   * This catalog, widened by privileges that roles hold and it does not cover: names it does not
   * know, and depths its rule does not allow. A role exported by Dataverse holds what Dataverse
   * allows, so such a privilege is kept and marked unverified (every depth allowed), never refused.
   * A name of the form prv{Right}{Table} on a table whose ownership is known takes that table's
   * rule (inferred). The indexes of this catalog's privileges are kept.
   */
  widenedBy(names: Iterable<string>): Catalog {
    const privileges = [...this.privileges];
    const added = new Map<string, PrivilegeDef>();
    const tables = new Map<string, EntityDef>();
    for (const name of names) {
      const known = this.lookup(name);
      if (known) {
        if (known.status !== 'unverified') privileges[known.index] = { ...known, depths: DEPTHS, maxLevel: 4, status: 'unverified' };
        continue;
      }
      if (added.has(name.toLowerCase())) continue;
      const index = privileges.length;
      const parsed = parsePrivilegeName(name);
      let def: PrivilegeDef;
      if (!parsed) {
        def = { index, name, displayname: name.slice(3), group: 'Unverified', accessright: null, entities: [], depths: DEPTHS, maxLevel: 4, status: 'unverified' };
      } else {
        const table = this.entities.get(parsed.table);
        if (table && table.ownership !== null) {
          const depths = depthsOf(table);
          def = { index, name, displayname: `${parsed.right} ${table.displayname}`, group: table.group, accessright: parsed.right, entities: [table.logicalname], depths, maxLevel: maxLevelOf(depths), status: 'inferred' };
        } else {
          let t = table ?? tables.get(parsed.table);
          if (!t) tables.set(parsed.table, (t = { logicalname: parsed.table, displayname: parsed.schemaname, privilegename: parsed.schemaname, ownership: null, group: 'Unverified', rights: [], securedattributes: [], custom: true }));
          def = { index, name, displayname: `${parsed.right} ${t.displayname}`, group: t.group, accessright: parsed.right, entities: [t.logicalname], depths: DEPTHS, maxLevel: 4, status: 'unverified' };
        }
      }
      privileges.push(def);
      added.set(name.toLowerCase(), def);
    }
    const c = new Catalog(this.entityDefs, this.misc);
    const entities = new Map(this.entities);
    for (const t of tables.values()) entities.set(t.logicalname, { ...t, rights: [...added.values()].filter((p) => p.entities[0] === t.logicalname).map((p) => p.accessright!) });
    Object.assign(c, { entities, privileges });
    c.byName.clear();
    c.byLowerName.clear();
    for (const p of privileges) c.add(p);
    for (const [key, def] of c.byEntityRight) c.byEntityRight.set(key, privileges[def.index]);
    for (const p of added.values()) if (p.accessright) for (const e of p.entities) if (!c.byEntityRight.has(`${e}|${p.accessright}`)) c.byEntityRight.set(`${e}|${p.accessright}`, p);
    return c;
  }
}

const entityFile = entityFileSchema.parse(entitiesJson);
const MISC: readonly MiscDef[] = miscFileSchema.parse(miscJson).privileges;

/** The catalog shipped with RoleAtlas. */
export const BUILTIN_CATALOG = new Catalog(
  entityFile.entities.map((e) => ({ ...e, securedattributes: e.securedattributes ?? [], custom: false })),
  MISC,
);

const byCustomTable = new WeakMap<ReadonlyMap<string, CustomEntity>, Catalog>();

function baseCatalogFor(entities: ReadonlyMap<string, CustomEntity>): Catalog {
  let c = byCustomTable.get(entities);
  if (!c) {
    c = BUILTIN_CATALOG.withCustomEntities(entities.values());
    byCustomTable.set(entities, c);
  }
  return c;
}

const outsideOf = new WeakMap<Catalog, WeakMap<Role, readonly string[]>>();
const NONE: readonly string[] = [];

/** The names a role holds that the catalog does not know, or at a depth it does not allow; cached per role object. */
function heldOutside(catalog: Catalog, role: Role): readonly string[] {
  let perRole = outsideOf.get(catalog);
  if (!perRole) outsideOf.set(catalog, (perRole = new WeakMap()));
  let out = perRole.get(role);
  if (!out) {
    let list: string[] | undefined;
    for (const name in role.privileges) {
      const def = catalog.privilege(name);
      if (!def || !def.depths.includes(role.privileges[name])) (list ??= []).push(name);
    }
    out = list ?? NONE;
    perRole.set(role, out);
  }
  return out;
}

const widened = new WeakMap<Catalog, { key: string; catalog: Catalog }>();

/**
 * The catalog of an organization: the built-in one with its custom tables (memoised on the
 * custom-table map, which rarely changes), widened by what its roles hold beyond it (memoised on
 * that set of names, so a privilege edit keeps the same catalog object and the indexes built on it).
 */
export function catalogFor(state: Pick<OrgState, 'entities' | 'roles'>): Catalog {
  const base = baseCatalogFor(state.entities);
  let names: Set<string> | undefined;
  for (const role of state.roles.values()) {
    const outside = heldOutside(base, role);
    if (outside.length) for (const n of outside) (names ??= new Set()).add(n);
  }
  if (!names) return base;
  const sorted = [...names].sort();
  const key = sorted.join('\n');
  const hit = widened.get(base);
  if (hit && hit.key === key) return hit.catalog;
  const catalog = base.widenedBy(sorted);
  widened.set(base, { key, catalog });
  return catalog;
}

/**
 * A whole role's privileges as an export, a file or a copy holds them: every well-formed name is
 * kept at the depth given (a depth outside the catalog's rule makes that privilege unverified in
 * the organization's catalog, see catalogFor), spelled as the catalog spells it when it knows the
 * name. Refused: a malformed name, or one name given twice in different letter case.
 */
export function privilegesAsWritten(catalog: Catalog, input: Readonly<Record<string, Depth>>, path = 'privileges'): Result<Record<string, Depth>> {
  const out: Record<string, Depth> = {};
  const seen = new Map<string, string>();
  for (const [written, depth] of Object.entries(input)) {
    if (!isPrivilegeName(written)) return refused('invalid-privilege', `"${written}" is not a privilege name (prv followed by letters, digits or _)`, `${path}.${written}`);
    const name = catalog.lookup(written)?.name ?? written;
    const other = seen.get(name.toLowerCase());
    if (other !== undefined) return refused('duplicate-privilege', `${written} is given twice (also as ${other})`, `${path}.${written}`);
    seen.set(name.toLowerCase(), written);
    out[name] = depth;
  }
  return ok(out);
}
