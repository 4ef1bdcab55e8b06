/**
 * Reference runner for the face-api expression golden test, run as its own Node process:
 *   node --import tsx tests/golden/face-api-expression-reference.ts <pixels.f32> <count> <probabilities.f32>
 * It runs face-api's own FaceExpressionNet (its bundled TensorFlow.js 4.22, CPU backend) on `count` NHWC
 * 112x112x3 images of 0..255 values and writes count x 7 probabilities (float32, little-endian).
 *
 * Why a separate process: TensorFlow.js keeps its engine and kernel registry on globalThis, so face-api's
 * bundled tfjs 4.22 and the 4.9 packages that run mini-Xception's reference would share (and break) one engine
 * in the same process.
 */
import { readFile, writeFile } from 'node:fs/promises';

/** The parts of face-api.esm.js (and its bundled tfjs) this runner uses; its own .d.ts files point at sources. */
interface RefTensor {
  dataSync(): Float32Array;
}
interface FaceApiModule {
  tf: {
    setPlatform(name: string, platform: object): void;
    env(): { set(flag: string, value: boolean): void };
    setBackend(name: string): Promise<boolean>;
    io: { decodeWeights(data: ArrayBuffer, specs: unknown[]): Record<string, RefTensor> };
    tensor4d(values: Float32Array, shape: [number, number, number, number]): RefTensor;
    dispose(tensors: RefTensor[]): void;
  };
  env: { setEnv(env: unknown): void; createNodejsEnv(): unknown };
  FaceExpressionNet: new () => {
    loadFromWeightMap(weights: Record<string, RefTensor>): void;
    forward(input: RefTensor): Promise<RefTensor>;
  };
}

const FACE_API_DIR = new URL('../../node_modules/@vladmandic/face-api/', import.meta.url);
const SIZE = 112;

/**
 * face-api.esm.js is its browser build: under Node its tfjs takes the Node platform, which needs the `util`
 * module that the bundle replaced with a stub. Hiding process.versions.node while the module evaluates makes
 * it skip that platform; a minimal platform and face-api's Node environment are set right after.
 */
async function importFaceApi(): Promise<FaceApiModule> {
  const versions = Object.getOwnPropertyDescriptor(process, 'versions');
  if (!versions) throw new Error('process.versions is missing');
  const { node: _node, ...rest } = process.versions;
  Object.defineProperty(process, 'versions', { ...versions, value: rest });
  let faceapi: FaceApiModule;
  try {
    faceapi = (await import(new URL('dist/face-api.esm.js', FACE_API_DIR).href)) as FaceApiModule;
  } finally {
    Object.defineProperty(process, 'versions', versions);
  }
  faceapi.env.setEnv(faceapi.env.createNodejsEnv());
  faceapi.tf.setPlatform('node-minimal', {
    fetch: globalThis.fetch,
    now: () => performance.now(),
    encode: (text: string) => new TextEncoder().encode(text),
    decode: (bytes: Uint8Array, encoding: string) => new TextDecoder(encoding).decode(bytes),
    isTypedArray: (a: unknown) => ArrayBuffer.isView(a) && !(a instanceof DataView),
  });
  faceapi.tf.env().set('PROD', true);
  if (!(await faceapi.tf.setBackend('cpu'))) throw new Error('face-api: the tfjs CPU backend did not start');
  return faceapi;
}

async function main(): Promise<void> {
  const [pixelsPath, countArg, outPath] = process.argv.slice(2);
  const count = Number(countArg);
  if (!pixelsPath || !outPath || !Number.isInteger(count) || count <= 0) {
    throw new Error('usage: face-api-expression-reference.ts <pixels.f32> <count> <probabilities.f32>');
  }
  const faceapi = await importFaceApi();
  const tf = faceapi.tf;
  const manifest = JSON.parse(
    await readFile(new URL('model/face_expression_model-weights_manifest.json', FACE_API_DIR), 'utf8'),
  ) as { weights: unknown[] }[];
  const bin = await readFile(new URL('model/face_expression_model.bin', FACE_API_DIR));
  const weightMap = tf.io.decodeWeights(
    bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength),
    manifest.flatMap((group) => group.weights),
  );
  const net = new faceapi.FaceExpressionNet();
  net.loadFromWeightMap(weightMap);

  const raw = await readFile(pixelsPath);
  const pixels = new Float32Array(raw.buffer.slice(raw.byteOffset, raw.byteOffset + raw.byteLength));
  const per = SIZE * SIZE * 3;
  if (pixels.length !== count * per) throw new Error(`expected ${count * per} values, got ${pixels.length}`);
  const out = new Float32Array(count * 7);
  for (let i = 0; i < count; i++) {
    // forward() takes the raw 0..255 image, so face-api's own toBatchTensor + normalize run too.
    const image = tf.tensor4d(pixels.subarray(i * per, (i + 1) * per), [1, SIZE, SIZE, 3]);
    const probabilities = await net.forward(image);
    out.set(probabilities.dataSync(), i * 7);
    tf.dispose([image, probabilities]);
  }
  await writeFile(outPath, new Uint8Array(out.buffer));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
