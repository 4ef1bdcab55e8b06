/**
 * Transposes a dense row-major tensor at conversion time, so weight layouts (TFLite OHWI, [1,kh,kw,C]) become
 * ONNX's OIHW without a Transpose node in the graph. Works on the raw element type (float16 bits included):
 * moving elements is exact, whatever they encode.
 */
export function permute<T extends Float32Array | Uint16Array | Int32Array>(
  data: T,
  shape: number[],
  perm: number[],
): T {
  const rank = shape.length;
  if (perm.length !== rank || [...perm].sort((a, b) => a - b).some((p, i) => p !== i)) {
    throw new Error(`permute: [${perm.join(', ')}] is not a permutation of ${rank} axes`);
  }
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length)
    throw new Error(`permute: shape [${shape.join(', ')}] has ${count} values, data has ${data.length}`);

  const inStrides = stridesOf(shape);
  const outShape = perm.map((p) => shape[p] ?? 0);
  // Stride in the input of each output axis.
  const walk = perm.map((p) => inStrides[p] ?? 0);
  const out = new (data.constructor as new (n: number) => T)(count);
  const index = new Array<number>(rank).fill(0);
  let src = 0;
  for (let dst = 0; dst < count; dst++) {
    out[dst] = data[src] ?? 0;
    // Odometer increment over the output shape, updating the input offset incrementally.
    for (let axis = rank - 1; axis >= 0; axis--) {
      const i = (index[axis] ?? 0) + 1;
      if (i < (outShape[axis] ?? 0)) {
        index[axis] = i;
        src += walk[axis] ?? 0;
        break;
      }
      index[axis] = 0;
      src -= (i - 1) * (walk[axis] ?? 0);
    }
  }
  return out;
}

function stridesOf(shape: number[]): number[] {
  const strides = new Array<number>(shape.length).fill(1);
  for (let i = shape.length - 2; i >= 0; i--) strides[i] = (strides[i + 1] ?? 1) * (shape[i + 1] ?? 1);
  return strides;
}
