/**
 * `npm run analyze -- <files or folders> [options]`: finds faces and their emotions in image files
 * (analyze-images.ts), or with --temporal in videos and frame folders (analyze-temporal.ts).
 * Exit code: 0 all files analysed, 1 some file failed, 2 usage error.
 */
import { ANALYZE_SPEC, type AnalyzeCliOptions, readAnalyzeOptions } from './analyze-options.ts';
import { type ImagesInput, analyzeImages, prepareImages } from './analyze-images.ts';
import { type StreamsInput, analyzeTemporal, prepareStreams } from './analyze-temporal.ts';
import { type CliIo, isMainModule, processIo } from './cli-io.ts';
import { type Command, runCommand } from './command.ts';
import { type OpenEngine, openNodeEngine } from './open-engine.ts';

const ANALYZE: Command<AnalyzeCliOptions, ImagesInput | StreamsInput> = {
  spec: ANALYZE_SPEC,
  options: ({ values, positionals }) => readAnalyzeOptions(values, positionals),
  prepare: (cli, io) =>
    cli.temporalPath !== undefined && cli.weightsPath !== undefined
      ? prepareStreams(cli, cli.weightsPath, cli.temporalPath, io)
      : prepareImages(cli, io),
  run: (handle, input, io) =>
    input.mode === 'streams' ? analyzeTemporal(handle, input, io) : analyzeImages(handle, input, io),
};

export function runAnalyze(
  argv: readonly string[],
  io: CliIo,
  openEngine: OpenEngine = openNodeEngine,
): Promise<number> {
  return runCommand(ANALYZE, argv, io, openEngine);
}

if (isMainModule(import.meta.url)) {
  process.exitCode = await runAnalyze(process.argv.slice(2), processIo());
}
