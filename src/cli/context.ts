import { setCpuOptions } from '../jit/compiled.js';
import { MAX_THREADS } from '../jit/threads.js';
import { createBackend, type BackendChoice } from '../kernels/select.js';
import type { Backend } from '../tensor/backend.js';
import { num, str, UsageError, type ParsedArgs } from './args.js';

/** Prints a result: JSON with --json, else the human-readable text. */
export function output(args: ParsedArgs, json: unknown, text: () => string): void {
  if (args.options.json === true) console.log(JSON.stringify(json, null, 2));
  else console.log(text());
}

/** Informational lines go to stderr, so stdout stays clean for results (and --json). */
export function note(message: string): void {
  process.stderr.write(`${message}\n`);
}

/** Opens the backend the user chose and says which one it is. */
export async function openBackend(args: ParsedArgs): Promise<{ backend: Backend; description: string }> {
  const choice = (str(args, 'backend') ?? 'auto') as BackendChoice;
  const threads = num(args, 'threads');
  if (threads !== undefined) {
    if (threads < 0 || threads > MAX_THREADS) throw new UsageError(`--threads must be 0 (every core) to ${MAX_THREADS}, got ${threads}`);
    setCpuOptions({ threads });
  }
  const selected = await createBackend(choice);
  note(`backend: ${selected.description}`);
  return selected;
}

/** Formats rows as an aligned plain-text table. */
export function table(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]): string => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

export function percent(x: number | null | undefined): string {
  return x === null || x === undefined || !Number.isFinite(x) ? '-' : `${(100 * x).toFixed(2)} %`;
}
