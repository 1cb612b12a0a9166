import type { Depth } from './depth';

/** Ids are unique across all tables (Dataverse GUIDs in practice, any non-empty string here). */
export type Id = string;

export interface BusinessUnit {
  readonly businessunitid: Id;
  readonly name: string;
  /** null only for the single root unit. */
  readonly parentbusinessunitid: Id | null;
  readonly isdisabled: boolean;
}

export interface SystemUser {
  readonly systemuserid: Id;
  readonly fullname: string;
  /** Sign-in name, unique (case-insensitive) across users. */
  readonly domainname: string;
  readonly internalemailaddress: string | null;
  readonly businessunitid: Id;
  /** The user's manager, used by hierarchy security. */
  readonly parentsystemuserid: Id | null;
  readonly isdisabled: boolean;
}

export const TEAM_TYPES = { Owner: 0, Access: 1, EntraSecurityGroup: 2, EntraOfficeGroup: 3 } as const;
export type TeamType = 0 | 1 | 2 | 3;
export const TEAM_TYPE_NAMES: Record<TeamType, string> = {
  0: 'Owner',
  1: 'Access',
  2: 'Entra security group',
  3: 'Entra Office group',
};

export interface Team {
  readonly teamid: Id;
  readonly name: string;
  readonly teamtype: TeamType;
  readonly businessunitid: Id;
  readonly administratorid: Id | null;
  /** The unit's default team: its members are always exactly the unit's users. */
  readonly isdefault: boolean;
}

/** 1: "Direct User (Basic) access level and Team privileges"; 0: "Team privileges only". */
export type IsInherited = 0 | 1;

export interface Role {
  readonly roleid: Id;
  readonly name: string;
  readonly businessunitid: Id;
  readonly isinherited: IsInherited;
  readonly description?: string;
  /** privilege name -> depth; a privilege that is absent is None. */
  readonly privileges: Readonly<Record<string, Depth>>;
}

/** A role held by a user or a team; businessunitid is the unit whose copy of the role is held (scopes Local/Deep). */
export interface RoleAssignment {
  readonly roleid: Id;
  readonly businessunitid: Id | null;
}
export interface SystemUserRole extends RoleAssignment {
  readonly systemuserid: Id;
}
export interface TeamRole extends RoleAssignment {
  readonly teamid: Id;
}

export interface TeamMembership {
  readonly teamid: Id;
  readonly systemuserid: Id;
}

/** fieldpermission values: 0 not allowed, 4 allowed. */
export type FieldPermissionValue = 0 | 4;

export interface FieldPermission {
  readonly entityname: string;
  readonly attributelogicalname: string;
  readonly canread: FieldPermissionValue;
  readonly cancreate: FieldPermissionValue;
  readonly canupdate: FieldPermissionValue;
}

export interface FieldSecurityProfile {
  readonly fieldsecurityprofileid: Id;
  readonly name: string;
  readonly description: string | null;
  readonly fieldpermissions: readonly FieldPermission[];
}

export interface SystemUserProfile {
  readonly fieldsecurityprofileid: Id;
  readonly systemuserid: Id;
}
export interface TeamProfile {
  readonly fieldsecurityprofileid: Id;
  readonly teamid: Id;
}

/** A record of a user-owned table, kept for access previews. Its owning unit is always its owner's unit. */
export interface DataRecord {
  readonly recordid: Id;
  readonly entity: string;
  readonly name: string | null;
  /** A user or a team (never an access team). */
  readonly ownerid: Id;
}

/**
 * How many records of a user-owned table one owner holds in an environment, counted there by a
 * FetchXML aggregate (count grouped by ownerid and owningbusinessunit) instead of pulled row by
 * row: previews and diffs count these like the owner's records. The engine places them in the
 * owner's business unit, as it does records; owningbusinessunit keeps what the environment said.
 */
export interface RecordCount {
  readonly entity: string;
  /** A user or a team (never an access team). */
  readonly ownerid: Id;
  readonly owningbusinessunit: Id;
  readonly count: number;
}

/** principalobjectaccess: a record shared with a user or a team. */
export interface Share {
  readonly recordid: Id;
  readonly principalid: Id;
  /** AccessRights flags. */
  readonly accessrightsmask: number;
}

/** A table added to the catalog by the organization (custom tables met on import). */
export interface CustomEntity {
  readonly logicalname: string;
  readonly displayname: string;
  /** null when not known (a table met only in a field security profile): its privileges are then unverified. */
  readonly ownership: 'UserOwned' | 'OrganizationOwned' | null;
  /** The schema name its privileges are named after (prvReadcr5db_Project); the logical name when absent. */
  readonly schemaname?: string;
}

export interface HierarchySecurity {
  readonly enabled: boolean;
  /** How many levels below a manager are reached (Dataverse's default is 3). */
  readonly depth: number;
}

export interface Organization {
  readonly name: string;
  readonly hierarchysecurity: HierarchySecurity;
}

/**
 * The whole security model. Every table is an immutable map; a command returns a new state that
 * shares every table it did not touch, so indexes built over a table can be reused by reference.
 */
export interface OrgState {
  readonly organization: Organization;
  readonly entities: ReadonlyMap<string, CustomEntity>;
  readonly businessunits: ReadonlyMap<Id, BusinessUnit>;
  readonly systemusers: ReadonlyMap<Id, SystemUser>;
  readonly teams: ReadonlyMap<Id, Team>;
  /** Memberships of non-default teams, keyed by membershipKey(); default teams are derived from users. */
  readonly teammembership: ReadonlyMap<string, TeamMembership>;
  readonly roles: ReadonlyMap<Id, Role>;
  readonly systemuserroles: ReadonlyMap<string, SystemUserRole>;
  readonly teamroles: ReadonlyMap<string, TeamRole>;
  readonly fieldsecurityprofiles: ReadonlyMap<Id, FieldSecurityProfile>;
  readonly systemuserprofiles: ReadonlyMap<string, SystemUserProfile>;
  readonly teamprofiles: ReadonlyMap<string, TeamProfile>;
  readonly records: ReadonlyMap<Id, DataRecord>;
  /** Keyed by pairKey(entity, ownerid). */
  readonly recordcounts: ReadonlyMap<string, RecordCount>;
  readonly shares: ReadonlyMap<string, Share>;
}

export const pairKey = (a: Id, b: Id): string => `${a}|${b}`;

export function emptyOrg(name: string): OrgState {
  return {
    organization: { name, hierarchysecurity: { enabled: false, depth: 3 } },
    entities: new Map(),
    businessunits: new Map(),
    systemusers: new Map(),
    teams: new Map(),
    teammembership: new Map(),
    roles: new Map(),
    systemuserroles: new Map(),
    teamroles: new Map(),
    fieldsecurityprofiles: new Map(),
    systemuserprofiles: new Map(),
    teamprofiles: new Map(),
    records: new Map(),
    recordcounts: new Map(),
    shares: new Map(),
  };
}

/** A new organization: its root business unit and that unit's default team (ids come from the caller). */
export function newOrganization(args: { name: string; rootbusinessunitid: Id; rootname?: string; defaultteamid: Id }): OrgState {
  const base = emptyOrg(args.name);
  const rootname = args.rootname ?? args.name;
  return {
    ...base,
    businessunits: new Map([[args.rootbusinessunitid, { businessunitid: args.rootbusinessunitid, name: rootname, parentbusinessunitid: null, isdisabled: false }]]),
    teams: new Map([[args.defaultteamid, { teamid: args.defaultteamid, name: rootname, teamtype: 0, businessunitid: args.rootbusinessunitid, administratorid: null, isdefault: true }]]),
  };
}
