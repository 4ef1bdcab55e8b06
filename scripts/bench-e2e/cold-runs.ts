/**
 * The toggle's first result over several fresh browsers: each run launches Chromium with a new profile
 * (nothing cached: the extension's first start), opens the clip, and clicks the popup's toggle: cold (the
 * engine starts for the first time), warm (off, then on again), and after the engine was unloaded (as after
 * 5 idle minutes; the runtime's compiled WebAssembly is then in Cache Storage). Also the engine status's
 * steps of each cold start, to see where the time goes.
 */
import type { Page, Worker } from 'playwright-core';
import type { EngineStatus } from '../../src/protocol/engine-status.ts';
import { TRACE_PREFIX } from '../../src/runtime/load-trace.ts';
import { launchWithExtension, type ExtensionBrowser } from '../../tests/e2e/helpers/browser.ts';
import { checkEngineIdle, engineStatus } from '../../tests/e2e/helpers/extension-calls.ts';
import { openOursPage } from './ours-page.ts';
import { attachToTarget } from './target-session.ts';

/** A step of the engine's cold start as its status described it, ms after the toggle click. */
export interface ColdStep {
  atMs: number;
  state: EngineStatus['state'];
  detail: string;
}

/** Polls the engine status every ~100 ms until stopped: its steps, epoch ms (Node's clock = the browser's). */
export function watchEngineSteps(sw: Worker): { stop(sinceEpochMs: number): Promise<ColdStep[]> } {
  const steps: ColdStep[] = [];
  let polling = true;
  const poller = (async () => {
    while (polling) {
      const status = await engineStatus(sw).catch(() => null);
      const last = steps.at(-1);
      if (status && (last?.detail !== status.detail || last.state !== status.state)) {
        steps.push({ atMs: Date.now(), state: status.state, detail: status.detail });
      }
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  return {
    async stop(since) {
      polling = false;
      await poller;
      return steps.map((s) => ({ ...s, atMs: s.atMs - since }));
    },
  };
}

/** A span of the engine's start (src/runtime/load-trace.ts), ms after the toggle click. */
export interface TraceSpan {
  name: string;
  startMs: number;
  endMs: number;
}

export interface ColdRun {
  /** Toggle click to the first box drawn, ms. */
  coldMs: number;
  /** Toolbar button click (the popup opens, the engine starts) to the first box, ms. */
  coldFromButtonMs: number;
  warmMs: number;
  unloadedMs: number;
  coldSteps: ColdStep[];
  /** When the offscreen document started (its time origin), ms after the click; null if not read. */
  documentAtMs: number | null;
  /** The engine's start in that document, span by span. */
  trace: TraceSpan[];
}

/** The `affect-lens:` measures of the offscreen document, relative to `sinceEpochMs`. */
export async function readEngineTrace(
  ext: ExtensionBrowser,
  page: Page,
  sinceEpochMs: number,
): Promise<{ documentAtMs: number; trace: TraceSpan[] }> {
  const cdp = await ext.context.newCDPSession(page);
  const offscreen = await attachToTarget(
    cdp,
    (t) => t.url.startsWith(`chrome-extension://${ext.extensionId}/`) && t.url.includes('offscreen'),
  );
  try {
    const prefix = JSON.stringify(TRACE_PREFIX);
    const reply = await offscreen.send<{ result: { value: string } }>('Runtime.evaluate', {
      expression: `JSON.stringify({ origin: performance.timeOrigin, spans: performance.getEntriesByType('measure')
        .filter((e) => e.name.startsWith(${prefix}))
        .map((e) => ({ name: e.name.slice(${prefix}.length), start: e.startTime, end: e.startTime + e.duration })) })`,
      returnByValue: true,
    });
    const { origin, spans } = JSON.parse(reply.result.value) as {
      origin: number;
      spans: { name: string; start: number; end: number }[];
    };
    const at = origin - sinceEpochMs;
    return {
      documentAtMs: at,
      trace: spans.map((s) => ({ name: s.name, startMs: s.start + at, endMs: s.end + at })),
    };
  } finally {
    await offscreen.detach();
    await cdp.detach();
  }
}

export async function measureColdRuns(
  runs: number,
  pageUrl: string,
  videoSrc: string,
  log: (line: string) => void,
): Promise<ColdRun[]> {
  const results: ColdRun[] = [];
  for (let i = 0; i < runs; i++) {
    const ext = await launchWithExtension();
    try {
      const ours = await openOursPage(ext, pageUrl, videoSrc);
      const steps = watchEngineSteps(ext.serviceWorker);
      const coldAt = await ours.toggle(true);
      const coldMs = await ours.firstDrawn(coldAt);
      const coldFromButtonMs = coldMs + coldAt - ours.buttonAt;
      const coldSteps = await steps.stop(coldAt);
      const { documentAtMs, trace } = await readEngineTrace(ext, ours.page, coldAt);
      await ours.page.waitForTimeout(1000);
      await ours.toggle(false);
      await ours.page.waitForTimeout(1000);
      const warmAt = await ours.toggle(true);
      const warmMs = await ours.firstDrawn(warmAt);
      await ours.toggle(false);
      if (!(await checkEngineIdle(ext.serviceWorker, 0))) throw new Error('The engine could not be unloaded');
      await ours.page.waitForTimeout(1000);
      const unloadedAt = await ours.toggle(true);
      const unloadedMs = await ours.firstDrawn(unloadedAt);
      results.push({ coldMs, coldFromButtonMs, warmMs, unloadedMs, coldSteps, documentAtMs, trace });
      log(
        `cold run ${i + 1}/${runs}: cold ${Math.round(coldMs)} ms (${Math.round(coldFromButtonMs)} ms from the toolbar button), warm ${Math.round(warmMs)} ms, after unload ${Math.round(unloadedMs)} ms`,
      );
    } finally {
      await ext.close();
    }
  }
  return results;
}
