/**
 * Bundles the API explorer (browser.jsx: GraphiQL, React, graphql-ws and its
 * CSS) with esbuild into one script and one stylesheet. `npm run build`
 * writes them to dist/explorer/; a development server without them bundles
 * in memory on first use (esbuild is a development dependency).
 */
import { join } from 'node:path';
import { mkdir, writeFile } from 'node:fs/promises';
import type * as Esbuild from 'esbuild';

/** The explorer's assets. */
export interface ExplorerAssets {
  js: string;
  css: string;
}

/** Bundles the explorer in memory (a few seconds). */
export async function bundleExplorer(entry: string): Promise<ExplorerAssets> {
  // Required here, not imported: production never loads esbuild, and may not have it.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const esbuild = require('esbuild') as typeof Esbuild;
  const result = await esbuild.build({
    entryPoints: [entry],
    bundle: true,
    minify: true,
    write: false,
    outdir: 'out',
    entryNames: 'explorer',
    format: 'iife',
    platform: 'browser',
    target: 'es2020',
    jsx: 'automatic',
    define: { 'process.env.NODE_ENV': '"production"' },
    logLevel: 'silent',
  });
  const text = (ext: string) => result.outputFiles.find((f) => f.path.endsWith(ext))!.text;
  return { js: text('.js'), css: text('.css') };
}

/** Bundles `entry` (browser.jsx) into `dir` (npm run build: dist/explorer). */
export async function writeExplorer(entry: string, dir: string): Promise<void> {
  const assets = await bundleExplorer(entry);
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'explorer.js'), assets.js);
  await writeFile(join(dir, 'explorer.css'), assets.css);
}
