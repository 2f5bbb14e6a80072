/**
 * The one error type of the data layer. Every reader, the manifest loader and
 * the data-set format throw it for bad input, so a caller (the CLI maps it to
 * exit code 1) can tell "the data is wrong" from "the program is wrong", and a
 * user can find the offending byte: the message always names the file, the
 * field (a header word, a CSV column, an array name) and the value found.
 */
export class DataError extends Error {
  override readonly name = 'DataError';
  /** The file the bad value came from (as given by the caller, or `file:line` for CSV rows). */
  readonly file: string;
  /** The header field, column or array that holds the bad value. */
  readonly field: string;
  /** The bad value as text (what was found, not what was expected). */
  readonly value: string;

  constructor(file: string, field: string, value: unknown, problem: string) {
    const shown = oneLine(formatValue(value));
    super(oneLine(`${file}: ${field} = ${shown}: ${problem}`));
    this.file = oneLine(file);
    this.field = oneLine(field);
    this.value = shown;
  }
}

/** Longest value shown in a message: a corrupt file can put megabytes into one field. */
const MAX_SHOWN = 200;
/** Most items of an array value shown. */
const MAX_ITEMS = 16;

/**
 * One printable line: line breaks, control characters (C0, DEL, C1), the
 * Unicode line and paragraph separators and lone surrogates are written as
 * escapes, so a message about a corrupt file can neither break a log line
 * into two nor send terminal control sequences.
 */
export function oneLine(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, (c) => {
    const code = c.charCodeAt(0);
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/** Strings are quoted so that empty or padded values stay visible in the message. */
function formatValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > MAX_SHOWN ? `${value.slice(0, MAX_SHOWN)}...` : value);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : String(value);
  if (Array.isArray(value)) {
    const shown = value.slice(0, MAX_ITEMS).map(formatValue);
    return `[${shown.join(', ')}${value.length > MAX_ITEMS ? `, ... (${value.length} items)` : ''}]`;
  }
  if (typeof value === 'object' && value !== null) {
    const text = JSON.stringify(value) ?? String(value);
    return text.length > MAX_SHOWN ? `${text.slice(0, MAX_SHOWN)}...` : text;
  }
  return String(value);
}

/**
 * Rejects the first NaN or infinite sample. `field` names the array; the
 * message gives the index so the sample can be found in the file.
 */
export function assertFiniteSamples(file: string, field: string, samples: ArrayLike<number>): void {
  for (let i = 0; i < samples.length; i++) {
    const v = samples[i] as number;
    if (!Number.isFinite(v)) throw new DataError(file, `${field}[${i}]`, v, 'samples must be finite numbers');
  }
}
