import { commandSchema, type Command, type CommandOf, type CommandType } from './schema';
import { Draft, stateBefore, type Change } from './draft';
import { isRefusal, type HandlerContext, type Outcome } from './context';
import { catalogFor } from '../catalog/catalog';
import { refusalFromZod, type Refusal, type Result } from '../result';
import type { OrgState } from '../model/org';
import * as businessUnits from './businessUnits';
import * as users from './users';
import * as teams from './teams';
import * as roles from './roles';
import * as fieldSecurity from './fieldSecurity';
import * as records from './records';
import * as organization from './organization';

type Handler<T extends CommandType> = (d: Draft, c: CommandOf<T>, ctx: HandlerContext) => Outcome;

// A missing handler is a type error: the map must cover every command in schema.ts.
const handlers: { [T in CommandType]: Handler<T> } = {
  createBusinessUnit: businessUnits.createBusinessUnit,
  updateBusinessUnit: businessUnits.updateBusinessUnit,
  moveBusinessUnit: businessUnits.moveBusinessUnit,
  setBusinessUnitDisabled: businessUnits.setBusinessUnitDisabled,
  deleteBusinessUnit: businessUnits.deleteBusinessUnit,
  setDefaultTeamId: businessUnits.setDefaultTeamId,
  createUser: users.createUser,
  updateUser: users.updateUser,
  moveUser: users.moveUser,
  setUserDisabled: users.setUserDisabled,
  createTeam: teams.createTeam,
  updateTeam: teams.updateTeam,
  deleteTeam: teams.deleteTeam,
  addTeamMember: teams.addTeamMember,
  removeTeamMember: teams.removeTeamMember,
  createRole: roles.createRole,
  updateRole: roles.updateRole,
  deleteRole: roles.deleteRole,
  setRolePrivilege: roles.setRolePrivilege,
  replaceRolePrivileges: roles.replaceRolePrivileges,
  assignRole: roles.assignRole,
  removeRole: roles.removeRole,
  createFieldSecurityProfile: fieldSecurity.createFieldSecurityProfile,
  updateFieldSecurityProfile: fieldSecurity.updateFieldSecurityProfile,
  deleteFieldSecurityProfile: fieldSecurity.deleteFieldSecurityProfile,
  setFieldPermission: fieldSecurity.setFieldPermission,
  removeFieldPermission: fieldSecurity.removeFieldPermission,
  assignFieldSecurityProfile: fieldSecurity.assignFieldSecurityProfile,
  removeFieldSecurityProfile: fieldSecurity.removeFieldSecurityProfile,
  createRecord: records.createRecord,
  assignRecord: records.assignRecord,
  deleteRecord: records.deleteRecord,
  shareRecord: records.shareRecord,
  unshareRecord: records.unshareRecord,
  setRecordCounts: records.setRecordCounts,
  setHierarchySecurity: organization.setHierarchySecurity,
  addCustomEntity: organization.addCustomEntity,
};

export interface Applied {
  readonly command: Command;
  readonly state: OrgState;
  /** Rows written, with before and after values: what the journal, audit log and undo record. */
  readonly changes: readonly Change[];
  readonly summary: string;
}

export type ApplyResult = Result<Applied>;

/** Validates an untrusted command, then applies it completely or refuses it and changes nothing. */
export function apply(state: OrgState, input: unknown): ApplyResult {
  const r = applyAll(state, [input]);
  return r.ok ? { ok: true, value: { ...r.applied[0], state: r.state } } : { ok: false, error: r.error };
}

/** One command of a batch as applied: what it wrote and how it reads; the batch gives its state only at the end. */
export type AppliedStep = Omit<Applied, 'state'>;

export type ApplyAllResult =
  | { readonly ok: true; readonly state: OrgState; readonly applied: readonly AppliedStep[] }
  | { readonly ok: false; readonly index: number; readonly error: Refusal };

/**
 * Applies commands in order, all or nothing: the first refusal is reported with its position.
 * The commands share one draft (each table copied once for the batch); `each` sees every command
 * as applied with the state just before it (stateBefore), valid only during the call.
 */
export function applyAll(state: OrgState, inputs: readonly unknown[], each?: (step: AppliedStep, index: number, before: () => OrgState) => void): ApplyAllResult {
  const applied: AppliedStep[] = [];
  const draft = new Draft(state);
  for (let i = 0; i < inputs.length; i++) {
    const parsed = commandSchema.safeParse(inputs[i]);
    if (!parsed.success) return { ok: false, index: i, error: refusalFromZod(parsed.error) };
    const command = parsed.data;
    const start = draft.begin();
    const handler = handlers[command.type] as Handler<CommandType>;
    const outcome = handler(draft, command, { catalog: catalogFor(draft.view()) });
    // A refused command may have written rows before refusing: the whole draft is dropped with it.
    if (isRefusal(outcome)) return { ok: false, index: i, error: outcome };
    const step: AppliedStep = { command, changes: draft.changes.slice(start), summary: outcome };
    applied.push(step);
    each?.(step, i, () => stateBefore(draft.view(), step.changes));
  }
  return { ok: true, state: draft.changes.length ? draft.finish() : state, applied };
}

/** Fields that a create command may leave out and that are filled with fresh ids before applying. */
const NEW_ID_FIELDS: Partial<Record<CommandType, readonly string[]>> = {
  createBusinessUnit: ['businessunitid', 'defaultteamid'],
  createUser: ['systemuserid'],
  createTeam: ['teamid'],
  createRole: ['roleid'],
  createFieldSecurityProfile: ['fieldsecurityprofileid'],
  createRecord: ['recordid'],
};

/** What an undo menu calls a batch nobody named: its one summary, or "3 changes: the first, …". */
export function batchLabel(summaries: readonly string[]): string {
  if (summaries.length === 1) return summaries[0];
  return `${summaries.length} changes: ${summaries[0] ?? ''}${summaries.length > 1 ? ', …' : ''}`;
}

/**
 * A batch refused at `index`, worded in one place for the session, the vault and the command line:
 * "Change 2 of 3 (deleteRole) was refused: …", with the path inside it (commands[1].roleid). A
 * batch of one is refused in the command's own words.
 */
export function batchRefusal(commands: readonly unknown[], index: number, error: Refusal): BatchRefusal {
  const type = (commands[index] as { type?: unknown } | null | undefined)?.type;
  const at = `commands[${index}]`;
  return {
    code: error.code,
    message: commands.length > 1 ? `Change ${index + 1} of ${commands.length}${typeof type === 'string' ? ` (${type})` : ''} was refused: ${error.message}` : error.message,
    path: error.path === undefined ? at : `${at}.${error.path}`,
    index,
    cause: error,
  };
}

/**
 * A batch's refusal keeps which command was refused and the command's own refusal, so a caller
 * that addresses one command (or a staged change by its place) words it from these, never by
 * taking the batch's wording apart.
 */
export interface BatchRefusal extends Refusal {
  readonly index: number;
  readonly cause: Refusal;
}

export const isBatchRefusal = (r: Refusal): r is BatchRefusal => 'cause' in r && 'index' in r;

/**
 * Fills the ids a create command left out. The core has no randomness, so the caller passes the
 * generator; the filled command is what gets journaled, so a replay creates the same ids.
 */
export function withIds<T>(command: T, newId: () => string): T {
  // Untrusted input that is not a command is left for apply() to refuse with its reason.
  if (!command || typeof command !== 'object' || !('type' in command)) return command;
  const fields = NEW_ID_FIELDS[(command as { type: CommandType }).type];
  if (!fields) return command;
  const out: Record<string, unknown> = { ...command };
  for (const f of fields) if (out[f] === undefined) out[f] = newId();
  return out as T;
}
