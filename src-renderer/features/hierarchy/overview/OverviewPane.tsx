import { useMemo } from 'react';
import type { PrincipalDto } from '../../../../src-main/bridge/channels/hierarchy';
import { DEPTH_LABEL, depthKey } from '../../../components/depth';
import { cellColours, changeOf, coloursOf, hierarchySelectors, stagingSelectors, useAppStore, type CellColour } from '../../../store';
import { OverlayLegend } from '../OverlayPicker';
import { UnitPanel } from '../UnitPanel';
import { OverviewCanvas } from './OverviewCanvas';
import { partitionUnits, type OverviewCell } from './partition';

const records = (n: number) => `${n.toLocaleString()} record${n === 1 ? '' : 's'}`;

/** The overview of every unit with its controls: size, colouring, the detailed graph of a subtree. */
export function OverviewPane({ highlighted }: { highlighted: string | null }) {
  const units = useAppStore(hierarchySelectors.units)!;
  const size = useAppStore(hierarchySelectors.overviewSize);
  const mode = useAppStore(hierarchySelectors.overviewColour);
  const overlay = useAppStore(hierarchySelectors.overlay);
  const overlayFor = useAppStore(hierarchySelectors.overlayFor);
  const q = useAppStore(hierarchySelectors.overlayQuery);
  const showAfter = useAppStore(hierarchySelectors.showAfter);
  const staged = useAppStore(hierarchySelectors.stagedUnits);
  const stagedCount = useAppStore(stagingSelectors.pending);
  const selected = useAppStore(hierarchySelectors.selected);
  const focus = useAppStore(hierarchySelectors.overviewFocus);
  const { selectGraphUnit, showOverview, openGraphOf, setOverviewSize, setOverviewColour } = useAppStore.getState();

  const layout = useMemo(() => partitionUnits(units, size), [units, size]);
  const perUnit = useMemo(() => {
    // When the overlay reached the overview: the e2e run times the recolour from here to the draw.
    if (typeof window !== 'undefined') (window.__roleatlasOverview ??= {}).overlayAt = performance.now();
    return coloursOf(overlay, units);
  }, [overlay, units]);
  const colours = useMemo(() => cellColours(mode, perUnit, showAfter, staged), [mode, perUnit, showAfter, staged]);
  const drawnFor = mode === 'diff-any' ? `diff-any|${staged ? `${q.entity}|${q.right}` : 'pending'}` : `${mode}|${overlayFor?.principal ? `${principalKey(overlayFor.principal)}|${overlayFor.entity}|${overlayFor.right}` : 'none'}|${showAfter ? 'after' : 'before'}`;
  const fallback: CellColour = mode === 'depth' ? 'None' : 'same';
  const target = selected ?? focus;
  const targetCell = target !== null ? layout.cells[layout.byId.get(target) ?? -1] : undefined;
  const selectedUnit = selected !== null ? layout.cells[layout.byId.get(selected) ?? -1]?.unit : undefined;

  const describe = (cell: OverviewCell) => {
    const c = perUnit.get(cell.id);
    const s = staged?.units.find((u) => u.businessunitid === cell.id);
    return (
      <>
        <strong>{cell.name}</strong>
        {cell.unit.isdisabled && ' (disabled)'}
        <div>
          {cell.unit.users.toLocaleString()} users · {cell.unit.teams.toLocaleString()} teams · {records(cell.unit.records)}
        </div>
        <div>{cell.size > 1 ? `${(cell.size - 1).toLocaleString()} units below` : 'No unit below'}</div>
        {overlay && (
          <div>
            {q.principalLabel}: {DEPTH_LABEL[depthKey(c?.depth ?? null)]}, {records(c?.records ?? 0)}
            {c?.after && ` → staged ${DEPTH_LABEL[depthKey(c.after.depth)]}, ${records(c.after.records)} (${changeOf(c)})`}
          </div>
        )}
        {mode === 'diff-any' && staged && <div>{s ? `${s.gain.toLocaleString()} users gain, ${s.lose.toLocaleString()} lose here` : 'No user’s access changes here'}</div>}
      </>
    );
  };

  return (
    <div className="hierarchy-body">
      <div className="hierarchy-graph overview-pane" aria-label="Business unit overview" role="figure">
        <div className="overview-controls">
          <label>
            Size by{' '}
            <select aria-label="Size cells by" value={size} onChange={(e) => setOverviewSize(e.target.value as 'users' | 'records')}>
              <option value="users">users</option>
              <option value="records">records</option>
            </select>
          </label>
          <label>
            Colour{' '}
            <select aria-label="Colour cells by" value={mode} onChange={(e) => setOverviewColour(e.target.value as typeof mode)}>
              <option value="depth">depth reached</option>
              <option value="diff-principal" disabled={!stagedCount}>
                staged change for {q.principalLabel || 'the overlay'}
              </option>
              <option value="diff-any" disabled={!stagedCount}>
                staged change for any user
              </option>
            </select>
          </label>
          {focus !== null && (
            <button type="button" onClick={() => showOverview(null)}>
              Whole organization
            </button>
          )}
          {targetCell && (
            <button type="button" onClick={() => openGraphOf(targetCell.id)}>
              Detailed graph of {targetCell.name} ({targetCell.size.toLocaleString()} unit{targetCell.size === 1 ? '' : 's'})
            </button>
          )}
          <span className="muted">Wheel to zoom, drag to pan, double-click to zoom on a unit.</span>
        </div>
        <OverviewCanvas
          layout={layout}
          colours={colours}
          fallback={fallback}
          drawnFor={drawnFor}
          selected={selected}
          highlighted={highlighted}
          focus={focus}
          describe={describe}
          onSelect={selectGraphUnit}
          onFocus={(id) => showOverview(id)}
        />
        {mode === 'depth' ? <OverlayLegend /> : <DiffLegend />}
      </div>
      {selectedUnit && <UnitPanel unit={selectedUnit} />}
    </div>
  );
}

const principalKey = (p: PrincipalDto) =>
  p.kind === 'user' ? `user:${p.systemuserid}` : p.kind === 'team' ? `team:${p.teamid}` : `role:${p.roleid}@${p.businessunitid}`;

/** Gains and losses of the staged set on the overview, with the totals. */
function DiffLegend() {
  const mode = useAppStore(hierarchySelectors.overviewColour);
  const overlay = useAppStore(hierarchySelectors.overlay);
  const staged = useAppStore(hierarchySelectors.stagedUnits);
  const q = useAppStore(hierarchySelectors.overlayQuery);
  const units = useAppStore(hierarchySelectors.units);
  const perUnit = useMemo(() => coloursOf(overlay, units ?? []), [overlay, units]);
  const count = (c: 'gains' | 'loses') => [...perUnit.values()].filter((x) => changeOf(x) === c).length;
  return (
    <div className="overlay-legend" aria-label="Overlay legend">
      <p className="legend-diff">
        <span className="swatch diff-gains" aria-hidden="true" /> gains <span className="swatch diff-loses" aria-hidden="true" /> loses
        {mode === 'diff-any' && (
          <>
            {' '}
            <span className="swatch diff-both" aria-hidden="true" /> some gain, some lose
          </>
        )}
      </p>
      <p aria-label="Staged change totals">
        {mode === 'diff-principal'
          ? overlay?.after
            ? `${q.principalLabel}, ${q.right} ${q.entity}: gains in ${count('gains').toLocaleString()} units, loses in ${count('loses').toLocaleString()}; ${overlay.before.records.toLocaleString()} → ${overlay.after.records.toLocaleString()} records`
            : 'Pick a user, team or role to see its change.'
          : staged
            ? `${staged.users.toLocaleString()} users' ${q.right} ${q.entity} changes: someone gains in ${staged.units.filter((u) => u.gain).length.toLocaleString()} units, loses in ${staged.units.filter((u) => u.lose).length.toLocaleString()}`
            : 'Working out who gains and loses…'}
      </p>
    </div>
  );
}
