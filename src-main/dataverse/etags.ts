/**
 * The version (@odata.etag) of each row a pull read, kept so that a push sends If-Match with the
 * version the vault was built from: a row changed in the environment since the pull is then a
 * conflict, not a silent overwrite. One flat id -> ETag map per entity set keeps it small (50,000
 * users are about 2.5 MB in the vault).
 */

/** The entity sets a push PATCHes, with the id column of each. */
export const VERSIONED_SETS = { businessunits: 'businessunitid', systemusers: 'systemuserid', teams: 'teamid', roles: 'roleid', fieldsecurityprofiles: 'fieldsecurityprofileid' } as const;
export type VersionedSet = keyof typeof VERSIONED_SETS;

/** Entity set -> row id (lowercase GUID) -> @odata.etag. */
export type Etags = Partial<Record<VersionedSet, Record<string, string>>>;

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
  return out;
}

/** The pulled ETags without the rows a push changed: their pulled version is no longer theirs. */
export function withoutRows(etags: Etags, rows: Iterable<{ readonly set: string; readonly id: string }>): Etags {
  const out: Etags = {};
  for (const [set, map] of Object.entries(etags) as [VersionedSet, Record<string, string>][]) out[set] = { ...map };
  for (const r of rows) delete out[r.set as VersionedSet]?.[r.id.toLowerCase()];
  return out;
}
