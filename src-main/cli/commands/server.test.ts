/**
 * roleatlas server account disable|enable and server token revoke on a real embedded database,
 * then the server started again on it: what was revoked or disabled is refused on the first request.
 * The command runs in-process (server.run) with stdout captured and CliError read the way main() does.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { newStorage, seedOrg, startTestServer, type TestServer, type TestStorage } from '../../../server/testing';
import { server } from './server';
import { runCommand } from '../testing/runCommand';

// These commands are about --data (the embedded database); with DATABASE_URL set they would use PostgreSQL instead.
const databaseUrl = process.env.DATABASE_URL;
beforeAll(() => void delete process.env.DATABASE_URL);
afterAll(() => void (databaseUrl === undefined ? delete process.env.DATABASE_URL : (process.env.DATABASE_URL = databaseUrl)));

const open: TestServer[] = [];
afterEach(async () => {
  while (open.length) await open.pop()!.close().catch(() => {});
  delete process.env.REVOKE_ME;
});

const roleatlas = (...args: string[]) => runCommand(server, args);

/** A stopped server's data with account ada and two of its tokens. */
async function withTokens(): Promise<{ storage: TestStorage; tokens: string[] }> {
  const storage = newStorage('embedded');
  const s = await startTestServer(storage, { seed: seedOrg() });
  await s.accounts.add({ name: 'ada', password: 'ada-secret-pw', role: 'System Administrator' });
  const tokens = [await s.token('ada', 'ada-secret-pw'), await s.token('ada', 'ada-secret-pw')];
  await s.close();
  return { storage, tokens };
}

async function restart(storage: TestStorage): Promise<TestServer> {
  const s = await startTestServer(storage);
  open.push(s);
  return s;
}
const status = async (s: TestServer, token: string) => (await fetch(`${s.url}/api/sync/status`, { headers: { Authorization: `Bearer ${token}` } })).status;

describe('roleatlas server token revoke', () => {
  it('revokes the one token given in an environment variable, leaving the others', async () => {
    const { storage, tokens } = await withTokens();
    process.env.REVOKE_ME = tokens[0];
    const r = await roleatlas('token', 'revoke', '--data', storage.dataDir!, '--token-env', 'REVOKE_ME');
    expect(r).toMatchObject({ code: 0, stdout: 'Revoked the token in REVOKE_ME\n' });
    const s = await restart(storage);
    expect(await status(s, tokens[0])).toBe(401);
    expect(await status(s, tokens[1])).toBe(200);
  });

  it('revokes every token of an account', async () => {
    const { storage, tokens } = await withTokens();
    const r = await roleatlas('token', 'revoke', '--data', storage.dataDir!, '--account', 'ada');
    expect(r).toMatchObject({ code: 0, stdout: 'Revoked 2 token(s) of account ada\n' });
    const s = await restart(storage);
    for (const t of tokens) expect(await status(s, t)).toBe(401);
  });

  it('names what is wrong: both or neither of --account and --token-env, a token on the command line, an unknown account', async () => {
    const { storage } = await withTokens();
    expect(await roleatlas('token', 'revoke', '--data', storage.dataDir!)).toMatchObject({ code: 2, stderr: expect.stringMatching(/give either --account NAME .* or --token-env NAME/) });
    expect(await roleatlas('token', 'revoke', '--data', storage.dataDir!, '--token=abc')).toMatchObject({ code: 2 });
    expect(await roleatlas('token', 'revoke', '--data', storage.dataDir!, '--account', 'nobody')).toMatchObject({ code: 1, stderr: 'no account named "nobody" on this server' });
    expect(await roleatlas('token', 'list')).toMatchObject({ code: 2, stderr: expect.stringMatching(/expected "account add", .*"token revoke" or "start" \(got "token list"\)/) });
  });
});

describe('roleatlas server account disable', () => {
  it('refuses the tokens and the sign-in of a disabled account, until enabled', async () => {
    const { storage, tokens } = await withTokens();
    expect(await roleatlas('account', 'disable', '--data', storage.dataDir!, '--name', 'ada')).toMatchObject({ code: 0, stdout: expect.stringMatching(/^Disabled account ada/) });
    let s = await restart(storage);
    expect(await status(s, tokens[0])).toBe(401);
    await expect(s.token('ada', 'ada-secret-pw')).rejects.toThrow(/403 .*account ada is disabled/);
    await open.pop()!.close();
    expect(await roleatlas('account', 'enable', '--data', storage.dataDir!, '--name', 'ada')).toMatchObject({ code: 0 });
    s = await restart(storage);
    expect(await status(s, await s.token('ada', 'ada-secret-pw'))).toBe(200);
  });
});

describe('roleatlas server start', () => {
  it('names what is wrong with --cert, --key, --log-level, --token-ttl and --scrypt-n before opening anything', async () => {
    const d = newStorage('embedded').dataDir!;
    const cases: [string[], RegExp][] = [
      [['--cert', 'c.pem'], /--cert and --key go together/],
      [['--cert', '/nonexistent/c.pem', '--key', '/nonexistent/k.pem'], /--cert \/nonexistent\/c.pem: no such file/],
      [['--log-level', 'loud'], /--log-level must be one of fatal, error, warn, info, debug, trace, silent \(got "loud"\)/],
      [['--token-ttl', 'forever'], /--token-ttl must be a duration such as 3600, 90m, 12h or 7d/],
      [['--token-ttl', '90d'], /--token-ttl: the token lifetime must be a whole number of seconds from 60 to 2592000/],
      [['--scrypt-n', '16384'], /--scrypt-n must be at least 131072/],
      [['--scrypt-n', '200000'], /--scrypt-n: scrypt N must be a power of two/],
    ];
    for (const [args, message] of cases) expect(await roleatlas('start', '--data', d, '--port', '0', ...args)).toMatchObject({ code: 1, stderr: expect.stringMatching(message) });
  });
});
