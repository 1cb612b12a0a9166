import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Vault } from './vault';
import { syntheticOrganization } from '../core/generate/synthetic';
import { SeededRandom } from '../core/generate/random';

const CHILD = fileURLToPath(new URL('./testing/crashChild.ts', import.meta.url));
const PASS = 'crash test passphrase';
let dir: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'roleatlas-crash-'));
  const v = await Vault.create(dir, PASS, { actor: 'setup', kdf: { N: 1024, r: 8, p: 1 } });
  // Big enough that snapshots take a while, so kills land inside them too.
  v.replaceState(syntheticOrganization({ businessunits: 50, users: 2000, teams: 100, roles: 20, records: 40_000, shares: 2000, popularRoleHolders: 100 }), 'synthetic');
  v.lock();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs the child until `ms` after its first acknowledgement, then SIGKILLs it; returns what it acknowledged. */
function runAndKill(prefix: string, ms: number): Promise<{ id: string; teamid: string }[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, dir, PASS, prefix], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let armed = false;
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (!armed) {
        armed = true;
        setTimeout(() => child.kill('SIGKILL'), ms);
      }
    });
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('exit', (_code, signal) => {
      if (signal !== 'SIGKILL') return reject(new Error(`child ended without being killed: ${err}`));
      // Only whole lines were acknowledged: a line cut by the kill may not have been flushed whole.
      const lines = out.split('\n').slice(0, -1);
      resolve(lines.map((l) => ({ id: l.split(' ')[0], teamid: l.split(' ')[1] })));
    });
  });
}

describe('a vault killed at random moments while saving', () => {
  it('reopens after every kill with every acknowledged change and a valid audit chain', async () => {
    const rnd = new SeededRandom(42);
    const acked: { id: string; teamid: string }[] = [];
    const kills = 32;
    for (let k = 0; k < kills; k++) {
      acked.push(...(await runAndKill(`k${k}`, rnd.int(250))));
      if (k % 8 === 7 || k === kills - 1) {
        const v = await Vault.open(dir, { passphrase: PASS }, { actor: 'checker' });
        const pending = new Set(v.pendingChanges().map((p) => p.clientchangeid));
        for (const a of acked) {
          expect(v.state.teams.has(a.teamid), `team ${a.teamid} acknowledged before kill ${k}`).toBe(true);
          expect(pending.has(a.id)).toBe(true);
        }
        expect(v.verify().problems).toEqual([]);
        v.lock();
      }
    }
    expect(acked.length).toBeGreaterThan(kills);
  }, 180_000);
});
