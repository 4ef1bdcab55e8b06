/**
 * Turns the raw measurements of Affect Lens and the peer into one table (metric | Affect Lens | peer |
 * ratio | target | load average) and a JSON report. Ratios are Affect Lens / peer.
 */
import type { FrameTiming } from '../../src/protocol/frames.ts';
import type { Stage } from '../../src/ml/engine-api.ts';
import type { AffectLensResult } from './affect-lens.ts';
import type { CpuSampler } from './cpu-sampler.ts';
import type { LoadSampler } from './load-sampler.ts';
import type { PeerResult } from './peer.ts';
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
    peerSeconds: number;
    baselineSeconds: number;
    maxFps: number | null;
    encoding: string | null;
    /** The clip shrunk to a quarter inside its frame (--small-face). */
    smallFace: boolean;
  };
  engine: { provider: string | null; classifierId: string | null; framesDroppedByHost: number };
  peer: { version: string; tfjsVersion: string; backend: string | null; crossOriginIsolated: boolean };
  load: Record<string, { mean: number; min: number; max: number } | null>;
  /** The browser's CPU time (all its processes, /proc) and wall time per phase, ms; null off Linux. */
  cpu: Record<string, { cpuMs: number; wallMs: number; byKind: Record<string, number> } | null> | null;
  rows: Row[];
  /** Where Affect Lens's time per frame goes, ms (means over the steady run). */
  profile: Record<string, Summary>;
  memory: AffectLensResult['memory'];
  coldSteps: AffectLensResult['coldSteps'];
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
  peer: PeerResult;
  load: LoadSampler;
  /** null where the browser's CPU time cannot be read. */
  cpu: CpuSampler | null;
  settings: Report['settings'];
  machine: Report['machine'];
}): Report {
  const { ours, peer, load, cpu } = input;
  const phases = [
    'baseline',
    'cold',
    'warm',
    'steady',
    'compare',
    'unloaded',
    'peer-cold',
    'peer-steady',
    'peer-warm',
  ];
  const loads = Object.fromEntries(phases.map((p) => [p, load.during(p)]));
  const loadOf = (phase: string) => loads[phase]?.mean ?? null;

  const frames = ours.frames;
  const drawn = frames.filter((f) => f.drawnAtEpochMs !== null);
  const engine = summarize(frames.map((f) => f.engineMs));
  const transport = summarize(frames.map((f) => f.encodeMs + f.wireMs + f.decodeMs));
  const withTransport = summarize(frames.map((f) => f.engineMs + f.encodeMs + f.wireMs + f.decodeMs));
  const latency = summarize(drawn.map((f) => f.drawnAtEpochMs! - f.capturedAtEpochMs));
  const peerDetect = summarize(peer.frames.map((f) => f.detectMs));
  const peerDrawn = peer.frames.filter((f) => f.drawnAtMs !== null);
  const peerLatency = summarize(peerDrawn.map((f) => f.drawnAtMs! - f.capturedAtMs));

  const profile: Record<string, Summary> = {};
  for (const stage of STAGES)
    profile[`engine: ${stage}`] = summarize(frames.map((f) => f.stages[stage] ?? 0));
  profile['engine: total'] = engine;
  profile['transport: encode (page)'] = summarize(frames.map((f) => f.encodeMs));
  profile['transport: wire'] = summarize(frames.map((f) => f.wireMs));
  profile['transport: decode (engine host)'] = summarize(frames.map((f) => f.decodeMs));
  profile['queue (engine host)'] = summarize(frames.map((f) => f.queueMs));
  profile['reply (engine to page)'] = summarize(
    frames.map(
      (f) =>
        f.resultAtEpochMs - f.capturedAtEpochMs - f.encodeMs - f.wireMs - f.decodeMs - f.queueMs - f.engineMs,
    ),
  );
  profile['result to drawn (page)'] = summarize(drawn.map((f) => f.drawnAtEpochMs! - f.resultAtEpochMs));
  profile['capture to drawn'] = latency;
  profile['peer: detect()'] = peerDetect;
  profile['peer: capture to drawn'] = peerLatency;

  const rows: Row[] = [];
  const row = (
    metric: string,
    unit: string,
    o: number | null,
    p: number | null,
    target: string,
    met: boolean | null,
    oursPhase: string,
    peerPhase: string | null,
  ) => {
    const finite = (n: number | null) => (n !== null && Number.isFinite(n) ? n : null);
    const a = finite(o);
    const b = finite(p);
    rows.push({
      metric,
      unit,
      ours: a,
      peer: b,
      ratio: a !== null && b !== null && b !== 0 ? a / b : null,
      target,
      met: a === null ? null : met,
      load: { ours: loadOf(oursPhase), peer: peerPhase ? loadOf(peerPhase) : null },
    });
  };
  const peerCapacity = 1000 / peerDetect.mean;
  const capacity = 1000 / engine.mean;
  row(
    'analysis capacity (1000 / mean engine time)',
    'fps',
    capacity,
    peerCapacity,
    '>= peer',
    capacity >= peerCapacity,
    'steady',
    'peer-steady',
  );
  row(
    '  mean time per frame (engine; peer: detect())',
    'ms',
    engine.mean,
    peerDetect.mean,
    '',
    null,
    'steady',
    'peer-steady',
  );
  row(
    '  capacity counting transport too',
    'fps',
    1000 / withTransport.mean,
    peerCapacity,
    '',
    null,
    'steady',
    'peer-steady',
  );
  row(
    'frames actually analysed',
    'fps',
    frames.length / ours.steadySeconds,
    peer.frames.length / peer.seconds,
    '',
    null,
    'steady',
    'peer-steady',
  );
  row(
    '  frames analysed (count)',
    'frames',
    frames.length,
    peer.frames.length,
    '',
    null,
    'steady',
    'peer-steady',
  );
  rows.at(-1)!.ratio = null; // the two runs last differently long: only the rates compare
  row(
    'capture to overlay drawn, median',
    'ms',
    latency.median,
    peerLatency.median,
    '<= 50 ms',
    latency.median <= 50,
    'steady',
    'peer-steady',
  );
  row('capture to overlay drawn, p95', 'ms', latency.p95, peerLatency.p95, '', null, 'steady', 'peer-steady');
  row(
    'transport per frame (encode + wire + decode), mean',
    'ms',
    transport.mean,
    0,
    '<= 5 ms',
    transport.mean <= 5,
    'steady',
    null,
  );
  row('  transport per frame, median', 'ms', transport.median, 0, '', null, 'steady', null);
  row(
    'toggle to first result, cold (peer: page load)',
    'ms',
    ours.firstResultMs.cold,
    peer.firstResultMs.cold,
    '<= 1000 ms',
    ours.firstResultMs.cold <= 1000,
    'cold',
    'peer-cold',
  );
  row(
    'toggle to first result, warm (peer: reload)',
    'ms',
    ours.firstResultMs.warm,
    peer.firstResultMs.warm,
    '<= 1000 ms',
    ours.firstResultMs.warm <= 1000,
    'warm',
    'peer-warm',
  );
  row(
    '  cold again, after the engine was unloaded',
    'ms',
    ours.firstResultMs.unloaded,
    null,
    '',
    null,
    'unloaded',
    null,
  );
  row(
    'video dropped frames, no analysis',
    '%',
    ours.droppedWithout.percent,
    null,
    '',
    null,
    'baseline',
    null,
  );
  row(
    'video dropped frames, analysing',
    '%',
    ours.droppedWith.percent,
    peer.dropped.percent,
    '',
    null,
    'steady',
    'peer-steady',
  );
  const m30 = memoryBytes(ours.memory.at30s) / MIB;
  const mEnd = memoryBytes(ours.memory.atEnd) / MIB;
  row('offscreen document memory at 30 s', 'MiB', m30, null, '', null, 'steady', null);
  // What the user pays: the whole browser's CPU time (renderer, offscreen document, GPU and utility
  // processes) per analysed frame, and as a share of the machine, while each side analyses the clip.
  const cpuOf = (phase: string) => cpu?.during(phase) ?? null;
  const oursCpu = cpuOf('steady');
  const peerCpu = cpuOf('peer-steady');
  const perFrame = (c: { cpuMs: number } | null, n: number) => (c && n > 0 ? c.cpuMs / n : null);
  const oursCpuPerFrame = perFrame(oursCpu, frames.length);
  const peerCpuPerFrame = perFrame(peerCpu, peer.frames.length);
  row(
    'browser CPU per analysed frame (all processes)',
    'ms',
    oursCpuPerFrame,
    peerCpuPerFrame,
    '<= 0.5x peer',
    oursCpuPerFrame !== null && peerCpuPerFrame !== null ? oursCpuPerFrame <= 0.5 * peerCpuPerFrame : null,
    'steady',
    'peer-steady',
  );
  const share = (c: { cpuMs: number; wallMs: number } | null) =>
    c && c.wallMs > 0 ? (100 * c.cpuMs) / c.wallMs / input.machine.cpus : null;
  row(
    '  browser CPU share of the machine',
    '%',
    share(oursCpu),
    share(peerCpu),
    '',
    null,
    'steady',
    'peer-steady',
  );
  // The same browser playing the clip with no analysis at all: the part of the above that is not ours.
  row(
    '  the same, video alone (no analysis)',
    '%',
    share(cpuOf('baseline')),
    null,
    '',
    null,
    'baseline',
    null,
  );
  row(
    `offscreen document memory at ${Math.round(ours.memory.endSeconds)} s`,
    'MiB',
    mEnd,
    null,
    'flat (within 5%)',
    mEnd <= m30 * 1.05,
    'steady',
    null,
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
    peer: {
      version: peer.version,
      tfjsVersion: peer.tfjsVersion,
      backend: peer.backend,
      crossOriginIsolated: peer.crossOriginIsolated,
    },
    load: loads,
    cpu: cpu ? Object.fromEntries(phases.map((p) => [p, cpu.during(p)])) : null,
    rows,
    profile,
    memory: ours.memory,
    coldSteps: ours.coldSteps,
    encodings: [
      encodingFigures(ours.encodings.steady, frames, ours.steadySeconds),
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
  const loads = Object.entries(r.load)
    .map(([k, l]) => `${k} ${l ? `${l.mean.toFixed(1)} (${l.min.toFixed(1)}-${l.max.toFixed(1)})` : '-'}`)
    .join(', ');
  return [
    `Affect Lens vs @vladmandic/human ${r.peer.version} (tfjs ${r.peer.tfjsVersion}, ${r.peer.backend ?? '?'} backend${r.peer.crossOriginIsolated ? ', isolated' : ''}), talking-head clip 640x360${r.settings.smallFace ? ' shrunk to a quarter (small face)' : ''}, headless ${r.machine.chromium}, ${r.machine.cpus} CPUs`,
    `Affect Lens: ${r.engine.provider ?? '?'} provider, classifier ${r.engine.classifierId ?? '?'}, maxFps ${r.settings.maxFps ?? 'default'}, encoding ${r.settings.encoding ?? 'default'}, steady run to ${r.settings.minutes} min; peer ${r.settings.peerSeconds} s`,
    '',
    table(['metric', 'Affect Lens', 'peer', 'ratio', 'target', 'load avg (ours / peer)'], rows),
    '',
    'Where the time per frame goes (Affect Lens, ms):',
    table(['part', 'mean', 'median', 'p95', 'n'], profile),
    '',
    'Cold start, as the engine status described it (ms after the toggle click):',
    ...r.coldSteps.map((s) => `  ${String(Math.round(s.atMs)).padStart(7)}  ${s.state}: ${s.detail}`),
    ...encodings,
    '',
    `1-minute load average by phase, mean (min-max): ${loads}`,
    ...cpuLines(r),
  ].join('\n');
}

/** Where the browser's CPU goes while each side analyses, per process kind, ms per analysed frame. */
function cpuLines(r: Report): string[] {
  const framesOf = (metric: string) => r.rows.find((row) => row.metric === metric);
  const counts = framesOf('  frames analysed (count)');
  const line = (label: string, phase: string, frames: number | null | undefined) => {
    const c = r.cpu?.[phase];
    if (!c || !frames) return null;
    const parts = Object.entries(c.byKind)
      .sort((a, b) => b[1] - a[1])
      .map(([kind, ms]) => `${kind} ${(ms / frames).toFixed(1)}`);
    return `  ${label}: ${parts.join(', ')}`;
  };
  const lines = [line('Affect Lens', 'steady', counts?.ours), line('peer', 'peer-steady', counts?.peer)];
  const shown = lines.filter((l): l is string => l !== null);
  return shown.length ? ['', 'Browser CPU per analysed frame by process kind, ms:', ...shown] : [];
}
