import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { OrganizationOverview } from './features/overview/OrganizationOverview';
import './styles.css';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <OrganizationOverview />
  </StrictMode>,
);
