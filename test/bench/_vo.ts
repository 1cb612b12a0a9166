import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { syntheticOrganization } from '../../src-main/core/generate/synthetic';
import { Vault } from '../../src-main/vault/vault';
const s = syntheticOrganization();
const dir = join(mkdtempSync(join(tmpdir(), 'vo-')), 'v');
const v = await Vault.create(dir, 'benchmark passphrase', { actor: 'b', kdf: { N: 32768, r: 8, p: 1 } });
v.replaceState(s, 'x'); v.lock();
for (let i = 0; i < 3; i++) {
  const t = performance.now();
  const o = await Vault.open(dir, { passphrase: 'benchmark passphrase' }, { actor: 'b', compactAfter: 1e9 });
  console.log('open', Math.round(performance.now() - t));
  o.lock();
}
