/**
 * The skeleton every tool runs in, so that analyze, eval and bench differ only in what they do:
 * parse argv against the command's spec (--help: the help text, exit 0), read the options, prepare what
 * must exist before the engine opens (inputs, --weights imports), open the engine, run, and always close it.
 * Exit codes: 0 ok, 1 some file failed or the run failed (the reason on stderr), 2 usage (UsageError, from
 * any step, its message on stderr).
 */
import { type CliIo, errorMessage } from './cli-io.ts';
import type { EngineHandle, OpenEngine, OpenEngineOptions } from './open-engine.ts';
import {
  type CommandSpec,
  type OptionValues,
  UsageError,
  formatHelp,
  parseCommand,
} from './parse-command.ts';

export const EXIT_OK = 0;
/** Some file could not be read or analysed, or the run failed. */
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

/** What `prepare` hands on: the run's input, and how to open the engine for it. */
export interface Prepared<Input> {
  input: Input;
  /** Threads, the --weights imports, temporal models; absent: the engine's defaults. */
  engine?: OpenEngineOptions;
}

export interface Command<Options, Input> {
  spec: CommandSpec;
  /** The parsed flags as the command's options; throws UsageError. May print notes on io.err. */
  options(parsed: { values: OptionValues; positionals: string[] }, io: CliIo): Options;
  /**
   * Work before the engine opens (finding inputs, importing --weights), so that bad input costs no engine.
   * An exit code stops the run there; the step has printed why.
   */
  prepare(options: Options, io: CliIo): Promise<Prepared<Input> | number>;
  /** The work on the open engine; returns the exit code (EXIT_OK, or EXIT_FAILED when some file failed). */
  run(handle: EngineHandle, input: Input, io: CliIo): Promise<number>;
}

/** Runs a command over argv (without node and script) and returns its exit code; never throws. */
export async function runCommand<Options, Input>(
  command: Command<Options, Input>,
  argv: readonly string[],
  io: CliIo,
  openEngine: OpenEngine,
): Promise<number> {
  const name = command.spec.command;
  let prepared: Prepared<Input>;
  try {
    const parsed = parseCommand(command.spec, argv);
    if (parsed.help) {
      io.out(formatHelp(command.spec));
      return EXIT_OK;
    }
    const ready = await command.prepare(command.options(parsed, io), io);
    if (typeof ready === 'number') return ready;
    prepared = ready;
  } catch (error) {
    return fail(name, error, io);
  }
  let handle: EngineHandle;
  try {
    handle = await openEngine(prepared.engine ?? {});
  } catch (error) {
    io.err(`${name}: cannot load the engine: ${errorMessage(error)}\n`);
    return EXIT_FAILED;
  }
  try {
    return await command.run(handle, prepared.input, io);
  } catch (error) {
    return fail(name, error, io);
  } finally {
    await handle.close?.();
  }
}

/** Prints why the command stopped and returns its exit code: 2 for a UsageError, else 1. */
function fail(name: string, error: unknown, io: CliIo): number {
  if (error instanceof UsageError) {
    io.err(`${error.message}\n`);
    return EXIT_USAGE;
  }
  const message = errorMessage(error);
  io.err(`${message.startsWith(`${name}:`) ? message : `${name}: ${message}`}\n`);
  return EXIT_FAILED;
}
