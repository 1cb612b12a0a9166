import { useEffect, useId, useState } from 'react';
import type { UserRowDto } from '../api';
import { useAppStore } from '../store';

export interface UserPickerProps {
  readonly label: string;
  readonly onPick: (user: UserRowDto) => void;
  readonly placeholder?: string;
  /** Ids not offered (already members). */
  readonly exclude?: ReadonlySet<string>;
}

/** Type a name, pick a user: asks main for the first matches, so it works with 50,000 users. */
export function UserPicker({ label, onPick, placeholder = 'Type a name…', exclude }: UserPickerProps) {
  const findUsers = useAppStore((s) => s.findUsers);
  const [query, setQuery] = useState('');
  const [rows, setRows] = useState<UserRowDto[]>([]);
  const listId = useId();
  useEffect(() => {
    let live = true;
    if (!query.trim()) {
      setRows([]);
      return;
    }
    const t = setTimeout(() => void findUsers(query, 12).then((r) => live && setRows(r)), 120);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [query, findUsers]);
  const shown = rows.filter((r) => !exclude?.has(r.systemuserid));
  return (
    <div className="picker">
      <input aria-label={label} placeholder={placeholder} value={query} onChange={(e) => setQuery(e.target.value)} aria-controls={listId} />
      {shown.length > 0 && (
        <ul id={listId} className="picker-options" role="listbox" aria-label={`${label} options`}>
          {shown.map((u) => (
            <li key={u.systemuserid} role="option" aria-selected={false}>
              <button
                type="button"
                onClick={() => {
                  onPick(u);
                  setQuery('');
                }}
              >
                {u.fullname} <span className="muted">{u.businessunitname}</span>
              </button>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}
