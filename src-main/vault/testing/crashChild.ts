/**
 * For the crash test: opens the vault and applies commands forever, printing each clientchangeid
 * once applyAll has returned (durable), with snapshots written often. The parent kills it with
 * SIGKILL after a while; or, given KILL_AT, the child kills itself at its KILL_AT-th file-system
 * write, rename, sync or truncate: a kill placed by count, not by time, so every step of a save
 * (journal append, head update, snapshot, backup copy) gets its turn.
 */
import fs from 'node:fs';
import { syncBuiltinESMExports } from 'node:module';

const [dir, passphrase, prefix, killAtText] = process.argv.slice(2);
// Imported before the count starts: loading modules opens files too, and kills placed by count
// belong to the vault's own steps, whatever the number of source files.
const { Vault } = await import('../vault');
if (killAtText !== undefined) {
  let calls = 0;
  const killAt = Number(killAtText);
  const patch = (name: 'writeSync' | 'fsyncSync' | 'fdatasyncSync' | 'renameSync' | 'ftruncateSync' | 'copyFileSync' | 'unlinkSync' | 'openSync') => {
    const original = fs[name] as (...args: unknown[]) => unknown;
    (fs as unknown as Record<string, unknown>)[name] = (...args: unknown[]) => {
      if (++calls === killAt) process.kill(process.pid, 'SIGKILL');
      return original(...args);
    };
  };
  for (const name of ['writeSync', 'fsyncSync', 'fdatasyncSync', 'renameSync', 'ftruncateSync', 'copyFileSync', 'unlinkSync', 'openSync'] as const) patch(name);
  syncBuiltinESMExports();
}

const vault = await Vault.open(dir, { passphrase }, { actor: 'crash-test', compactAfter: 7, compactDelayMs: 0, lockWaitMs: 5_000 });
const unit = [...vault.state.businessunits.values()].find((b) => b.parentbusinessunitid === null)!.businessunitid;
for (let i = 0; ; i++) {
  const batch = i % 3 === 0 ? 3 : 1;
  const commands = Array.from({ length: batch }, (_, k) => ({ type: 'createTeam', teamid: `${prefix}-${i}-${k}`, name: `${prefix} ${i} ${k}`, teamtype: 0, businessunitid: unit }));
  const r = vault.applyAll(commands);
  if (!r.ok) throw new Error(r.error.message);
  process.stdout.write(`${r.value.map((e) => `${e.clientchangeid} ${(e.command as { teamid: string }).teamid}`).join('\n')}\n`);
  if (i % 5 === 4) vault.compact();
  if (i % 11 === 10) await new Promise((res) => setImmediate(res));
}
