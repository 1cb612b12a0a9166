import type { ParsedRequestOf, ResponseOf } from '../bridge/contract';
import type { AuditChangeDto, AuditRowDto } from '../bridge/channels/audit';
import type { AuditEntry, Vault } from '../vault/vault';
import { Workspace, type VaultControl } from './workspace';

/**
 * The open vault behind the screens, or null when the organization is held in memory (no vault,
 * so no audit log and no stored settings). A locked vault throws VaultError('locked'), which the
 * dispatch answers as code 'locked' so the window shows its lock screen.
 */
export function openVaultOf(control: VaultControl): Vault | null {
  return control instanceof Workspace ? control.vaults.use() : null;
}

/** The audit screen's filters, as the audit:list channel takes them. */
export type AuditQuery = ParsedRequestOf<'audit:list'>;

export const typeOf = (e: Pick<AuditEntry, 'kind' | 'command'>): string => e.command?.type ?? e.kind;

export function auditRow(e: AuditEntry): AuditRowDto {
  return {
    seq: e.seq,
    at: e.at,
    actor: e.actor,
    kind: e.kind,
    type: typeOf(e),
    origin: e.origin,
    summary: e.summary,
    changes: e.changes.length,
    undoOrRedo: e.undoes ? 'undo' : e.redoes ? 'redo' : null,
  };
}

const NAME_FIELDS = ['name', 'fullname', 'domainname', 'logicalname', 'attributelogicalname'] as const;

function nameOf(row: unknown): string | null {
  if (!row || typeof row !== 'object') return null;
  for (const f of NAME_FIELDS) {
    const v = (row as Record<string, unknown>)[f];
    if (typeof v === 'string' && v) return v;
  }
  return null;
}

function mentions(e: AuditEntry, needle: string): boolean {
  const q = needle.trim().toLowerCase();
  if (!q) return true;
  if (e.summary.toLowerCase().includes(q)) return true;
  return e.changes.some((c) => {
    const ref = `${c.table}/${c.key}`.toLowerCase();
    if (ref === q || ref.includes(q) || c.key.toLowerCase() === q) return true;
    return [c.before, c.after].some((row) => nameOf(row)?.toLowerCase().includes(q) ?? false);
  });
}

/** The entries matching every filter given, newest first, with what the filter menus offer. */
export function queryAudit(entries: readonly AuditEntry[], q: AuditQuery): Omit<ResponseOf<'audit:list'>, 'available'> {
  const actors = new Set<string>();
  const types = new Set<string>();
  const rows: AuditRowDto[] = [];
  for (const e of entries) {
    actors.add(e.actor);
    types.add(typeOf(e));
    if (q.from !== undefined && e.at < q.from) continue;
    if (q.to !== undefined && e.at >= q.to) continue;
    if (q.actor && e.actor !== q.actor) continue;
    if (q.type && typeOf(e) !== q.type) continue;
    if (q.object && !mentions(e, q.object)) continue;
    rows.push(auditRow(e));
  }
  rows.reverse();
  const sorted = (s: Set<string>) => [...s].sort((a, b) => a.localeCompare(b));
  return { total: entries.length, rows, actors: sorted(actors), types: sorted(types) };
}

const MAX_TEXT = 2000;

function text(v: unknown): string | null {
  if (v === undefined || v === null) return null;
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s.length > MAX_TEXT ? `${s.slice(0, MAX_TEXT - 1)}…` : s;
}

/** A changed row field by field, before beside after; a row that is not an object is one field, "value". */
export function changeFields(c: AuditEntry['changes'][number]): AuditChangeDto {
  const isRow = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  const before = c.before ?? null;
  const after = c.after ?? null;
  const effect = before === null ? 'created' : after === null ? 'deleted' : 'updated';
  const fields: AuditChangeDto['fields'] = [];
  if ((before === null || isRow(before)) && (after === null || isRow(after))) {
    const b = before ?? {};
    const a = after ?? {};
    const keys = [...new Set([...Object.keys(b), ...Object.keys(a)])];
    for (const field of keys) {
      const bt = before === null ? null : text(b[field]);
      const at = after === null ? null : text(a[field]);
      fields.push({ field, before: bt, after: at, changed: bt !== at });
    }
  } else {
    const bt = text(before);
    const at = text(after);
    fields.push({ field: 'value', before: bt, after: at, changed: bt !== at });
  }
  return { table: c.table, key: c.key, name: nameOf(after) ?? nameOf(before), effect, fields };
}
