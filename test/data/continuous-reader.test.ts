/**
 * Continuous data read as it comes (src/data/readers/continuous.ts, and
 * readFileBlocks in src/data/files.ts): whatever the chunks the bytes arrive
 * in, the blocks hold the samples and times the whole-file readers give, and
 * bad input is a DataError naming the file, the field and the value.
 */
import { appendFile, writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileBlocks } from '../../src/data/files.js';
import { readSampleBlocks, type SampleBlock } from '../../src/data/readers/continuous.js';
import { decodeMiniSeed, encodeMiniSeed } from '../../src/data/readers/miniseed.js';
import { decodeSac, encodeSac, sacReferenceTime } from '../../src/data/readers/sac.js';
import { Rng } from '../../src/tensor/random.js';
import { expectDataError, scratch } from './helpers.js';

let files: Awaited<ReturnType<typeof scratch>>;
beforeAll(async () => {
  files = await scratch();
});
afterAll(async () => {
  await files.remove();
});

const START = Date.UTC(2024, 0, 1, 6) / 1000;

/** `bytes` in chunks of random sizes up to `largest`, as a pipe delivers them. */
async function* chunks(bytes: Uint8Array, largest: number, seed = 1): AsyncGenerator<Uint8Array> {
  const rng = new Rng(seed);
  for (let at = 0; at < bytes.length; ) {
    const size = 1 + rng.int(largest);
    yield bytes.slice(at, at + size);
    at += size;
  }
}

async function collect(blocks: AsyncIterable<SampleBlock>): Promise<SampleBlock[]> {
  const all: SampleBlock[] = [];
  for await (const block of blocks) all.push(block);
  return all;
}

/** Every block's samples joined per channel, with the time of the first block. */
function joined(blocks: readonly SampleBlock[]): Map<string, { startTime: number; samples: number[] }> {
  const traces = new Map<string, { startTime: number; samples: number[] }>();
  for (const b of blocks) {
    const trace = traces.get(b.id) ?? { startTime: b.startTime, samples: [] };
    expect(b.startTime).toBeCloseTo(trace.startTime + trace.samples.length / b.samplingRate, 4);
    trace.samples.push(...b.samples);
    traces.set(b.id, trace);
  }
  return traces;
}

function counts(n: number, seed: number): Int32Array {
  const rng = new Rng(seed);
  let v = 0;
  return Int32Array.from({ length: n }, () => (v += rng.int(2001) - 1000));
}

describe('miniSEED as it comes', () => {
  const z = counts(30_000, 1);
  const n = counts(30_000, 2);
  const trace = { network: 'XX', station: 'ST1', location: '00', samplingRate: 100, startTime: START };
  const zBytes = encodeMiniSeed({ ...trace, channel: 'HHZ', samples: z }, { encoding: 'steim1', recordLength: 512 });
  const nBytes = encodeMiniSeed({ ...trace, channel: 'HHN', samples: n }, { encoding: 'int32', recordLength: 4096 });
  const bytes = new Uint8Array(zBytes.length + nBytes.length);
  bytes.set(zBytes);
  bytes.set(nBytes, zBytes.length);

  it('gives the samples and times readMiniSeed gives, whatever the chunks, channel by channel', async () => {
    const expected = decodeMiniSeed(bytes, 'two.mseed');
    for (const largest of [13, 1000, 1 << 16]) {
      const traces = joined(await collect(readSampleBlocks(chunks(bytes, largest), 'two.mseed')));
      expect([...traces.keys()].sort()).toEqual(['XX.ST1.00.HHN', 'XX.ST1.00.HHZ']);
      for (const t of expected) {
        expect(traces.get(t.id)!.startTime).toBeCloseTo(t.segments[0]!.startTime, 6);
        expect(Float64Array.from(traces.get(t.id)!.samples)).toEqual(t.segments[0]!.samples);
      }
    }
  });

  it('a record cut short at the end is an error naming the file and the byte it starts at', async () => {
    const cut = bytes.subarray(0, zBytes.length - 100);
    await expectDataError(collect(readSampleBlocks(chunks(cut, 700), '-')), {
      file: '-',
      field: `record at byte ${zBytes.length - 512}: record length`,
      value: '512',
      problem: /truncated/,
    });
  });

  it('bytes that are neither miniSEED nor SAC are refused by their first bytes, an empty stream as empty', async () => {
    const text = new TextEncoder().encode('station,channel\nST1,HHZ\n'.repeat(40));
    await expectDataError(collect(readSampleBlocks(chunks(text, 64), 'notes.txt')), {
      file: 'notes.txt',
      field: 'format',
      value: '"73746174696f6e2c"',
      problem: /not continuous miniSEED or SAC/,
    });
    await expectDataError(collect(readSampleBlocks(chunks(new Uint8Array(0), 64), '-')), { file: '-', field: 'file size', value: '0' });
  });

  it('ends its source when it refuses the bytes or its reader stops early, so a file closes at once', async () => {
    let ended = 0;
    async function* tracked(bytes: Uint8Array): AsyncGenerator<Uint8Array> {
      try {
        yield* chunks(bytes, 64);
      } finally {
        ended++;
      }
    }
    const text = new TextEncoder().encode('station,channel\n'.repeat(100));
    await expect(collect(readSampleBlocks(tracked(text), 'notes.txt'))).rejects.toThrow(/not continuous miniSEED or SAC/);
    expect(ended).toBe(1);
    for await (const block of readSampleBlocks(tracked(bytes), 'two.mseed')) {
      expect(block.samples.length).toBeGreaterThan(0);
      break;
    }
    expect(ended).toBe(2);
  });
});

describe('SAC as it comes', () => {
  const samples = Float64Array.from(counts(20_000, 3));
  const header = { delta: 0.01, b: 12.5, nzyear: 2024, nzjday: 1, nzhour: 6, nzmin: 0, nzsec: 0, nzmsec: 0, knetwk: 'XX', kstnm: 'ST2', kcmpnm: 'BHZ' };
  const bytes = encodeSac(header, samples);

  it('gives the samples decodeSac gives, timed from the reference time plus b', async () => {
    const traces = joined(await collect(readSampleBlocks(chunks(bytes, 3000), 'st2.sac')));
    const trace = traces.get('XX.ST2..BHZ')!;
    expect(Float64Array.from(trace.samples)).toEqual(decodeSac(bytes, 'st2.sac').samples);
    expect(trace.startTime).toBeCloseTo(sacReferenceTime(decodeSac(bytes, 'st2.sac').header)! + 12.5, 6);
    expect(trace.startTime).toBeCloseTo(START + 12.5, 6);
  });

  it('a file without its reference time, cut short, or with bytes after its samples is refused, naming the field', async () => {
    const undated = encodeSac({ delta: 0.01 }, samples);
    await expectDataError(collect(readSampleBlocks(chunks(undated, 3000), 'undated.sac')), {
      file: 'undated.sac',
      field: 'nzyear',
      value: '-12345',
      problem: /reference time/,
    });
    await expectDataError(collect(readSampleBlocks(chunks(bytes.subarray(0, bytes.length - 10), 3000), 'cut.sac')), {
      file: 'cut.sac',
      field: 'npts',
      value: '20000',
      problem: /truncated: the data end after 19997 of the 20000 samples/,
    });
    const longer = new Uint8Array(bytes.length + 8);
    longer.set(bytes);
    await expectDataError(collect(readSampleBlocks(chunks(longer, 3000), 'long.sac')), {
      file: 'long.sac',
      field: 'npts',
      value: '20000',
      problem: /more bytes follow/,
    });
  });
});

describe('a file read block by block', () => {
  it('is read whole in blocks; followed, what is appended is read too, until the signal aborts', async () => {
    const path = files.path('growing.bin');
    const first = Uint8Array.from({ length: 10_000 }, (_, i) => i % 251);
    const second = Uint8Array.from({ length: 3_000 }, (_, i) => i % 13);
    await writeFile(path, first);
    const whole: number[] = [];
    for await (const block of readFileBlocks(path, { blockBytes: 4096 })) {
      expect(block.length).toBeLessThanOrEqual(4096);
      whole.push(...block);
    }
    expect(whole).toEqual([...first]);

    const stop = new AbortController();
    const followed: number[] = [];
    const reading = (async () => {
      for await (const block of readFileBlocks(path, { blockBytes: 4096, follow: { pollSeconds: 0.02, signal: stop.signal } })) {
        followed.push(...block);
        if (followed.length === first.length) await appendFile(path, second);
        if (followed.length === first.length + second.length) stop.abort();
      }
    })();
    await reading;
    expect(followed).toEqual([...first, ...second]);
  });

  it('a followed file that shrinks is an error', async () => {
    const path = files.path('shrinking.bin');
    await writeFile(path, new Uint8Array(5000));
    const stop = new AbortController();
    const reading = (async () => {
      for await (const _ of readFileBlocks(path, { follow: { pollSeconds: 0.02, signal: stop.signal } })) await writeFile(path, new Uint8Array(10));
    })();
    await expectDataError(reading, { file: path, field: 'file size', value: '10', problem: /shrank below the 5000 bytes already read/ });
    stop.abort();
  });
});
