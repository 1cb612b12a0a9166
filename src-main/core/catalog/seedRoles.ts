import { z } from 'zod';
import predefinedJson from '../../../resources/roles/predefined.json';
import omnichannelJson from '../../../resources/packs/omnichannel.json';
import livechatJson from '../../../resources/packs/livechat4dynamics.json';
import whatsappJson from '../../../resources/packs/whatsapp4dynamics.json';
import consoleJson from '../../../resources/packs/console.json';
import { DEPTHS, depthOfLevel, type Depth } from '../model/depth';
import type { FieldPermission } from '../model/org';
import { BUILTIN_CATALOG, type Catalog } from './catalog';

const roleSeed = z.object({
  roleid: z.string().uuid(),
  name: z.string().min(1),
  description: z.string().optional(),
  isinherited: z.union([z.literal(0), z.literal(1)]),
  /** {"*": "Global"} stands for every privilege of the catalog at its deepest allowed depth. */
  privileges: z.record(z.string(), z.enum(DEPTHS)),
});
export type RoleSeed = z.infer<typeof roleSeed>;

const ruleSeed = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('requiresRole'), roles: z.array(z.string()), requires: z.array(z.string()), message: z.string() }),
  z.object({ kind: z.literal('notWith'), roles: z.array(z.string()), forbidden: z.array(z.string()), message: z.string() }),
  z.object({ kind: z.literal('directOnly'), roles: z.array(z.string()), message: z.string() }),
  z.object({ kind: z.literal('appAccess'), roles: z.array(z.string()), equivalents: z.array(z.string()).optional(), message: z.string() }),
]);
export type PackRule = z.infer<typeof ruleSeed>;

const fieldPermission = z.object({
  entityname: z.string(),
  attributelogicalname: z.string(),
  canread: z.union([z.literal(0), z.literal(4)]),
  cancreate: z.union([z.literal(0), z.literal(4)]),
  canupdate: z.union([z.literal(0), z.literal(4)]),
});

const packSeed = z.object({
  pack: z.string(),
  name: z.string(),
  roles: z.array(roleSeed),
  rules: z.array(ruleSeed),
  fieldsecurityprofiles: z
    .array(z.object({ fieldsecurityprofileid: z.string().uuid(), name: z.string(), description: z.string().optional(), fieldpermissions: z.array(fieldPermission) }))
    .optional(),
});
export type AppPack = z.infer<typeof packSeed>;

export const PREDEFINED_ROLES: readonly RoleSeed[] = z.object({ roles: z.array(roleSeed) }).parse(predefinedJson).roles;

/** Omnichannel, LiveChat4Dynamics, WhatsApp4Dynamics and a Livecaller-style console, each with its roles and rules. */
export const APP_PACKS: readonly AppPack[] = [omnichannelJson, livechatJson, whatsappJson, consoleJson].map((p) => packSeed.parse(p));

/** A seed role's privileges with "*" expanded against a catalog. */
export function expandPrivileges(seed: RoleSeed, catalog: Catalog = BUILTIN_CATALOG): Record<string, Depth> {
  if (!('*' in seed.privileges)) return { ...seed.privileges };
  const out: Record<string, Depth> = {};
  for (const def of catalog.privileges) out[def.name] = depthOfLevel(def.maxLevel)!;
  return out;
}

export function allFieldPermissions(catalog: Catalog = BUILTIN_CATALOG): FieldPermission[] {
  const out: FieldPermission[] = [];
  for (const e of catalog.entities.values()) {
    for (const a of e.securedattributes) out.push({ entityname: e.logicalname, attributelogicalname: a, canread: 4, cancreate: 4, canupdate: 4 });
  }
  return out;
}
