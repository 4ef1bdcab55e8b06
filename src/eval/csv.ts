/**
 * A small RFC 4180 CSV reader for the measurement labels: comma separator, double-quoted fields with ""
 * escapes and embedded commas/newlines, LF or CRLF line ends, an optional UTF-8 BOM, a header row.
 * Blank lines are skipped. Malformed input throws with the line number.
 */

export interface CsvTable {
  header: string[];
  /** One record per data row, keyed by header name. */
  rows: Record<string, string>[];
  /** 1-based line number in the source where each row starts (for messages). */
  lines: number[];
}

/** Splits CSV text into rows of fields. `source` names the input in error messages. */
export function parseCsvRows(text: string, source = 'CSV'): { fields: string[]; line: number }[] {
  const rows: { fields: string[]; line: number }[] = [];
  let i = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  let field = '';
  let fields: string[] = [];
  let rowLine = 1;
  let quoted = false; // inside a quoted field
  let wasQuoted = false; // current field was a quoted one (only a separator or line end may follow)
  const endRow = (): void => {
    fields.push(field);
    // A row with one empty unquoted field is a blank line.
    if (!(fields.length === 1 && field === '' && !wasQuoted)) rows.push({ fields, line: rowLine });
    fields = [];
    field = '';
    wasQuoted = false;
  };
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        quoted = false;
        i++;
        continue;
      }
      if (c === '\n') line++;
      field += c;
      i++;
      continue;
    }
    if (c === '"') {
      if (field !== '' || wasQuoted) {
        throw new Error(
          `${source} line ${line}: a quote inside an unquoted field; quote the whole field and double inner quotes ("")`,
        );
      }
      quoted = true;
      wasQuoted = true;
      i++;
      continue;
    }
    if (c === ',') {
      fields.push(field);
      field = '';
      wasQuoted = false;
      i++;
      continue;
    }
    if (c === '\r' && text[i + 1] === '\n') {
      i++;
      continue;
    }
    if (c === '\n') {
      endRow();
      line++;
      rowLine = line;
      i++;
      continue;
    }
    if (wasQuoted) {
      throw new Error(`${source} line ${line}: text after a closing quote; expected a comma or a line end`);
    }
    field += c;
    i++;
  }
  if (quoted)
    throw new Error(`${source} line ${rowLine}: a quoted field is never closed; add the closing quote`);
  if (field !== '' || fields.length > 0 || wasQuoted) endRow();
  return rows;
}

/**
 * Parses CSV text with a header row. Every data row must have as many fields as the header; `required`
 * columns must exist.
 */
export function parseCsv(
  text: string,
  options: { source?: string; required?: readonly string[] } = {},
): CsvTable {
  const source = options.source ?? 'CSV';
  const raw = parseCsvRows(text, source);
  const first = raw[0];
  if (first === undefined) throw new Error(`${source}: empty, expected a header row and data rows`);
  const header = first.fields.map((h) => h.trim());
  const missing = (options.required ?? []).filter((column) => !header.includes(column));
  if (missing.length > 0) {
    throw new Error(
      `${source}: missing column(s) ${missing.join(', ')}; the header has ${header.join(', ')}`,
    );
  }
  const rows: Record<string, string>[] = [];
  const lines: number[] = [];
  for (const { fields, line } of raw.slice(1)) {
    if (fields.length !== header.length) {
      throw new Error(
        `${source} line ${line}: ${fields.length} field(s), expected ${header.length} like the header (${header.join(',')})`,
      );
    }
    const record: Record<string, string> = {};
    header.forEach((name, k) => {
      record[name] = fields[k] ?? '';
    });
    rows.push(record);
    lines.push(line);
  }
  return { header, rows, lines };
}
