/**
 * The WebAssembly files of @tensorflow/tfjs-backend-wasm for the peer (@vladmandic/human), at the tfjs version
 * human's dist is built with. human bundles the backend's JavaScript but not its .wasm files (by default it
 * fetches them from a CDN, which these machines cannot reach), and the package is not among our dependencies
 * (its tfjs-core peer conflicts with the 4.9.0 our golden tests pin), so the files are fetched once with
 * `npm pack` into node_modules/.cache (ignored by git), never into the repository.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { REPO_ROOT } from '../../tests/e2e/helpers/browser.ts';

const run = promisify(execFile);
export const HUMAN_DIR = path.join(REPO_ROOT, 'node_modules/@vladmandic/human');

/** The tfjs-backend-wasm version human's dist was built with (dist/tfjs.version.js). */
export async function humanTfjsVersion(): Promise<string> {
  const text = await readFile(path.join(HUMAN_DIR, 'dist/tfjs.version.js'), 'utf8');
  const version = /"tfjs-backend-wasm":\s*(\w+)/.exec(text);
  const variable = version?.[1];
  const value = variable ? new RegExp(`var ${variable}="([^"]+)"`).exec(text)?.[1] : undefined;
  if (!value)
    throw new Error(`Cannot read the tfjs-backend-wasm version from ${HUMAN_DIR}/dist/tfjs.version.js`);
  return value;
}

/** A folder holding tfjs-backend-wasm*.wasm (fetched with npm pack the first time). */
export async function tfjsWasmDir(): Promise<string> {
  const version = await humanTfjsVersion();
  const dir = path.join(REPO_ROOT, `node_modules/.cache/bench-e2e/tfjs-backend-wasm-${version}`);
  const dist = path.join(dir, 'package/dist');
  if (existsSync(path.join(dist, 'tfjs-backend-wasm-simd.wasm'))) return dist;
  const tmp = `${dir}.part`;
  await rm(tmp, { recursive: true, force: true });
  await mkdir(tmp, { recursive: true });
  const { stdout } = await run('npm', ['pack', '--silent', `@tensorflow/tfjs-backend-wasm@${version}`], {
    cwd: tmp,
  });
  await run('tar', ['xzf', stdout.trim().split('\n').at(-1)!, 'package/dist'], { cwd: tmp });
  await rm(dir, { recursive: true, force: true });
  await rename(tmp, dir);
  return dist;
}
