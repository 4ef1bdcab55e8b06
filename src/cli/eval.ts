/**
 * `npm run eval -- ...`: measures the engine on labelled data (../shared/data, never copied into the repo).
 * Classifier: --csv labels.csv --mode crop|full -> accuracy, macro recall, per-class recall, confusion matrix
 * (eval-classifier.ts). Detector: --boxes boxes.csv -> recall, false positives per image; --negatives
 * labels.csv -> detections per image on photos without faces (eval-detector.ts). Comma lists (--model a,b
 * --margin 0,0.1 --min-score .5,.6 --small-faces ..) evaluate every combination and end with a summary table.
 */
import { type CliIo, isMainModule, processIo } from './cli-io.ts';
import { type Command, EXIT_FAILED, EXIT_OK, runCommand } from './command.ts';
import { loadWeightsForTool } from './emo-weights.ts';
import { checkClassifierIds } from './engine-flags.ts';
import { runClassifierEval } from './eval-classifier.ts';
import { runDetectorEval } from './eval-detector.ts';
import { Failures } from './eval-images.ts';
import { EVAL_SPEC, type EvalRequest, readEvalRequest } from './eval-options.ts';
import { sweptKeys } from './eval-sweep.ts';
import { type OpenEngine, openNodeEngine } from './open-engine.ts';

const EVAL: Command<EvalRequest, EvalRequest> = {
  spec: EVAL_SPEC,
  options: ({ values }, io) => readEvalRequest(values, io),
  async prepare(request, io) {
    const weights = await loadWeightsForTool('eval', request.weights, io);
    if (weights === null) return EXIT_FAILED;
    return { input: request, engine: weights === undefined ? {} : { extraModels: [weights] } };
  },
  async run(handle, request, io) {
    const models = request.points.map((p) => p.classifierId).filter((id) => id !== undefined);
    if (handle.manifest !== undefined) checkClassifierIds(handle.manifest, models);
    const failures = new Failures(io);
    const keys = sweptKeys(request.points);
    const { classification } = request;
    if (classification !== undefined) {
      await runClassifierEval(handle.engine, { ...request, classification }, io, failures, keys);
    } else {
      await runDetectorEval(handle.engine, request, io, failures, keys);
    }
    if (failures.files.size > 0) {
      io.err(
        `eval: ${failures.files.size} image(s) could not be read or analysed (left out of the metrics); see above\n`,
      );
      return EXIT_FAILED;
    }
    return EXIT_OK;
  },
};

export function runEval(
  argv: readonly string[],
  io: CliIo,
  openEngine: OpenEngine = openNodeEngine,
): Promise<number> {
  return runCommand(EVAL, argv, io, openEngine);
}

if (isMainModule(import.meta.url)) {
  process.exitCode = await runEval(process.argv.slice(2), processIo());
}
