/**
 * For the crash test: opens the vault and applies commands forever, printing each clientchangeid
 * once applyAll has returned (durable), with snapshots written often. The parent kills it with SIGKILL.
 */
import { Vault } from '../vault';

const [dir, passphrase, prefix] = process.argv.slice(2);
const vault = await Vault.open(dir, { passphrase }, { actor: 'crash-test', compactAfter: 7, compactDelayMs: 0 });
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
