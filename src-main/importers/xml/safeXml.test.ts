import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { attr, child, childrenNamed, parseXml } from './safeXml';

const fixture = (name: string) => readFileSync(new URL(`../../../test/fixtures/solutions/${name}`, import.meta.url));

function refusal(input: Uint8Array | string, file = 'role.xml', limits?: Parameters<typeof parseXml>[2]) {
  const r = parseXml(input, file, limits);
  if (r.ok) throw new Error('expected the file to be refused');
  return r.error;
}

describe('reading XML safely', () => {
  it('reads a role file with a byte-order mark and attributes split over lines', () => {
    const r = parseXml(fixture('unpacked/Roles/Contoso Sales Rep.xml'), 'Contoso Sales Rep.xml');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.root.name).toBe('Role');
    expect(attr(r.root, 'NAME')).toBe('Contoso Sales Rep');
    const privileges = childrenNamed(child(r.root, 'RolePrivileges')!, 'RolePrivilege');
    expect(privileges.find((p) => attr(p, 'name') === 'prvReadContact')!.line).toBe(18);
  });

  it('decodes the predefined entities and character references, once', () => {
    const r = parseXml('<Role name="A &amp; B &#233;&#x41;" id="x"><Description>&amp;lt; stays literal &lt;b&gt;</Description></Role>', 'x.xml');
    if (!r.ok) throw new Error(r.error.message);
    expect(attr(r.root, 'name')).toBe('A & B éA');
    expect(child(r.root, 'Description')!.text).toBe('&lt; stays literal <b>');
  });

  it('refuses the billion laughs before expanding anything, naming the file and line', () => {
    const e = refusal(fixture('hostile/billion-laughs.xml'), 'billion-laughs.xml');
    expect(e).toMatchObject({ file: 'billion-laughs.xml', line: 2 });
    expect(e.message).toContain('DOCTYPE');
  });

  it('refuses an external entity and never reads the file it points at', () => {
    const e = refusal(fixture('hostile/xxe.xml'), 'xxe.xml');
    expect(e.line).toBe(2);
    expect(e.message).not.toContain('root:');
  });

  it('refuses an entity that was never declared', () => {
    expect(refusal('<Role id="x" name="y">\n<Description>&secret;</Description></Role>')).toMatchObject({ line: 2, message: 'undefined entity &secret;' });
  });

  it('reports a malformed file with the line of the mismatch', () => {
    const e = refusal(fixture('hostile/malformed.xml'), 'malformed.xml');
    expect(e.line).toBe(6);
    expect(e.message).toMatch(/not well-formed XML/);
  });

  it('refuses a 50 MB file by its size, before parsing it', () => {
    const big = new Uint8Array(50 * 1024 * 1024).fill(0x20);
    big.set(new TextEncoder().encode('<Role>'), 0);
    const started = performance.now();
    expect(refusal(big, 'big.xml').message).toMatch(/52428800 bytes; the limit is 20971520 bytes/);
    expect(performance.now() - started).toBeLessThan(100);
  });

  it('refuses elements nested deeper than the limit, with the line', () => {
    const deep = '<a>\n'.repeat(70) + '</a>'.repeat(70);
    expect(refusal(deep)).toMatchObject({ line: 65, message: 'elements are nested more than 64 deep' });
  });

  it('refuses element names that would pollute prototypes', () => {
    expect(refusal('<Role><__proto__ polluted="1"/></Role>').message).toMatch(/cannot be read/);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('refuses an empty file and text that is not XML', () => {
    expect(refusal('').message).toBe('the file is empty');
    expect(refusal('name,domainname\n').message).toMatch(/not well-formed|one root element/);
  });
});
