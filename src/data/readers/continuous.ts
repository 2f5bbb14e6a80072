/**
 * Continuous data as it comes: miniSEED records, or a SAC file's samples,
 * decoded from a stream of bytes (a file read block by block, a file that
 * grows, standard input) into blocks of samples, so that a day or a month
 * is never held whole. At most one miniSEED record (up to 1 MiB, SEED's
 * largest) plus one incoming chunk waits to be decoded; a SAC file's
 * samples are passed on as each chunk of them arrives.
 *
 * The format is recognised from the first bytes as `detectFormat` does
 * (miniSEED's fixed header, SAC's header version), then from the name's
 * extension, so a damaged file gets its own reader's precise complaint.
 * Every error is a DataError naming the file (`-` for standard input), the
 * field and, for miniSEED, the record's byte offset in the stream.
 *
 * Times: a miniSEED block starts at its record's start time; a SAC block
 * at the header's reference time (nz*) plus `b` plus its first sample's
 * index over the rate, so a SAC file must carry its reference time.
 */
import { DataError } from '../../common/errors.js';
import { hex } from '../../common/text.js';
import { formatByExtension } from './index.js';
import { decodeMiniSeedRecord, looksLikeMiniSeed } from './miniseed.js';
import { SAC_HEADER_BYTES, decodeSacHeader, looksLikeSac, sacReferenceTime } from './sac.js';

/** Consecutive samples of one channel. */
export interface SampleBlock {
  /** `NET.STA.LOC.CHA` (blank codes empty, e.g. `IU.ANMO..BHZ`). */
  readonly id: string;
  readonly network: string;
  readonly station: string;
  readonly location: string;
  readonly channel: string;
  readonly samplingRate: number;
  /** Time of the first sample, seconds since 1970-01-01T00:00:00Z. */
  readonly startTime: number;
  readonly samples: Float64Array;
}

/** SEED's largest record (2^20 bytes): a record not decodable from this many bytes never will be. */
const MAX_RECORD_BYTES = 2 ** 20;

/** Bytes received and not yet decoded, in one buffer that is compacted as it is consumed. */
class PendingBytes {
  /** Where the first pending byte lies in the stream. */
  position = 0;
  ended = false;
  private buffer = new Uint8Array(1 << 16);
  private start = 0;
  private end = 0;

  constructor(private readonly source: AsyncIterator<Uint8Array>) {}

  get length(): number {
    return this.end - this.start;
  }

  view(): Uint8Array {
    return this.buffer.subarray(this.start, this.end);
  }

  consume(bytes: number): void {
    this.start += bytes;
    this.position += bytes;
  }

  /** Waits for the next chunk; false when the stream has ended. */
  async more(): Promise<boolean> {
    if (this.ended) return false;
    const next = await this.source.next();
    if (next.done === true) {
      this.ended = true;
      return false;
    }
    this.append(next.value);
    return true;
  }

  /** Waits until `bytes` are pending or the stream has ended. */
  async atLeast(bytes: number): Promise<void> {
    while (this.length < bytes && (await this.more()));
  }

  private append(chunk: Uint8Array): void {
    const pending = this.length;
    if (this.end + chunk.length > this.buffer.length) {
      // Move what is pending to the front, into a larger buffer only when it and the chunk do not fit.
      if (pending + chunk.length > this.buffer.length) {
        const larger = new Uint8Array(Math.max(2 * this.buffer.length, pending + chunk.length));
        larger.set(this.view());
        this.buffer = larger;
      } else {
        this.buffer.copyWithin(0, this.start, this.end);
      }
      this.start = 0;
      this.end = pending;
    }
    this.buffer.set(chunk, this.end);
    this.end += chunk.length;
  }
}

/** Decodes `bytes` (a file's or standard input's) into blocks of samples as they arrive; `file` names the source in errors. */
export async function* readSampleBlocks(bytes: AsyncIterable<Uint8Array>, file: string): AsyncGenerator<SampleBlock> {
  const source = bytes[Symbol.asyncIterator]();
  try {
    const pending = new PendingBytes(source);
    await pending.atLeast(SAC_HEADER_BYTES);
    const head = pending.view();
    const format = looksLikeMiniSeed(head) ? 'mseed' : looksLikeSac(head) ? 'sac' : formatByExtension(file);
    if (format === 'mseed') yield* miniSeedBlocks(pending, file);
    else if (format === 'sac') yield* sacBlocks(pending, file);
    else if (head.length === 0) throw new DataError(file, 'file size', 0, 'empty: no data');
    else throw new DataError(file, 'format', hex(head.subarray(0, 8)), 'not continuous miniSEED or SAC (first bytes shown in hex)');
  } finally {
    // A bad file, or a reader that stops early, leaves the source part-read: end it now, so a file's handle closes here and not when collected.
    await source.return?.();
  }
}

async function* miniSeedBlocks(pending: PendingBytes, file: string): AsyncGenerator<SampleBlock> {
  for (;;) {
    if (pending.length === 0 && !(await pending.more())) return;
    let decoded: ReturnType<typeof decodeMiniSeedRecord>;
    try {
      decoded = decodeMiniSeedRecord(pending.view(), 0, file, pending.position);
    } catch (error) {
      // A record cut by the end of a chunk decodes once the next chunk is in; past SEED's largest record, or at the end, the error is the file's.
      if (!(error instanceof DataError) || pending.ended || pending.length >= MAX_RECORD_BYTES) throw error;
      await pending.more();
      continue;
    }
    pending.consume(decoded.recordLength);
    const { record } = decoded;
    if (record === undefined) continue;
    const { network, station, location, channel, samplingRate, startTime, samples } = record;
    yield { id: `${network}.${station}.${location}.${channel}`, network, station, location, channel, samplingRate, startTime, samples };
  }
}

async function* sacBlocks(pending: PendingBytes, file: string): AsyncGenerator<SampleBlock> {
  const { header, samplingRate, littleEndian } = decodeSacHeader(pending.view(), file);
  const reference = sacReferenceTime(header);
  if (reference === undefined) {
    throw new DataError(
      file,
      'nzyear',
      header.nzyear ?? -12345,
      'the reference time (nzyear, nzjday, nzhour, nzmin, nzsec, nzmsec) must be set to time the picks',
    );
  }
  pending.consume(SAC_HEADER_BYTES);
  const network = header.knetwk ?? '';
  const station = header.kstnm ?? '';
  const location = header.khole ?? '';
  const channel = header.kcmpnm ?? '';
  const id = `${network}.${station}.${location}.${channel}`;
  const { npts } = header;
  let index = 0;
  while (index < npts) {
    const count = Math.min(Math.floor(pending.length / 4), npts - index);
    if (count === 0) {
      if (await pending.more()) continue;
      const problem = `truncated: the data end after ${index} of the ${npts} samples (${SAC_HEADER_BYTES + 4 * npts} bytes)`;
      throw new DataError(file, 'npts', npts, problem);
    }
    const view = new DataView(pending.view().buffer, pending.view().byteOffset, 4 * count);
    const samples = new Float64Array(count);
    for (let i = 0; i < count; i++) {
      const v = view.getFloat32(4 * i, littleEndian);
      if (!Number.isFinite(v)) throw new DataError(file, `data[${index + i}]`, v, 'samples must be finite numbers');
      samples[i] = v;
    }
    pending.consume(4 * count);
    yield { id, network, station, location, channel, samplingRate, startTime: reference + header.b + index / samplingRate, samples };
    index += count;
  }
  while (pending.length === 0 && (await pending.more()));
  if (pending.length > 0) {
    throw new DataError(file, 'npts', npts, `more bytes follow the ${npts} samples (wrong npts, or not a version-6 file)`);
  }
}
