import { describe, expect, it, vi } from 'vitest';
import type { CaptureImage } from '../transport/capture-image.ts';
import type { PxBox } from '../ml/types.ts';
import type { EngineClient } from './engine-client.ts';
import type { MessageSender } from '../protocol/protocol-map.ts';
import { absentEngineStatus } from '../protocol/engine-status.ts';
import type { CaptureRequest } from '../protocol/capture.ts';
import { CaptureRateLimitError, snapshotHandlers, type ScreenCapture } from './snapshot-handlers.ts';

const analysis = { width: 300, height: 200, faces: [], latencyMs: 5 };

function setup(options: { captureError?: Error; capture?: false } = {}) {
  let now = 0;
  const crops: PxBox[] = [];
  const engine: EngineClient = {
    ensure: () => Promise.resolve(absentEngineStatus()),
    configure: () => Promise.resolve(absentEngineStatus()),
    status: () => Promise.resolve(absentEngineStatus()),
    analyzeImage: vi.fn(() => Promise.resolve(analysis)),
    modelsChanged: () => Promise.resolve(absentEngineStatus()),
  };
  const close = vi.fn();
  const capture: ScreenCapture = {
    captureVisibleTab: vi.fn((_windowId: number) =>
      options.captureError
        ? Promise.reject(options.captureError)
        : Promise.resolve('data:image/png;base64,AAAA'),
    ),
    // A devicePixelRatio-2 capture of a 1000x800 viewport.
    openCapture: (): Promise<CaptureImage> =>
      Promise.resolve({
        width: 2000,
        height: 1600,
        crop: (rect) => {
          crops.push(rect);
          return Promise.resolve(new ArrayBuffer(rect.width * rect.height));
        },
        close,
      }),
  };
  const handlers = snapshotHandlers({
    engine,
    capture: options.capture === false ? undefined : capture,
    nowMs: () => now,
    epochMs: () => 1_800_000_000_000 + now,
  });
  return { handlers, capture, engine, crops, close, advance: (ms: number) => (now += ms) };
}

const request: CaptureRequest = {
  region: { x: 10.5, y: 20, width: 320, height: 180 },
  viewport: { width: 1000, height: 800 },
};
const activeTab = { tab: { id: 3, windowId: 9, active: true }, frameId: 0 } as MessageSender;

describe('snapshot handlers', () => {
  it("captures the sender's window and returns the region's crop, in capture pixels", async () => {
    const { handlers, capture, crops, close } = setup();
    const shot = await handlers.captureTabRegion(request, activeTab);
    expect(capture.captureVisibleTab).toHaveBeenCalledWith(9);
    expect(crops).toEqual([{ x: 21, y: 40, width: 640, height: 360 }]);
    expect(shot).toMatchObject({
      type: 'image/png',
      width: 640,
      height: 360,
      css: { x: 10.5, y: 20, width: 320, height: 180 },
      capturedAtEpochMs: 1_800_000_000_000,
    });
    expect(shot.bytes.byteLength).toBe(640 * 360);
    expect(close).toHaveBeenCalled();
  });

  it('refuses a third capture within a second with a clear message, then allows it again', async () => {
    const { handlers, capture, advance } = setup();
    await handlers.captureTabRegion(request, activeTab);
    advance(100);
    await handlers.captureTabRegion(request, activeTab);
    advance(300);
    await expect(handlers.captureTabRegion(request, activeTab)).rejects.toThrow(
      'The browser allows 2 screen snapshots per second: try again in 0.6 s.',
    );
    expect(capture.captureVisibleTab).toHaveBeenCalledTimes(2);
    advance(600);
    await expect(handlers.captureTabRegion(request, activeTab)).resolves.toMatchObject({ width: 640 });
  });

  it("reads Chrome's own quota error the same way", async () => {
    const { handlers } = setup({
      captureError: new Error('This request exceeds the MAX_CAPTURE_VISIBLE_TAB_CALLS_PER_SECOND quota.'),
    });
    const error = await Promise.resolve(handlers.captureTabRegion(request, activeTab)).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(CaptureRateLimitError);
    expect((error as Error).message).toMatch(/2 screen snapshots per second/);
  });

  it.each<[string, MessageSender, RegExp]>([
    ['not from a tab', {}, /Only a page in a tab/],
    ['from a frame', { ...activeTab, frameId: 4 }, /not inside frames/],
    [
      'from a tab not on screen',
      { tab: { id: 3, windowId: 9, active: false } } as MessageSender,
      /not the one on screen/,
    ],
  ])('refuses a request %s', async (_name, sender, message) => {
    const { handlers, capture } = setup();
    await expect(handlers.captureTabRegion(request, sender)).rejects.toThrow(message);
    expect(capture.captureVisibleTab).not.toHaveBeenCalled();
  });

  it('says so where the browser cannot capture, and wraps other capture errors', async () => {
    await expect(setup({ capture: false }).handlers.captureTabRegion(request, activeTab)).rejects.toThrow(
      /does not let Affect Lens take screen snapshots/,
    );
    await expect(
      setup({ captureError: new Error('Cannot access contents of the page') }).handlers.captureTabRegion(
        request,
        activeTab,
      ),
    ).rejects.toThrow('The browser did not take the snapshot: Cannot access contents of the page');
  });

  it('analyses a snapshot with the still-image path of the engine', async () => {
    const { handlers, engine } = setup();
    const bytes = new ArrayBuffer(4);
    await expect(handlers.analyzeSnapshot({ bytes, type: 'image/png' }, activeTab)).resolves.toEqual(
      analysis,
    );
    expect(engine.analyzeImage).toHaveBeenCalledWith({ bytes, type: 'image/png' });
  });
});
