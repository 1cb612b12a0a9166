import { useEffect, useState } from 'react';
import { orgSelectors, useAppStore } from '../../store';
import { syncPill } from '../../store/slices/sync/selectors';
import './sync.css';

/** The status bar's sync state; a click opens the Sync screen. */
export function SyncPill() {
  const status = useAppStore((s) => s.syncStatus);
  const revision = useAppStore((s) => orgSelectors.history(s).revision);
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    // Every change moves the revision: the pending count follows it.
    void useAppStore.getState().loadSyncStatus();
  }, [revision]);
  useEffect(() => {
    const timer = setInterval(() => {
      setNow(Date.now());
      void useAppStore.getState().loadSyncStatus();
    }, 30_000);
    return () => clearInterval(timer);
  }, []);
  const pill = syncPill(status, Math.max(now, Date.now()));
  return (
    <button type="button" className={`pill sync-pill ${pill.tone}`} title={pill.title} onClick={() => useAppStore.getState().navigate('sync')}>
      {pill.text}
    </button>
  );
}
