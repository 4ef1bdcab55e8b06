/**
 * The one engine API everything that analyses images uses (CLI, eval, bench, and later the extension's
 * offscreen host). Implemented by `createEngine` in ./engine.ts over an InferenceBackend.
 */
import type { Emotion, EmotionScores } from './emotions.ts';
import type { PxBox, PxDetection, PxPoint, RgbaImage } from './types.ts';

/** Pipeline stages timed by `analyze` when given a trace object. */
export type Stage = 'preprocess' | 'detector' | 'nms' | 'crop' | 'classifier';
export type StageTrace = Partial<Record<Stage, number>>;

export interface DetectOptions {
  /** Keep detections scoring above this (MediaPipe's min_detection_confidence default is 0.5). */
  minScore: number;
  /** IoU above which detections merge in weighted NMS (MediaPipe: 0.3). */
  nmsIoU: number;
  /** Strategy for faces smaller than about 1/8 of the frame (see MODELS.md section 1). */
  smallFaces: 'off' | 'full-range' | 'tiling' | 'full-range+tiling';
  /** Retry on a zero-padded frame when nothing is found, so faces that fill the frame are found too. */
  largeFaces: boolean;
  maxFaces: number;
}

export interface ClassifyOptions {
  /** Manifest id of the emotion classifier. */
  classifierId: string;
  /** Extra context around the detector box, as a fraction of the box size added on each side. */
  cropMargin: number;
  /** Rotate the crop so the eyes are level (uses keypoints 0 and 1). */
  uprightCrop: boolean;
}

export type AnalyzeOptions = DetectOptions & ClassifyOptions;

export interface Face {
  /** Face box in source-image pixels. */
  box: PxBox;
  /** Detector score, 0..1. */
  score: number;
  /** The 6 BlazeFace keypoints in source pixels (right eye, left eye, nose, mouth, right ear, left ear). */
  keypoints: PxPoint[];
  /** Probabilities over the 7 canonical emotions (sum 1). */
  emotions: EmotionScores;
  top: { emotion: Emotion; probability: number };
  /**
   * The classifier's feature vector for this face (EMO-AffectNet's relu(fc1), 512 values), present only when
   * the classifier's manifest entry names a `featuresOutput`: the input of a temporal model.
   */
  features?: Float32Array;
}

export interface Engine {
  /** Finds every face in the image and classifies each one. */
  analyze(image: RgbaImage, options?: Partial<AnalyzeOptions>, trace?: StageTrace): Promise<Face[]>;
  /**
   * One frame of a video stream (MediaPipe's detectForVideo): like analyze, but the extra detector passes
   * (small faces, large-face retry) run only when the stream's recent frames need them (video-passes.ts).
   * `timestampMs` is the stream's own clock (e.g. video.currentTime * 1000); frames of one stream come in
   * order. Streams are forgotten by endStream, or when more than MAX_STREAMS are open (oldest first).
   */
  analyzeVideoFrame(
    image: RgbaImage,
    frame: { streamId: string; timestampMs: number },
    options?: Partial<AnalyzeOptions>,
    trace?: StageTrace,
  ): Promise<Face[]>;
  /** Forgets a stream's state (its video went away). */
  endStream(streamId: string): void;
  /** The longer side of a classifier's input, px (default: the default classifier). */
  classifierInputSide(classifierId?: string): number;
  /** The crop margin faces get for a classifier (default: the default classifier): its manifest cropMargin, unless the engine's defaults set one. */
  classifierCropMargin(classifierId?: string): number;
  /** Detection only. */
  detect(image: RgbaImage, options?: Partial<DetectOptions>, trace?: StageTrace): Promise<PxDetection[]>;
  /** Classifies an image that is already a face crop (eval's `crop` mode): the whole image is the face. */
  classifyCrop(image: RgbaImage, classifierId?: string): Promise<EmotionScores>;
  readonly defaults: AnalyzeOptions;
}
