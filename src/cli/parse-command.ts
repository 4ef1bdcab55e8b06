/**
 * The command line of one tool: its spec (usage, description, options), parsing argv against it
 * (node:util parseArgs) and the --help text. Bad input throws UsageError (the tools exit with code 2).
 */
import { parseArgs } from 'node:util';

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
