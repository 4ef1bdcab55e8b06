/**
 * Renders the extension icon (scripts/icons/icon.svg) to public/icon/<size>.png, the sizes Chrome and
 * Firefox use (toolbar 16/32, extensions page 48, store 128); WXT adds them to the manifest. The PNGs are
 * committed; run `npm run icons` after editing the SVG.
 */
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

const root = fileURLToPath(new URL('../../', import.meta.url));
const SIZES = [16, 32, 48, 128];

const svg = await readFile(path.join(root, 'scripts/icons/icon.svg'));
const outDir = path.join(root, 'public/icon');
await mkdir(outDir, { recursive: true });
for (const size of SIZES) {
  const out = path.join(outDir, `${size}.png`);
  await sharp(svg, { density: Math.ceil((72 * size) / 128) * 4 })
    .resize(size, size)
    .png({ compressionLevel: 9 })
    .toFile(out);
  console.log(`wrote ${path.relative(root, out)}`);
}
