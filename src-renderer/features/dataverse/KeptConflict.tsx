import { useAppStore } from '../../store';
import { ago } from '../../store/slices/sync/selectors';
import type { DataverseKeptConflictDto } from '../../../src-main/bridge/channels/dataverseLink';
import { FieldConflicts } from './FieldConflicts';

/** The last push's conflict as the vault keeps it, shown until a pull brings the vault in line or the admin dismisses it. */
export function KeptConflict({ conflict }: { conflict: DataverseKeptConflictDto }) {
  const { pullDataverse, dismissDataverseConflict } = useAppStore.getState();
  return (
    <div className="push-results outcome-conflict" role="region" aria-label="Push conflict">
      <h3>The last push was refused: the environment changed since the pull</h3>
      <p className="muted">
        Seen {new Date(conflict.detectedat).toLocaleString()} ({ago(conflict.detectedat, Date.now())}). The staged changes are kept; pull again to see the environment’s values, then review the push.
      </p>
      <p className="error">{conflict.message}</p>
      <FieldConflicts conflicts={conflict.fields} />
      <div className="actions inline">
        <button type="button" className="primary" onClick={() => void pullDataverse()} title="Read the environment again; the staged changes stay, to be reviewed against what it holds now">
          Pull again
        </button>
        <button type="button" onClick={() => void dismissDataverseConflict()} title="Forget this conflict without pulling">
          Dismiss
        </button>
      </div>
    </div>
  );
}
