/**
 * Which detector passes a video frame needs, given what the previous frames of the same stream showed
 * (MediaPipe's detectForVideo idea: consecutive frames are alike, so a frame need not repeat every search).
 *
 * A still image runs the short-range pass, the small-face pass (full-range/tiling, per DetectOptions) and,
 * when nothing is found, the large-face retry. On a stream the two extra passes are only worth their cost
 * when the stream needs them: a pass that found something last time runs on every frame; one that found
 * nothing runs again at most every EXTRA_PASS_REFRESH_MS, so a small or a frame-filling face that appears is
 * found within that time. A talking head (one face the short-range pass finds) then costs one detector run
 * per frame instead of two or three. A small-face pass that only refreshes (isSmallRefresh) runs after its
 * frame's result has gone out (engine.ts), so it adds nothing to that frame's latency.
 */

/** How often a video stream re-runs an extra pass that found nothing, ms of the stream's clock. */
export const EXTRA_PASS_REFRESH_MS = 1000;

export interface DetectPlan {
  /** The small-face pass(es) of DetectOptions.smallFaces ('full-range' and/or 'tiling'). */
  smallFaces: boolean;
  /** The padded large-face retry, when the other passes found nothing. */
  largeFaces: boolean;
}

/** The plan of a still image: every pass the options ask for. */
export const FULL_PLAN: Readonly<DetectPlan> = Object.freeze({ smallFaces: true, largeFaces: true });

/** What the passes of one frame found, for the next frame's plan. */
export interface DetectOutcome {
  /** Whether the small-face pass ran. */
  smallFacesRan: boolean;
  /** Faces in the result that only the small-face pass found (none in the short-range pass). */
  smallOnly: number;
  /** Whether the large-face retry ran. */
  largeFacesRan: boolean;
  /** Faces in the result that came from the large-face retry. */
  fromLargeRetry: number;
}

export interface StreamPassState {
  /** Stream time of the last small-face pass, ms. */
  smallRanAtMs: number;
  /** The last small-face pass found faces nothing else did: run it on every frame. */
  smallNeeded: boolean;
  largeRanAtMs: number;
  largeNeeded: boolean;
}

function due(ranAtMs: number, needed: boolean, timestampMs: number): boolean {
  // A stream clock that went back (a seek, a restarted stream) starts the refresh over.
  return needed || timestampMs < ranAtMs || timestampMs - ranAtMs >= EXTRA_PASS_REFRESH_MS;
}

/** The passes for a frame at `timestampMs` of a stream whose previous frames left `state` (none: first frame). */
export function planVideoPasses(state: StreamPassState | undefined, timestampMs: number): DetectPlan {
  if (!Number.isFinite(timestampMs)) {
    throw new Error(`timestampMs must be a finite number of ms, got ${timestampMs}`);
  }
  if (!state) return { ...FULL_PLAN };
  return {
    smallFaces: due(state.smallRanAtMs, state.smallNeeded, timestampMs),
    largeFaces: due(state.largeRanAtMs, state.largeNeeded, timestampMs),
  };
}

/**
 * Whether a due small-face pass would only refresh: it has run on this stream and found nothing only it
 * sees. Such a pass can wait until the frame's result is out (engine.ts); a needed one, or one that never
 * ran, cannot.
 */
export function isSmallRefresh(state: StreamPassState | undefined): boolean {
  return state !== undefined && !state.smallNeeded && Number.isFinite(state.smallRanAtMs);
}

/** The stream's state after a frame at `timestampMs` had `outcome`. */
export function nextPassState(
  state: StreamPassState | undefined,
  outcome: DetectOutcome,
  faceCount: number,
  timestampMs: number,
): StreamPassState {
  const previous = state ?? {
    smallRanAtMs: -Infinity,
    smallNeeded: false,
    largeRanAtMs: -Infinity,
    largeNeeded: false,
  };
  const next = { ...previous };
  if (outcome.smallFacesRan) {
    next.smallRanAtMs = timestampMs;
    next.smallNeeded = outcome.smallOnly > 0;
  }
  if (outcome.largeFacesRan) {
    next.largeRanAtMs = timestampMs;
    next.largeNeeded = outcome.fromLargeRetry > 0;
  } else if (faceCount > 0) {
    // The ordinary passes found the faces: the frame-filling case is over.
    next.largeNeeded = false;
  }
  return next;
}
