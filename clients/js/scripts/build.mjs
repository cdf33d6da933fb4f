// Builds the SDK (ESM bundle + type declarations), the demo app and the tests, with esbuild and tsc.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const only = process.argv[2];
const started = Date.now();

if (!only) {
  rmSync(dist, { recursive: true, force: true });
  // type check everything (SDK, demo, tests), then the declarations of the SDK
  execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.json', '--noEmit'], {
    cwd: root,
    stdio: 'inherit',
  });
  execFileSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.lib.json'], {
    cwd: root,
    stdio: 'inherit',
  });
}

if (!only || only === 'lib') {
  await build({
    entryPoints: [join(root, 'src/index.ts')],
    outfile: join(dist, 'lib/index.js'),
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    target: 'es2022',
    sourcemap: true,
    logLevel: 'warning',
  });
}

if (!only || only === 'demo') {
  mkdirSync(join(dist, 'demo'), { recursive: true });
  await build({
    entryPoints: [join(root, 'demo/main.ts')],
    outfile: join(dist, 'demo/app.js'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2020',
    minify: true,
    sourcemap: true,
    logLevel: 'warning',
  });
  for (const file of ['index.html', 'styles.css', 'favicon.svg']) {
    cpSync(join(root, 'demo', file), join(dist, 'demo', file));
  }
}

if (!only || only === 'test') {
  const entries = [];
  for (const dir of ['test/unit', 'test/it']) {
    for (const file of readdirSync(join(root, dir))) {
      if (file.endsWith('.test.ts')) {
        entries.push(join(root, dir, file));
      }
    }
  }
  await build({
    entryPoints: entries,
    outdir: join(dist, 'test'),
    outbase: join(root, 'test'),
    bundle: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    packages: 'external',
    sourcemap: 'inline',
    logLevel: 'warning',
  });
}

console.log(`build: done in ${Date.now() - started} ms`);
