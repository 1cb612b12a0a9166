import type { CellColour } from '../../../store';

export interface Swatch {
  readonly fill: string;
  readonly text: string;
}

/**
 * The overview's fills, the same depth colours as the graph's nodes (hierarchy.css .overlay-*);
 * None and "same" follow the theme so the cells that matter stand out in light and dark.
 */
const LIGHT: Record<CellColour, Swatch> = {
  None: { fill: '#dee2e6', text: '#343a40' },
  Basic: { fill: '#fff3bf', text: '#5c4400' },
  Local: { fill: '#d3f9d8', text: '#1b4d24' },
  Deep: { fill: '#a5d8ff', text: '#0b3a63' },
  Global: { fill: '#5c7cfa', text: '#ffffff' },
  gains: { fill: '#2f9e44', text: '#ffffff' },
  loses: { fill: '#e03131', text: '#ffffff' },
  both: { fill: '#f08c00', text: '#1b1f24' },
  same: { fill: '#dee2e6', text: '#343a40' },
};

const DARK: Record<CellColour, Swatch> = {
  ...LIGHT,
  None: { fill: '#2c3238', text: '#ced4da' },
  same: { fill: '#2c3238', text: '#ced4da' },
};

export const paletteFor = (dark: boolean): Record<CellColour, Swatch> => (dark ? DARK : LIGHT);

/** Lines between cells: the panel's background, so cells read as separate blocks. */
export const gridLine = (dark: boolean) => (dark ? '#1e2227' : '#ffffff');
