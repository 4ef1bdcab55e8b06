/**
 * Argument parsing for the Node tools (node:util parseArgs), their --help text, and the engine flags that
 * analyze, eval and bench share. Bad input throws UsageError (the tools exit with code 2).
 */
import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { ClassifyOptions, DetectOptions, Engine } from '../ml/engine-api.ts';
import type { InferenceBackend } from '../ml/backend.ts';
import type { ClassifierEntry, Manifest, TemporalEntry } from '../ml/manifest.ts';

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  /** Placeholder shown in --help, e.g. "<dir>". */
  value?: string;
  description: string;
  /** May be given several times (values collected in order). */
  multiple?: boolean;
}
export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

export interface CommandSpec {
  /** e.g. "analyze" */
  command: string;
  /** Usage lines, e.g. "npm run analyze -- <files or folders> [options]". */
  usage: readonly string[];
  description: string;
  options: OptionSpecs;
  /** Whether positional arguments are accepted. */
  positionals: boolean;
  examples?: readonly string[];
}

export type OptionValues = Readonly<Record<string, string | boolean | (string | boolean)[] | undefined>>;

export type ParsedCommand = { help: true } | { help: false; values: OptionValues; positionals: string[] };

const HELP_OPTION: OptionSpec = { type: 'boolean', short: 'h', description: 'show this help and exit' };

/** Parses argv (without node and script) against the spec; throws UsageError on unknown or malformed options. */
export function parseCommand(spec: CommandSpec, argv: readonly string[]): ParsedCommand {
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {};
  for (const [name, option] of Object.entries({ ...spec.options, help: HELP_OPTION })) {
    options[name] = {
      type: option.type,
      ...(option.short === undefined ? {} : { short: option.short }),
      ...(option.multiple === true ? { multiple: true } : {}),
    };
  }
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options, allowPositionals: spec.positionals, strict: true });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new UsageError(
      `${spec.command}: ${reason}\nRun \`npm run ${spec.command} -- --help\` for the options.`,
    );
  }
  if (parsed.values.help === true) return { help: true };
  return { help: false, values: parsed.values, positionals: parsed.positionals };
}

/** The --help text: usage, description, aligned option list, examples. */
export function formatHelp(spec: CommandSpec): string {
  const lines: string[] = [];
  spec.usage.forEach((usage, i) => lines.push(`${i === 0 ? 'Usage:' : '      '} ${usage}`));
  lines.push('', spec.description, '', 'Options:');
  const entries = Object.entries({ ...spec.options, help: HELP_OPTION }).map(([name, option]) => {
    const flag = `${option.short === undefined ? '    ' : `-${option.short}, `}--${name}${
      option.type === 'string' ? ` ${option.value ?? '<value>'}` : ''
    }`;
    return { flag, description: option.description };
  });
  const width = Math.max(...entries.map((e) => e.flag.length));
  for (const { flag, description } of entries) {
    const [first = '', ...rest] = description.split('\n');
    lines.push(`  ${flag.padEnd(width)}  ${first}`);
    for (const more of rest) lines.push(`  ${''.padEnd(width)}  ${more}`);
  }
  if (spec.examples !== undefined && spec.examples.length > 0) {
    lines.push('', 'Examples:', ...spec.examples.map((e) => `  ${e}`));
  }
  return lines.join('\n') + '\n';
}

// ---- typed readers over parsed values ----

function rawString(values: OptionValues, name: string): string | undefined {
  const value = values[name];
  if (value === undefined) return undefined;
  if (Array.isArray(value)) {
    const last = value[value.length - 1];
    return typeof last === 'string' ? last : undefined;
  }
  return typeof value === 'string' ? value : undefined;
}

export function readString(values: OptionValues, name: string): string | undefined {
  const value = rawString(values, name);
  if (value !== undefined && value.trim() === '') {
    throw new UsageError(`--${name} needs a value, got an empty string`);
  }
  return value;
}

export function readFlag(values: OptionValues, name: string): boolean {
  return values[name] === true;
}

/** `--name` / `--no-name` pair -> true / false / undefined (engine default); both at once is an error. */
export function readOnOff(values: OptionValues, name: string): boolean | undefined {
  const on = readFlag(values, name);
  const off = readFlag(values, `no-${name}`);
  if (on && off) throw new UsageError(`--${name} and --no-${name} contradict each other; give one`);
  return on ? true : off ? false : undefined;
}

export interface NumberRange {
  min: number;
  max: number;
  integer?: boolean;
}

function describeRange(range: NumberRange): string {
  return `${range.integer === true ? 'an integer' : 'a number'} from ${range.min} to ${range.max}`;
}

export function parseNumber(name: string, text: string, range: NumberRange): number {
  const trimmed = text.trim();
  const value = trimmed === '' ? Number.NaN : Number(trimmed);
  if (
    !Number.isFinite(value) ||
    value < range.min ||
    value > range.max ||
    (range.integer === true && !Number.isInteger(value))
  ) {
    throw new UsageError(`--${name} expects ${describeRange(range)}, got "${text}"`);
  }
  return value;
}

/** One number; a comma list is refused with a hint (sweeps are for eval). */
export function readNumber(values: OptionValues, name: string, range: NumberRange): number | undefined {
  const text = readString(values, name);
  if (text === undefined) return undefined;
  if (text.includes(',')) {
    throw new UsageError(
      `--${name} takes one value here, got the list "${text}" (lists are for \`npm run eval\` sweeps)`,
    );
  }
  return parseNumber(name, text, range);
}

function splitList(name: string, text: string): string[] {
  const items = text.split(',').map((s) => s.trim());
  if (items.some((s) => s === '')) {
    throw new UsageError(`--${name} expects a comma-separated list without empty items, got "${text}"`);
  }
  return items;
}

/** Comma-separated numbers, e.g. `--margin 0,0.1,0.2`; duplicates removed, order kept. */
export function readNumberList(values: OptionValues, name: string, range: NumberRange): number[] | undefined {
  const text = readString(values, name);
  if (text === undefined) return undefined;
  return [...new Set(splitList(name, text).map((item) => parseNumber(name, item, range)))];
}

export function parseChoice<T extends string>(name: string, text: string, choices: readonly T[]): T {
  const found = choices.find((c) => c === text.trim());
  if (found === undefined) {
    throw new UsageError(`--${name} expects one of ${choices.join(', ')}; got "${text}"`);
  }
  return found;
}

export function readChoice<T extends string>(
  values: OptionValues,
  name: string,
  choices: readonly T[],
): T | undefined {
  const text = readString(values, name);
  return text === undefined ? undefined : parseChoice(name, text, choices);
}

export function readChoiceList<T extends string>(
  values: OptionValues,
  name: string,
  choices: readonly T[],
): T[] | undefined {
  const text = readString(values, name);
  if (text === undefined) return undefined;
  return [...new Set(splitList(name, text).map((item) => parseChoice(name, item, choices)))];
}

/** Comma-separated strings, e.g. `--model a,b`. */
export function readStringList(values: OptionValues, name: string): string[] | undefined {
  const text = readString(values, name);
  return text === undefined ? undefined : [...new Set(splitList(name, text))];
}

// ---- engine flags shared by analyze, eval and bench ----

export const SMALL_FACES = [
  'off',
  'full-range',
  'tiling',
  'full-range+tiling',
] as const satisfies readonly DetectOptions['smallFaces'][];

export const RANGES = {
  /** The engine accepts [0, 1): it keeps scores above minScore, so 1 would keep nothing. */
  minScore: { min: 0, max: 0.999 },
  nmsIoU: { min: 0.01, max: 1 },
  maxFaces: { min: 1, max: 1000, integer: true },
  /** Negative margins shrink the box (useful in sweeps: dlib-style tight crops); more than 2 is surely a typo. */
  margin: { min: -0.4, max: 2 },
} as const satisfies Record<string, NumberRange>;

export function detectOptionSpecs(list: boolean): OptionSpecs {
  const many = list ? ' (comma list to sweep)' : '';
  return {
    'min-score': {
      type: 'string',
      value: list ? '<x[,x..]>' : '<x>',
      description: `keep detections scoring above x, 0..1 (engine default: MediaPipe's 0.5)${many}`,
    },
    'nms-iou': {
      type: 'string',
      value: '<x>',
      description: 'IoU above which detections merge in weighted NMS (default 0.3)',
    },
    'small-faces': {
      type: 'string',
      value: list ? '<mode[,mode..]>' : '<mode>',
      description: `small/distant faces: ${SMALL_FACES.join(' | ')}${many}`,
    },
    'large-faces': { type: 'boolean', description: 'retry on a zero-padded frame when nothing is found' },
    'no-large-faces': { type: 'boolean', description: 'do not retry on a zero-padded frame' },
    'max-faces': { type: 'string', value: '<n>', description: 'at most n faces per image' },
  };
}

export function classifyOptionSpecs(list: boolean): OptionSpecs {
  const many = list ? ' (comma list to sweep)' : '';
  return {
    model: {
      type: 'string',
      short: 'm',
      value: list ? '<id[,id..]>' : '<id>',
      description: `emotion classifier id from models/manifest.json${many}`,
    },
    margin: {
      type: 'string',
      value: list ? '<x[,x..]>' : '<x>',
      description: `crop margin around the face box, fraction of the box size per side${many}`,
    },
    'upright-crop': { type: 'boolean', description: 'rotate each crop so the eyes are level' },
    'no-upright-crop': { type: 'boolean', description: 'crop the box as detected, no rotation' },
  };
}

/** Detection options given on the command line (single values); absent ones stay engine defaults. */
export function readDetectOptions(values: OptionValues): Partial<DetectOptions> {
  const options: Partial<DetectOptions> = {};
  const minScore = readNumber(values, 'min-score', RANGES.minScore);
  if (minScore !== undefined) options.minScore = minScore;
  const nmsIoU = readNumber(values, 'nms-iou', RANGES.nmsIoU);
  if (nmsIoU !== undefined) options.nmsIoU = nmsIoU;
  const smallFaces = readChoice(values, 'small-faces', SMALL_FACES);
  if (smallFaces !== undefined) options.smallFaces = smallFaces;
  const largeFaces = readOnOff(values, 'large-faces');
  if (largeFaces !== undefined) options.largeFaces = largeFaces;
  const maxFaces = readNumber(values, 'max-faces', RANGES.maxFaces);
  if (maxFaces !== undefined) options.maxFaces = maxFaces;
  return options;
}

/** Classification options given on the command line (single values). */
export function readClassifyOptions(values: OptionValues): Partial<ClassifyOptions> {
  const options: Partial<ClassifyOptions> = {};
  const model = readString(values, 'model');
  if (model !== undefined) {
    if (model.includes(',')) {
      throw new UsageError(
        `--model takes one id here, got the list "${model}" (lists are for \`npm run eval\` sweeps)`,
      );
    }
    options.classifierId = model;
  }
  const margin = readNumber(values, 'margin', RANGES.margin);
  if (margin !== undefined) options.cropMargin = margin;
  const upright = readOnOff(values, 'upright-crop');
  if (upright !== undefined) options.uprightCrop = upright;
  return options;
}

/** Classifier ids of a manifest, in manifest order. */
export function classifierIds(manifest: Manifest): string[] {
  return manifest.models.filter((m) => m.kind === 'classifier').map((m) => m.id);
}

/** Throws UsageError naming the available classifiers when an id is not a classifier in the manifest. */
export function checkClassifierIds(manifest: Manifest, ids: readonly string[]): void {
  const known = classifierIds(manifest);
  for (const id of ids) {
    if (!known.includes(id)) {
      const detector = manifest.models.some((m) => m.id === id && m.kind === 'detector');
      throw new UsageError(
        `--model ${id}: ${detector ? 'is a detector, not an emotion classifier' : 'no such classifier in models/manifest.json'}; ` +
          `available: ${known.join(', ') || '(none)'}`,
      );
    }
  }
}

/** Text for a thrown value: the message of an Error, else its string form. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

// ---- plumbing shared by the tools ----

/** Where a tool writes; tests capture it, the tools use process streams. */
export interface CliIo {
  /** Writes text to stdout (the caller adds newlines). */
  out(text: string): void;
  /** Writes text to stderr. */
  err(text: string): void;
}

export function processIo(): CliIo {
  // `npm run analyze | head` closes the pipe early: that is a normal end, not a crash.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
    throw error;
  });
  return {
    out: (text) => void process.stdout.write(text),
    err: (text) => void process.stderr.write(text),
  };
}

/** What the tools need from an engine: the engine, the manifest (to list and check ids), and a way to free it. */
export interface EngineHandle {
  engine: Engine;
  manifest?: Manifest;
  /** What runs the models, e.g. "onnxruntime-web wasm". */
  backendName?: string;
  /** The backend under the engine, for bench's raw classifier timings (absent in fakes). */
  backend?: InferenceBackend;
  close?: () => Promise<void>;
}

export interface OpenEngineOptions {
  numThreads?: number;
  /** Classifiers that are not in models/ (the user's EMO-AffectNet import, see emo-weights.ts). */
  extraModels?: readonly { entry: ClassifierEntry; onnx: Uint8Array }[];
  /** Temporal models (EMO-AffectNet's LSTM, see emo-weights.ts), run through the engine's backend. */
  temporalModels?: readonly { entry: TemporalEntry; onnx: Uint8Array }[];
}
export type OpenEngine = (options?: OpenEngineOptions) => Promise<EngineHandle>;

/** Opens the real engine: models/manifest.json and the ONNX files from disk (plus extraModels), wasm. */
export async function openNodeEngine(options: OpenEngineOptions = {}): Promise<EngineHandle> {
  const { createNodeEngine } = await import('../runtime/node-engine.ts');
  const { engine, manifest, backend } = await createNodeEngine(options);
  return { engine, manifest, backend, backendName: backend.name, close: async () => backend.dispose?.() };
}

/** True when the module with this import.meta.url is the script node was started with (not imported by a test). */
export function isMainModule(metaUrl: string): boolean {
  const entry = process.argv[1];
  if (entry === undefined) return false;
  try {
    return (
      pathToFileURL(realpathSync(resolve(entry))).href ===
      pathToFileURL(realpathSync(fileURLToPath(metaUrl))).href
    );
  } catch {
    return false;
  }
}
