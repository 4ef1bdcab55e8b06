/** Typed readers over parsed option values: strings, flags, on/off pairs, numbers in a range, choices, comma lists. */
import { type OptionValues, UsageError } from './parse-command.ts';

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
