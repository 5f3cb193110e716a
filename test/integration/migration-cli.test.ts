/**
 * The migration commands as a user runs them on a scratch database of the
 * store under test: `npm run migration:show` lists every migration with
 * [ ] or [X], `npm run migrate` applies what is pending and says so,
 * `npm run migration:revert` reverts the last one, and
 * `npm run migration:create` writes a new migration file.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify, stripVTControlCharacters } from 'node:util';
import { createTestDatabase } from '../helpers/app';
import type { ScratchDatabase } from '../helpers/scratch-database';

// Each command starts node and TypeORM afresh (seconds each, more on a busy machine).
jest.setTimeout(600_000);

const root = join(__dirname, '..', '..');
const run = promisify(execFile);
let db: ScratchDatabase;
beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await db.drop();
});

/** What a reader sees: TypeORM colours file names when the environment asks for colour (CI does). */
const plain = (out: string) => stripVTControlCharacters(out);

/** Migration class names in the order they apply (file names start with their timestamps). */
const names = readdirSync(join(root, 'migrations'))
  .filter((f) => f.endsWith('.ts'))
  .sort()
  .map((f) => /export class (\w+)/.exec(readFileSync(join(root, 'migrations', f), 'utf8'))![1]);

async function npm(...args: string[]): Promise<string> {
  const { stdout } = await run('npm', ['run', '-s', ...args], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: db.url },
  });
  return plain(stdout);
}

/** `npm run migrate` runs dist/src/db/migrate-cli.js; the test runs its source, which needs no build. */
async function migrate(): Promise<string> {
  const { stdout } = await run(process.execPath, ['-r', 'ts-node/register/transpile-only', 'src/db/migrate-cli.ts'], {
    cwd: root,
    env: { ...process.env, DATABASE_URL: db.url },
  });
  return plain(stdout);
}

const shown = (out: string) => out.split('\n').filter((l) => /^\[[ X]\]/.test(l));

it('shows, applies and reverts migrations, printing what it does', async () => {
  expect(names.length).toBeGreaterThan(5);
  expect(shown(await npm('migration:show'))).toEqual(names.map((n) => `[ ] ${n}`));

  const applied = await migrate();
  for (const n of names) expect(applied).toContain(`Migration ${n} has been executed successfully.`);
  expect(shown(await npm('migration:show'))).toEqual(names.map((n, i) => `[X] ${i + 1} ${n}`));

  const last = names[names.length - 1];
  const reverted = await npm('migration:revert');
  expect(reverted).toContain(`Migration ${last} has been reverted successfully.`);
  expect(shown(await npm('migration:show'))).toEqual([
    ...names.slice(0, -1).map((n, i) => `[X] ${i + 1} ${n}`),
    `[ ] ${last}`,
  ]);

  const again = await migrate();
  expect(again).toContain(`Migration ${last} has been executed successfully.`);
  expect(again).not.toContain(`Migration ${names[0]} has been executed`);
  expect(shown(await npm('migration:show')).every((l) => l.startsWith('[X]'))).toBe(true);
});

it('creates a migration file named by its timestamp', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lq-migration-'));
  try {
    const out = await npm('migration:create', '--', join(dir, 'AddThing'));
    const [file] = readdirSync(dir);
    expect(file).toMatch(/^\d{13}-AddThing\.ts$/);
    expect(out).toContain(`${join(dir, file)} has been generated successfully`);
    expect(readFileSync(join(dir, file), 'utf8')).toMatch(/export class AddThing\d{13} implements MigrationInterface/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
