/**
 * Writes schema/schema.graphql from the code (`npm run schema:emit`), or with
 * `--check` fails when the committed file differs (`npm run schema:check`).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { schemaSdl } from '../src/graphql/schema';

const file = join(__dirname, '..', 'schema', 'schema.graphql');

void schemaSdl().then((sdl) => {
  if (process.argv.includes('--check')) {
    if (readFileSync(file, 'utf8') !== sdl) {
      console.error(
        'schema/schema.graphql differs from the schema the code builds: run npm run schema:emit and commit it',
      );
      process.exit(1);
    }
    console.log('schema/schema.graphql is up to date');
    return;
  }
  writeFileSync(file, sdl);
  console.log('schema/schema.graphql written');
});
