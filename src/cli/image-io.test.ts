import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ImageReadError, decodeImage, encodePng, findImages, readImage } from './image-io.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'affect-lens-image-io-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function expectCode(promise: Promise<unknown>, code: string, message: RegExp): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ImageReadError);
  expect((error as ImageReadError).code).toBe(code);
  expect((error as ImageReadError).message).toMatch(message);
}

describe('decodeImage', () => {
  it('grey JPEG -> RGBA with opaque alpha', async () => {
    const grey = await sharp({ create: { width: 5, height: 3, channels: 3, background: '#808080' } })
      .greyscale()
      .jpeg({ quality: 100 })
      .toBuffer();
    const image = await decodeImage(grey, 'grey.jpg');
    expect([image.width, image.height, image.data.length]).toEqual([5, 3, 60]);
    expect(Math.abs((image.data[0] ?? 0) - 128)).toBeLessThanOrEqual(2);
    expect(image.data[3]).toBe(255);
  });

  it('16-bit PNG -> 8-bit RGBA', async () => {
    const png16 = await sharp({
      create: { width: 2, height: 2, channels: 3, background: { r: 255, g: 0, b: 0 } },
    })
      .toColourspace('rgb16')
      .png()
      .toBuffer();
    const image = await decodeImage(png16, 'deep.png');
    expect([...image.data.subarray(0, 4)]).toEqual([255, 0, 0, 255]);
  });

  it('applies the EXIF orientation (6 = rotate 90° clockwise)', async () => {
    // A 4x2 image, left half red, right half blue, stored with orientation 6: viewers show it 2x4, red on top.
    const raw = Buffer.alloc(4 * 2 * 3);
    for (let y = 0; y < 2; y++)
      for (let x = 0; x < 4; x++) raw.set(x < 2 ? [255, 0, 0] : [0, 0, 255], (y * 4 + x) * 3);
    const jpeg = await sharp(raw, { raw: { width: 4, height: 2, channels: 3 } })
      .withMetadata({ orientation: 6 })
      .png()
      .toBuffer();
    const image = await decodeImage(jpeg, 'rotated.png');
    expect([image.width, image.height]).toEqual([2, 4]);
    expect([...image.data.subarray(0, 4)]).toEqual([255, 0, 0, 255]);
    expect([...image.data.subarray(image.data.length - 4)]).toEqual([0, 0, 255, 255]);
  });

  it('keeps an existing alpha channel', async () => {
    const png = await sharp({
      create: { width: 1, height: 1, channels: 4, background: { r: 1, g: 2, b: 3, alpha: 0.5 } },
    })
      .png()
      .toBuffer();
    expect([...(await decodeImage(png, 'a.png')).data]).toEqual([1, 2, 3, 128]);
  });

  it.each([
    { name: 'empty', bytes: Buffer.alloc(0), code: 'empty', message: /x: file is empty/ },
    {
      name: 'text',
      bytes: Buffer.from('hello, not an image'),
      code: 'not-an-image',
      message: /x: not an image \(expected JPEG, PNG/,
    },
    {
      name: 'JPEG header only',
      bytes: Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10]),
      code: 'corrupt',
      message: /x: corrupt or truncated/,
    },
  ])('$name -> $code', async ({ bytes, code, message }) => {
    await expectCode(decodeImage(bytes, 'x'), code, message);
  });

  it('refuses images over the pixel limit before decoding, naming the limit', async () => {
    const png = await sharp({ create: { width: 300, height: 200, channels: 3, background: '#000' } })
      .png()
      .toBuffer();
    await expectCode(
      decodeImage(png, 'big.png', { maxPixels: 50_000 }),
      'too-many-pixels',
      /300x200 = 0.1 megapixels, over the limit of 0.05 megapixels/,
    );
  });
});

describe('readImage', () => {
  it.each([{ name: 'missing', code: 'not-found', message: /no such file/ }])(
    '$name -> $code',
    async ({ code, message }) => {
      await expectCode(readImage(join(dir, 'missing.png')), code, message);
    },
  );

  it('a folder, and a file over the byte limit', async () => {
    await expectCode(readImage(dir), 'unreadable', /is a folder, expected an image file/);
    const file = join(dir, 'big.bin');
    await writeFile(file, Buffer.alloc(2 * 1024 * 1024));
    await expectCode(
      readImage(file, { maxBytes: 1024 * 1024 }),
      'too-large',
      /file is 2.0 MB, over the limit of 1.0 MB/,
    );
  });
});

describe('encodePng', () => {
  it('round-trips RGBA', async () => {
    const image = { width: 2, height: 1, data: new Uint8Array([1, 2, 3, 255, 250, 251, 252, 10]) };
    const decoded = await decodeImage(await encodePng(image), 'round-trip.png');
    expect(decoded).toEqual({ width: 2, height: 1, data: image.data });
  });
  it('refuses data of the wrong length', async () => {
    await expect(encodePng({ width: 2, height: 2, data: new Uint8Array(4) })).rejects.toThrow(
      /has 4 bytes, expected width\*height\*4 = 16/,
    );
  });
});

describe('findImages', () => {
  it('walks folders in sorted order, skipping hidden entries and non-images, following a link loop once', async () => {
    const root = join(dir, 'walk');
    await mkdir(join(root, 'b', '.git'), { recursive: true });
    await mkdir(join(root, 'a'), { recursive: true });
    for (const f of ['z.JPG', 'a/y.webp', 'b/x.png', 'b/readme.md', 'b/.git/obj.png', '.hidden.png'])
      await writeFile(join(root, f), '');
    await symlink(root, join(root, 'b', 'loop'));
    const { images, errors } = await findImages([root, join(dir, 'nope'), join(root, 'b', 'readme.md')]);
    expect(images.map((i) => i.relative)).toEqual(['a/y.webp', 'b/x.png', 'z.JPG', 'readme.md']);
    expect(errors).toEqual([
      { path: join(dir, 'nope'), message: `${join(dir, 'nope')}: no such file; check the path` },
    ]);
  });
});
