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
    const shown = formatValue(value);
    super(`${file}: ${field} = ${shown}: ${problem}`);
    this.file = file;
    this.field = field;
    this.value = shown;
  }
}

/** Strings are quoted so that empty or padded values stay visible in the message. */
function formatValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') return Number.isNaN(value) ? 'NaN' : String(value);
  if (Array.isArray(value)) return `[${value.map(formatValue).join(', ')}]`;
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
