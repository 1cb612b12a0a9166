import type { Cell, Report } from './model';

/**
 * An entry of the vault's hash-chained audit log, as far as the report needs it (the vault owns
 * the full type and the hashing; this keeps the core independent of it).
 */
export interface AuditEntryLike {
  readonly seq: number;
  /** ISO 8601. */
  readonly at: string;
  readonly actor: string;
  /** null for a baseline (an imported organization) or a note. */
  readonly command: { readonly type: string } | null;
  /** The vault's kind of entry: a change, a baseline, or a note (a sync, a conflict resolved). */
  readonly kind?: 'change' | 'baseline' | 'note';
  readonly summary: string;
  readonly changes: readonly { readonly table: string; readonly key: string; readonly before: unknown; readonly after: unknown }[];
  readonly hash?: string;
  /** The previous entry's hash (the vault calls it prev). */
  readonly prevhash?: string;
  readonly prev?: string;
}

export interface AuditPeriod {
  /** Inclusive ISO lower bound. */
  readonly from?: string;
  /** Exclusive ISO upper bound. */
  readonly to?: string;
}

const brief = (v: unknown): string => {
  if (v === undefined || v === null) return '';
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s.length > 500 ? `${s.slice(0, 497)}…` : s;
};

/**
 * The audit log for a period: one row per entry with whether it links to the entry before it
 * (prevhash = previous hash), then one row per changed row. Checking the hashes themselves is the
 * vault's job; a broken link here means entries are missing or were altered.
 */
export function auditReport(organization: string, ctx: { generatedAt: string; source: string }, entries: readonly AuditEntryLike[], period: AuditPeriod = {}): Report {
  const inPeriod = entries.filter((e) => (period.from === undefined || e.at >= period.from) && (period.to === undefined || e.at < period.to)).sort((a, b) => a.seq - b.seq);
  const bySeq = new Map(entries.map((e) => [e.seq, e]));
  const rows: Cell[][] = inPeriod.map((e) => {
    const prev = bySeq.get(e.seq - 1);
    const prevhash = e.prevhash ?? e.prev;
    const link = prevhash === undefined || prev?.hash === undefined ? (prev ? '—' : 'first shown') : prev.hash === prevhash ? 'linked' : 'BROKEN';
    return [e.seq, e.at, e.actor, e.command?.type ?? e.kind ?? 'baseline', e.summary, e.changes.length, link];
  });
  const changeCount = inPeriod.reduce((n, e) => n + e.changes.length, 0);
  const periodText = `${period.from ?? 'the beginning'} to ${period.to ?? 'now'}`;
  return {
    kind: 'audit',
    title: 'Audit log',
    organization,
    generatedAt: ctx.generatedAt,
    source: ctx.source,
    parameters: [['Period', periodText], ['Entries', String(inPeriod.length)], ['Chain', rows.some((r) => r[6] === 'BROKEN') ? 'BROKEN links found' : 'every shown link intact']],
    sections: [
      {
        title: 'Entries',
        tables: [
          {
            columns: [
              { header: 'Seq', kind: 'number', width: 8 },
              { header: 'At', kind: 'datetime', width: 22 },
              { header: 'Actor', kind: 'text', width: 22 },
              { header: 'Command', kind: 'text', width: 24 },
              { header: 'Summary', kind: 'text', width: 60 },
              { header: 'Changes', kind: 'number', width: 9 },
              { header: 'Chain', kind: 'text', width: 12 },
            ],
            size: rows.length,
            rows: () => rows,
          },
        ],
      },
      {
        title: 'Changes',
        tables: [
          {
            columns: [{ header: 'Seq', kind: 'number', width: 8 }, { header: 'Table', kind: 'text', width: 20 }, { header: 'Key', kind: 'text', width: 40 }, { header: 'Before', kind: 'text', width: 50 }, { header: 'After', kind: 'text', width: 50 }],
            size: changeCount,
            *rows() {
              for (const e of inPeriod) for (const c of e.changes) yield [e.seq, c.table, c.key, brief(c.before), brief(c.after)];
            },
          },
        ],
      },
    ],
  };
}
