import { createBackend, type BackendChoice } from '../kernels/select.js';
import type { Backend } from '../tensor/backend.js';
import { num, str, type ParsedArgs } from './args.js';
import { printable, printableLines } from './terminal.js';

/**
 * Prints a result: JSON with --json (JSON escapes control characters itself),
 * else the human-readable text with control characters escaped on every line.
 */
export function output(args: ParsedArgs, json: unknown, text: () => string): void {
  if (args.options.json === true) console.log(JSON.stringify(json, null, 2));
  else console.log(printableLines(text()));
}

/** Informational lines go to stderr, so stdout stays clean for results (and --json); control characters are escaped. */
export function note(message: string): void {
  process.stderr.write(`${printableLines(message)}\n`);
}

/** Opens the backend the user chose and says which one it is. */
export async function openBackend(args: ParsedArgs): Promise<{ backend: Backend; description: string }> {
  const choice = (str(args, 'backend') ?? 'auto') as BackendChoice;
  const threads = num(args, 'threads');
  const selected = await createBackend(choice, threads === undefined ? {} : { threads });
  note(`backend: ${selected.description}`);
  return selected;
}

/** Formats rows as an aligned plain-text table; a cell holding a line break or a control character shows it escaped. */
export function table(header: readonly string[], given: readonly (readonly string[])[]): string {
  const rows = given.map((r) => r.map(printable));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function percent(x: number | null | undefined): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '-' : `${(100 * x).toFixed(2)} %`;
}
