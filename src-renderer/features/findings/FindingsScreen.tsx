import { useEffect, useMemo, useState, type FormEvent } from 'react';
import type { FindingDto, NewSodRuleDto, SodRuleDto } from '../../../src-main/bridge/channels/findings';
import { DEPTH_LABEL } from '../../components/depth';
import { filterFindings, findingsSelectors, groupBySeverity, orgSelectors, ruleLabel, rulesOf, useAppStore } from '../../store';
import type { FindingObjectDto, Severity } from '../../store/slices/findings/slice';
import '../reports/reports.css';

const SEVERITY_LABEL: Record<Severity, string> = { high: 'High', medium: 'Medium', low: 'Low', info: 'Info' };
const TABLE_LABEL: Record<FindingObjectDto['table'], string> = {
  systemuser: 'User',
  team: 'Team',
  role: 'Role',
  businessunit: 'Business unit',
  privilege: 'Privilege',
  fieldsecurityprofile: 'Field security profile',
};

/** The security review: findings by severity with their explanation, objects and fix; separation-of-duty rules. */
export function FindingsScreen() {
  const revision = useAppStore(orgSelectors.revision);
  const review = useAppStore(findingsSelectors.review);
  const status = useAppStore(findingsSelectors.status);
  const error = useAppStore(findingsSelectors.error);
  const filter = useAppStore(findingsSelectors.filter);
  const { loadFindings, setFindingsFilter } = useAppStore.getState();
  useEffect(() => {
    void loadFindings();
  }, [revision, loadFindings]);
  const all = review?.findings;
  const shown = useMemo(() => filterFindings(all ?? [], filter), [all, filter]);
  const groups = useMemo(() => groupBySeverity(shown), [shown]);
  const rules = useMemo(() => rulesOf(all ?? []), [all]);

  return (
    <div className="split findings-layout">
      <section className="panel findings-panel" aria-labelledby="findings-title">
        <div className="panel-head">
          <h2 id="findings-title">Security review</h2>
          {review && (
            <span className="muted">
              {review.total.toLocaleString()} {review.total === 1 ? 'finding' : 'findings'}
              {review.total > review.findings.length ? ` (first ${review.findings.length.toLocaleString()} shown)` : ''}
            </span>
          )}
          <button type="button" className="push-right" onClick={() => void loadFindings()} disabled={status === 'loading'}>
            {status === 'loading' ? 'Reviewing…' : 'Run review again'}
          </button>
        </div>
        {review && (
          <div className="toolbar severity-filter" role="group" aria-label="Severity">
            <button type="button" className={filter.severity === 'all' ? 'chip-button active' : 'chip-button'} aria-pressed={filter.severity === 'all'} onClick={() => setFindingsFilter({ severity: 'all' })}>
              All <span className="count-pill">{review.total}</span>
            </button>
            {(['high', 'medium', 'low', 'info'] as const).map((s) => (
              <button key={s} type="button" className={`chip-button sev-${s}${filter.severity === s ? ' active' : ''}`} aria-pressed={filter.severity === s} onClick={() => setFindingsFilter({ severity: s })}>
                {SEVERITY_LABEL[s]} <span className="count-pill">{review.counts[s]}</span>
              </button>
            ))}
            <label className="check push-right">
              Rule
              <select aria-label="Rule" value={filter.rule} onChange={(e) => setFindingsFilter({ rule: e.target.value })}>
                <option value="all">All rules</option>
                {rules.map((r) => (
                  <option key={r.rule} value={r.rule}>
                    {ruleLabel(r.rule)} ({r.count})
                  </option>
                ))}
              </select>
            </label>
          </div>
        )}
        {status === 'failed' && error && (
          <p role="alert" className="error">
            The review failed: {error.message}
          </p>
        )}
        {!review && status !== 'failed' && <p aria-busy="true">Reviewing the organization…</p>}
        {review && shown.length === 0 && <p className="note">{review.total === 0 ? 'No findings: nothing in this organization breaks a rule of the review.' : 'No finding matches the filter.'}</p>}
        {groups
          .filter((g) => g.findings.length > 0)
          .map((g) => (
            <section key={g.severity} className="finding-group" aria-label={`${SEVERITY_LABEL[g.severity]} severity`}>
              <h3>
                <span className={`sev-badge sev-${g.severity}`}>{SEVERITY_LABEL[g.severity]}</span> {g.findings.length}
              </h3>
              {g.findings.map((f) => (
                <FindingCard key={f.id} finding={f} />
              ))}
            </section>
          ))}
      </section>
      <SodRulesPanel />
    </div>
  );
}

function FindingCard({ finding: f }: { finding: FindingDto }) {
  const openFindingObject = useAppStore((s) => s.openFindingObject);
  return (
    <article className={`finding sev-border-${f.severity}`} aria-label={f.title}>
      <header className="finding-head">
        <span className={`sev-badge sev-${f.severity}`}>{SEVERITY_LABEL[f.severity]}</span>
        <strong>{f.title}</strong>
        <span className="muted push-right">{ruleLabel(f.rule)}</span>
      </header>
      <p className="finding-text">{f.explanation}</p>
      {f.objects.length > 0 && (
        <ul className="chips finding-objects" aria-label="Concerned">
          {f.objects.slice(0, 12).map((o) => (
            <li key={`${o.table}:${o.id}`}>
              {o.table === 'privilege' ? (
                <span className="chip" title={o.id}>
                  {TABLE_LABEL[o.table]}: {o.name}
                </span>
              ) : (
                <button type="button" className="chip link-chip" title={`Open ${TABLE_LABEL[o.table].toLowerCase()} ${o.name}`} onClick={() => openFindingObject(o)}>
                  {TABLE_LABEL[o.table]}: {o.name}
                </button>
              )}
            </li>
          ))}
          {f.objects.length > 12 && <li className="muted">and {f.objects.length - 12} more</li>}
        </ul>
      )}
      <p className="finding-fix">
        <span className="eyebrow">Suggested fix</span> {f.fix}
      </p>
    </article>
  );
}

type SideKind = 'role' | 'privilege';
interface SideDraft {
  kind: SideKind;
  roleid: string;
  privilege: string;
  minDepth: 'Basic' | 'Local' | 'Deep' | 'Global';
}
const emptySide: SideDraft = { kind: 'role', roleid: '', privilege: '', minDepth: 'Basic' };

function SodRulesPanel() {
  const rules = useAppStore(findingsSelectors.rules);
  const sodError = useAppStore(findingsSelectors.sodError);
  const summary = useAppStore(orgSelectors.summary);
  const catalog = useAppStore((s) => s.reportCatalog);
  const { addSodRule, removeSodRule, loadReportCatalog } = useAppStore.getState();
  const [name, setName] = useState('');
  const [severity, setSeverity] = useState<Severity>('high');
  const [a, setA] = useState<SideDraft>(emptySide);
  const [b, setB] = useState<SideDraft>(emptySide);
  const [busy, setBusy] = useState(false);
  useEffect(() => {
    void loadReportCatalog();
  }, [loadReportCatalog]);
  const roleName = (id: string | undefined) => summary?.roles.find((r) => r.roleid === id)?.name ?? id ?? '';
  const privilegeName = (n: string) => catalog?.privileges.find((p) => p.name === n)?.displayname ?? n;
  const sideText = (s: SodRuleDto['a']) => (s.kind === 'role' ? `role ${s.name ?? roleName(s.roleid)}` : `${privilegeName(s.privilege)} at ${DEPTH_LABEL[s.minDepth]} or deeper`);
  const sideOf = (d: SideDraft): NewSodRuleDto['a'] => (d.kind === 'role' ? { kind: 'role', roleid: d.roleid, name: roleName(d.roleid) || undefined } : { kind: 'privilege', privilege: d.privilege, minDepth: d.minDepth });
  const ready = name.trim() !== '' && [a, b].every((d) => (d.kind === 'role' ? d.roleid : d.privilege));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (!ready) return;
    setBusy(true);
    const added = await addSodRule({ name: name.trim(), severity, a: sideOf(a), b: sideOf(b) });
    setBusy(false);
    if (added) {
      setName('');
      setA(emptySide);
      setB(emptySide);
    }
  };

  return (
    <section className="panel sod-panel" aria-labelledby="sod-title">
      <div className="panel-head">
        <h2 id="sod-title">Separation of duty</h2>
      </div>
      <p className="muted small">Pairs no user may hold together, directly or through teams. Kept in the vault with the organization.</p>
      <ul className="sod-rules" aria-label="Separation-of-duty rules">
        {rules.map((r) => (
          <li key={r.id}>
            <div>
              <span className={`sev-badge sev-${r.severity}`}>{SEVERITY_LABEL[r.severity]}</span> <strong>{r.name}</strong>
              <div className="muted small">
                {sideText(r.a)} + {sideText(r.b)}
              </div>
            </div>
            <button type="button" className="link danger-link" aria-label={`Remove rule ${r.name}`} onClick={() => void removeSodRule(r.id)}>
              Remove
            </button>
          </li>
        ))}
        {rules.length === 0 && <li className="muted">No rules yet.</li>}
      </ul>
      <form className="sod-form" aria-label="New separation-of-duty rule" onSubmit={(e) => void submit(e)}>
        <h3>Add a rule</h3>
        <label className="field">
          <span>Rule name</span>
          <input value={name} onChange={(e) => setName(e.target.value)} placeholder="Pay and approve" />
        </label>
        <label className="field">
          <span>Severity</span>
          <select value={severity} onChange={(e) => setSeverity(e.target.value as Severity)}>
            {(['high', 'medium', 'low', 'info'] as const).map((s) => (
              <option key={s} value={s}>
                {SEVERITY_LABEL[s]}
              </option>
            ))}
          </select>
        </label>
        {(
          [
            ['First', a, setA],
            ['Second', b, setB],
          ] as const
        ).map(([label, d, setD]) => (
          <fieldset key={label} className="sod-side">
            <legend>{label}</legend>
            <div className="inline-form">
              <select aria-label={`${label}: kind`} value={d.kind} onChange={(e) => setD({ ...d, kind: e.target.value as SideKind })}>
                <option value="role">Role</option>
                <option value="privilege">Privilege</option>
              </select>
              {d.kind === 'role' ? (
                <select aria-label={`${label}: role`} value={d.roleid} onChange={(e) => setD({ ...d, roleid: e.target.value })}>
                  <option value="">Choose a role…</option>
                  {summary?.roles.map((r) => (
                    <option key={r.roleid} value={r.roleid}>
                      {r.name}
                    </option>
                  ))}
                </select>
              ) : (
                <select aria-label={`${label}: privilege`} value={d.privilege} onChange={(e) => setD({ ...d, privilege: e.target.value })}>
                  <option value="">Choose a privilege…</option>
                  {catalog?.privileges.map((p) => (
                    <option key={p.name} value={p.name}>
                      {p.displayname}
                    </option>
                  ))}
                </select>
              )}
            </div>
            {d.kind === 'privilege' && (
              <label className="field inline">
                <span>At least</span>
                <select aria-label={`${label}: minimum depth`} value={d.minDepth} onChange={(e) => setD({ ...d, minDepth: e.target.value as SideDraft['minDepth'] })}>
                  {(['Basic', 'Local', 'Deep', 'Global'] as const).map((depth) => (
                    <option key={depth} value={depth}>
                      {DEPTH_LABEL[depth]}
                    </option>
                  ))}
                </select>
              </label>
            )}
          </fieldset>
        ))}
        {sodError && (
          <p role="alert" className="error">
            {sodError.message}
          </p>
        )}
        <button type="submit" className="primary" disabled={!ready || busy}>
          Add rule
        </button>
      </form>
    </section>
  );
}
