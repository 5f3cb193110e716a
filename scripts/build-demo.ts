/**
 * `npm run build`'s third step: the demo seeder (scripts/seed-demo.ts and
 * what it imports outside src/) as one CommonJS file, dist/demo/seed-demo.js,
 * that runs with plain node where ts-node is absent (the Docker image):
 * `node dist/demo/seed-demo.js`. The service code it uses is not bundled:
 * its imports of src/ point at the compiled service beside it (dist/src/),
 * so the seeder runs the very code the image serves, and packages stay in
 * node_modules.
 */
import { join, relative, resolve } from 'node:path';
import type * as Esbuild from 'esbuild';
import type { Plugin } from 'esbuild';

const root = join(__dirname, '..');
const src = join(root, 'src');
const outfile = join(root, 'dist', 'demo', 'seed-demo.js');

/** Imports that land in src/ become requires of the compiled module under dist/src/. */
const compiledService: Plugin = {
  name: 'compiled-service',
  setup(build) {
    build.onResolve({ filter: /^\.\.?\// }, (args) => {
      const target = resolve(args.resolveDir, args.path);
      if (!target.startsWith(src + '/') && target !== src) return undefined;
      const compiled = join(root, 'dist', relative(root, target));
      return { path: `./${relative(join(outfile, '..'), compiled)}`.replace(/^\.\/\.\.\//, '../'), external: true };
    });
  },
};

async function main(): Promise<void> {
  // Required here: esbuild is a development dependency.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const esbuild = require('esbuild') as typeof Esbuild;
  await esbuild.build({
    entryPoints: [join(root, 'scripts', 'seed-demo.ts')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    packages: 'external',
    plugins: [compiledService],
    logLevel: 'warning',
  });
  console.log(`demo seeder bundled into ${relative(root, outfile)}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
