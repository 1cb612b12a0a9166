import { memo, type DragEvent } from 'react';
import { Handle, Position, type NodeProps, type Node } from '@xyflow/react';
import { changeOf, type GraphUnit, type UnitColour } from '../../store';
import { DEPTH_LABEL, depthKey } from '../../components/depth';

export interface UnitNodeData extends Record<string, unknown> {
  readonly unit: GraphUnit;
  readonly colour: UnitColour | null;
  /** Whether an overlay is chosen (units it does not reach are then drawn as None). */
  readonly overlaid: boolean;
  readonly showAfter: boolean;
  /** Opens (true) or closes a unit's subtree. */
  readonly onToggle: (id: string, open: boolean) => void;
  readonly onDropUser: (systemuserid: string, businessunitid: string) => void;
}

export type UnitFlowNode = Node<UnitNodeData, 'unit'>;

export const USER_DRAG_TYPE = 'application/x-roleatlas-user';

const records = (n: number) => `${n.toLocaleString()} record${n === 1 ? '' : 's'}`;

/** One business unit: name, users and teams, disabled badge, and the overlay's depth and records. */
export const UnitNode = memo(function UnitNode({ data, selected, targetPosition }: NodeProps<UnitFlowNode>) {
  const { unit, colour, overlaid, showAfter } = data;
  const shown = colour?.after && showAfter ? colour.after : colour;
  const depth = overlaid ? depthKey(shown?.depth ?? null) : null;
  const moved = colour ? changeOf(colour) : 'same';
  const change = moved === 'same' ? null : moved;
  const onDrop = (e: DragEvent) => {
    const id = e.dataTransfer.getData(USER_DRAG_TYPE);
    if (!id) return;
    e.preventDefault();
    data.onDropUser(id, unit.businessunitid);
  };
  return (
    <div
      className={`unit-node${depth ? ` overlay-${depth}` : ''}${unit.isdisabled ? ' disabled' : ''}${selected ? ' selected' : ''}${change ? ` diff-${change}` : ''}`}
      data-testid={`unit-${unit.businessunitid}`}
      data-depth={depth ?? undefined}
      data-records={overlaid ? (shown?.records ?? 0) : undefined}
      data-change={change ?? undefined}
      onDragOver={(e) => {
        if (e.dataTransfer.types.includes(USER_DRAG_TYPE)) e.preventDefault();
      }}
      onDrop={onDrop}
    >
      <Handle type="target" position={targetPosition ?? Position.Top} isConnectable={false} />
      <div className="unit-node-head">
        <span className="unit-node-name" title={unit.name}>
          {unit.name}
        </span>
        {unit.isdisabled && <span className="badge">Disabled</span>}
        {unit.children > 0 && (
          <button
            type="button"
            className="unit-node-toggle nodrag"
            aria-expanded={unit.open}
            aria-label={`${unit.open ? 'Collapse' : 'Expand'} ${unit.name}`}
            onClick={(e) => {
              e.stopPropagation();
              data.onToggle(unit.businessunitid, !unit.open);
            }}
          >
            {unit.open ? '−' : `+${unit.descendants.toLocaleString()}`}
          </button>
        )}
      </div>
      <div className="unit-node-counts">
        {unit.users.toLocaleString()} users · {unit.teams.toLocaleString()} teams
      </div>
      {overlaid &&
        (colour?.after ? (
          <div className="unit-node-overlay" title={`${DEPTH_LABEL[depthKey(colour.depth)]}, ${records(colour.records)} → staged ${DEPTH_LABEL[depthKey(colour.after.depth)]}, ${records(colour.after.records)}`}>
            <div>Now: {DEPTH_LABEL[depthKey(colour.depth)]}</div>
            <div>
              Staged: <strong>{DEPTH_LABEL[depthKey(colour.after.depth)]}</strong>
            </div>
            <div>
              {colour.records.toLocaleString()} → {records(colour.after.records)}
            </div>
          </div>
        ) : (
          <div className="unit-node-overlay">
            <div>{DEPTH_LABEL[depthKey(colour?.depth ?? null)]}</div>
            <div>{records(colour?.records ?? 0)}</div>
          </div>
        ))}
      <Handle type="source" position={Position.Bottom} isConnectable={false} />
    </div>
  );
});

