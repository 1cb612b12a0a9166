/**
 * Access levels of a privilege. Inside the core a depth is always one of these four names
 * (or absent, which is None); UI labels such as "Parent: Child Business Units" live at the edge.
 */
export const DEPTHS = ['Basic', 'Local', 'Deep', 'Global'] as const;
export type Depth = (typeof DEPTHS)[number];

/** roleprivileges.privilegedepthmask values in Dataverse. */
export const DEPTH_MASK: Record<Depth, number> = { Basic: 1, Local: 2, Deep: 4, Global: 8 };

/** Ordinal used by the engine: 0 is None, 4 is Global; a larger level always includes the smaller ones. */
export type DepthLevel = 0 | 1 | 2 | 3 | 4;

export function depthLevel(depth: Depth | null | undefined): DepthLevel {
  return depth ? ((DEPTHS.indexOf(depth) + 1) as DepthLevel) : 0;
}

export function depthOfLevel(level: number): Depth | null {
  return level <= 0 ? null : DEPTHS[Math.min(level, 4) - 1];
}

export function depthFromMask(mask: number): Depth | null {
  for (const d of DEPTHS) if (DEPTH_MASK[d] === mask) return d;
  return null;
}

export function isDepth(value: unknown): value is Depth {
  return typeof value === 'string' && (DEPTHS as readonly string[]).includes(value);
}
