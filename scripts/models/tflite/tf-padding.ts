/**
 * TensorFlow's padding rule along one spatial axis, as explicit begin/end pads for ONNX (whose auto_pad
 * SAME_UPPER would also do, but explicit pads make the graph say what it computes).
 * SAME: out = ceil(in / stride), total = max((out - 1) * stride + k - in, 0), begin = floor(total / 2), and the
 * odd pixel goes to the end (bottom/right). This is why a stride-2 3x3 conv on 128 px pads 0 top and 1 bottom:
 * https://www.tensorflow.org/api_docs/python/tf/nn#notes_on_padding_2
 * VALID: no padding, out = ceil((in - k + 1) / stride).
 */
export interface AxisPadding {
  begin: number;
  end: number;
  out: number;
}

export function tfAxisPadding(
  padding: 'SAME' | 'VALID',
  inSize: number,
  kernel: number,
  stride: number,
  dilation = 1,
): AxisPadding {
  for (const [name, v] of [
    ['input size', inSize],
    ['kernel', kernel],
    ['stride', stride],
    ['dilation', dilation],
  ] as const) {
    if (!Number.isInteger(v) || v < 1)
      throw new Error(`TF padding: ${name} must be a positive integer, got ${v}`);
  }
  const effectiveKernel = (kernel - 1) * dilation + 1;
  if (padding === 'VALID') {
    if (effectiveKernel > inSize)
      throw new Error(`TF padding: VALID kernel ${effectiveKernel} is larger than the input ${inSize}`);
    return { begin: 0, end: 0, out: Math.ceil((inSize - effectiveKernel + 1) / stride) };
  }
  const out = Math.ceil(inSize / stride);
  const total = Math.max((out - 1) * stride + effectiveKernel - inSize, 0);
  const begin = Math.floor(total / 2);
  return { begin, end: total - begin, out };
}
