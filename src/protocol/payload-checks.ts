/**
 * One check per message of the protocol, run by the one listener (src/messaging) before any handler sees a
 * payload: a content script is code in a page we do not control, and a bug anywhere should fail at the
 * boundary with a clear error, not deep in a handler. Each check says what is wrong, or null when the payload
 * has the shape its handler expects. Shapes only; handlers still bound what they allocate (pixel limits).
 */
import { FRAME_ENCODINGS } from './frames.ts';
import type { MessageType } from './protocol-map.ts';

export type PayloadCheck = (data: unknown) => string | null;

type Fields = Record<string, unknown>;

const isObject = (value: unknown): value is Fields =>
  typeof value === 'object' && value !== null && !Array.isArray(value);
const isFiniteNumber = (value: unknown): value is number =>
  typeof value === 'number' && Number.isFinite(value);
const isTabId = (value: unknown) => Number.isSafeInteger(value) && (value as number) >= 0;

/** Runs field checks on an object payload; the first problem wins. */
function fields(checks: Record<string, (value: unknown) => string | null>): PayloadCheck {
  return (data) => {
    if (!isObject(data)) return 'the payload must be an object';
    for (const [name, check] of Object.entries(checks)) {
      const problem = check(data[name]);
      if (problem !== null) return `${name}: ${problem}`;
    }
    return null;
  };
}

const none: PayloadCheck = (data) => (data === undefined || data === null ? null : 'takes no payload');
const tabId = (value: unknown) => (isTabId(value) ? null : 'must be a tab id (an integer ≥ 0)');
const boolean = (value: unknown) => (typeof value === 'boolean' ? null : 'must be true or false');
const text = (value: unknown) => (typeof value === 'string' ? null : 'must be a string');
const optionalText = (value: unknown) => (value === undefined ? null : text(value));
const buffer = (value: unknown) => (value instanceof ArrayBuffer ? null : 'must be an ArrayBuffer');
const dimension = (value: unknown) =>
  Number.isSafeInteger(value) && (value as number) > 0 ? null : 'must be a whole number of pixels > 0';
const number = (value: unknown) => (isFiniteNumber(value) ? null : 'must be a finite number');

const rect = fields({ x: number, y: number, width: number, height: number });
const size = fields({ width: number, height: number });

const encodedImage = fields({ bytes: buffer, type: text });

const engineConfig = fields({
  classifierId: (value) => (value === null || typeof value === 'string' ? null : 'must be a string or null'),
  minScore: (value) => (isFiniteNumber(value) && value >= 0 && value <= 1 ? null : 'must be within 0..1'),
  backend: (value) =>
    value === 'auto' || value === 'webgpu' || value === 'wasm' ? null : 'must be auto, webgpu or wasm',
  temporal: boolean,
  wasmThreads: (value) =>
    Number.isInteger(value) && (value as number) >= 0 && (value as number) <= 4
      ? null
      : 'must be an integer within 0..4',
});

const imageResult: PayloadCheck = (data) => {
  const base = fields({ srcUrl: text })(data);
  if (base !== null) return base;
  const { state, analysis, error } = data as Fields;
  if (state === 'pending') return null;
  if (state === 'failed') return text(error) === null ? null : 'error: must be a string';
  if (state !== 'done') return 'state: must be pending, done or failed';
  const route = (data as Fields).route;
  if (route !== 'page' && route !== 'screen' && route !== 'download')
    return 'route: must be page, screen or download';
  return fields({
    width: dimension,
    height: dimension,
    faces: (v) => (Array.isArray(v) ? null : 'must be a list'),
  })(analysis);
};

/** The frame is checked in depth where it is decoded (src/transport/frame-receiver.ts); here its envelope. */
const frame: PayloadCheck = (data) => {
  const base = fields({
    sourceId: text,
    width: dimension,
    height: dimension,
    sourceWidth: dimension,
    sourceHeight: dimension,
  })(data);
  if (base !== null) return base;
  const encoding = (data as Fields).encoding;
  return (FRAME_ENCODINGS as readonly unknown[]).includes(encoding)
    ? null
    : `encoding: must be one of ${FRAME_ENCODINGS.join(', ')}`;
};

export const PAYLOAD_CHECKS: Record<MessageType, PayloadCheck> = {
  ensureEngine: none,
  getEngineStatus: none,
  getTabState: fields({ tabId }),
  setOverlay: fields({ tabId, enabled: boolean }),
  getSiteAccess: fields({ tabId }),
  getOverlayForSender: none,
  captureTabRegion: fields({ region: rect, viewport: size }),
  analyzeSnapshot: encodedImage,
  userModelsChanged: none,
  engineConfigure: engineConfig,
  engineStatus: none,
  engineAnalyzeImage: encodedImage,
  analyzeFrame: frame,
  endSource: fields({ sourceId: text }),
  engineModelsChanged: none,
  engineClassifyCrop: fields({
    classifierId: text,
    width: dimension,
    height: dimension,
    pixels: (value) => (value instanceof Uint8ClampedArray ? null : 'must be a Uint8ClampedArray'),
  }),
  overlaySetEnabled: fields({ enabled: boolean }),
  overlayShowImageResult: imageResult,
  overlayAnalyzeImage: fields({ srcUrl: text }),
  overlayDescribe: none,
  timelineDescribe: (data) =>
    data === undefined || data === null ? null : fields({ src: optionalText })(data),
};

/** Why `data` is not a valid payload of `type`, for the error the sender gets; null when it is. */
export function payloadProblem(type: MessageType, data: unknown): string | null {
  const problem = PAYLOAD_CHECKS[type](data);
  return problem === null ? null : `"${type}" payload refused: ${problem}.`;
}
