/**
 * Where the tools write (stdout/stderr, captured in tests), the text of a thrown value, and whether a module
 * is the script node was started with.
 */
import { realpathSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** Text for a thrown value: the message of an Error, else its string form. */
export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

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
