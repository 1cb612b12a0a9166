import { describe, expect, it } from 'vitest';
import type { RolesPreviewDto } from '../../../../src-main/bridge/channels/transfer';
import { formatBytes, importReadiness } from './selectors';

const role = (sourceroleid: string) => ({ roleid: sourceroleid, sourceroleid, name: sourceroleid, file: 'Roles/x.xml', matchedby: null, privileges: 1, counts: { known: 1, inferred: 0, unverified: 0 }, changes: [], fields: [] });
const preview = (over: Partial<RolesPreviewDto> = {}): RolesPreviewDto => ({
  importid: 'i',
  sources: ['unpacked'],
  roles: { new: [role('a')], changed: [], unchanged: [role('u')] },
  profiles: { new: [], changed: [], unchanged: [] },
  customentities: [],
  warnings: [],
  errors: [],
  ...over,
});

describe('importReadiness', () => {
  it('counts only ticked roles that would change something', () => {
    expect(importReadiness(preview(), ['a', 'u'], [])).toEqual({ roles: 1, profiles: 0, canApply: true, why: null });
  });

  it('blocks applying while the files have errors', () => {
    const r = importReadiness(preview({ errors: [{ file: 'x.xml', line: 2, message: 'bad' }] }), ['a'], []);
    expect(r.canApply).toBe(false);
    expect(r.why).toBe('1 error in the files: fix it and choose the files again.');
  });

  it('asks for a tick when nothing is chosen, and says when there is nothing to import', () => {
    expect(importReadiness(preview(), [], []).why).toBe('Tick at least one role or profile.');
    expect(importReadiness(preview({ roles: { new: [], changed: [], unchanged: [role('u')] } }), [], []).why).toBe('Every role and profile is already as the files say.');
  });
});

describe('formatBytes', () => {
  it('writes sizes as an admin reads them', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(2048)).toBe('2.0 KB');
    expect(formatBytes(3 * 1024 * 1024)).toBe('3.0 MB');
  });
});
