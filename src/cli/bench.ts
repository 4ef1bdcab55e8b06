/**
 * `npm run bench`: per-stage latency of the pipeline in Node with onnxruntime-web wasm (the runtime the
 * extension ships). For every classifier in the manifest and every image: the pipeline rows
 * (bench-pipeline.ts); then per-face latency of each image as a still vs as frames of a video
 * (bench-video.ts), and each classifier alone at batch 1 and batch n (bench-classifiers.ts). With --weights,
 * the user's EMO-AffectNet joins as a classifier, and an EMO-AffectNet section adds import time and size of
 * the float32 and float16 builds and how far float16 moves the logits (bench-emo-affectnet.ts).
 */
import { cpus } from 'node:os';
import { benchClassifierRows } from './bench-classifiers.ts';
import { EMO_FP16_ID, emoReport, loadEmoBuilds, withFp16Build } from './bench-emo-affectnet.ts';
import { type BenchImage, loadBenchImages } from './bench-images.ts';
import { BENCH_SPEC, type BenchOptions, readBenchOptions } from './bench-options.ts';
import { benchPipelineRows } from './bench-pipeline.ts';
import { printBench } from './bench-report.ts';
import { benchVideoRows } from './bench-video.ts';
import { type CliIo, isMainModule, processIo } from './cli-io.ts';
import { type Command, EXIT_FAILED, EXIT_OK, runCommand } from './command.ts';
import type { LoadedWeights } from './emo-weights.ts';
import { checkClassifierIds, classifierIds } from './engine-flags.ts';
import { type OpenEngine, openNodeEngine } from './open-engine.ts';

interface BenchInput extends BenchOptions {
  images: BenchImage[];
  /** Arguments that could not be read (reported): bench still runs, and exits with 1. */
  failed: number;
  /** The --weights builds (bench-emo-affectnet.ts), float32 first. */
  emo: LoadedWeights[];
}

const BENCH: Command<BenchOptions, BenchInput> = {
  spec: BENCH_SPEC,
  options: ({ values, positionals }) => readBenchOptions(values, positionals),
  async prepare(options, io) {
    let images: BenchImage[] = [];
    let failed = 0;
    if (!options.pipeline) {
      if (options.positionals.length > 0) io.err('bench: --no-pipeline: the images given are not used\n');
    } else {
      const loaded = await loadBenchImages(options.positionals, options.dataDir, io);
      if (typeof loaded === 'number') return loaded;
      ({ images, failed } = loaded);
    }
    const emo = await loadEmoBuilds(options.weightsPath, io);
    if (emo === null) return EXIT_FAILED;
    return {
      input: { ...options, images, failed, emo },
      engine: {
        ...(options.threads === undefined ? {} : { numThreads: options.threads }),
        ...(emo.length === 0 ? {} : { extraModels: emo }),
      },
    };
  },
  async run(handle, input, io) {
    const { limits, options, threads, images, pipeline } = input;
    const ids =
      input.models ??
      (handle.manifest === undefined
        ? [handle.engine.defaults.classifierId]
        : classifierIds(handle.manifest).filter((id) => id !== EMO_FP16_ID));
    if (handle.manifest !== undefined) checkClassifierIds(handle.manifest, ids);
    const cpu = cpus();
    const environment =
      `${handle.backendName ?? 'engine'}${threads === undefined ? '' : `, ${threads} thread(s)`}; Node ${process.version}; ` +
      `${cpu.length} x ${cpu[0]?.model.trim() ?? 'unknown CPU'}`;
    io.err(
      `bench: ${environment}\n` +
        (pipeline
          ? `bench: ${ids.length} classifier(s) x ${images.length} image(s); warm-up ${limits.warmup}, ` +
            `then >= ${limits.runs} runs and >= ${limits.seconds} s each (max ${limits.maxSeconds} s)\n`
          : 'bench: --no-pipeline: classifier rows only\n'),
    );
    const rows = pipeline ? await benchPipelineRows(handle, ids, images, options, limits, io) : [];
    // Video mode vs still, default (first) classifier only: the detector passes are what differ.
    const videoClassifier = ids[0];
    const videoRows =
      pipeline && input.videoMode && videoClassifier !== undefined
        ? await benchVideoRows(
            handle.engine,
            images,
            { ...options, classifierId: videoClassifier },
            limits,
            io,
          )
        : [];
    // Classifiers alone, batch 1 vs batch n: the ids asked for, plus the fp16 build beside the fp32 one.
    const batches = await benchClassifierRows(handle, withFp16Build(ids), input.batch, limits, io);
    const emoAffectNet = await emoReport(input.emo, handle.backend, input.dataDir, input.cropCount, io);
    printBench(io, input.json, {
      environment,
      limits,
      options,
      rows,
      videoMode: videoRows,
      videoClassifier,
      batches,
      emoAffectNet,
    });
    return input.failed > 0 ? EXIT_FAILED : EXIT_OK;
  },
};

export function runBench(
  argv: readonly string[],
  io: CliIo,
  openEngine: OpenEngine = openNodeEngine,
): Promise<number> {
  return runCommand(BENCH, argv, io, openEngine);
}

if (isMainModule(import.meta.url)) {
  process.exitCode = await runBench(process.argv.slice(2), processIo());
}
