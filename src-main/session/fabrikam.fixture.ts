import { applyAll } from '../core/commands/apply';
import { newOrganization, type OrgState } from '../core/model/org';

/**
 * Fabrikam, a small named org chart for session and screen tests:
 *
 *   Fabrikam (root)          Ada Admin          System Administrator
 *   ├─ Sales                 Sam Seller         Salesperson; member of Key Accounts (team holds Salesperson)
 *   │  └─ Sales North        Nina North         Salesperson
 *   └─ Service (disabled)
 *
 * Salesperson: Read Account at Local. One account owned by Sam.
 */
export const FABRIKAM = {
  root: 'bu-fabrikam',
  sales: 'bu-sales',
  salesNorth: 'bu-sales-north',
  service: 'bu-service',
  ada: 'user-ada',
  sam: 'user-sam',
  nina: 'user-nina',
  keyAccounts: 'team-key-accounts',
  sysadmin: 'role-sysadmin',
  salesperson: 'role-salesperson',
  samsAccount: 'account-sam-1',
} as const;

export function fabrikam(): OrgState {
  const f = FABRIKAM;
  const base = newOrganization({ name: 'Fabrikam', rootbusinessunitid: f.root, defaultteamid: 'team-fabrikam' });
  const r = applyAll(base, [
    { type: 'createBusinessUnit', businessunitid: f.sales, defaultteamid: 'team-sales', name: 'Sales', parentbusinessunitid: f.root },
    { type: 'createBusinessUnit', businessunitid: f.salesNorth, defaultteamid: 'team-sales-north', name: 'Sales North', parentbusinessunitid: f.sales },
    { type: 'createBusinessUnit', businessunitid: f.service, defaultteamid: 'team-service', name: 'Service', parentbusinessunitid: f.root },
    { type: 'setBusinessUnitDisabled', businessunitid: f.service, isdisabled: true },
    { type: 'createUser', systemuserid: f.ada, fullname: 'Ada Admin', domainname: 'ada@fabrikam.example', businessunitid: f.root },
    { type: 'createUser', systemuserid: f.sam, fullname: 'Sam Seller', domainname: 'sam@fabrikam.example', businessunitid: f.sales },
    { type: 'createUser', systemuserid: f.nina, fullname: 'Nina North', domainname: 'nina@fabrikam.example', businessunitid: f.salesNorth },
    { type: 'createRole', roleid: f.sysadmin, name: 'System Administrator', privileges: { prvReadAccount: 'Global', prvWriteAccount: 'Global' } },
    { type: 'createRole', roleid: f.salesperson, name: 'Salesperson', privileges: { prvReadAccount: 'Local' } },
    { type: 'assignRole', systemuserid: f.ada, roleid: f.sysadmin },
    { type: 'assignRole', systemuserid: f.sam, roleid: f.salesperson },
    { type: 'assignRole', systemuserid: f.nina, roleid: f.salesperson },
    { type: 'createTeam', teamid: f.keyAccounts, name: 'Key Accounts', teamtype: 0, businessunitid: f.sales },
    { type: 'addTeamMember', teamid: f.keyAccounts, systemuserid: f.sam },
    { type: 'assignRole', teamid: f.keyAccounts, roleid: f.salesperson },
    { type: 'createRecord', recordid: f.samsAccount, entity: 'account', name: 'Contoso Pharmaceuticals', ownerid: f.sam },
  ]);
  if (!r.ok) throw new Error(`fabrikam fixture: command ${r.index} refused: ${r.error.message}`);
  return r.state;
}
