import type { CommandOf } from './schema';
import type { Draft } from './draft';
import { refuse, type HandlerContext, type Outcome } from './context';

export function setHierarchySecurity(d: Draft, c: CommandOf<'setHierarchySecurity'>): Outcome {
  const hs = d.org.hierarchysecurity;
  const next = { enabled: c.enabled, depth: c.depth ?? hs.depth };
  if (next.enabled === hs.enabled && next.depth === hs.depth) return 'Hierarchy security unchanged';
  d.setOrganization({ ...d.org, hierarchysecurity: next });
  return `Hierarchy security ${next.enabled ? `on, ${next.depth} level(s) deep` : 'off'}`;
}

export function addCustomEntity(d: Draft, c: CommandOf<'addCustomEntity'>, ctx: HandlerContext): Outcome {
  if (ctx.catalog.entities.has(c.logicalname)) return refuse('duplicate-name', `table ${c.logicalname} is already in the catalog`, 'logicalname');
  d.put('entities', c.logicalname, { logicalname: c.logicalname, displayname: c.displayname, ownership: c.ownership, ...(c.schemaname ? { schemaname: c.schemaname } : {}) });
  return `Added custom table ${c.logicalname}`;
}
