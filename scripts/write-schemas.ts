/**
 * npm run schemas: writes resources/schema/*.schema.json from the zod schemas they describe, so
 * the published JSON Schemas and the validation the product does can't drift apart
 * (schemas.test.ts fails when a committed schema is stale).
 */
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { jsonSchemas } from '../src-main/core/interchange/jsonSchemas';

for (const [file, schema] of Object.entries(jsonSchemas())) {
  const path = fileURLToPath(new URL(`../resources/schema/${file}`, import.meta.url));
  writeFileSync(path, `${JSON.stringify(schema, null, 2)}\n`);
  console.log(`wrote resources/schema/${file}`);
}
