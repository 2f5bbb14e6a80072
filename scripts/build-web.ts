/**
 * `npm run build:web`: the page (src/web/page) bundled into dist/web/ with
 * esbuild — index.html, style.css, main.js, worker.js and the chunks they
 * load on demand (h5wasm for HDF5 files). Everything the page needs is in
 * that folder: it makes no request outside its origin.
 */
import { copyFile, mkdir, rm } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const page = join(root, 'src/web/page');

/** Builds the page into `out` (default dist/web), replacing what was there. */
export async function buildWeb(out = join(root, 'dist/web')): Promise<string> {
  await rm(out, { recursive: true, force: true });
  await mkdir(out, { recursive: true });
  const result = await build({
    entryPoints: { main: join(page, 'main.ts'), worker: join(page, 'worker.ts') },
    outdir: out,
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2022',
    minify: true,
    sourcemap: 'linked',
    chunkNames: 'chunks/[name]-[hash]',
    logLevel: 'warning',
    // h5wasm's browser build carries a Node branch it never takes in a page.
    external: ['module', 'fs', 'path', 'url', 'crypto', 'worker_threads'],
  });
  if (result.errors.length > 0) throw new Error(`build:web failed with ${result.errors.length} errors`);
  for (const file of ['index.html', 'style.css']) await copyFile(join(page, file), join(out, file));
  return out;
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === process.argv[1]) {
  const out = await buildWeb(process.argv[2]);
  console.log(`page built into ${out}`);
}
