import { pushHeadline, useAppStore } from '../../store';
import type { DataversePushDto } from '../../../src-main/bridge/channels/dataverseLink';
import { FieldConflicts } from './FieldConflicts';

const STATE: Record<DataversePushDto['changeSets'][number]['state'], string> = {
  applied: 'Applied',
  refused: 'Refused',
  unknown: 'No answer',
  'not-sent': 'Not sent',
};

/** How the push ended, change set by change set, with Dataverse's own message where it refused one. */
export function PushResults({ result }: { result: DataversePushDto }) {
  return (
    <div className={`push-results outcome-${result.outcome}`} role="status" aria-label="Push results">
      <h3>{pushHeadline(result)}</h3>
      <p className={result.outcome === 'pushed' ? 'note' : 'error'}>{result.message}</p>
      {result.changeSets.length > 0 && (
        <table className="dv-changesets" aria-label="Change sets">
          <thead>
            <tr>
              <th scope="col">Change set</th>
              <th scope="col" title="Numbered in the order sent: the changes applied since the pull, then the staged ones">
                Changes
              </th>
              <th scope="col">Requests</th>
              <th scope="col">Result</th>
              <th scope="col">Dataverse said</th>
            </tr>
          </thead>
          <tbody>
            {result.changeSets.map((c) => (
              <tr key={c.index}>
                <td className="num">{c.index}</td>
                <td>{c.firstChange === c.lastChange ? c.firstChange : `${c.firstChange}–${c.lastChange}`}</td>
                <td className="num">{c.requests}</td>
                <td className={`cs-${c.state}`}>{STATE[c.state]}</td>
                <td className="mono">{c.message ?? ''}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {result.conflicts.length > 0 && (
        <>
          <FieldConflicts conflicts={result.conflicts} />
          <div className="actions inline">
            <button type="button" className="primary" onClick={() => void useAppStore.getState().pullDataverse()} title="Read the environment again; the staged change stays, to be reviewed against what it holds now">
              Pull again
            </button>
          </div>
        </>
      )}
    </div>
  );
}
