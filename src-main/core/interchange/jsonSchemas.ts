import { z } from 'zod';
import { orgFileSchema } from './schema';
import { commandSchemas } from '../commands/schema';

/** The JSON Schemas published in resources/schema, generated from the zod schemas the product validates with. */
export function jsonSchemas(): Record<string, unknown> {
  const org = z.toJSONSchema(orgFileSchema, { target: 'draft-2020-12', unrepresentable: 'any' }) as Record<string, unknown>;
  const command = {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'https://roleatlas.example/schema/command.schema.json',
    title: 'RoleAtlas command',
    description: 'One change to the security model, tagged by "type". A commands file is a JSON array of these.',
    oneOf: Object.values(commandSchemas).map((s) => {
      const { $schema: _drop, ...rest } = z.toJSONSchema(s, { target: 'draft-2020-12', unrepresentable: 'any' }) as Record<string, unknown>;
      void _drop;
      return rest;
    }),
  };
  return {
    'org.schema.json': { ...org, $id: 'https://roleatlas.example/schema/org.schema.json', title: 'RoleAtlas organization (roleatlas/org@1)' },
    'command.schema.json': command,
    'commands.schema.json': {
      $schema: 'https://json-schema.org/draft/2020-12/schema',
      $id: 'https://roleatlas.example/schema/commands.schema.json',
      title: 'RoleAtlas commands file',
      type: 'array',
      items: { $ref: 'command.schema.json' },
    },
  };
}
