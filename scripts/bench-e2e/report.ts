/**
 * Turns the raw measurements of Affect Lens and the peer into tables (the headline: metric | Affect Lens |
 * peer | ratio | target | load average; then every pairing of the interleaved blocks, and the cold runs) and
 * a JSON report. Ratios are Affect Lens / peer.
 */
import type { FrameTiming } from '../../src/protocol/frames.ts';
import type { Stage } from '../../src/ml/engine-api.ts';
import type { AffectLensResult } from './affect-lens.ts';
import type { BlockResult, Pairing } from './blocks.ts';
import type { ColdRun } from './cold-runs.ts';
import type { CpuSampler } from './cpu-sampler.ts';
import type { LoadSampler } from './load-sampler.ts';
import type { PeerInfo } from './peer.ts';
import { comparisons, pairingFigures, type Comparison, type PairingFigures } from './pairings.ts';
import { summarize, type Summary } from './stats.ts';

export interface Row {
  metric: string;
  unit: string;
  ours: number | null;
  peer: number | null;
  /** ours / peer, null when either is missing. */
  ratio: number | null;
  target: string;
  /** Whether ours meets the target; null without a target. */
  met: boolean | null;
  /** Mean 1-minute load average while each side was measured. */
  load: { ours: number | null; peer: number | null };
}

export interface Report {
  date: string;
  machine: { cpus: number; chromium: string; node: string };
  settings: {
    minutes: number;
    baselineSeconds: number;
    rounds: number;
    blockSeconds: number;
    settleSeconds: number;
    coldRuns: number;
    maxFps: number | null;
    encoding: string | null;
    /** The clip shrunk to a quarter inside its frame (--small-face). */
    smallFace: boolean;
  };
  engine: { provider: string | null; classifierId: string | null; framesDroppedByHost: number };
  peer: PeerInfo;
  load: Record<string, { mean: number; min: number; max: number } | null>;
  /** The browser's CPU time (all its processes, /proc) and wall time per phase, ms; null off Linux. */
  cpu: Record<string, { cpuMs: number; wallMs: number; byKind: Record<string, number> } | null> | null;
  rows: Row[];
  /** Every pairing of the interleaved blocks, and each Affect Lens pairing against the peer's. */
  pairings: PairingFigures[];
  comparisons: Comparison[];
  /** Where Affect Lens's time per frame goes, ms (its default pairing's blocks, one face). */
  profile: Record<string, Summary>;
  memory: AffectLensResult['memory'];
  coldSteps: AffectLensResult['coldSteps'];
  /** Fresh browsers, each toggled cold, warm and after an unload (cold-runs.ts); null when not run. */
  coldRuns: {
    runs: ColdRun[];
    cold: Summary;
    coldFromButton: Summary;
    warm: Summary;
    unloaded: Summary;
  } | null;
  /** The steady run's frame encoding and the other one measured right after it, same clip and browser. */
  encodings: EncodingFigures[];
}

export interface EncodingFigures {
  encoding: string;
  frames: number;
  analyzedFps: number;
  transport: Summary;
  encode: Summary;
  wire: Summary;
  decode: Summary;
  captureToDrawn: Summary;
}

function encodingFigures(encoding: string, frames: FrameTiming[], seconds: number): EncodingFigures {
  const drawn = frames.filter((f) => f.drawnAtEpochMs !== null);
  return {
    encoding,
    frames: frames.length,
    analyzedFps: frames.length / seconds,
    transport: summarize(frames.map((f) => f.encodeMs + f.wireMs + f.decodeMs)),
    encode: summarize(frames.map((f) => f.encodeMs)),
    wire: summarize(frames.map((f) => f.wireMs)),
    decode: summarize(frames.map((f) => f.decodeMs)),
    captureToDrawn: summarize(drawn.map((f) => f.drawnAtEpochMs! - f.capturedAtEpochMs)),
  };
}

const STAGES: readonly Stage[] = ['preprocess', 'detector', 'nms', 'crop', 'classifier'];
const MIB = 2 ** 20;

function memoryBytes(m: AffectLensResult['memory']['at30s']): number {
  return m.userAgentSpecificBytes ?? m.jsHeapUsedBytes + m.embedderHeapUsedBytes + m.backingStorageBytes;
}

export function buildReport(input: {
  ours: AffectLensResult;
  peer: { info: PeerInfo; firstResultMs: { cold: number; warm: number } };
  pairings: readonly Pairing[];
  blocks: readonly BlockResult[];
  /** The Affect Lens pairing that runs as the extension does by default on this machine (one face). */
  defaultPairing: string;
  /** The same with four faces. */
  defaultPairing4: string;
  coldRuns: ColdRun[];
  load: LoadSampler;
  /** null where the browser's CPU time cannot be read. */
  cpu: CpuSampler | null;
  settings: Report['settings'];
  machine: Report['machine'];
}): Report {
  const { ours, peer, load, cpu } = input;
  const phases = ['baseline', 'cold', 'warm', 'steady', 'compare', 'unloaded', 'peer-cold', 'peer-warm'];
  const loads: Report['load'] = Object.fromEntries(phases.map((p) => [p, load.during(p)]));
  const loadOf = (phase: string) => loads[phase]?.mean ?? null;

  const figures = input.pairings.map((p) => pairingFigures(p, input.blocks, input.machine.cpus));
  const compared = comparisons(figures);
  const figure = (id: string) => figures.find((f) => f.id === id) ?? null;
  const peerOf = (faces: number) => figures.find((f) => f.side === 'peer' && f.faces === faces) ?? null;
  const mainOurs = figure(input.defaultPairing);
  const mainPeer = peerOf(1);
  // Both at their best: the Affect Lens pairing (any thread count, popup closed) with the highest capacity.
  const bestOf = (faces: number) =>
    figures
      .filter(
        (f) => f.side === 'ours' && f.faces === faces && !input.pairings.find((p) => p.id === f.id)?.popup,
      )
      .sort((a, b) => b.capacityFps - a.capacityFps)[0] ?? null;
  const best1 = bestOf(1);
  const best4 = bestOf(4);
  const peer4 = peerOf(4);
  // The CPU a user pays is the default's (a faster setting may cost more CPU per frame).
  const default4 = figure(input.defaultPairing4);

  const defaultTimings = input.blocks
    .filter((b) => b.pairing === input.defaultPairing)
    .flatMap((b) => b.timings);
  const drawn = defaultTimings.filter((f) => f.drawnAtEpochMs !== null);
  const profile: Record<string, Summary> = {};
  for (const stage of STAGES)
    profile[`engine: ${stage}`] = summarize(defaultTimings.map((f) => f.stages[stage] ?? 0));
  profile['engine: total'] = summarize(defaultTimings.map((f) => f.engineMs));
  profile['transport: encode (page)'] = summarize(defaultTimings.map((f) => f.encodeMs));
  profile['transport: wire'] = summarize(defaultTimings.map((f) => f.wireMs));
  profile['transport: decode (engine host)'] = summarize(defaultTimings.map((f) => f.decodeMs));
  profile['queue (engine host)'] = summarize(defaultTimings.map((f) => f.queueMs));
  profile['reply (engine to page)'] = summarize(
    defaultTimings.map(
      (f) =>
        f.resultAtEpochMs - f.capturedAtEpochMs - f.encodeMs - f.wireMs - f.decodeMs - f.queueMs - f.engineMs,
    ),
  );
  profile['result to drawn (page)'] = summarize(drawn.map((f) => f.drawnAtEpochMs! - f.resultAtEpochMs));
  profile['capture to drawn'] = summarize(drawn.map((f) => f.drawnAtEpochMs! - f.capturedAtEpochMs));

  const rows: Row[] = [];
  const row = (
    metric: string,
    unit: string,
    o: number | null | undefined,
    p: number | null | undefined,
    target: string,
    met: (ours: number, peer: number | null) => boolean | null,
    load: { ours: number | null | undefined; peer: number | null | undefined },
  ) => {
    const finite = (n: number | null | undefined) =>
      n !== null && n !== undefined && Number.isFinite(n) ? n : null;
    const a = finite(o);
    const b = finite(p);
    rows.push({
      metric,
      unit,
      ours: a,
      peer: b,
      ratio: a !== null && b !== null && b !== 0 ? a / b : null,
      target,
      met: a === null ? null : met(a, b),
      load: { ours: load.ours ?? null, peer: load.peer ?? null },
    });
  };
  const none = () => null;
  const atMostHalf = (a: number, b: number | null) => (b === null ? null : a <= 0.5 * b);
  const ratioAtLeast = (x: number) => (a: number, b: number | null) => (b === null ? null : a >= x * b);
  const loads2 = (o: PairingFigures | null, p: PairingFigures | null) => ({ ours: o?.load, peer: p?.load });
  row(
    `analysis capacity, 1 face (best: ${best1?.label ?? '-'})`,
    'fps',
    best1?.capacityFps,
    mainPeer?.capacityFps,
    '>= 2x peer',
    ratioAtLeast(2),
    loads2(best1, mainPeer),
  );
  row(
    `  the default (${mainOurs?.label ?? '-'})`,
    'fps',
    mainOurs?.capacityFps,
    mainPeer?.capacityFps,
    '',
    none,
    loads2(mainOurs, mainPeer),
  );
  row(
    `analysis capacity, 4 faces (${best4?.label ?? '-'})`,
    'fps',
    best4?.capacityFps,
    peer4?.capacityFps,
    '>= 2x peer',
    ratioAtLeast(2),
    loads2(best4, peer4),
  );
  row(
    'frames actually analysed, 1 face (ours: 15 fps cap)',
    'fps',
    mainOurs?.analysedFps,
    mainPeer?.analysedFps,
    '',
    none,
    loads2(mainOurs, mainPeer),
  );
  row(
    `browser CPU per analysed frame, 1 face (${mainOurs?.label ?? '-'})`,
    'ms',
    mainOurs?.cpuPerFrameMs,
    mainPeer?.cpuPerFrameMs,
    '<= 0.5x peer',
    atMostHalf,
    loads2(mainOurs, mainPeer),
  );
  row(
    `browser CPU per analysed frame, 4 faces (${default4?.label ?? '-'})`,
    'ms',
    default4?.cpuPerFrameMs,
    peer4?.cpuPerFrameMs,
    '<= 0.5x peer',
    atMostHalf,
    loads2(default4, peer4),
  );
  const popupOpen = figures.find((f) => input.pairings.find((p) => p.id === f.id)?.popup) ?? null;
  row(
    '  browser CPU share, popup closed',
    '%',
    mainOurs?.cpuSharePercent,
    mainPeer?.cpuSharePercent,
    '',
    none,
    loads2(mainOurs, mainPeer),
  );
  row(
    '  browser CPU share, popup open',
    '%',
    popupOpen?.cpuSharePercent,
    null,
    '',
    none,
    loads2(popupOpen, null),
  );
  const share = (c: { cpuMs: number; wallMs: number } | null | undefined) =>
    c && c.wallMs > 0 ? (100 * c.cpuMs) / c.wallMs / input.machine.cpus : null;
  row('  the same, video alone (no analysis)', '%', share(cpu?.during('baseline')), null, '', none, {
    ours: loadOf('baseline'),
    peer: null,
  });
  row(
    'capture to overlay drawn, median, 1 face',
    'ms',
    mainOurs?.latencyMs.median,
    mainPeer?.latencyMs.median,
    '<= 30 ms',
    (a) => a <= 30,
    loads2(mainOurs, mainPeer),
  );
  row(
    'capture to overlay drawn, p95, 1 face',
    'ms',
    mainOurs?.latencyMs.p95,
    mainPeer?.latencyMs.p95,
    '<= 50 ms',
    (a) => a <= 50,
    loads2(mainOurs, mainPeer),
  );
  row(
    'capture to overlay drawn, median, 4 faces',
    'ms',
    default4?.latencyMs.median,
    peer4?.latencyMs.median,
    '',
    none,
    loads2(default4, peer4),
  );
  const runs = input.coldRuns;
  const coldRuns = runs.length
    ? {
        runs,
        cold: summarize(runs.map((r) => r.coldMs)),
        coldFromButton: summarize(runs.map((r) => r.coldFromButtonMs)),
        warm: summarize(runs.map((r) => r.warmMs)),
        unloaded: summarize(runs.map((r) => r.unloadedMs)),
      }
    : null;
  if (coldRuns) {
    row(
      `toggle to first result, cold, max of ${runs.length} fresh browsers`,
      'ms',
      coldRuns.cold.max,
      null,
      '<= 1000 ms',
      (a) => a <= 1000,
      { ours: null, peer: null },
    );
    row(`  median`, 'ms', coldRuns.cold.median, null, '', none, { ours: null, peer: null });
    row(
      `toggle to first result, warm, max of ${runs.length}`,
      'ms',
      coldRuns.warm.max,
      null,
      '<= 200 ms',
      (a) => a <= 200,
      {
        ours: null,
        peer: null,
      },
    );
    row(`  median`, 'ms', coldRuns.warm.median, null, '', none, { ours: null, peer: null });
    row(
      `  after the engine was unloaded, max of ${runs.length}`,
      'ms',
      coldRuns.unloaded.max,
      null,
      '',
      none,
      {
        ours: null,
        peer: null,
      },
    );
    row(`  median`, 'ms', coldRuns.unloaded.median, null, '', none, { ours: null, peer: null });
  }
  row(
    'toggle to first result, cold, this run (peer: page load)',
    'ms',
    ours.firstResultMs.cold,
    peer.firstResultMs.cold,
    '<= 1000 ms',
    (a) => a <= 1000,
    { ours: loadOf('cold'), peer: loadOf('peer-cold') },
  );
  row(
    'toggle to first result, warm, this run (peer: reload)',
    'ms',
    ours.firstResultMs.warm,
    peer.firstResultMs.warm,
    '<= 200 ms',
    (a) => a <= 200,
    { ours: loadOf('warm'), peer: loadOf('peer-warm') },
  );
  row('  cold again, after the engine was unloaded', 'ms', ours.firstResultMs.unloaded, null, '', none, {
    ours: loadOf('unloaded'),
    peer: null,
  });
  row('video dropped frames, no analysis', '%', ours.droppedWithout.percent, null, '', none, {
    ours: loadOf('baseline'),
    peer: null,
  });
  row(
    `video dropped frames, analysing (${Math.round(ours.steadySeconds)} s steady run)`,
    '%',
    ours.droppedWith.percent,
    mainPeer?.droppedPercent,
    'no more than alone',
    (a) => a <= ours.droppedWithout.percent + 0.5,
    { ours: loadOf('steady'), peer: mainPeer?.load },
  );
  const m30 = memoryBytes(ours.memory.at30s) / MIB;
  const mEnd = memoryBytes(ours.memory.atEnd) / MIB;
  row('offscreen document memory at 30 s', 'MiB', m30, null, '', none, {
    ours: loadOf('steady'),
    peer: null,
  });
  row(
    `offscreen document memory at ${Math.round(ours.memory.endSeconds)} s`,
    'MiB',
    mEnd,
    null,
    'flat (within 5%)',
    (a) => a <= m30 * 1.05,
    { ours: loadOf('steady'), peer: null },
  );

  return {
    date: new Date().toISOString(),
    machine: input.machine,
    settings: input.settings,
    engine: {
      provider: ours.status.provider,
      classifierId: ours.status.classifierId,
      framesDroppedByHost: ours.status.stats.framesDropped,
    },
    peer: peer.info,
    load: loads,
    cpu: cpu ? Object.fromEntries(phases.map((p) => [p, cpu.during(p)])) : null,
    rows,
    pairings: figures,
    comparisons: compared,
    profile,
    memory: ours.memory,
    coldSteps: ours.coldSteps,
    coldRuns,
    encodings: [
      encodingFigures(ours.encodings.steady, ours.frames, ours.steadySeconds),
      ...(ours.encodings.other
        ? [
            encodingFigures(
              ours.encodings.other.encoding,
              ours.encodings.other.frames,
              ours.encodings.other.seconds,
            ),
          ]
        : []),
    ],
  };
}

const num = (n: number | null, unit = '') => {
  if (n === null) return '-';
  const digits = Math.abs(n) >= 100 || unit === 'frames' ? 0 : 1;
  return `${n.toFixed(digits)}${unit && unit !== '%' ? ` ${unit}` : unit}`;
};

function table(header: string[], lines: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] ?? '').length)));
  const fmt = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  return [fmt(header), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...lines.map(fmt)].join('\n');
}

export function formatReport(r: Report): string {
  const rows = r.rows.map((row) => [
    row.metric,
    num(row.ours, row.unit),
    num(row.peer, row.unit),
    row.ratio === null ? '-' : `${row.ratio.toFixed(2)}x`,
    row.target === '' ? '' : `${row.target}${row.met === null ? '' : row.met ? ' (met)' : ' (NOT met)'}`,
    `${num(row.load.ours)}${row.load.peer === null ? '' : ` / ${num(row.load.peer)}`}`,
  ]);
  const pairings = r.pairings.map((f) => [
    f.label,
    String(f.faces),
    f.threads,
    `${f.blocks} x ${Math.round(f.seconds / Math.max(1, f.blocks))} s`,
    num(f.capacityFps),
    `${num(f.analysisMs.median)} (${num(f.analysisMs.p95)})`,
    num(f.analysedFps),
    `${num(f.latencyMs.median)} (${num(f.latencyMs.p95)})`,
    num(f.cpuPerFrameMs),
    num(f.cpuSharePercent, '%'),
    num(f.allFacesPercent, '%'),
    num(f.droppedPercent, '%'),
    num(f.load),
  ]);
  const label = (id: string) => r.pairings.find((f) => f.id === id)?.label ?? id;
  const compared = r.comparisons.map(
    (c) =>
      `  ${label(c.ours)} / ${label(c.peer)}: capacity ${c.capacity.toFixed(2)}x (by round ${c.capacityByRound.map((x) => `${x.toFixed(2)}x`).join(', ')}), CPU per frame ${c.cpuPerFrame === null ? '-' : `${c.cpuPerFrame.toFixed(2)}x`}, latency median ${c.latencyMedian.toFixed(2)}x`,
  );
  const byKind = r.pairings
    .filter((f) => Object.keys(f.cpuByKindPerFrameMs).length > 0)
    .map(
      (f) =>
        `  ${f.label}: ${Object.entries(f.cpuByKindPerFrameMs)
          .map(([kind, ms]) => `${kind} ${ms.toFixed(1)}`)
          .join(', ')}`,
    );
  const profile = Object.entries(r.profile).map(([k, s]) => [
    k,
    num(s.mean),
    num(s.median),
    num(s.p95),
    String(s.n),
  ]);
  const [first, second] = r.encodings;
  const encodings =
    first && second
      ? [
          '',
          `Frame encodings side by side: the steady run (${first.encoding}), then ${second.encoding} frames (load ${num(r.load.steady?.mean ?? null)} / ${num(r.load.compare?.mean ?? null)}), ms, median (mean):`,
          table(
            [
              'encoding',
              'transport',
              'encode (page)',
              'wire',
              'decode (host)',
              'capture to drawn',
              'analysed fps',
              'frames',
            ],
            r.encodings.map((e) => [
              e.encoding,
              `${num(e.transport.median)} (${num(e.transport.mean)})`,
              `${num(e.encode.median)} (${num(e.encode.mean)})`,
              `${num(e.wire.median)} (${num(e.wire.mean)})`,
              `${num(e.decode.median)} (${num(e.decode.mean)})`,
              `${num(e.captureToDrawn.median)} (${num(e.captureToDrawn.mean)})`,
              num(e.analyzedFps),
              String(e.frames),
            ]),
          ),
          `  ${first.encoding} / ${second.encoding}: transport median ${(first.transport.median / second.transport.median).toFixed(2)}x, capture to drawn median ${(first.captureToDrawn.median / second.captureToDrawn.median).toFixed(2)}x`,
        ]
      : [];
  const cold = r.coldRuns
    ? [
        '',
        `Toggle to first result over ${r.coldRuns.runs.length} fresh browsers, ms: median (max):`,
        `  cold ${num(r.coldRuns.cold.median)} (${num(r.coldRuns.cold.max)}), from the toolbar button ${num(r.coldRuns.coldFromButton.median)} (${num(r.coldRuns.coldFromButton.max)}), warm ${num(r.coldRuns.warm.median)} (${num(r.coldRuns.warm.max)}), after an unload ${num(r.coldRuns.unloaded.median)} (${num(r.coldRuns.unloaded.max)})`,
        '  where the cold starts went, median ms after the click at which each step was first seen:',
        ...coldStepMedians(r.coldRuns.runs).map(
          ([detail, ms]) => `  ${String(Math.round(ms)).padStart(7)}  ${detail}`,
        ),
        "  and the engine's own spans (src/runtime/load-trace.ts), ms after the click, medians: start -> end (duration):",
        ...traceMedians(r.coldRuns.runs).map(
          (t) =>
            `  ${String(Math.round(t.startMs)).padStart(7)} -> ${String(Math.round(t.endMs)).padStart(5)} (${String(Math.round(t.durationMs)).padStart(4)})  ${t.name}`,
        ),
      ]
    : [];
  const loads = Object.entries(r.load)
    .map(([k, l]) => `${k} ${l ? `${l.mean.toFixed(1)} (${l.min.toFixed(1)}-${l.max.toFixed(1)})` : '-'}`)
    .join(', ');
  const peerThreads =
    r.peer.threads === null ? '' : `, ${r.peer.threads} thread${r.peer.threads === 1 ? '' : 's'}`;
  return [
    `Affect Lens vs @vladmandic/human ${r.peer.version} (tfjs ${r.peer.tfjsVersion}, ${r.peer.backend ?? '?'} backend${peerThreads}, ${r.peer.crossOriginIsolated ? 'cross-origin isolated' : 'NOT isolated'}), talking-head clip 640x360${r.settings.smallFace ? ' shrunk to a quarter (small face)' : ''} and a 2x2 grid of four faces 1280x720, headless ${r.machine.chromium}, ${r.machine.cpus} CPUs`,
    `Affect Lens: ${r.engine.provider ?? '?'} provider, classifier ${r.engine.classifierId ?? '?'}, maxFps ${r.settings.maxFps ?? 'default'}, encoding ${r.settings.encoding ?? 'default'}; interleaved blocks: ${r.settings.rounds} rounds of ${r.settings.blockSeconds} s per pairing (after ${r.settings.settleSeconds} s to settle), order reversed every other round; steady run to ${r.settings.minutes} min`,
    '',
    table(['metric', 'Affect Lens', 'peer', 'ratio', 'target', 'load avg (ours / peer)'], rows),
    '',
    'Every pairing, interleaved blocks (analysis: engine / detect() time; latency: capture to drawn; ms, median (p95)):',
    table(
      [
        'pairing',
        'faces',
        'threads',
        'blocks',
        'capacity fps',
        'analysis',
        'analysed fps',
        'latency',
        'CPU/frame',
        'CPU share',
        'all faces',
        'dropped',
        'load',
      ],
      pairings,
    ),
    ...compared,
    ...(byKind.length ? ['', 'Browser CPU per analysed frame by process kind, ms:', ...byKind] : []),
    '',
    `Where the time per frame goes (Affect Lens, ${label(r.pairings.find((f) => f.side === 'ours')?.id ?? '')}, ms):`,
    table(['part', 'mean', 'median', 'p95', 'n'], profile),
    ...cold,
    '',
    'Cold start of this run, as the engine status described it (ms after the toggle click):',
    ...r.coldSteps.map((s) => `  ${String(Math.round(s.atMs)).padStart(7)}  ${s.state}: ${s.detail}`),
    ...encodings,
    '',
    `1-minute load average by phase, mean (min-max): ${loads}`,
  ].join('\n');
}

/** Each span of the cold runs' engine traces (and the document's start), median start, end and duration. */
export function traceMedians(
  runs: readonly ColdRun[],
): { name: string; startMs: number; endMs: number; durationMs: number }[] {
  const spans = new Map<string, { start: number[]; end: number[]; duration: number[] }>();
  const add = (name: string, start: number, end: number) => {
    const s = spans.get(name) ?? { start: [], end: [], duration: [] };
    s.start.push(start);
    s.end.push(end);
    s.duration.push(end - start);
    spans.set(name, s);
  };
  for (const run of runs) {
    if (run.documentAtMs !== null) add('offscreen document created', run.documentAtMs, run.documentAtMs);
    for (const t of run.trace) add(t.name, t.startMs, t.endMs);
    add('first box drawn', run.coldMs, run.coldMs);
  }
  return [...spans.entries()]
    .map(([name, s]) => ({
      name,
      startMs: summarize(s.start).median,
      endMs: summarize(s.end).median,
      durationMs: summarize(s.duration).median,
    }))
    .sort((a, b) => a.startMs - b.startMs);
}

/** Each cold-start step (its detail text) with the median time it first showed. */
export function coldStepMedians(runs: readonly ColdRun[]): [string, number][] {
  const times = new Map<string, number[]>();
  for (const run of runs) {
    const seen = new Set<string>();
    for (const step of run.coldSteps) {
      const key = `${step.state}: ${step.detail}`;
      if (seen.has(key)) continue;
      seen.add(key);
      times.set(key, [...(times.get(key) ?? []), step.atMs]);
    }
  }
  return [...times.entries()]
    .map(([key, ms]): [string, number] => [key, summarize(ms).median])
    .sort((a, b) => a[1] - b[1]);
}
