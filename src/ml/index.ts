/** Public API of the pure pipeline (src/ml/README.md). */
export type { InferenceBackend, TensorData } from './backend.ts';
export { EMOTIONS, type Emotion, type EmotionScores, isEmotion } from './emotions.ts';
export type {
  AnalyzeOptions,
  ClassifyOptions,
  DetectOptions,
  Engine,
  Face,
  Stage,
  StageTrace,
} from './engine-api.ts';
export type * from './manifest.ts';
export type * from './types.ts';

export {
  DEFAULT_ANALYZE_OPTIONS,
  assertClassifyOptions,
  assertDetectOptions,
  mergeOptions,
} from './analyze-options.ts';
export { countAnchors, deriveAnchorsPerLayer, generateAnchors, type AnchorSpec } from './anchors.ts';
export {
  SCORE_CLIPPING_THRESHOLD,
  blazeFaceScore,
  decodeBlazeFace,
  sigmoid,
  type DecodeOptions,
} from './blazeface-decode.ts';
export {
  allocateInput,
  assertPreprocessSpec,
  fitGrid,
  preprocessImage,
  preprocessRect,
  type PreprocessSpec,
} from './classifier-preprocess.ts';
export { cropRect, cropToTensor, eyeRollAngle, faceCrop, rotatedCropGrid, type FaceCrop } from './crop.ts';
export {
  LARGE_FACE_PADDING,
  TILE_EDGE_MARGIN,
  TILE_FRACTION,
  TILE_MIN_OVERLAP,
  createDetectorModel,
  detectFaces,
  detectInRegion,
  paddedRegion,
  tileLayout,
  touchesInnerTileEdge,
  type DetectorModel,
  type DetectorModels,
} from './detector.ts';
export { assertLabels, toEmotionScores, topEmotion, zeroScores } from './emotion-scores.ts';
export {
  FULL_RANGE_DETECTOR_ID,
  MAX_BATCH_LIMIT,
  SHORT_RANGE_DETECTOR_ID,
  classifierBatch,
  createEngine,
  type EngineOptions,
} from './engine.ts';
export {
  computeLetterbox,
  letterboxDetectionToSource,
  letterboxGrid,
  letterboxPointToSource,
  letterboxToTensor,
  sourcePointToLetterbox,
  type Letterbox,
} from './letterbox.ts';
export {
  channelCount,
  rectGrid,
  resampleToTensor,
  type CoordinateTransform,
  type PixelNormalization,
  type PixelRect,
  type SampleGrid,
  type TensorTarget,
} from './resize.ts';
export { assertRgbaImage } from './rgba-image.ts';
export { softmax } from './softmax.ts';
export { createStageTimer, type StageTimer } from './stage-timer.ts';
export { iou, weightedNms } from './weighted-nms.ts';
