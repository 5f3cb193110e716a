/**
 * Builds what changed, and only that: the service (tsc into dist/) and the web
 * console (its own npm install, then Vite into console/dist). Each build's
 * inputs are hashed and the hash is kept beside its output, so `npm start`
 * with nothing changed skips straight to the service. Runs as `prepare` (after
 * `npm install` / `npm ci`) and as `prestart`.
 *
 *   node scripts/build-once.mjs [--force] [service|console ...]
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { execFileSync } from 'node:child_process';

const root = join(dirname(new URL(import.meta.url).pathname), '..');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** Every file under the given paths (relative to root), skipping dependencies and outputs. */
function files(paths) {
  const out = [];
  const walk = (p) => {
    const full = join(root, p);
    if (!existsSync(full)) return;
    if (statSync(full).isDirectory()) {
      for (const name of readdirSync(full).sort()) if (name !== 'node_modules' && name !== 'dist') walk(join(p, name));
    } else out.push(p);
  };
  paths.forEach(walk);
  return out;
}

function hash(paths) {
  const h = createHash('sha256');
  for (const f of files(paths))
    h.update(f)
      .update('\0')
      .update(readFileSync(join(root, f)))
      .update('\0');
  return h.digest('hex');
}

const TARGETS = {
  service: {
    // What tsconfig.build.json compiles, the demo seeder bundled beside it (scripts/), and what decides how.
    inputs: [
      'src',
      'migrations',
      'scripts',
      'ormconfig.ts',
      'tsconfig.json',
      'tsconfig.build.json',
      'package-lock.json',
    ],
    present: () => existsSync(join(root, 'src')) && existsSync(join(root, 'tsconfig.build.json')),
    stamp: 'dist/.build-hash',
    run: () => execFileSync(npm, ['run', 'build'], { cwd: root, stdio: 'inherit' }),
  },
  console: {
    inputs: ['console'],
    present: () => existsSync(join(root, 'console', 'package.json')),
    stamp: 'console/dist/.build-hash',
    run: () => {
      const dir = join(root, 'console');
      const lock = readFileSync(join(dir, 'package-lock.json'));
      const depsStamp = join(dir, 'node_modules', '.lock-hash');
      const lockHash = createHash('sha256').update(lock).digest('hex');
      if (!existsSync(depsStamp) || readFileSync(depsStamp, 'utf8') !== lockHash) {
        execFileSync(npm, ['ci', '--no-audit', '--no-fund'], { cwd: dir, stdio: 'inherit' });
        writeFileSync(depsStamp, lockHash);
      }
      execFileSync(npm, ['run', 'build'], { cwd: dir, stdio: 'inherit' });
    },
  },
};

const args = process.argv.slice(2);
const force = args.includes('--force');
const names = args.filter((a) => !a.startsWith('--'));
for (const name of names.length ? names : Object.keys(TARGETS)) {
  const t = TARGETS[name];
  if (!t) throw new Error(`unknown target ${name}; known: ${Object.keys(TARGETS).join(', ')}`);
  if (!t.present()) {
    console.log(`build: ${name} sources not present here, skipped`);
    continue;
  }
  const stamp = join(root, t.stamp);
  const before = hash(t.inputs);
  if (!force && existsSync(stamp) && readFileSync(stamp, 'utf8') === before) {
    console.log(`build: ${name} up to date`);
    continue;
  }
  const started = Date.now();
  t.run();
  mkdirSync(dirname(stamp), { recursive: true });
  writeFileSync(stamp, before);
  console.log(`build: ${name} built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}
