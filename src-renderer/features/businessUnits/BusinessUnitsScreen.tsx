import { useMemo, useRef, useState, type DragEvent, type KeyboardEvent } from 'react';
import type { OrgSummaryDto } from '../../api';
import { ConfirmDialog } from '../../components/ConfirmDialog';
import { Dialog } from '../../components/Dialog';
import { moveTargets, orgSelectors, unitForest, useAppStore, visibleUnits, type UnitNode } from '../../store';

type UnitRow = OrgSummaryDto['businessunits'][number];
type Open = null | 'add' | 'rename' | 'move' | 'delete' | { kind: 'dragMove'; unit: UnitRow; parent: UnitRow };

/** Business units: the tree with keyboard and drag-and-drop, and the selected unit's actions. */
export function BusinessUnitsScreen() {
  const summary = useAppStore(orgSelectors.summary);
  const selectedId = useAppStore((s) => s.selectedUnitId);
  const selectUnit = useAppStore((s) => s.selectUnit);
  const applyCommand = useAppStore((s) => s.applyCommand);
  const checkCommands = useAppStore((s) => s.checkCommands);
  // null until the admin opens or closes a unit: then a large tree starts folded (defaultCollapsed).
  const [chosen, setCollapsed] = useState<ReadonlySet<string> | null>(null);
  const [open, setOpen] = useState<Open>(null);
  const forest = useMemo(() => (summary ? unitForest(summary) : []), [summary]);
  const collapsed = useMemo(() => chosen ?? defaultCollapsed(forest, summary?.businessunits.length ?? 0), [chosen, forest, summary]);
  const rows = useMemo(() => visibleUnits(forest, collapsed), [forest, collapsed]);
  const treeRef = useRef<HTMLUListElement>(null);
  if (!summary) return null;
  const selected = summary.businessunits.find((u) => u.businessunitid === selectedId) ?? summary.businessunits[0];
  const byId = new Map(summary.businessunits.map((u) => [u.businessunitid, u]));

  const toggle = (id: string, open?: boolean) =>
    setCollapsed((c) => {
      const next = new Set(c ?? collapsed);
      const isOpen = !next.has(id);
      if (open ?? !isOpen) next.delete(id);
      else next.add(id);
      return next;
    });

  const focusRow = (id: string) => {
    selectUnit(id);
    requestAnimationFrame(() => [...(treeRef.current?.querySelectorAll<HTMLElement>('[data-unit]') ?? [])].find((el) => el.dataset.unit === id)?.focus());
  };

  const onKeyDown = (e: KeyboardEvent, index: number) => {
    const row = rows[index];
    const id = row.node.unit.businessunitid;
    const hasKids = row.node.children.length > 0;
    const isOpen = hasKids && !collapsed.has(id);
    if (e.key === 'ArrowDown' && index + 1 < rows.length) focusRow(rows[index + 1].node.unit.businessunitid);
    else if (e.key === 'ArrowUp' && index > 0) focusRow(rows[index - 1].node.unit.businessunitid);
    else if (e.key === 'ArrowRight' && hasKids && !isOpen) toggle(id, true);
    else if (e.key === 'ArrowRight' && isOpen) focusRow(row.node.children[0].unit.businessunitid);
    else if (e.key === 'ArrowLeft' && isOpen) toggle(id, false);
    else if (e.key === 'ArrowLeft' && row.node.unit.parentbusinessunitid) focusRow(row.node.unit.parentbusinessunitid);
    else if (e.key === 'Home') focusRow(rows[0].node.unit.businessunitid);
    else if (e.key === 'End') focusRow(rows[rows.length - 1].node.unit.businessunitid);
    else if (e.key === 'F2') setOpen('rename');
    else if (e.key === 'Delete') setOpen('delete');
    else return;
    e.preventDefault();
  };

  const onDrop = (e: DragEvent, target: UnitRow) => {
    e.preventDefault();
    const id = e.dataTransfer.getData('application/x-roleatlas-unit');
    const unit = byId.get(id);
    if (unit && id !== target.businessunitid && unit.parentbusinessunitid !== target.businessunitid) setOpen({ kind: 'dragMove', unit, parent: target });
  };

  return (
    <div className="split">
      <section className="panel tree-panel" aria-labelledby="bu-tree-title">
        <div className="panel-head">
          <h2 id="bu-tree-title">Business units</h2>
          <span className="muted">{summary.counts.businessunits.toLocaleString()} units · drag a unit onto another to move it</span>
        </div>
        <ul className="tree" role="tree" aria-label="Business unit tree" ref={treeRef}>
          {rows.map(({ node, level }, i) => {
            const u = node.unit;
            const hasKids = node.children.length > 0;
            const isSel = u.businessunitid === selected?.businessunitid;
            return (
              <li
                key={u.businessunitid}
                role="treeitem"
                aria-level={level}
                aria-selected={isSel}
                aria-expanded={hasKids ? !collapsed.has(u.businessunitid) : undefined}
                aria-label={u.name}
                data-unit={u.businessunitid}
                tabIndex={isSel ? 0 : -1}
                className={`tree-row${isSel ? ' selected' : ''}${u.isdisabled ? ' disabled' : ''}`}
                style={{ paddingLeft: 8 + (level - 1) * 18 }}
                draggable={u.parentbusinessunitid !== null}
                onDragStart={(e) => e.dataTransfer.setData('application/x-roleatlas-unit', u.businessunitid)}
                onDragOver={(e) => e.preventDefault()}
                onDrop={(e) => onDrop(e, u)}
                onClick={() => selectUnit(u.businessunitid)}
                onKeyDown={(e) => onKeyDown(e, i)}
              >
                <span
                  className="twisty"
                  aria-hidden="true"
                  onClick={(e) => {
                    e.stopPropagation();
                    if (hasKids) toggle(u.businessunitid);
                  }}
                >
                  {hasKids ? (collapsed.has(u.businessunitid) ? '▸' : '▾') : '·'}
                </span>
                <span className="unit-name">{u.name}</span>
                {u.isdisabled && <span className="badge">Disabled</span>}
                <span className="muted">{u.users}</span>
              </li>
            );
          })}
        </ul>
      </section>
      {selected && (
        <section className="panel detail" aria-label={`Business unit ${selected.name}`}>
          <p className="eyebrow">Business unit</p>
          <h2 className="detail-title">{selected.name}</h2>
          <dl className="facts">
            <dt>Parent</dt>
            <dd>{selected.parentbusinessunitid ? (byId.get(selected.parentbusinessunitid)?.name ?? '—') : 'None (root unit)'}</dd>
            <dt>Status</dt>
            <dd>{selected.isdisabled ? 'Disabled' : 'Enabled'}</dd>
            <dt>Users in this unit</dt>
            <dd>{selected.users.toLocaleString()}</dd>
            <dt>Roles defined here</dt>
            <dd>{summary.roles.filter((r) => r.businessunitid === selected.businessunitid).length}</dd>
          </dl>
          <div className="actions">
            <button type="button" className="primary" onClick={() => setOpen('add')} disabled={selected.isdisabled}>
              Add child unit
            </button>
            <button type="button" onClick={() => setOpen('rename')}>
              Rename
            </button>
            <button type="button" onClick={() => setOpen('move')} disabled={!selected.parentbusinessunitid}>
              Move…
            </button>
            <button
              type="button"
              disabled={!selected.parentbusinessunitid}
              onClick={() => void applyCommand({ type: 'setBusinessUnitDisabled', businessunitid: selected.businessunitid, isdisabled: !selected.isdisabled })}
            >
              {selected.isdisabled ? 'Enable' : 'Disable'}
            </button>
            <button type="button" className="danger" onClick={() => setOpen('delete')}>
              Delete…
            </button>
          </div>
        </section>
      )}
      {open === 'add' && selected && (
        <NameDialog
          title={`New unit under ${selected.name}`}
          label="Name"
          initial=""
          submitLabel="Create"
          onClose={() => setOpen(null)}
          onSubmit={(name) => applyCommand({ type: 'createBusinessUnit', name, parentbusinessunitid: selected.businessunitid })}
        />
      )}
      {open === 'rename' && selected && (
        <NameDialog
          title={`Rename ${selected.name}`}
          label="Name"
          initial={selected.name}
          submitLabel="Rename"
          onClose={() => setOpen(null)}
          onSubmit={(name) => applyCommand({ type: 'updateBusinessUnit', businessunitid: selected.businessunitid, name })}
        />
      )}
      {open === 'move' && selected && <MoveDialog summary={summary} unit={selected} onClose={() => setOpen(null)} />}
      {typeof open === 'object' && open?.kind === 'dragMove' && (
        <ConfirmDialog
          title={`Move ${open.unit.name}`}
          confirmLabel="Move"
          check={() => checkCommands([{ type: 'moveBusinessUnit', businessunitid: open.unit.businessunitid, parentbusinessunitid: open.parent.businessunitid }])}
          onConfirm={() => applyCommand({ type: 'moveBusinessUnit', businessunitid: open.unit.businessunitid, parentbusinessunitid: open.parent.businessunitid })}
          onClose={() => setOpen(null)}
        >
          <p>
            Move <strong>{open.unit.name}</strong> and every unit below it under <strong>{open.parent.name}</strong>?
          </p>
        </ConfirmDialog>
      )}
      {open === 'delete' && selected && (
        <ConfirmDialog
          title={`Delete ${selected.name}`}
          confirmLabel="Delete"
          danger
          check={() => checkCommands([{ type: 'deleteBusinessUnit', businessunitid: selected.businessunitid }])}
          onConfirm={async () => {
            const r = await applyCommand({ type: 'deleteBusinessUnit', businessunitid: selected.businessunitid });
            if (!r) selectUnit(selected.parentbusinessunitid);
            return r;
          }}
          onClose={() => setOpen(null)}
        >
          <p>
            Delete <strong>{selected.name}</strong>, its default team and the roles defined in it? Undo brings it back.
          </p>
        </ConfirmDialog>
      )}
    </div>
  );
}

export function NameDialog(props: {
  title: string;
  label: string;
  initial: string;
  submitLabel: string;
  onClose: () => void;
  onSubmit: (name: string) => Promise<{ message: string } | null>;
}) {
  const [name, setName] = useState(props.initial);
  const [error, setError] = useState<string | null>(null);
  return (
    <Dialog
      title={props.title}
      submitLabel={props.submitLabel}
      submitDisabled={!name.trim()}
      error={error}
      onClose={props.onClose}
      onSubmit={async () => {
        const r = await props.onSubmit(name.trim());
        if (r) setError(r.message);
        else props.onClose();
      }}
    >
      <label className="field">
        <span>{props.label}</span>
        <input autoFocus value={name} onChange={(e) => setName(e.target.value)} />
      </label>
    </Dialog>
  );
}

function MoveDialog({ summary, unit, onClose }: { summary: OrgSummaryDto; unit: UnitRow; onClose: () => void }) {
  const applyCommand = useAppStore((s) => s.applyCommand);
  const targets = useMemo(() => moveTargets(summary, unit.businessunitid), [summary, unit.businessunitid]);
  const [parent, setParent] = useState(unit.parentbusinessunitid ?? '');
  const [error, setError] = useState<string | null>(null);
  return (
    <Dialog
      title={`Move ${unit.name}`}
      submitLabel="Move"
      error={error}
      submitDisabled={!parent || parent === unit.parentbusinessunitid}
      onClose={onClose}
      onSubmit={async () => {
        const r = await applyCommand({ type: 'moveBusinessUnit', businessunitid: unit.businessunitid, parentbusinessunitid: parent });
        if (r) setError(r.message);
        else onClose();
      }}
    >
      <label className="field">
        <span>New parent unit</span>
        <select value={parent} onChange={(e) => setParent(e.target.value)}>
          {targets.map((t) => (
            <option key={t.businessunitid} value={t.businessunitid}>
              {t.name}
            </option>
          ))}
        </select>
      </label>
      <p className="muted">Users keep their roles; records stay with their owners.</p>
    </Dialog>
  );
}

/** Units past which a large tree starts folded, so 2,000 units open as a few dozen rows. */
const FOLD_FROM_UNITS = 200;
const FOLD_BELOW_LEVEL = 2;

function defaultCollapsed(forest: readonly UnitNode[], units: number): ReadonlySet<string> {
  const folded = new Set<string>();
  if (units < FOLD_FROM_UNITS) return folded;
  const walk = (nodes: readonly UnitNode[], level: number) => {
    for (const n of nodes) {
      if (!n.children.length) continue;
      if (level >= FOLD_BELOW_LEVEL) folded.add(n.unit.businessunitid);
      walk(n.children, level + 1);
    }
  };
  walk(forest, 1);
  return folded;
}
