import { mkdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { parse, required } from '../args';
import { print } from '../io';
import { loadSource, SOURCE_OPTIONS } from '../source';
import { CliError } from '../errors';
import { exportSolution } from '../../importers/solution/exportSolution';
import type { CliCommand } from '../command';

export const exportRoles: CliCommand = {
  name: 'export-roles',
  summary: "write security roles and field security profiles as an unpacked solution's Roles/*.xml and Other/FieldSecurityProfiles.xml",
  usage: 'roleatlas export-roles (--org FILE | --vault PATH [--passphrase-env NAME]) --out DIR [--role ID]...',
  async run(argv) {
    const { values } = parse(argv, { ...SOURCE_OPTIONS, out: { type: 'string' }, role: { type: 'string', multiple: true } }, 'export-roles');
    const source = await loadSource(values, 'export-roles', 'read');
    source.vault?.lock();
    const { state } = source;
    const out = required(values, 'out', 'export-roles');
    const wanted = values.role;
    let roleids: string[] | undefined;
    if (wanted?.length) {
      roleids = wanted.map((w) => {
        const id = w.replace(/^\{(.*)\}$/, '$1').toLowerCase();
        const role = [...state.roles.values()].find((r) => r.roleid.toLowerCase() === id);
        if (!role) throw new CliError(`role ${w} does not exist in the organization`);
        return role.roleid;
      });
    }
    try {
      if (!statSync(out).isDirectory()) throw new CliError(`--out ${out} is a file; give a folder`);
    } catch (e) {
      if (e instanceof CliError) throw e;
    }
    const files = exportSolution(state, roleids);
    for (const f of files) {
      const path = join(out, ...f.path.split('/'));
      try {
        mkdirSync(dirname(path), { recursive: true });
        writeFileSync(path, f.text, 'utf8');
      } catch (e) {
        throw new CliError(`cannot write ${path}: ${(e as Error).message}`);
      }
    }
    print(`Wrote ${files.length - 1} role(s) and ${state.fieldsecurityprofiles.size} field security profile(s) to ${out}`);
  },
};
