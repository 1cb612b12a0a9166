/**
 * The version (@odata.etag) of each row a pull read, kept so that a push sends If-Match with the
 * version the vault was built from: a row changed in the environment since the pull is then a
 * conflict, not a silent overwrite. One flat id -> ETag map per entity set keeps it small (50,000
 * users are about 2.5 MB in the vault).
 */

/** The entity sets a push PATCHes, with the id column of each. */
export const VERSIONED_SETS = { businessunits: 'businessunitid', systemusers: 'systemuserid', teams: 'teamid', roles: 'roleid', fieldsecurityprofiles: 'fieldsecurityprofileid' } as const;
export type VersionedSet = keyof typeof VERSIONED_SETS;

/**
 * Entity set -> row id (lowercase GUID) -> @odata.etag. Field permissions are addressed by the
 * column they grant, which is all the vault knows of them, so theirs are keyed by
 * fieldPermissionKey and keep the row's id beside its version.
 */
export type Etags = Partial<Record<VersionedSet, Record<string, string>>> & { readonly fieldpermissions?: Readonly<Record<string, PulledFieldPermission>> };

export interface PulledFieldPermission {
  readonly id: string;
  readonly etag: string;
}

/** A profile's field permission for one column, as the pull keys it: "profileid|entity.attribute". */
export const fieldPermissionKey = (profileid: string, entityname: string, attributelogicalname: string) => `${profileid}|${entityname}.${attributelogicalname}`.toLowerCase();

/**
 * The ETags of the pulled rows, from the raw pages. A role's copies in child units are not kept:
 * a push changes the root role only.
 */
export function etagsOf(raw: Readonly<Record<string, readonly unknown[]>>): Etags {
  const out: Etags = {};
  for (const [set, key] of Object.entries(VERSIONED_SETS) as [VersionedSet, string][]) {
    const rows = raw[set];
    if (!rows) continue;
    const map: Record<string, string> = {};
    for (const r of rows) {
      const row = r as Record<string, unknown> | null;
      const id = row?.[key];
      const etag = row?.['@odata.etag'];
      if (typeof id !== 'string' || typeof etag !== 'string') continue;
      if (set === 'roles' && typeof row!._parentrootroleid_value === 'string' && row!._parentrootroleid_value.toLowerCase() !== id.toLowerCase()) continue;
      map[id.toLowerCase()] = etag;
    }
    out[set] = map;
  }
  if (raw.fieldpermissions) {
    const map: Record<string, PulledFieldPermission> = {};
    for (const r of raw.fieldpermissions) {
      const row = r as Record<string, unknown> | null;
      const [id, etag, profile, entity, attribute] = [row?.fieldpermissionid, row?.['@odata.etag'], row?._fieldsecurityprofileid_value, row?.entityname, row?.attributelogicalname];
      if (typeof id !== 'string' || typeof etag !== 'string' || typeof profile !== 'string' || typeof entity !== 'string' || typeof attribute !== 'string') continue;
      map[fieldPermissionKey(profile, entity, attribute)] = { id: id.toLowerCase(), etag };
    }
    return { ...out, fieldpermissions: map };
  }
  return out;
}

/** The pulled ETags without the rows a push changed (a field permission by its fieldPermissionKey): their pulled version is no longer theirs. */
export function withoutRows(etags: Etags, rows: Iterable<{ readonly set: string; readonly id: string }>): Etags {
  const out: Record<string, Record<string, unknown>> = {};
  for (const [set, map] of Object.entries(etags)) out[set] = { ...map };
  for (const r of rows) delete out[r.set]?.[r.id.toLowerCase()];
  return out;
}
