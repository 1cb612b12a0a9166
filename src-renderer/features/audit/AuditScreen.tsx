import { useEffect, useState } from 'react';
import type { AuditChangeDto } from '../../../src-main/bridge/channels/audit';
import { VirtualList } from '../../components/VirtualList';
import { auditSelectors, localTime, orgSelectors, useAppStore } from '../../store';
import '../reports/reports.css';

const ROW_HEIGHT = 52;

/** The vault's hash-chained audit log: filters, the entries (virtualized), an entry's before and after, and the chain check. */
export function AuditScreen() {
  const log = useAppStore(auditSelectors.log);
  const error = useAppStore(auditSelectors.error);
  const revision = useAppStore(orgSelectors.revision);
  const { loadAudit } = useAppStore.getState();
  useEffect(() => {
    void loadAudit();
  }, [revision, loadAudit]);
  if (log && !log.available)
    return (
      <section className="panel detail empty" aria-label="Audit log">
        <div className="empty-message">
          <h2>No audit log</h2>
          <p className="muted">This organization is held in memory, not in a vault: changes are not journaled, so there is no audit log to show.</p>
        </div>
      </section>
    );
  return (
    <div className="audit-layout">
      <AuditToolbar />
      <VerifyResult />
      {error && (
        <p role="alert" className="error">
          {error.message}
        </p>
      )}
      <div className="split audit-split">
        <AuditList />
        <AuditDetail />
      </div>
    </div>
  );
}

function AuditToolbar() {
  const filter = useAppStore(auditSelectors.filter);
  const log = useAppStore(auditSelectors.log);
  const verifying = useAppStore(auditSelectors.verifying);
  const { setAuditFilter, verifyAudit } = useAppStore.getState();
  const [object, setObject] = useState(filter.object);
  useEffect(() => {
    if (object === filter.object) return;
    const t = setTimeout(() => void setAuditFilter({ object }), 250);
    return () => clearTimeout(t);
  }, [object, filter.object, setAuditFilter]);
  return (
    <div className="toolbar audit-toolbar" role="group" aria-label="Audit filters">
      <label className="check">
        From
        <input type="date" aria-label="From" value={filter.from} onChange={(e) => void setAuditFilter({ from: e.target.value })} />
      </label>
      <label className="check">
        To
        <input type="date" aria-label="To" value={filter.to} onChange={(e) => void setAuditFilter({ to: e.target.value })} />
      </label>
      <select aria-label="Admin" value={filter.actor} onChange={(e) => void setAuditFilter({ actor: e.target.value })}>
        <option value="">Every admin</option>
        {log?.actors.map((a) => (
          <option key={a} value={a}>
            {a}
          </option>
        ))}
      </select>
      <select aria-label="Command type" value={filter.type} onChange={(e) => void setAuditFilter({ type: e.target.value })}>
        <option value="">Every command</option>
        {log?.types.map((t) => (
          <option key={t} value={t}>
            {t}
          </option>
        ))}
      </select>
      <input type="search" aria-label="Object" placeholder="Object: table/id, id or name…" value={object} onChange={(e) => setObject(e.target.value)} />
      <button type="button" className="primary" onClick={() => void verifyAudit()} disabled={verifying}>
        {verifying ? 'Verifying…' : 'Verify chain'}
      </button>
    </div>
  );
}

function VerifyResult() {
  const v = useAppStore(auditSelectors.verify);
  if (!v) return null;
  if (v.ok)
    return (
      <p className="verify-ok" role="status">
        ✓ Chain verified: all {v.entries.toLocaleString()} {v.entries === 1 ? 'entry links' : 'entries link'} to the one before, unchanged.
      </p>
    );
  return (
    <div className="warning" role="alert" aria-label="Chain problems">
      <p>
        <strong>The chain is broken:</strong> {v.problems.length} {v.problems.length === 1 ? 'problem' : 'problems'} in {v.entries.toLocaleString()} entries
        {v.files?.length ? `; ${v.files.length} damaged ${v.files.length === 1 ? 'file' : 'files'} in the vault` : ''}.
      </p>
      <ul>
        {v.problems.map((p, i) => (
          <li key={i}>
            Entry {p.position}
            {p.seq !== undefined ? ` (seq ${p.seq})` : ''}: {p.kind}: {p.message}
          </li>
        ))}
        {v.files?.map((f, i) => (
          <li key={`file-${i}`}>
            File {f.file}: {f.message}
          </li>
        ))}
      </ul>
    </div>
  );
}

function AuditList() {
  const log = useAppStore(auditSelectors.log);
  const selected = useAppStore(auditSelectors.selectedSeq);
  const selectAuditEntry = useAppStore((s) => s.selectAuditEntry);
  const rows = log?.rows ?? [];
  const active = rows.findIndex((r) => r.seq === selected);
  return (
    <section className="panel list-panel" aria-labelledby="audit-title">
      <div className="panel-head">
        <h2 id="audit-title">Audit log</h2>
        {log && (
          <span className="muted">
            {rows.length === log.total ? `${log.total.toLocaleString()} entries` : `${rows.length.toLocaleString()} of ${log.total.toLocaleString()} entries`}
          </span>
        )}
      </div>
      {!log ? (
        <p aria-busy="true">Reading the audit log…</p>
      ) : rows.length === 0 ? (
        <p className="note">No entry matches the filters.</p>
      ) : (
        <VirtualList
          label="Audit entries"
          className="audit-list"
          count={rows.length}
          rowHeight={ROW_HEIGHT}
          activeIndex={active}
          onActiveIndexChange={(i) => void selectAuditEntry(rows[i].seq)}
          renderRow={(i) => {
            const r = rows[i];
            return (
              <div className="audit-row" role="gridcell" onClick={() => void selectAuditEntry(r.seq)}>
                <div className="audit-row-top">
                  <span className="muted num">#{r.seq}</span>
                  <span className="audit-type">{r.type}</span>
                  {r.undoOrRedo && <span className="badge neutral">{r.undoOrRedo}</span>}
                  {r.origin === 'sync' && <span className="badge neutral">sync</span>}
                  <span className="muted push-right">{localTime(r.at)}</span>
                </div>
                <div className="audit-row-bottom">
                  <span className="ellipsis">{r.summary}</span>
                  <span className="muted push-right">{r.actor}</span>
                </div>
              </div>
            );
          }}
        />
      )}
    </section>
  );
}

function AuditDetail() {
  const entry = useAppStore(auditSelectors.entry);
  const [changedOnly, setChangedOnly] = useState(true);
  if (!entry)
    return (
      <section className="panel detail empty" aria-label="Audit entry">
        <p className="muted">Select an entry to see what it changed.</p>
      </section>
    );
  const r = entry.row;
  return (
    <section className="panel detail" aria-label={`Audit entry ${r.seq}`}>
      <p className="eyebrow">
        Entry #{r.seq} · {r.type}
      </p>
      <h2 className="detail-title">{r.summary}</h2>
      <dl className="facts">
        <dt>When</dt>
        <dd>{localTime(r.at)}</dd>
        <dt>Admin</dt>
        <dd>{r.actor}</dd>
        <dt>Origin</dt>
        <dd>{r.origin === 'sync' ? 'From the server (sync)' : 'Made here'}</dd>
        <dt>Hash</dt>
        <dd>
          <code title={entry.hash}>{entry.hash.slice(0, 16)}…</code> links to <code title={entry.prev}>{entry.prev.slice(0, 16)}…</code>
        </dd>
      </dl>
      {entry.changes.length === 0 ? (
        <p className="note">{r.kind === 'baseline' ? 'An imported organization: the whole organization was replaced.' : 'This entry records an event and changes no row.'}</p>
      ) : (
        <>
          <div className="toolbar">
            <h3 className="inline-heading">
              {entry.changes.length} changed {entry.changes.length === 1 ? 'row' : 'rows'}
            </h3>
            <label className="check push-right">
              <input type="checkbox" checked={changedOnly} onChange={(e) => setChangedOnly(e.target.checked)} /> Changed fields only
            </label>
          </div>
          {entry.changes.map((c, i) => (
            <ChangeTable key={`${c.table}:${c.key}:${i}`} change={c} changedOnly={changedOnly} />
          ))}
        </>
      )}
    </section>
  );
}

const EFFECT_LABEL = { created: 'created', deleted: 'deleted', updated: 'updated' } as const;

function ChangeTable({ change: c, changedOnly }: { change: AuditChangeDto; changedOnly: boolean }) {
  const fields = changedOnly && c.effect === 'updated' ? c.fields.filter((f) => f.changed) : c.fields;
  return (
    <table className="before-after" aria-label={`${c.table} ${c.name ?? c.key}`}>
      <caption>
        <span className="badge neutral">{EFFECT_LABEL[c.effect]}</span> <strong>{c.table}</strong> {c.name ?? ''} <span className="muted">{c.key}</span>
      </caption>
      <thead>
        <tr>
          <th scope="col">Field</th>
          <th scope="col">Before</th>
          <th scope="col">After</th>
        </tr>
      </thead>
      <tbody>
        {fields.map((f) => (
          <tr key={f.field} className={f.changed ? 'changed' : ''}>
            <th scope="row">{f.field}</th>
            <td className={f.before === null ? 'muted' : 'before'}>{f.before ?? '—'}</td>
            <td className={f.after === null ? 'muted' : 'after'}>{f.after ?? '—'}</td>
          </tr>
        ))}
        {fields.length === 0 && (
          <tr>
            <td colSpan={3} className="muted">
              No field changed.
            </td>
          </tr>
        )}
      </tbody>
    </table>
  );
}
