/**
 * eval's command line: its --help spec, and the flags read into an EvalRequest: which eval (classifier with
 * --csv, detector with --boxes/--negatives), the fixed engine options, and the sweep points. Throws UsageError.
 */
import type { AnalyzeOptions } from '../ml/engine-api.ts';
import type { CliIo } from './cli-io.ts';
import { WEIGHTS_OPTION, readWeights } from './emo-weights.ts';
import { RANGES, SMALL_FACES, classifyOptionSpecs, detectOptionSpecs } from './engine-flags.ts';
import { type SweepPoint, sweepPoints } from './eval-sweep.ts';
import {
  readChoice,
  readChoiceList,
  readFlag,
  readNumber,
  readNumberList,
  readOnOff,
  readString,
  readStringList,
} from './flag-readers.ts';
import { type CommandSpec, type OptionValues, UsageError } from './parse-command.ts';

export const MODES = ['crop', 'full'] as const;
export type Mode = (typeof MODES)[number];

export const EVAL_SPEC: CommandSpec = {
  command: 'eval',
  usage: [
    'npm run eval -- --csv <labels.csv> --mode crop|full [--usage <split>] [--model a,b] [--margin x,y] [--limit n]',
    'npm run eval -- [--boxes <boxes.csv>] [--negatives <labels.csv>] [--min-score x,y] [--small-faces m,n]',
  ],
  description:
    'Classifier eval (--csv, columns path,label[,usage]; paths relative to the CSV): accuracy, macro recall\n' +
    '(mean recall over the classes present), per-class recall and confusion matrix (rows true, columns\n' +
    'predicted). crop mode classifies each whole image as a face crop; full mode runs the detector and\n' +
    'classifies the best-scoring face, counting images without a face as wrong.\n' +
    'Detector eval (--boxes, columns path,x,y,w,h[,ignore]; --negatives, column path): a face counts as\n' +
    'found when its centre lies inside a detection or IoU >= 0.3; each detection matches one face.\n' +
    'Comma lists evaluate every combination and end with a summary table.\n' +
    'Exit code: 0 ok, 1 when some image could not be read or analysed, 2 on usage errors.',
  positionals: false,
  options: {
    csv: {
      type: 'string',
      value: '<labels.csv>',
      description: 'classifier eval: CSV with path,label[,usage]',
    },
    mode: {
      type: 'string',
      value: '<crop|full>',
      description: 'crop: whole image is the face; full: detect then classify',
    },
    usage: {
      type: 'string',
      value: '<split>',
      description: 'only rows with this usage, e.g. PublicTest (tune) or PrivateTest (report)',
    },
    limit: {
      type: 'string',
      value: '<n>',
      description: 'use n evenly spaced rows (sorted CSVs keep every class)',
    },
    boxes: {
      type: 'string',
      value: '<boxes.csv>',
      description: 'detector eval: CSV with path,x,y,w,h[,ignore] (one row per face)',
    },
    negatives: {
      type: 'string',
      value: '<labels.csv>',
      description: 'detector eval: CSV with path of images without faces',
    },
    json: { type: 'boolean', description: 'print one JSON document with every result instead of tables' },
    ...classifyOptionSpecs(true),
    ...WEIGHTS_OPTION,
    ...detectOptionSpecs(true),
  },
  examples: [
    'npm run eval -- --csv ../shared/data/fer2013-test/labels.csv --mode crop --usage PublicTest --model mini-xception,face-api-expression',
    'npm run eval -- --csv ../shared/data/fer2013-test/labels.csv --mode full --usage PublicTest --margin 0,0.1,0.2 --limit 700',
    'npm run eval -- --boxes ../shared/data/face-boxes/dlib-pascalvoc/boxes.csv --negatives ../shared/data/face-boxes/negatives-noface/labels.csv --small-faces off,full-range',
  ],
};

export interface EvalRequest {
  json: boolean;
  /** --weights: the user's EMO-AffectNet file (emo-weights.ts). */
  weights?: string | undefined;
  fixed: Partial<AnalyzeOptions>;
  points: SweepPoint[];
  classification?: { csv: string; mode: Mode; usage?: string; limit?: number };
  boxes?: string;
  negatives?: string;
}

export function readEvalRequest(values: OptionValues, io: CliIo): EvalRequest {
  const csv = readString(values, 'csv');
  const boxes = readString(values, 'boxes');
  const negatives = readString(values, 'negatives');
  if (csv === undefined && boxes === undefined && negatives === undefined) {
    throw new UsageError(
      'eval: give --csv <labels.csv> (classifier) or --boxes/--negatives <csv> (detector); see --help',
    );
  }
  if (csv !== undefined && (boxes !== undefined || negatives !== undefined)) {
    throw new UsageError(
      'eval: --csv (classifier eval) cannot be combined with --boxes/--negatives (detector eval); run them separately',
    );
  }
  const fixed: Partial<AnalyzeOptions> = {};
  const nmsIoU = readNumber(values, 'nms-iou', RANGES.nmsIoU);
  if (nmsIoU !== undefined) fixed.nmsIoU = nmsIoU;
  const maxFaces = readNumber(values, 'max-faces', RANGES.maxFaces);
  if (maxFaces !== undefined) fixed.maxFaces = maxFaces;
  const largeFaces = readOnOff(values, 'large-faces');
  if (largeFaces !== undefined) fixed.largeFaces = largeFaces;
  const upright = readOnOff(values, 'upright-crop');
  if (upright !== undefined) fixed.uprightCrop = upright;
  const { weights, models } = readWeights(values, readStringList(values, 'model'), csv !== undefined);
  const margins = readNumberList(values, 'margin', RANGES.margin);
  const minScores = readNumberList(values, 'min-score', RANGES.minScore);
  const smallFaces = readChoiceList(values, 'small-faces', SMALL_FACES);
  const json = readFlag(values, 'json');

  if (csv !== undefined) {
    const mode = readChoice(values, 'mode', MODES);
    if (mode === undefined)
      throw new UsageError(
        'eval: --csv needs --mode crop (whole image is the face) or --mode full (detect first)',
      );
    const usage = readString(values, 'usage');
    const limit = readNumber(values, 'limit', { min: 1, max: 10_000_000, integer: true });
    if (mode === 'crop') {
      const ignored = [
        margins === undefined ? undefined : '--margin',
        minScores === undefined ? undefined : '--min-score',
        smallFaces === undefined ? undefined : '--small-faces',
      ].filter((x) => x !== undefined);
      if (ignored.length > 0) {
        io.err(
          `eval: note: ${ignored.join(', ')} ignored in --mode crop (no detector runs; the whole image is the crop)\n`,
        );
      }
      return {
        json,
        weights,
        fixed,
        points: sweepPoints({ classifierId: models }),
        classification: { csv, mode, usage, limit },
      };
    }
    return {
      json,
      weights,
      fixed,
      points: sweepPoints({ classifierId: models, cropMargin: margins, minScore: minScores, smallFaces }),
      classification: { csv, mode, usage, limit },
    };
  }
  for (const name of ['mode', 'usage', 'limit'] as const) {
    if (values[name] !== undefined)
      throw new UsageError(`eval: --${name} belongs to the classifier eval (--csv); remove it`);
  }
  if (weights !== undefined) {
    throw new UsageError(
      'eval: --weights is for the classifier eval (--csv); the detector eval runs no classifier',
    );
  }
  if (models !== undefined || margins !== undefined) {
    io.err('eval: note: --model/--margin ignored in the detector eval (only the detector runs)\n');
  }
  return {
    json,
    fixed,
    points: sweepPoints({ minScore: minScores, smallFaces }),
    boxes,
    negatives,
  };
}
