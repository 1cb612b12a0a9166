import { useEffect, useState, type KeyboardEvent } from 'react';
import type { SearchHitDto } from '../../api';
import { Dialog } from '../../components/Dialog';
import { useAppStore } from '../../store';

const KIND_LABEL: Record<SearchHitDto['kind'], string> = {
  businessunit: 'Business unit',
  user: 'User',
  team: 'Team',
  role: 'Role',
  fieldsecurityprofile: 'Field security profile',
  entity: 'Table',
};

/** Ctrl+K: one search over units, users, teams, roles, profiles and tables; Enter opens the hit. */
export function CommandPalette() {
  const hits = useAppStore((s) => s.searchHits);
  const { search, openHit, closePalette } = useAppStore.getState();
  const [query, setQuery] = useState('');
  const [active, setActive] = useState(0);
  useEffect(() => {
    const t = setTimeout(() => void search(query), 80);
    setActive(0);
    return () => clearTimeout(t);
  }, [query, search]);
  const onKey = (e: KeyboardEvent) => {
    if (e.key === 'ArrowDown') setActive((a) => Math.min(hits.length - 1, a + 1));
    else if (e.key === 'ArrowUp') setActive((a) => Math.max(0, a - 1));
    else if (e.key === 'Enter' && hits[active]) void openHit(hits[active]);
    else return;
    e.preventDefault();
  };
  return (
    <Dialog title="Search everything" onClose={closePalette}>
      <input
        autoFocus
        type="search"
        className="palette-input"
        aria-label="Search everything"
        placeholder="Units, users, teams, roles, profiles, tables…"
        value={query}
        onChange={(e) => setQuery(e.target.value)}
        onKeyDown={onKey}
        role="combobox"
        aria-expanded={hits.length > 0}
        aria-controls="palette-results"
        aria-activedescendant={hits[active] ? `hit-${active}` : undefined}
      />
      <ul id="palette-results" className="palette-results" role="listbox" aria-label="Results">
        {hits.map((h, i) => (
          <li key={`${h.kind}:${h.id}`} id={`hit-${i}`} role="option" aria-selected={i === active} className={i === active ? 'active' : ''} onMouseEnter={() => setActive(i)} onClick={() => void openHit(h)}>
            <span className="kind">{KIND_LABEL[h.kind]}</span>
            <span className="strong">{h.name}</span>
            <span className="muted ellipsis">{h.detail}</span>
          </li>
        ))}
        {query.trim() && hits.length === 0 && <li className="muted">Nothing matches “{query}”.</li>}
      </ul>
    </Dialog>
  );
}
