import type { OnProgress } from '../pipeline/progress.js';
import { note } from './context.js';
import { formatRows } from './format.js';
import { printable } from './terminal.js';

/**
 * A progress bar with rate and ETA on stderr, redrawn at most every 100 ms.
 * Quiet when stderr is not a terminal (logs and CI stay clean).
 */
export interface ProgressOptions {
  /** Unit for the rate, e.g. 'records', 'it', 'epochs'. */
  unit?: string;
  stream?: NodeJS.WriteStream;
  /** Force drawing on or off (default: stream.isTTY). */
  enabled?: boolean;
}

export class Progress {
  private readonly start = performance.now();
  private lastDraw = 0;
  private done = 0;
  private readonly stream: NodeJS.WriteStream;
  private readonly enabled: boolean;
  private readonly unit: string;

  constructor(
    private readonly label: string,
    private total: number,
    options: ProgressOptions = {},
  ) {
    this.stream = options.stream ?? process.stderr;
    this.enabled = options.enabled ?? this.stream.isTTY === true;
    this.unit = options.unit ?? 'it';
  }

  /** Sets the count of finished units, an optional note (e.g. the loss) and, once known, the total. */
  update(done: number, note = '', total?: number): void {
    this.done = done;
    if (total !== undefined) this.total = total;
    const now = performance.now();
    if (!this.enabled || (now - this.lastDraw < 100 && done < this.total)) return;
    this.lastDraw = now;
    this.stream.write(`\r${this.line(now, note)}\x1b[K`);
  }

  finish(note = ''): void {
    if (!this.enabled) return;
    this.update(this.total, note);
    this.stream.write('\n');
  }

  /** The text of the bar, e.g. `pre-training [#####.....] 5/10 epochs 2.1 epochs/s ETA 2s loss 0.01`; names from data in it are escaped. */
  line(now: number, given: string): string {
    const label = printable(this.label);
    const note = printable(given);
    if (this.total <= 0) return `${label} ${this.done} ${this.unit}${note ? ` ${note}` : ''}`;
    const frac = Math.min(1, this.done / this.total);
    const width = 24;
    const filled = Math.round(frac * width);
    const seconds = (now - this.start) / 1000;
    const rate = seconds > 0 ? this.done / seconds : 0;
    const eta = rate > 0 ? (this.total - this.done) / rate : Number.NaN;
    return `${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${this.done}/${this.total} ${this.unit} ${formatRate(rate)} ${this.unit}/s ETA ${formatSeconds(eta)}${note ? ` ${note}` : ''}`;
  }
}

function formatRate(r: number): string {
  return r >= 100 ? r.toFixed(0) : r >= 10 ? r.toFixed(1) : r.toFixed(2);
}

export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${Math.ceil(s)}s`;
  const m = Math.floor(s / 60);
  return m < 60 ? `${m}m${String(Math.round(s - m * 60)).padStart(2, '0')}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}

/**
 * Draws the pipeline's progress events on stderr: a bar per counted stage
 * (drawn from its start, so rate and ETA count from there), each message a
 * line with line breaks and control characters escaped (a message is one
 * line; names from data must not forge another), and a run's results table
 * as it comes.
 */
export function renderProgress(): OnProgress {
  let bar: Progress | null = null;
  return (event) => {
    if (event.kind === 'start') bar = new Progress(event.stage, event.total, { unit: event.unit });
    else if (event.kind === 'advance') bar?.update(event.done, event.note, event.total);
    else if (event.kind === 'finish') {
      bar?.finish();
      bar = null;
    } else if (event.kind === 'message') note(printable(event.text));
    else note(formatRows(event.rows));
  };
}
