import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './features/shell/App';
import { useAppStore } from './store';
import './styles.css';

// Nothing shows until main says where the vault stands: first run, locked, or open.
useAppStore.getState().setGate('starting');
void useAppStore.getState().loadVaultStatus();

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
