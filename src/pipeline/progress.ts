/**
 * Progress as the pipeline reports it: events through a callback, never
 * output of its own, so the command line draws bars on stderr, a web page
 * its own progress element, and a script nothing at all.
 */
import type { ResultRow } from '../report/html.js';

export type ProgressEvent =
  /** A counted stage starts (`total` units; 0 while unknown); it is the current stage until it finishes. */
  | { readonly kind: 'start'; readonly stage: string; readonly total: number; readonly unit: string }
  /** `done` units of the current stage are finished; `note` says more, `total` once it became known; `loss`, while training, for a live curve. */
  | { readonly kind: 'advance'; readonly stage: string; readonly done: number; readonly note?: string; readonly total?: number; readonly loss?: number }
  /** The current stage ended. */
  | { readonly kind: 'finish'; readonly stage: string }
  /** A line for the user: what is being done, a warning, what was skipped. */
  | { readonly kind: 'message'; readonly text: string }
  /** The results table of one run among several (reproduce's seeds), as soon as it is known. */
  | { readonly kind: 'rows'; readonly rows: readonly ResultRow[] };

export type OnProgress = (event: ProgressEvent) => void;

/** The stage in progress, so that every event of it carries its name and a new stage ends the one before. */
export class Stages {
  private current: string | null = null;

  constructor(private readonly onProgress: OnProgress | undefined) {}

  start(stage: string, total: number, unit: string): void {
    this.finish();
    this.current = stage;
    this.onProgress?.({ kind: 'start', stage, total, unit });
  }

  advance(done: number, note?: string, total?: number): void {
    if (this.current === null) return;
    this.onProgress?.({
      kind: 'advance',
      stage: this.current,
      done,
      ...(note !== undefined && { note }),
      ...(total !== undefined && { total }),
    });
  }

  /** A training step of the current stage is done, at this loss. */
  trained(done: number, loss: number): void {
    if (this.current === null) return;
    this.onProgress?.({ kind: 'advance', stage: this.current, done, note: `loss ${loss.toExponential(3)}`, loss });
  }

  finish(): void {
    if (this.current === null) return;
    this.onProgress?.({ kind: 'finish', stage: this.current });
    this.current = null;
  }

  message(text: string): void {
    this.onProgress?.({ kind: 'message', text });
  }

  rows(rows: readonly ResultRow[]): void {
    this.onProgress?.({ kind: 'rows', rows });
  }
}
