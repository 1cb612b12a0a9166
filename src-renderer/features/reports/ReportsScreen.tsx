import { useEffect, useMemo, useState } from 'react';
import type { Depth } from '../../api';
import { DEPTH_LABEL } from '../../components/depth';
import { UserPicker } from '../../components/UserPicker';
import { orgSelectors, progressText, REPORT_FORMAT_INFO, REPORT_KIND_INFO, reportsSelectors, useAppStore } from '../../store';
import './reports.css';

/** How often the screen asks main how far a running report is. */
export const POLL_MS = 200;

/** Reports: a kind, its options and a format; main asks where to save it and writes it as a job. */
export function ReportsScreen() {
  const kind = useAppStore(reportsSelectors.kind);
  const { setReportKind, loadReportCatalog } = useAppStore.getState();
  useEffect(() => {
    void loadReportCatalog();
  }, [loadReportCatalog]);
  return (
    <div className="split reports-layout">
      <section className="panel list-panel" aria-labelledby="report-kinds-title">
        <div className="panel-head">
          <h2 id="report-kinds-title">Reports</h2>
        </div>
        <ul className="report-kinds" role="listbox" aria-label="Report kinds">
          {REPORT_KIND_INFO.map((k) => (
            <li key={k.kind} role="option" aria-selected={k.kind === kind} className={k.kind === kind ? 'selected' : ''} onClick={() => setReportKind(k.kind)}>
              <strong>{k.title}</strong>
              <span className="muted small">{k.description}</span>
            </li>
          ))}
        </ul>
      </section>
      <section className="panel report-detail" aria-label="Report options">
        <ReportForm />
        <ReportProgress />
      </section>
    </div>
  );
}

function ReportForm() {
  const kind = useAppStore(reportsSelectors.kind);
  const format = useAppStore(reportsSelectors.format);
  const running = useAppStore(reportsSelectors.running);
  const starting = useAppStore(reportsSelectors.starting);
  const error = useAppStore(reportsSelectors.error);
  const { setReportFormat, startReport } = useAppStore.getState();
  const info = REPORT_KIND_INFO.find((k) => k.kind === kind)!;
  return (
    <form
      className="report-form"
      onSubmit={(e) => {
        e.preventDefault();
        void startReport();
      }}
    >
      <p className="eyebrow">Report</p>
      <h2 className="detail-title">{info.title}</h2>
      <p className="muted">{info.description}</p>
      <KindOptions />
      <fieldset className="formats">
        <legend>Format</legend>
        {REPORT_FORMAT_INFO.map((f) => (
          <label key={f.format} className="check format-option">
            <input type="radio" name="report-format" value={f.format} checked={format === f.format} onChange={() => setReportFormat(f.format)} />
            {f.label}
          </label>
        ))}
      </fieldset>
      {error && (
        <p role="alert" className="error">
          {error.message}
        </p>
      )}
      <div className="actions">
        <button type="submit" className="primary" disabled={running || starting}>
          {starting ? 'Preparing…' : 'Save report…'}
        </button>
      </div>
    </form>
  );
}

function KindOptions() {
  const kind = useAppStore(reportsSelectors.kind);
  const o = useAppStore(reportsSelectors.options);
  const catalog = useAppStore(reportsSelectors.catalog);
  const summary = useAppStore(orgSelectors.summary);
  const setReportOptions = useAppStore((s) => s.setReportOptions);
  const [roleQuery, setRoleQuery] = useState('');
  const roles = useMemo(() => summary?.roles ?? [], [summary]);
  const shownRoles = useMemo(() => roles.filter((r) => r.name.toLowerCase().includes(roleQuery.trim().toLowerCase())), [roles, roleQuery]);
  const entity = catalog?.entities.find((e) => e.logicalname === o.entity);

  switch (kind) {
    case 'role-matrix':
      return (
        <fieldset className="report-options">
          <legend>Roles</legend>
          <p className="muted small">{o.roles.length ? `${o.roles.length} chosen` : 'Every role when none is chosen.'}</p>
          <div className="toolbar">
            <input type="search" aria-label="Filter roles" placeholder="Filter roles…" value={roleQuery} onChange={(e) => setRoleQuery(e.target.value)} />
            {o.roles.length > 0 && (
              <button type="button" onClick={() => setReportOptions({ roles: [] })}>
                Clear
              </button>
            )}
          </div>
          <ul className="check-list" aria-label="Roles to report">
            {shownRoles.map((r) => (
              <li key={r.roleid}>
                <label className="check">
                  <input
                    type="checkbox"
                    checked={o.roles.includes(r.roleid)}
                    onChange={(e) => setReportOptions({ roles: e.target.checked ? [...o.roles, r.roleid] : o.roles.filter((x) => x !== r.roleid) })}
                  />
                  {r.name}
                </label>
              </li>
            ))}
          </ul>
        </fieldset>
      );
    case 'user-access':
      return (
        <fieldset className="report-options">
          <legend>Users</legend>
          <p className="muted small">{o.users.length ? `${o.users.length} chosen` : 'Every user (one table) when none is chosen.'}</p>
          <UserPicker label="Add a user" exclude={new Set(o.users.map((u) => u.id))} onPick={(u) => setReportOptions({ users: [...o.users, { id: u.systemuserid, name: u.fullname }] })} />
          <ul className="chips" aria-label="Users to report">
            {o.users.map((u) => (
              <li key={u.id} className="chip">
                {u.name}{' '}
                <button type="button" className="link" aria-label={`Remove ${u.name}`} onClick={() => setReportOptions({ users: o.users.filter((x) => x.id !== u.id) })}>
                  ×
                </button>
              </li>
            ))}
          </ul>
        </fieldset>
      );
    case 'who-has-access':
      return (
        <fieldset className="report-options grid-options">
          <legend>Access</legend>
          <label className="field">
            <span>Table</span>
            <select value={o.entity} onChange={(e) => setReportOptions({ entity: e.target.value })}>
              {(catalog?.entities ?? [{ logicalname: o.entity, displayname: o.entity, rights: [] }]).map((e) => (
                <option key={e.logicalname} value={e.logicalname}>
                  {e.displayname}
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            <span>Right</span>
            <select value={o.right} onChange={(e) => setReportOptions({ right: e.target.value })}>
              {(entity?.rights ?? ['Read']).map((r) => (
                <option key={r} value={r}>
                  {r}
                </option>
              ))}
            </select>
          </label>
          <label className="field">
            <span>At least</span>
            <select value={o.minDepth} onChange={(e) => setReportOptions({ minDepth: e.target.value as Depth })}>
              {(['Basic', 'Local', 'Deep', 'Global'] as const).map((d) => (
                <option key={d} value={d}>
                  {DEPTH_LABEL[d]}
                </option>
              ))}
            </select>
          </label>
        </fieldset>
      );
    case 'role-compare':
      return (
        <fieldset className="report-options grid-options">
          <legend>Roles to compare</legend>
          {(
            [
              ['left', 'First role'],
              ['right2', 'Second role'],
            ] as const
          ).map(([key, label]) => (
            <label key={key} className="field">
              <span>{label}</span>
              <select value={o[key]} onChange={(e) => setReportOptions({ [key]: e.target.value })}>
                <option value="">Choose a role…</option>
                {roles.map((r) => (
                  <option key={r.roleid} value={r.roleid}>
                    {r.name}
                  </option>
                ))}
              </select>
            </label>
          ))}
        </fieldset>
      );
    case 'audit':
      return (
        <fieldset className="report-options grid-options">
          <legend>Period</legend>
          <label className="field">
            <span>From</span>
            <input type="date" value={o.from} onChange={(e) => setReportOptions({ from: e.target.value })} />
          </label>
          <label className="field">
            <span>To (inclusive)</span>
            <input type="date" value={o.to} onChange={(e) => setReportOptions({ to: e.target.value })} />
          </label>
        </fieldset>
      );
    default:
      return <p className="note">No options: the report covers the whole organization.</p>;
  }
}

function ReportProgress() {
  const job = useAppStore(reportsSelectors.job);
  const notSaved = useAppStore(reportsSelectors.notSaved);
  const { pollReport, cancelReport, openReport, revealReport, dismissReport } = useAppStore.getState();
  const running = job?.state === 'running';
  const [cancelling, setCancelling] = useState(false);
  useEffect(() => {
    if (!running) return;
    const t = setInterval(() => void pollReport(), POLL_MS);
    return () => clearInterval(t);
  }, [running, pollReport]);
  useEffect(() => {
    if (!running) setCancelling(false);
  }, [running]);
  if (notSaved) return <p className="note" role="status">Not saved: the save dialog was closed.</p>;
  if (!job) return null;
  return (
    <div className="report-job" role="status" aria-label="Report progress">
      <div className="report-job-head">
        <strong>{job.title}</strong>
        <span className="muted ellipsis" title={job.path}>
          {job.path}
        </span>
      </div>
      {running && (
        <>
          <progress max={1} value={job.fraction} aria-label="Written" />
          <div className="report-job-foot">
            <span className="muted">{progressText(job)}</span>
            <button
              type="button"
              className="danger push-right"
              disabled={cancelling}
              onClick={() => {
                setCancelling(true);
                void cancelReport();
              }}
            >
              {cancelling ? 'Cancelling…' : 'Cancel'}
            </button>
          </div>
        </>
      )}
      {job.state === 'done' && (
        <>
          <p className="done">
            Written: {job.rows.toLocaleString()} {job.rows === 1 ? 'row' : 'rows'}
            {job.bytes !== null ? `, ${formatBytes(job.bytes)}` : ''}.
          </p>
          <div className="actions">
            <button type="button" className="primary" onClick={() => void openReport()}>
              Open
            </button>
            <button type="button" onClick={() => void revealReport()}>
              Show in folder
            </button>
            <button type="button" className="push-right" onClick={dismissReport}>
              Dismiss
            </button>
          </div>
        </>
      )}
      {job.state === 'cancelled' && (
        <div className="report-job-foot">
          <span className="muted">Cancelled: no file was written.</span>
          <button type="button" className="push-right" onClick={dismissReport}>
            Dismiss
          </button>
        </div>
      )}
      {job.state === 'failed' && (
        <div className="report-job-foot">
          <span className="error" role="alert">
            Failed: {job.error}
          </span>
          <button type="button" className="push-right" onClick={dismissReport}>
            Dismiss
          </button>
        </div>
      )}
    </div>
  );
}

function formatBytes(n: number): string {
  if (n < 1024) return `${n} bytes`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KB`;
  return `${(n / 1024 / 1024).toFixed(1)} MB`;
}
