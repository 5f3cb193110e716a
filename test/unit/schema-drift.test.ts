import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { schemaSdl } from '../../src/graphql/schema';

it('the committed schema/schema.graphql is what the code builds (run npm run schema:emit)', async () => {
  const committed = readFileSync(join(__dirname, '..', '..', 'schema', 'schema.graphql'), 'utf8');
  expect(committed).toBe(await schemaSdl());
});
