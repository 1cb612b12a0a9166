import type { Depth } from '../api';

/** The role editor's symbols: an empty circle for None, filling up to a full one for Organization. */
export const DEPTH_SYMBOL: Record<Depth | 'None', string> = { None: '○', Basic: '◔', Local: '◑', Deep: '◕', Global: '●' };

/** Depth names of the core, as Dynamics labels them on screen. */
export const DEPTH_LABEL: Record<Depth | 'None', string> = {
  None: 'None',
  Basic: 'User',
  Local: 'Business Unit',
  Deep: 'Parent: Child Business Units',
  Global: 'Organization',
};

export const depthKey = (d: Depth | null): Depth | 'None' => d ?? 'None';
export const DEPTH_ORDER: readonly (Depth | 'None')[] = ['None', 'Basic', 'Local', 'Deep', 'Global'];
