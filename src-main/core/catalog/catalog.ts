import { z } from 'zod';
import entitiesJson from '../../../resources/catalog/entities.json';
import miscJson from '../../../resources/catalog/miscellaneous.json';
import { DEPTHS, depthLevel, type Depth, type DepthLevel } from '../model/depth';
import { RIGHTS, type AccessRight } from '../model/accessRights';
import type { CustomEntity } from '../model/org';

export type Ownership = 'UserOwned' | 'OrganizationOwned';

export interface EntityDef {
  readonly logicalname: string;
  readonly displayname: string;
  /** Suffix of its privilege names: prv{Right}{privilegename}. Activities share "Activity". */
  readonly privilegename: string;
  readonly ownership: Ownership;
  /** Tab of the role editor. */
  readonly group: string;
  readonly rights: readonly AccessRight[];
  readonly securedattributes: readonly string[];
  readonly custom: boolean;
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
}

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
    }),
  ),
});
const miscFileSchema = z.object({
  privileges: z.array(
    z.object({ name: z.string().startsWith('prv'), displayname: z.string(), group: z.string(), depths: z.array(z.enum(DEPTHS)).min(1) }),
  ),
});

const ORG_OWNED_RIGHTS: readonly AccessRight[] = ['Create', 'Read', 'Write', 'Delete', 'Append', 'AppendTo'];

export function customEntityDef(entity: CustomEntity): EntityDef {
  return {
    logicalname: entity.logicalname,
    displayname: entity.displayname,
    privilegename: entity.logicalname,
    ownership: entity.ownership,
    group: 'Custom Entities',
    rights: entity.ownership === 'UserOwned' ? RIGHTS : ORG_OWNED_RIGHTS,
    securedattributes: [],
    custom: true,
  };
}

export const privilegeName = (right: AccessRight, privilegename: string): string => `prv${right}${privilegename}`;

/**
 * The privileges an organization can put in its roles: the built-in tables and miscellaneous
 * privileges from resources/catalog, plus the organization's custom tables.
 */
export class Catalog {
  readonly entities: ReadonlyMap<string, EntityDef>;
  readonly privileges: readonly PrivilegeDef[];
  private readonly byName = new Map<string, PrivilegeDef>();
  private readonly byEntityRight = new Map<string, PrivilegeDef>();

  constructor(entityDefs: readonly EntityDef[], misc: readonly { name: string; displayname: string; group: string; depths: readonly Depth[] }[]) {
    const entities = new Map<string, EntityDef>();
    const privileges: PrivilegeDef[] = [];
    const members = new Map<string, string[]>();
    for (const e of entityDefs) {
      entities.set(e.logicalname, e);
      const depths: readonly Depth[] = e.ownership === 'UserOwned' ? DEPTHS : ['Global'];
      for (const right of e.rights) {
        const name = privilegeName(right, e.privilegename);
        let def = this.byName.get(name);
        if (!def) {
          const list: string[] = [];
          members.set(name, list);
          def = { index: privileges.length, name, displayname: `${right} ${e.displayname}`, group: e.group, accessright: right, entities: list, depths, maxLevel: depthLevel(depths[depths.length - 1]) };
          privileges.push(def);
          this.byName.set(name, def);
        }
        members.get(name)!.push(e.logicalname);
        this.byEntityRight.set(`${e.logicalname}|${right}`, def);
      }
    }
    for (const m of misc) {
      if (this.byName.has(m.name)) continue;
      const def: PrivilegeDef = { index: privileges.length, name: m.name, displayname: m.displayname, group: m.group, accessright: null, entities: [], depths: m.depths, maxLevel: depthLevel(m.depths[m.depths.length - 1]) };
      privileges.push(def);
      this.byName.set(m.name, def);
    }
    this.entities = entities;
    this.privileges = privileges;
  }

  privilege(name: string): PrivilegeDef | undefined {
    return this.byName.get(name);
  }

  /** Privilege names are matched case-insensitively on import, as Dataverse does; this is the exact lookup. */
  privilegeFor(entity: string, right: AccessRight): PrivilegeDef | undefined {
    return this.byEntityRight.get(`${entity}|${right}`);
  }

  /** Why a depth cannot be set on a privilege, or null when it can. */
  depthProblem(privilegeName: string, depth: Depth): string | null {
    const def = this.byName.get(privilegeName);
    if (!def) return `unknown privilege "${privilegeName}"`;
    if (!def.depths.includes(depth)) return `${privilegeName} does not allow ${depth} (allowed: ${def.depths.join(', ')})`;
    return null;
  }

  withCustomEntities(custom: Iterable<CustomEntity>): Catalog {
    const extra = [...custom].filter((c) => !this.entities.has(c.logicalname)).map(customEntityDef);
    if (extra.length === 0) return this;
    return new Catalog([...this.entities.values(), ...extra], MISC);
  }
}

const entityFile = entityFileSchema.parse(entitiesJson);
const MISC = miscFileSchema.parse(miscJson).privileges;

/** The catalog shipped with RoleAtlas. */
export const BUILTIN_CATALOG = new Catalog(
  entityFile.entities.map((e) => ({ ...e, securedattributes: e.securedattributes ?? [], custom: false })),
  MISC,
);

const byCustomTable = new WeakMap<ReadonlyMap<string, CustomEntity>, Catalog>();

/** The catalog of an organization: memoised on its custom-entity table, which rarely changes. */
export function catalogFor(entities: ReadonlyMap<string, CustomEntity>): Catalog {
  let c = byCustomTable.get(entities);
  if (!c) {
    c = BUILTIN_CATALOG.withCustomEntities(entities.values());
    byCustomTable.set(entities, c);
  }
  return c;
}
