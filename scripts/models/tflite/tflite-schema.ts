/**
 * Numbers from the TFLite FlatBuffer schema
 * (https://github.com/tensorflow/tensorflow/blob/master/tensorflow/compiler/mlir/lite/schema/schema.fbs),
 * limited to what MediaPipe's BlazeFace files use (../../../../shared/MODELS.md, section 1). Field indices are the
 * declaration order of each table; a union occupies two slots (its `_type` byte, then the value).
 */

/** BuiltinOperator values of the ops this reader understands. */
export const BUILTIN_OPS = {
  ADD: 0,
  CONCATENATION: 2,
  CONV_2D: 3,
  DEPTHWISE_CONV_2D: 4,
  DEQUANTIZE: 6,
  MAX_POOL_2D: 17,
  RELU: 19,
  RESHAPE: 22,
  RESIZE_BILINEAR: 23,
  PAD: 34,
} as const;

export type TfliteOpKind = keyof typeof BUILTIN_OPS;

/** BuiltinOperator.CUSTOM: the op is named by OperatorCode.custom_code instead. */
export const CUSTOM_OP_CODE = 32;

/** BuiltinOptions union member index expected for each op (NONE = 0 accepted where the options table is empty). */
export const OPTIONS_TYPE: Record<TfliteOpKind, { index: number; name: string; emptyTable: boolean }> = {
  ADD: { index: 11, name: 'AddOptions', emptyTable: false },
  CONCATENATION: { index: 10, name: 'ConcatenationOptions', emptyTable: false },
  CONV_2D: { index: 1, name: 'Conv2DOptions', emptyTable: false },
  DEPTHWISE_CONV_2D: { index: 2, name: 'DepthwiseConv2DOptions', emptyTable: false },
  DEQUANTIZE: { index: 38, name: 'DequantizeOptions', emptyTable: true },
  MAX_POOL_2D: { index: 5, name: 'Pool2DOptions', emptyTable: false },
  RELU: { index: 0, name: 'NONE', emptyTable: true },
  RESHAPE: { index: 17, name: 'ReshapeOptions', emptyTable: false },
  RESIZE_BILINEAR: { index: 15, name: 'ResizeBilinearOptions', emptyTable: false },
  PAD: { index: 22, name: 'PadOptions', emptyTable: true },
};

/** TensorType enum, in schema order (index = value). */
export const TENSOR_TYPES = [
  'float32',
  'float16',
  'int32',
  'uint8',
  'int64',
  'string',
  'bool',
  'int16',
  'complex64',
  'int8',
  'float64',
  'complex128',
  'uint64',
  'resource',
  'variant',
  'uint32',
  'uint16',
  'int4',
] as const;

export type TfliteTensorType = (typeof TENSOR_TYPES)[number];

/** Padding enum. */
export const PADDINGS = ['SAME', 'VALID'] as const;
export type TflitePadding = (typeof PADDINGS)[number];

/** ActivationFunctionType enum. */
export const ACTIVATIONS = ['NONE', 'RELU', 'RELU_N1_TO_1', 'RELU6', 'TANH', 'SIGN_BIT'] as const;
export type TfliteActivation = (typeof ACTIVATIONS)[number];

/** Field indices per table. */
export const FIELDS = {
  model: { version: 0, operatorCodes: 1, subgraphs: 2, description: 3, buffers: 4 },
  operatorCode: { deprecatedBuiltinCode: 0, customCode: 1, version: 2, builtinCode: 3 },
  subgraph: { tensors: 0, inputs: 1, outputs: 2, operators: 3, name: 4 },
  tensor: { shape: 0, type: 1, buffer: 2, name: 3, quantization: 4, isVariable: 5, sparsity: 6 },
  quantization: { min: 0, max: 1, scale: 2, zeroPoint: 3 },
  operator: {
    opcodeIndex: 0,
    inputs: 1,
    outputs: 2,
    builtinOptionsType: 3,
    builtinOptions: 4,
    customOptions: 5,
    intermediates: 8,
    builtinOptions2Type: 11,
  },
  buffer: { data: 0, offset: 1, size: 2 },
  conv2d: { padding: 0, strideW: 1, strideH: 2, activation: 3, dilationW: 4, dilationH: 5 },
  depthwiseConv2d: {
    padding: 0,
    strideW: 1,
    strideH: 2,
    depthMultiplier: 3,
    activation: 4,
    dilationW: 5,
    dilationH: 6,
  },
  pool2d: { padding: 0, strideW: 1, strideH: 2, filterW: 3, filterH: 4, activation: 5 },
  concatenation: { axis: 0, activation: 1 },
  add: { activation: 0 },
  reshape: { newShape: 0 },
  resizeBilinear: { alignCorners: 2, halfPixelCenters: 3 },
} as const;
