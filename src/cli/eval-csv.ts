/** Reads a CSV given to eval (--csv, --boxes, --negatives); a missing file or a bad table is a usage error. */
import { readFile } from 'node:fs/promises';
import { type CsvTable, parseCsv } from '../eval/csv.ts';
import { errorMessage } from './cli-io.ts';
import { UsageError } from './parse-command.ts';

export async function loadCsv(file: string, required: readonly string[]): Promise<CsvTable> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new UsageError(`eval: cannot read ${file} (${errorMessage(error)}); check the path`);
  }
  try {
    return parseCsv(text, { source: file, required });
  } catch (error) {
    throw new UsageError(`eval: ${errorMessage(error)}`);
  }
}
