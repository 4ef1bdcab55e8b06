/**
 * Finds out whether WebGPU can run the engine here before onnxruntime-web tries, and which adapter it would
 * get: a software fallback adapter (SwiftShader) is correct but far slower than wasm
 * (../../shared/ENVIRONMENT.md). onnxruntime-web then creates its own device (with the limits it needs);
 * `watchDeviceLoss` attaches to that device. Only the few WebGPU members used are typed here (TypeScript's
 * DOM lib has no WebGPU types yet).
 */
export interface GpuDeviceLike {
  readonly lost: Promise<{ reason?: string; message: string }>;
}
interface GpuAdapterInfoLike {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}
interface GpuAdapterLike {
  readonly info?: GpuAdapterInfoLike;
  /** Older spelling, before `info.isFallbackAdapter`. */
  readonly isFallbackAdapter?: boolean;
}
export interface GpuLike {
  requestAdapter(options?: {
    powerPreference?: 'high-performance' | 'low-power';
  }): Promise<GpuAdapterLike | null>;
}

export type WebGpuProbe =
  /** adapter: vendor and architecture, e.g. "google swiftshader"; software: a fallback adapter (no GPU). */
  { available: true; adapter: string; software: boolean } | { available: false; reason: string };

export function navigatorGpu(): GpuLike | undefined {
  return (globalThis.navigator as { gpu?: GpuLike } | undefined)?.gpu;
}

export async function probeWebGpu(gpu: GpuLike | undefined = navigatorGpu()): Promise<WebGpuProbe> {
  if (!gpu) return { available: false, reason: 'this browser exposes no WebGPU (navigator.gpu is missing)' };
  let adapter: GpuAdapterLike | null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (error) {
    return { available: false, reason: `requesting a WebGPU adapter failed: ${String(error)}` };
  }
  if (!adapter) return { available: false, reason: 'no WebGPU adapter (GPU blocklisted or WebGPU disabled)' };
  const info = adapter.info ?? {};
  const software = info.isFallbackAdapter ?? adapter.isFallbackAdapter ?? false;
  const name =
    [info.vendor, info.architecture || info.device || info.description].filter(Boolean).join(' ') ||
    'unknown adapter';
  return { available: true, adapter: name, software };
}

/** Calls `onLost` once if the device is lost for any reason other than our own destroy(). */
export function watchDeviceLoss(device: GpuDeviceLike, onLost: (message: string) => void): void {
  void device.lost.then((info) => {
    if (info.reason !== 'destroyed') onLost(info.message || info.reason || 'unknown reason');
  });
}
