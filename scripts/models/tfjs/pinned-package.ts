/**
 * Model sources are files inside pinned npm devDependencies. Converters check the installed version, so a
 * manifest's `source` (package@version) can never describe other weights than the ones converted.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** Absolute path of `file` inside node_modules/`name`, after checking the installed version is `version`. */
export function pinnedPackageFile(name: string, version: string, file: string): string {
  const dir = path.join(REPO_ROOT, 'node_modules', name);
  let installed: string;
  try {
    installed = (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { version: string })
      .version;
  } catch {
    throw new Error(
      `${name} is not installed; run npm ci (it is a pinned devDependency, ${name}@${version})`,
    );
  }
  if (installed !== version) {
    throw new Error(
      `${name}@${installed} is installed, but the converter is pinned to ${version}; run npm ci`,
    );
  }
  return path.join(dir, file);
}

/** Serialisation settings shared by the TFJS converters: opset 17, fixed producer (bytes must not vary). */
export const TFJS_CONVERTER_PRODUCER = {
  producerName: 'affect-lens scripts/models (tfjs)',
  producerVersion: '1',
  opset: 17,
};
