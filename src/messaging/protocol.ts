/**
 * Every extension message of Affect Lens, as one function signature each (webext-core messaging style).
 * `MESSAGES` says who answers each one and over which channel; the convention test checks that every message
 * has exactly one handler. Payloads are structured-cloned (manifest key `message_serialization`), so typed
 * arrays and ArrayBuffers cross intact; everything else is plain data.
 */
import type { Face, StageTrace } from '../ml/engine-api.ts';
import type { Emotion, EmotionScores } from '../ml/emotions.ts';
import type { EngineConfig } from '../settings/schema.ts';
import type { VideoTimeline } from '../timeline/emotion-history.ts';

export type Provider = 'webgpu' | 'wasm';

export interface EngineStats {
  /** Analysed frames per second over the last few seconds, all sources together. */
  analysedFps: number;
  /** Mean engine time per analysis (detector + classifier), ms, over the recent window. */
  latencyMs: number;
  /**
   * Mean cost of moving one frame from a content script into the engine, ms, over the recent window:
   * reading + encoding in the page, messaging, decoding in the engine host.
   */
  transportMs: number;
  /** The parts of transportMs. */
  transport: { encodeMs: number; wireMs: number; decodeMs: number };
  framesAnalysed: number;
  /** Frames replaced by a newer frame of the same source before the engine got to them. */
  framesDropped: number;
}

export interface EngineStatus {
  /** 'absent': no engine host exists (nothing has asked for one yet). */
  state: 'absent' | 'loading' | 'ready' | 'error';
  /** 0..1 while loading. */
  progress: number;
  /** What is happening, for people: "Loading blazeface-short (1/3)". */
  detail: string;
  provider: Provider | null;
  /** Why the engine runs on wasm rather than WebGPU (or what went wrong with WebGPU); null when on WebGPU. */
  providerNote: string | null;
  /** The WebGPU adapter seen, e.g. "google swiftshader (software)"; null when none. */
  adapter: string | null;
  error: string | null;
  classifiers: { id: string; description: string }[];
  /** The classifier in use. */
  classifierId: string | null;
  /**
   * Why a classifier the user installed or selected is not in use (missing or damaged stored model), for
   * people; null when there is nothing to say.
   */
  classifierNote: string | null;
  /** The temporal mode ("smoothed over 2 s", EMO-AffectNet's LSTM): see TemporalStatus. */
  temporal: TemporalStatus;
  stats: EngineStats;
  /**
   * How long nothing has asked the engine for work (a frame, an image, a configuration), ms: the background
   * unloads an engine idle for long (src/messaging/engine-idle.ts).
   */
  idleMs: number;
}

export interface TemporalStatus {
  /** A temporal model is installed and loadable with the classifier whose features it reads. */
  available: boolean;
  /** It runs on video frames now: available, switched on in the settings, and its classifier in use. */
  inUse: boolean;
  /** The classifier it reads the features of (e.g. "emo-affectnet"); null when none is installed. */
  featuresOf: string | null;
  /** Why it is not available or not in use, for people; null when there is nothing to say. */
  note: string | null;
}

/**
 * The temporal model's result for one face of a video frame: its emotion over the face's last frames
 * (src/ml/temporal-smoother.ts), e.g. EMO-AffectNet's LSTM over 2 s.
 */
export interface SmoothedEmotion {
  emotions: EmotionScores;
  top: { emotion: Emotion; probability: number };
  /** The stream time its samples cover, ms: 2000 for a full window at 5 fps, less while it fills. */
  spanMs: number;
  /** Real samples in the window (10 when full). */
  samples: number;
}

/**
 * A face of an analysed video frame: never its feature vector (512 floats per face are not worth a message),
 * and `smoothed` when the temporal mode is in use and the face has a result.
 */
export type FrameFace = Omit<Face, 'features'> & { smoothed?: SmoothedEmotion };

/** Result of analysing one still image. Coordinates are pixels of the decoded image. */
export interface ImageAnalysis {
  width: number;
  height: number;
  faces: Face[];
  latencyMs: number;
}

/** What the content script and the popup get for a right-clicked image, as the analysis proceeds. */
export type ImageResult =
  | { srcUrl: string; state: 'pending' }
  | { srcUrl: string; state: 'done'; analysis: ImageAnalysis }
  | { srcUrl: string; state: 'failed'; error: string };

export interface TabState {
  tabId: number;
  overlay: boolean;
  lastImage: ImageResult | null;
}

/**
 * How a frame's pixels travel. 'vp8' (default where WebCodecs exists): the page encodes each video's frames
 * as a VP8 stream (WebCodecs, realtime mode, near-lossless: about 44 dB PSNR against the raw pixels) and the
 * engine host decodes them, about 7 KB instead of 230 KB per 320x180 frame; the bytes are what a frame's
 * trip costs here (src/transport/README.md). 'rgba': the raw pixels, no encoding loss, nothing to decode;
 * the fallback without WebCodecs. 'jpeg': encoded off the page's main thread, but decoding in the hidden
 * engine host is slow on a busy machine.
 */
export type FrameEncoding = 'vp8' | 'jpeg' | 'rgba';

/**
 * How the engine host configures its decoder for a VP8 stream: the VideoEncoder's own decoderConfig
 * (metadata of its key frames), whose colour space says how the encoder turned RGB into YUV.
 */
export interface Vp8StreamConfig {
  codec: string;
  codedWidth: number;
  codedHeight: number;
  colorSpace?: {
    primaries?: string | null;
    transfer?: string | null;
    matrix?: string | null;
    fullRange?: boolean | null;
  };
}

export type FramePayload =
  | { encoding: 'jpeg'; bytes: ArrayBuffer }
  /** RGBA, row-major, width * height * 4 bytes. */
  | { encoding: 'rgba'; pixels: Uint8ClampedArray }
  /**
   * One encoded chunk of the source's VP8 stream. A key frame carries the stream's config and starts the
   * stream afresh; a delta frame needs every chunk since the last key frame, so the engine host decodes all
   * of them in order, even those whose analysis it drops.
   */
  | {
      encoding: 'vp8';
      chunk: ArrayBuffer;
      key: boolean;
      config: Vp8StreamConfig | null;
      timestampUs: number;
    };

/** One video frame on its way to the engine, possibly downscaled from the video. */
export type FrameRequest = FramePayload & {
  /** Unique within the sending content script (one per <video>). */
  sourceId: string;
  width: number;
  height: number;
  /** Time the sender spent reading and encoding the frame, ms. */
  encodeMs: number;
  /** `performance.timeOrigin + performance.now()` when sent: comparable across contexts of one machine. */
  sentAtEpochMs: number;
};

export type FrameAnalysis =
  | {
      status: 'analysed';
      faces: FrameFace[];
      /** Engine time (detector + classifiers), ms. */
      latencyMs: number;
      /** From send to receipt by the engine host, ms. */
      wireMs: number;
      /** Decoding in the engine host (0 for rgba), ms. */
      decodeMs: number;
      /** Waiting for the engine behind other sources, ms. */
      queueMs: number;
      /**
       * The longer side the next frame of this source should have, px: enough for the classifier's crop of
       * the smallest face, no more (src/ml/frame-side.ts).
       */
      nextFrameSide: number;
      /** Engine time per pipeline stage, ms (for profiling: scripts/bench-e2e). */
      stages?: StageTrace;
    }
  /** A newer frame of the same source arrived before this one was analysed. */
  | { status: 'dropped' }
  /**
   * A VP8 delta frame the engine host cannot decode: it has no decoder state for the stream (the host was
   * restarted, or a chunk was lost). The sender starts the stream again with a key frame.
   */
  | { status: 'key-frame-needed' };

/**
 * One analysed video frame as the content script saw it, for benchmarks (scripts/bench-e2e). Times are
 * `performance.timeOrigin + performance.now()` ms, comparable across contexts of one machine.
 */
export interface FrameTiming {
  /** Counts the frames of one video source, from 1. */
  seq: number;
  /** When the content script started grabbing the frame. */
  capturedAtEpochMs: number;
  /** When the frame's result reached the content script. */
  resultAtEpochMs: number;
  /** When the overlay showing that result was laid out; null until then (or if a newer result replaced it). */
  drawnAtEpochMs: number | null;
  /** How the frame travelled (the grabber's encoding; 'rgba' after a VP8 fallback); null until its result came. */
  encoding: FrameEncoding | null;
  encodeMs: number;
  wireMs: number;
  decodeMs: number;
  queueMs: number;
  /** Engine time (detector + classifiers). */
  engineMs: number;
  stages: StageTrace;
  faces: number;
}

/** What the content script currently draws, for the popup and for tests. */
export interface OverlaySnapshot {
  enabled: boolean;
  overlays: {
    kind: 'image' | 'video';
    /** The media's URL, or `mediastream:<id>` for a video showing a MediaStream (a call tile). */
    src: string;
    /** Element box in viewport CSS pixels. */
    rect: { x: number; y: number; width: number; height: number };
    faces: {
      label: string;
      probability: number;
      /** The temporal mode's span shown beside the label ("2 s"); null for a per-frame result. */
      smoothedOver: string | null;
      /** The seven probabilities shown (the bars): the temporal model's when smoothedOver is set. */
      emotions: EmotionScores | null;
      rect: { x: number; y: number; width: number; height: number };
    }[];
    /** Shown instead of faces when the media cannot be analysed (cross-origin without CORS, DRM, errors). */
    notice: string | null;
    /** Results drawn over the element so far (one per analysed frame for a video). */
    framesShown?: number;
    /** The notice's button, if any, and where it is (viewport CSS pixels): tests click it like a user. */
    noticeAction?: { label: string; rect: { x: number; y: number; width: number; height: number } } | null;
    /** Videos: timings of the most recent analysed frames (at most FRAME_TIMINGS_KEPT), oldest first. */
    frames?: FrameTiming[];
  }[];
}

/** A screen snapshot of part of the sender's tab: `region` in viewport CSS pixels of a `viewport` that size. */
export interface CaptureRequest {
  region: { x: number; y: number; width: number; height: number };
  viewport: { width: number; height: number };
}

/** The captured part of the tab, as a PNG (no second lossy encoding). */
export interface CapturedRegion {
  bytes: ArrayBuffer;
  type: string;
  /** Pixels of the PNG. */
  width: number;
  height: number;
  /** What the PNG covers, viewport CSS pixels (the request, rounded out to whole capture pixels). */
  css: { x: number; y: number; width: number; height: number };
  capturedAtEpochMs: number;
}

export interface ProtocolMap {
  // Answered by the background (sent from content scripts and the popup).
  /** Makes sure the engine host exists and is configured; returns its status. */
  ensureEngine(): EngineStatus;
  /** Status of the engine host without creating it ('absent' when there is none). */
  getEngineStatus(): EngineStatus;
  getTabState(req: { tabId: number }): TabState;
  setOverlay(req: { tabId: number; enabled: boolean }): TabState;
  /** For a content script: is the overlay on in the sender's tab? */
  getOverlayForSender(): { enabled: boolean };
  /**
   * For a content script, after a user's click: tabs.captureVisibleTab of the sender's tab, cropped to
   * `region` (what the page cannot read, e.g. a cross-origin video without CORS). At most 2 per second.
   */
  captureTabRegion(req: CaptureRequest): CapturedRegion;
  /** For a content script: analyses a snapshot it got from captureTabRegion (the engine's still-image path). */
  analyseSnapshot(req: { bytes: ArrayBuffer; type: string }): ImageAnalysis;
  /** The options page installed or removed a user model: a running engine reloads its models. */
  userModelsChanged(): EngineStatus;

  // Answered by the engine host (offscreen document in Chrome, background page in Firefox).
  engineConfigure(config: EngineConfig): EngineStatus;
  engineStatus(): EngineStatus;
  /** Decodes an encoded image (JPEG, PNG, WebP, GIF, AVIF, SVG excluded) and analyses it. */
  engineAnalyseImage(req: { bytes: ArrayBuffer; type: string }): ImageAnalysis;
  /** Over the frames port: one frame of a playing video. */
  analyseFrame(frame: FrameRequest): FrameAnalysis;
  /** Reloads the models, picking up user models installed or removed since the engine loaded. */
  engineModelsChanged(): EngineStatus;
  /**
   * Diagnostics (DevTools, E2E): classifies RGBA pixels that are already a face crop with the given
   * classifier, through the same preprocessing as a detected face. Probabilities by emotion.
   */
  engineClassifyCrop(req: {
    classifierId: string;
    width: number;
    height: number;
    pixels: Uint8ClampedArray;
  }): EmotionScores;

  // Answered by content scripts (sent by the background with tabs.sendMessage).
  overlaySetEnabled(req: { enabled: boolean }): void;
  /** Draws a right-click result over every <img> showing `srcUrl`; returns how many were found. */
  overlayShowImageResult(result: ImageResult): { matched: number };
  overlayDescribe(): OverlaySnapshot;
  /** The emotion timeline of the video most recently analysed in the frame; null when there is none. */
  timelineDescribe(): VideoTimeline | null;
}

export type MessageType = keyof ProtocolMap;
export type Receiver = 'background' | 'engine' | 'content';
/** runtime: runtime.sendMessage; tab: tabs.sendMessage; frames-port: the long-lived frames port. */
export type Channel = 'runtime' | 'tab' | 'frames-port';

export const MESSAGES = {
  ensureEngine: { to: 'background', via: 'runtime' },
  getEngineStatus: { to: 'background', via: 'runtime' },
  getTabState: { to: 'background', via: 'runtime' },
  setOverlay: { to: 'background', via: 'runtime' },
  getOverlayForSender: { to: 'background', via: 'runtime' },
  captureTabRegion: { to: 'background', via: 'runtime' },
  analyseSnapshot: { to: 'background', via: 'runtime' },
  userModelsChanged: { to: 'background', via: 'runtime' },
  engineConfigure: { to: 'engine', via: 'runtime' },
  engineStatus: { to: 'engine', via: 'runtime' },
  engineAnalyseImage: { to: 'engine', via: 'runtime' },
  analyseFrame: { to: 'engine', via: 'frames-port' },
  engineModelsChanged: { to: 'engine', via: 'runtime' },
  engineClassifyCrop: { to: 'engine', via: 'runtime' },
  overlaySetEnabled: { to: 'content', via: 'tab' },
  overlayShowImageResult: { to: 'content', via: 'tab' },
  overlayDescribe: { to: 'content', via: 'tab' },
  timelineDescribe: { to: 'content', via: 'tab' },
} as const satisfies Record<MessageType, { to: Receiver; via: Channel }>;

type Messages = typeof MESSAGES;
export type MessagesTo<R extends Receiver> = {
  [K in MessageType]: Messages[K]['to'] extends R ? K : never;
}[MessageType];
export type MessagesVia<C extends Channel> = {
  [K in MessageType]: Messages[K]['via'] extends C ? K : never;
}[MessageType];

/** The payload of message K (undefined for messages without one). */
export type DataOf<K extends MessageType> = Parameters<ProtocolMap[K]>[0];
/** Arguments after the message type at a call site: none, or the payload. */
export type ArgsOf<K extends MessageType> = Parameters<ProtocolMap[K]>;
export type ResultOf<K extends MessageType> = Awaited<ReturnType<ProtocolMap[K]>>;

export const EMPTY_STATS: Readonly<EngineStats> = Object.freeze({
  analysedFps: 0,
  latencyMs: 0,
  transportMs: 0,
  transport: Object.freeze({ encodeMs: 0, wireMs: 0, decodeMs: 0 }),
  framesAnalysed: 0,
  framesDropped: 0,
});

export function absentEngineStatus(): EngineStatus {
  return {
    state: 'absent',
    progress: 0,
    detail: 'Not started: it starts when something needs analysing.',
    provider: null,
    providerNote: null,
    adapter: null,
    error: null,
    classifiers: [],
    classifierId: null,
    classifierNote: null,
    temporal: { available: false, inUse: false, featuresOf: null, note: null },
    stats: { ...EMPTY_STATS, transport: { ...EMPTY_STATS.transport } },
    idleMs: 0,
  };
}
