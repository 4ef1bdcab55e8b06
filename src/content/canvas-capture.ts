/**
 * A <canvas>'s pictures as a video: `canvas.captureStream()` played by a detached, muted <video> that the
 * page never sees. The stream carries a frame each time the page redraws the canvas
 * (https://w3c.github.io/mediacapture-fromelement/#dom-htmlcanvaselement-capturestream), taken when the
 * canvas is presented, so a WebGL canvas without `preserveDrawingBuffer` gives its real picture; read from a
 * timer instead (drawImage, `new VideoFrame(canvas)`) it is blank, transparent black (measured in
 * Chromium 156). The <video> then serves the existing video path as it is: a frame callback per new picture,
 * `new VideoFrame(video)` into the VP8 encoder, no pixels read back in the page. A canvas that is not redrawn
 * sends nothing, nor one redrawn with the same picture (Chromium 156 sends no frame while a canvas redraws a
 * paused video: measured), so a still canvas costs nothing.
 */

type VideoWithFrameCallback = HTMLVideoElement & {
  requestVideoFrameCallback?: (callback: () => void) => number;
  cancelVideoFrameCallback?: (handle: number) => void;
};

/**
 * Whether the page may still read the canvas's pixels. A canvas tainted by a cross-origin picture after its
 * capture started sends no more frames (measured), so a silent capture is checked with this: a 1 px read.
 */
export function isOriginClean(canvas: HTMLCanvasElement): boolean {
  const probe = new OffscreenCanvas(1, 1).getContext('2d');
  if (!probe) return true;
  try {
    probe.drawImage(canvas, 0, 0, 1, 1);
    probe.getImageData(0, 0, 1, 1);
    return true;
  } catch (error) {
    if (error instanceof DOMException && error.name === 'SecurityError') return false;
    // A 0-sized canvas cannot be drawn (InvalidStateError): nothing in it is hidden.
    return true;
  }
}

export class CanvasCapture {
  readonly video: HTMLVideoElement;
  private readonly stream: MediaStream;
  /** Pictures the canvas has presented since the capture started (each redraw is one). */
  framesPresented = 0;
  /** performance.now() of the last one. */
  lastFrameAtMs = -Infinity;
  private handle: number | null = null;
  private stopped = false;

  /** Throws a DOMException 'SecurityError' for a canvas tainted by cross-origin pictures. */
  constructor(readonly canvas: HTMLCanvasElement) {
    this.stream = canvas.captureStream();
    const video = document.createElement('video') as VideoWithFrameCallback;
    video.muted = true;
    video.playsInline = true;
    video.srcObject = this.stream;
    this.video = video;
    // Not awaited: play() resolves only once the canvas has been drawn, which a still canvas never is.
    video.play().catch((error: unknown) => {
      if (!this.stopped) console.warn('Affect Lens: the canvas capture did not start playing', error);
    });
    if (typeof video.requestVideoFrameCallback === 'function') this.countFrames();
    // Without frame callbacks nothing tells a redrawn canvas from a still one: every canvas counts as moving.
    else this.framesPresented = Number.POSITIVE_INFINITY;
  }

  stop(): void {
    this.stopped = true;
    const video = this.video as VideoWithFrameCallback;
    if (this.handle !== null) video.cancelVideoFrameCallback?.(this.handle);
    this.handle = null;
    for (const track of this.stream.getTracks()) track.stop();
    video.srcObject = null;
  }

  private countFrames(): void {
    const video = this.video as VideoWithFrameCallback;
    this.handle =
      video.requestVideoFrameCallback?.(() => {
        this.framesPresented++;
        this.lastFrameAtMs = performance.now();
        if (!this.stopped) this.countFrames();
      }) ?? null;
  }
}
