import type { DataverseConflictDto } from '../../../src-main/bridge/channels/dataverseLink';

/** Per field, what the environment holds now beside what this vault holds or would set: the push sends none of it until the vault is pulled again. */
export function FieldConflicts({ conflicts }: { conflicts: readonly DataverseConflictDto[] }) {
  return (
    <table className="conflict-fields" aria-label="Conflicts per field">
      <thead>
        <tr>
          <th scope="col">Row</th>
          <th scope="col">Field</th>
          <th scope="col">This vault</th>
          <th scope="col">Dataverse now</th>
        </tr>
      </thead>
      <tbody>
        {conflicts.map((c) => (
          <tr key={`${c.what}|${c.field}`}>
            <td>{c.what}</td>
            <th scope="row">
              <code>{c.field}</code>
            </th>
            <td className="value">{c.vault}</td>
            <td className="value">{c.environment}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
