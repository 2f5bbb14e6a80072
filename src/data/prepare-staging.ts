/**
 * Writing the prepared set. The data set header is fixed when its writer is
 * created and the pick-source counts are known only at the end, so prepared
 * rows are first staged in a scratch file in a staging folder beside `out`
 * (3 KB a row for task A) and copied into the data set once all records are
 * done; the folder is removed in every case, and one a killed run left is
 * removed by the next run that writes `out` (`stagingFolder`).
 */
import { join } from '../common/path.js';
import type { ReadableFile, WritableFile } from '../host/files.js';
import { host } from '../host/host.js';
import { DatasetWriter, type DatasetMeta, type DatasetRow } from './dataset.js';

/** Rows per `DatasetWriter.append` and per staging read. */
export const CHUNK_ROWS = 256;

export interface StagedRow {
  sourceId: string;
  label: string | undefined;
  snr: number | undefined;
  groups: Record<string, string> | undefined;
}

/**
 * Prepared rows waiting for the data set header: inputs in a scratch file
 * in the staging folder, ids, labels and SNR in memory.
 */
export class RowStaging {
  private readonly staged: StagedRow[] = [];
  private pending: { input: Float32Array; row: StagedRow }[] = [];
  /** The scratch file while rows are added; undefined once it is written. */
  private writing: WritableFile | undefined;
  /** The scratch file while rows are copied out. */
  private reading: ReadableFile | undefined;

  private constructor(
    private readonly folder: string,
    private readonly path: string,
    writing: WritableFile,
    private readonly rowSize: number,
  ) {
    this.writing = writing;
  }

  static async create(out: string, rowSize: number): Promise<RowStaging> {
    const folder = await host().files.stagingFolder(out);
    const path = join(folder, 'rows.f32');
    try {
      return new RowStaging(folder, path, await host().files.create(path), rowSize);
    } catch (error) {
      await host().files.remove(folder);
      throw error;
    }
  }

  get rows(): number {
    return this.staged.length + this.pending.length;
  }

  async add(input: Float32Array, row: StagedRow): Promise<void> {
    this.pending.push({ input, row });
    if (this.pending.length >= CHUNK_ROWS) await this.flush();
  }

  private async flush(): Promise<void> {
    const chunk = new Float32Array(this.pending.length * this.rowSize);
    this.pending.forEach(({ input, row }, r) => {
      chunk.set(input, r * this.rowSize);
      this.staged.push(row);
    });
    this.pending = [];
    if (this.writing === undefined) throw new Error(`prepare: staging file ${this.path} is already written`);
    await this.writing.write(new Uint8Array(chunk.buffer));
  }

  /** Writes the data set: header from `meta`, rows in the order they were added. */
  async copyInto(out: string, meta: DatasetMeta): Promise<void> {
    await this.flush();
    const written = this.writing!;
    this.writing = undefined;
    await written.commit();
    this.reading = await host().files.open(this.path);
    const writer = await DatasetWriter.create(out, meta);
    try {
      for (let start = 0; start < this.staged.length; start += CHUNK_ROWS) {
        const count = Math.min(CHUNK_ROWS, this.staged.length - start);
        const length = count * this.rowSize * 4;
        const bytes = await this.reading.read(start * this.rowSize * 4, length);
        if (bytes.length < length) throw new Error(`prepare: staging file ${this.path} ended early at row ${start}`);
        // A fresh copy: the read bytes need not be aligned for a Float32Array view.
        const chunk = new Float32Array(bytes.slice().buffer);
        const rows: DatasetRow[] = [];
        for (let r = 0; r < count; r++) {
          const { sourceId, label, snr: ratio, groups } = this.staged[start + r]!;
          const row: DatasetRow = { input: chunk.subarray(r * this.rowSize, (r + 1) * this.rowSize), sourceId };
          if (groups !== undefined) row.groups = groups;
          if (label !== undefined) row.label = label;
          if (ratio !== undefined) row.snr = ratio;
          rows.push(row);
        }
        await writer.append(rows);
      }
      await writer.finish();
    } catch (error) {
      await writer.abort();
      throw error;
    }
  }

  /** Removes the staging folder and the scratch file in it. */
  async discard(): Promise<void> {
    await this.writing?.abort();
    this.writing = undefined;
    await this.reading?.close();
    this.reading = undefined;
    await host().files.remove(this.folder);
  }
}
