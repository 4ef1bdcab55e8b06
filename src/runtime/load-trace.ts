/**
 * Named spans of the engine's start (`affect-lens:` performance measures): what the cold start spends its
 * time on, visible in DevTools' Performance panel and read by `npm run bench:e2e` from the offscreen
 * document. Costs a performance entry per step of a load, nothing per frame.
 */
export const TRACE_PREFIX = 'affect-lens:';

/** Runs `work` and records how long it took as the measure `affect-lens:<name>`. */
export async function traced<T>(name: string, work: () => Promise<T>): Promise<T> {
  const start = performance.now();
  try {
    return await work();
  } finally {
    performance.measure(`${TRACE_PREFIX}${name}`, { start, end: performance.now() });
  }
}
