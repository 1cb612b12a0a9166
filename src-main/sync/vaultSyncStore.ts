/**
 * The sync client's store backed by the encrypted vault. Local changes are the vault's pending
 * journal entries; pulled rows become core commands (transition()) applied with origin 'sync', so
 * they are journaled and audited but never sent back and never undone. The bookkeeping (client
 * id, delta token, status, conflicts) lives in the vault's sync section.
 */
import { randomUUID } from 'node:crypto';
import { apply, applyAll, withIds } from '../core/commands/apply';
import type { Command } from '../core/commands/schema';
import { emptyOrg, type OrgState } from '../core/model/org';
import type { Vault } from '../vault/vault';
import type { VaultSyncState } from '../vault/syncState';
import { SPEC_BY_TABLE, SYNC_TABLES, applyRowChanges, fieldsOf, rowOf, rowOfFields, rowsOf, transition, type Row, type SyncTable } from '../core/sync/dataverse';
import type { Choice, ConflictRecord, PendingChange, RemoteDelta, SyncAuditEntry, SyncStatus, SyncStore } from './store';

/** A pulled change the vault cannot take as commands: nothing of the pull was applied. */
export class RemoteChangeRefused extends Error {
  constructor(
    message: string,
    readonly table: SyncTable,
    readonly key: string,
  ) {
    super(message);
  }
}

export interface VaultSyncStoreOptions {
  /** The server, for the bookkeeping and the audit notes. */
  readonly server: string;
  readonly now?: () => Date;
  readonly newId?: () => string;
}

export class VaultSyncStore implements SyncStore {
  /** Commands applied from pulls by this instance (for reports). */
  appliedFromServer = 0;
  private current: SyncStatus;
  private readonly newId: () => string;
  private readonly now: () => Date;

  constructor(
    private readonly vault: Vault,
    private readonly o: VaultSyncStoreOptions,
  ) {
    const s = vault.getSyncState();
    this.current = { state: s.status.state, lastsyncat: s.lastsyncat, ...(s.status.message ? { message: s.status.message } : {}) };
    this.newId = o.newId ?? randomUUID;
    this.now = o.now ?? (() => new Date());
  }

  clientId(): string {
    const s = this.vault.getSyncState();
    if (s.clientid) return s.clientid;
    return this.save({ clientid: `roleatlas-${this.newId()}` }).clientid!;
  }

  /** Every local change not yet acknowledged; the client keeps records and shares to itself. */
  pending(): PendingChange[] {
    return this.vault.pendingChanges().map((e) => ({ id: e.clientchangeid, command: e.command }));
  }

  markSynced(ids: readonly string[]): void {
    this.vault.markSynced(ids);
  }

  organization(): OrgState {
    return this.vault.state;
  }

  /** The vault already shows what was published: its entries are acknowledged, nothing else changes. */
  markPublished(ids: readonly string[]): void {
    this.vault.markSynced(ids);
  }

  /**
   * Takes the server's rows: each changed row becomes what the server holds with this vault's
   * unsent changes on top, through the commands of transition(), all in one batch. A row that no
   * command can produce refuses the whole pull. A first pull into a vault without an organization
   * is taken as an import (no command creates a root business unit or names the organization).
   */
  applyRemote(delta: RemoteDelta): void {
    const view = this.vault.state;
    if (delta.full && view.businessunits.size === 0 && this.vault.pendingChanges().length === 0) {
      this.vault.replaceState(applyRowChanges({ ...emptyOrg(''), records: view.records, recordcounts: view.recordcounts, shares: view.shares }, delta.changes), `sync server ${this.o.server} at version ${delta.version}`);
      this.appliedFromServer += delta.changes.length;
      return;
    }
    const planned = planRemote(view, delta, this.pending().map((p) => p.command), this.newId);
    if (!planned.ok) throw planned.error;
    if (!planned.commands.length) return;
    const r = this.vault.applyRemoteAll(planned.commands);
    if (!r.ok) throw new Error(`the vault refused the server's changes: ${r.error.message}`);
    this.appliedFromServer += planned.commands.length;
  }

  deltaToken(): number | null {
    const s = this.vault.getSyncState();
    // A token from another server means nothing here: start over with a whole pull.
    return s.server === null || s.server === this.o.server ? s.deltatoken : null;
  }

  setDeltaToken(version: number): void {
    this.save({ deltatoken: version, server: this.o.server });
  }

  conflicts(): ConflictRecord[] {
    return this.vault.getSyncState().conflicts as unknown as ConflictRecord[];
  }

  setConflicts(conflicts: readonly ConflictRecord[]): void {
    this.save({ conflicts: conflicts as unknown as VaultSyncState['conflicts'] });
  }

  status(): SyncStatus {
    return this.current;
  }

  /** Progress states stay in memory; how a sync ended is kept in the vault. */
  setStatus(status: SyncStatus): void {
    this.current = status;
    if (status.state === 'pulling' || status.state === 'pushing') return;
    this.save({ lastsyncat: status.lastsyncat, status: { state: status.state, ...(status.message ? { message: status.message.slice(0, 2000) } : {}) } });
  }

  audit(entry: SyncAuditEntry): void {
    this.vault.note({ summary: `Sync ${entry.kind} (${this.o.server}): ${entry.detail}`, detail: { sync: entry.kind, server: this.o.server } });
  }

  private save(changes: Partial<VaultSyncState>): VaultSyncState {
    const r = this.vault.setSyncState(changes);
    if (!r.ok) throw new Error(`the vault refused the sync bookkeeping: ${r.error.message}`);
    return r.value;
  }
}

// ---- pulled rows to commands ----------------------------------------------------------------------

type Planned = { ok: true; commands: Command[]; state: OrgState } | { ok: false; error: RemoteChangeRefused };

/**
 * The commands that take `view` to the server's rows of `delta`, with `pending` (the vault's
 * unsent commands) replayed on top of them the way the view already shows them. Commands are
 * ordered by trying each row against the state so far until none is left (a unit before its
 * users, memberships before their team's deletion).
 */
export function planRemote(view: OrgState, delta: RemoteDelta, pending: readonly Command[], newId: () => string): Planned {
  const base = delta.full ? { ...emptyOrg(''), organization: view.organization, records: view.records, shares: view.shares } : view;
  let target = applyRowChanges(base, delta.changes);
  for (const command of pending) {
    const r = apply(target, command);
    if (r.ok) target = r.value.state;
  }
  const keys = new Map<string, { table: SyncTable; key: string }>();
  const add = (table: SyncTable, key: string) => keys.set(`${table}\u0000${key}`, { table, key });
  for (const c of delta.changes) add(c.table, c.key);
  if (delta.full) for (const table of SYNC_TABLES) for (const [key] of rowsOf(view, table)) add(table, key);

  // A unit created from a row keeps the id of its default team on the server.
  const defaultTeam = new Map<string, string>();
  for (const t of target.teams.values()) if (t.isdefault) defaultTeam.set(t.businessunitid, t.teamid);

  let state = view;
  const commands: Command[] = [];
  // A unit's default team that took another id (a Dataverse push gave it the environment's): one command, with what is on the team, before the rows.
  for (const t of view.teams.values()) {
    const now = t.isdefault ? defaultTeam.get(t.businessunitid) : undefined;
    if (now === undefined || now === t.teamid || view.teams.has(now) || target.teams.has(t.teamid)) continue;
    const r = apply(state, { type: 'setDefaultTeamId', businessunitid: t.businessunitid, teamid: now });
    if (!r.ok) continue;
    state = r.value.state;
    commands.push(r.value.command);
  }
  let remaining = [...keys.values()].filter(({ table, key }) => !sameRow(rowOf(view, table, key), rowOf(target, table, key)));
  const refusals = new Map<string, string>();
  while (remaining.length) {
    const next: typeof remaining = [];
    for (const { table, key } of remaining) {
      const from = rowOf(state, table, key);
      let to = rowOf(target, table, key);
      if (sameRow(from, to)) continue;
      if (table === 'businessunits' && !from && to && defaultTeam.has(key)) to = { ...to, defaultteamid: defaultTeam.get(key) };
      const t = transition(table, key, from, to);
      if (!t.ok) {
        refusals.set(`${table}\u0000${key}`, t.error.message);
        next.push({ table, key });
        continue;
      }
      const cmds = t.commands.map((c) => withIds(c, newId));
      const r = applyAll(state, cmds);
      if (!r.ok) {
        refusals.set(`${table}\u0000${key}`, `${cmds[r.index].type} refused: ${r.error.message}`);
        next.push({ table, key });
        continue;
      }
      state = r.state;
      commands.push(...r.applied.map((a) => a.command));
    }
    if (next.length === remaining.length) {
      const { table, key } = next[0];
      const why = refusals.get(`${table}\u0000${key}`) ?? 'no command produces it';
      const more = next.length > 1 ? ` (and ${next.length - 1} more change(s))` : '';
      return {
        ok: false,
        error: new RemoteChangeRefused(`the server's change to ${SPEC_BY_TABLE.get(table)!.entitySet}(${key}) cannot be applied to this vault: ${why}${more}. Nothing was applied`, table, key),
      };
    }
    remaining = next;
  }
  return { ok: true, commands, state };
}

/** Rows compare by value: key order is not part of a row (the server's jsonb reorders keys). */
export function sameRow(a: Row | null, b: Row | null): boolean {
  return canonical(a) === canonical(b);
}
const canonical = (v: unknown): string =>
  JSON.stringify(v, (_k, x: unknown) => (x && typeof x === 'object' && !Array.isArray(x) ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : x));

// ---- resolving a conflict in the vault -----------------------------------------------------------

/**
 * The admin's choice for one open conflict: the choices are stored (the next push sends them
 * with the resolution), the vault's row is moved to the chosen sides now with origin 'sync'
 * commands, and an audit note records the choice with both sides, all in one vault write.
 * `fields` absent: the choice applies to every conflicting field. Fields not named keep the
 * choice already made, or "mine".
 */
export function resolveInVault(vault: Vault, conflictId: string, take: Choice, fields: readonly string[] | undefined, at: Date): { conflict: ConflictRecord; commands: Command[] } {
  const open = vault.getSyncState().conflicts as unknown as ConflictRecord[];
  const c = open.find((x) => x.id === conflictId);
  if (!c) throw new Error(`no open conflict ${conflictId}`);
  const known = new Set(c.fields.map((f) => f.field));
  for (const f of fields ?? []) if (!known.has(f)) throw new Error(`the conflict on ${c.entityset}(${c.key}) has no field ${f}; its fields are ${[...known].join(', ')}`);
  const choices: Record<string, Choice> = {};
  for (const f of c.fields) choices[f.field] = !fields || fields.includes(f.field) ? take : (c.choices?.[f.field] ?? 'mine');
  const resolved: ConflictRecord = { ...c, choices, resolvedat: at.toISOString() };

  const view = rowOf(vault.state, c.table, c.key);
  let target: Row | null;
  if ('(row)' in choices) target = choices['(row)'] === 'theirs' ? c.theirs : c.mine;
  else {
    const now = fieldsOf(c.table, view);
    const theirs = fieldsOf(c.table, c.theirs);
    const mine = fieldsOf(c.table, c.mine);
    for (const [f, ch] of Object.entries(choices)) {
      const side = ch === 'theirs' ? theirs : mine;
      if (side.has(f)) now.set(f, side.get(f));
      else now.delete(f);
    }
    target = rowOfFields(c.table, now);
  }
  const t = transition(c.table, c.key, view, target);
  if (!t.ok) throw new Error(`cannot take ${take} for ${c.entityset}(${c.key}): ${t.error.message}`);
  const summary = `Resolved the conflict on ${c.entityset}(${c.key}) changed by ${c.changedby ?? 'another client'}: ${Object.entries(choices)
    .map(([f, ch]) => `${f}=${ch}`)
    .join(', ')}`;
  const detail = { conflict: c.id, table: c.table, key: c.key, version: c.version, changedby: c.changedby, choices, fields: c.fields };
  const r = vault.applyRemoteAll(t.commands, { note: { summary, detail }, sync: { conflicts: open.map((x) => (x.id === c.id ? resolved : x)) as unknown as VaultSyncState['conflicts'] } });
  if (!r.ok) throw new Error(`cannot take ${take} for ${c.entityset}(${c.key}): ${r.error.message}`);
  return { conflict: resolved, commands: r.value.map((e) => e.command) };
}
