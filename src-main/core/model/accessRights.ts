/** The rights a privilege can carry, with Dataverse's AccessRights mask values (used by shares). */
export const RIGHTS = ['Create', 'Read', 'Write', 'Delete', 'Append', 'AppendTo', 'Assign', 'Share'] as const;
export type AccessRight = (typeof RIGHTS)[number];

export const ACCESS_RIGHT_MASK: Record<AccessRight, number> = {
  Read: 1,
  Write: 2,
  Append: 4,
  AppendTo: 16,
  Create: 32,
  Delete: 65536,
  Share: 262144,
  Assign: 524288,
};

/** Rights a record can be shared with: Dataverse's GrantAccess does not take CreateAccess. */
export const SHAREABLE_MASK =
  ACCESS_RIGHT_MASK.Read |
  ACCESS_RIGHT_MASK.Write |
  ACCESS_RIGHT_MASK.Append |
  ACCESS_RIGHT_MASK.AppendTo |
  ACCESS_RIGHT_MASK.Delete |
  ACCESS_RIGHT_MASK.Share |
  ACCESS_RIGHT_MASK.Assign;

export function isAccessRight(value: unknown): value is AccessRight {
  return typeof value === 'string' && (RIGHTS as readonly string[]).includes(value);
}

export function rightsInMask(mask: number): AccessRight[] {
  return RIGHTS.filter((r) => (mask & ACCESS_RIGHT_MASK[r]) !== 0);
}

/** What a manager reaches on direct reports' records under hierarchy security; further down it is Read only. */
export const DIRECT_REPORT_RIGHTS: readonly AccessRight[] = ['Read', 'Write', 'Append', 'AppendTo'];
