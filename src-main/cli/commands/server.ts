import { parse, required } from '../args';
import { print } from '../io';
import { CliError, usageError } from '../errors';
import type { CliCommand } from '../command';

/**
 * roleatlas server account add --data DIR --name NAME --role ROLE --password-env NAME
 * roleatlas server start --data DIR --port N [--org FILE]
 * With DATABASE_URL set, both use that PostgreSQL server instead of --data. Stop the server
 * before adding accounts to an embedded database: one process at a time may open it.
 */
export const server: CliCommand = {
  name: 'server',
  summary: 'run the sync server, or add a server account',
  usage: 'roleatlas server account add --data DIR --name NAME --role ROLE --password-env NAME\n       roleatlas server start --data DIR [--port N] [--org FILE]',
  async run(argv) {
    const [sub, sub2, ...rest] = argv;
    if (sub === 'start') {
      const { serverMain } = await import('../../../server/main');
      try {
        await serverMain([sub2, ...rest].filter((x) => x !== undefined));
      } catch (e) {
        throw new CliError((e as Error).message);
      }
      // Keeps running until the process is stopped.
      await new Promise(() => {});
      return;
    }
    if (sub !== 'account' || sub2 !== 'add') throw usageError(`roleatlas server: expected "account add" or "start". Usage: ${server.usage}`);
    const { values } = parse(rest, { data: { type: 'string' }, name: { type: 'string' }, role: { type: 'string' }, 'password-env': { type: 'string' } }, 'server account add');
    const name = required(values, 'name', 'server account add');
    const role = required(values, 'role', 'server account add');
    const envName = required(values, 'password-env', 'server account add');
    const password = process.env[envName];
    if (!password) throw new CliError(`environment variable ${envName} (--password-env) is not set`);
    if (!values.data && !process.env.DATABASE_URL) throw usageError('roleatlas server account add: --data is required (or set DATABASE_URL). See roleatlas server --help');
    const { openServerModel } = await import('../../../server/run');
    const { Accounts } = await import('../../../server/auth');
    const model = await openServerModel({ dataDir: typeof values.data === 'string' ? values.data : undefined });
    try {
      const account = await new Accounts(model).add({ name, password, role });
      print(`Added account ${account.name} (user ${account.systemuserid}) holding ${role}`);
    } catch (e) {
      throw new CliError((e as Error).message);
    } finally {
      await model.db.close();
    }
  },
};
