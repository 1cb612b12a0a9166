import type { KeyboardEvent } from 'react';
import type { Depth } from '../api';
import { DEPTH_LABEL, DEPTH_ORDER, DEPTH_SYMBOL, depthKey } from './depth';

export interface DepthCellProps {
  readonly depth: Depth | null;
  /** What the cell stands for, read out with its depth: "Read Account". */
  readonly label: string;
  readonly allowed: readonly Depth[];
  readonly onCycle: () => void;
  readonly onKeyDown?: (e: KeyboardEvent<HTMLButtonElement>) => void;
  readonly tabIndex?: number;
  readonly disabled?: boolean;
  /** A privilege whose depth rule the catalog cannot vouch for: marked, and every depth is offered. */
  readonly unverified?: boolean;
  /** The applied depth, when a staged change (not applied yet) moves this cell from it. */
  readonly saved?: Depth | null;
}

/** One matrix cell: a button showing the depth symbol; click, Enter or Space moves to the next allowed depth. */
export function DepthCell({ depth, label, allowed, onCycle, onKeyDown, tabIndex, disabled, unverified, saved }: DepthCellProps) {
  const key = depthKey(depth);
  const allowedText = allowed.map((d) => DEPTH_LABEL[d]).join(', ');
  const note = unverified ? ' — depth rule not verified: the catalog does not know which depths this privilege allows' : '';
  const staged = saved !== undefined;
  const stagedNote = staged ? `, staged, not applied yet (applied: ${DEPTH_LABEL[depthKey(saved)]})` : '';
  return (
    <button
      type="button"
      className={`depth-cell depth-${key}${unverified ? ' unverified' : ''}${staged ? ' staged' : ''}`}
      aria-label={`${label}: ${DEPTH_LABEL[key]}${stagedNote}${unverified ? ' (unverified)' : ''}`}
      title={`${label}: ${DEPTH_LABEL[key]}${stagedNote} (allowed: None, ${allowedText})${note}`}
      data-depth={key}
      data-staged={staged ? 'true' : undefined}
      data-status={unverified ? 'unverified' : undefined}
      tabIndex={tabIndex}
      disabled={disabled}
      onClick={onCycle}
      onKeyDown={onKeyDown}
    >
      <span aria-hidden="true">{DEPTH_SYMBOL[key]}</span>
    </button>
  );
}

/** The key to the symbols, as under the Dynamics role editor. */
export function DepthLegend({ unverified = false, staged = false }: { readonly unverified?: boolean; readonly staged?: boolean } = {}) {
  return (
    <ul className="depth-legend" aria-label="Key">
      {DEPTH_ORDER.map((d) => (
        <li key={d}>
          <span className={`depth-symbol depth-${d}`} aria-hidden="true">
            {DEPTH_SYMBOL[d]}
          </span>{' '}
          {DEPTH_LABEL[d]}
        </li>
      ))}
      {unverified && (
        <li>
          <span className="depth-symbol unverified-mark" aria-hidden="true">
            ?
          </span>{' '}
          Depth rule not verified (every depth offered)
        </li>
      )}
      {staged && (
        <li>
          <span className="depth-symbol staged-mark" aria-hidden="true" />{' '}
          Staged, not applied yet
        </li>
      )}
    </ul>
  );
}
