import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { zipSync } from 'fflate';
import h5wasm from 'h5wasm/node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadManifestTraces, parseCsv, parseManifest, readCsv, readManifest, type ManifestTrace } from '../../src/data/readers/manifest.js';
import { encodeMiniSeed } from '../../src/data/readers/miniseed.js';
import { encodeNpy } from '../../src/data/readers/npy.js';
import { writeSac } from '../../src/data/readers/sac.js';
import { expectDataError, scratch } from './helpers.js';
import { realDataDir, skipWithoutRealData } from '../helpers/real-data.js';

const noRealData = skipWithoutRealData('the real manifest tests');

let tmp: Awaited<ReturnType<typeof scratch>>;
beforeAll(async () => {
  tmp = await scratch();
});
afterAll(async () => {
  await tmp.remove();
});

function countBy<T>(items: readonly T[], key: (item: T) => string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const item of items) counts[key(item)] = (counts[key(item)] ?? 0) + 1;
  return counts;
}

describe.skipIf(noRealData)('the real development set loads through its manifests', () => {
  it('reads all 829 distance traces: 221 local, 608 teleseismic, rates and lengths as listed', async () => {
    const manifest = join(realDataDir, 'distance/manifest.csv');
    const { records } = await readCsv(manifest);
    const traces = await loadManifestTraces(manifest);
    expect(traces).toHaveLength(records.length);
    expect(traces).toHaveLength(829);
    expect(countBy(traces, (t) => t.label ?? '')).toEqual({ local: 221, teleseismic: 608 });
    // The counts the manifest itself states, counted independently of the loader.
    expect(countBy(records, (r) => r.values.label ?? '')).toEqual({ local: 221, teleseismic: 608 });
    expect(countBy(traces, (t) => t.meta.format)).toEqual({ npz: 154, hdf5: 50, sac: 625 });
    traces.forEach((trace, i) => {
      const row = records[i]?.values ?? {};
      expect(trace.samples.length, trace.id).toBe(Number(row.npts));
      expect(trace.samplingRate, trace.id).toBe(Number(row.sampling_rate_hz));
      expect(trace.pArrivalSample, trace.id).toBe(Number(row.p_arrival_sample || row.p_arrival_sample_estimated));
    });
    expect(countBy(traces, (t) => `${t.label}:${t.pPickSource}:${t.samplingRate}`)).toEqual({
      'local:pick:100': 204,
      'local:pick:50': 17,
      'teleseismic:estimated:40': 509,
      'teleseismic:pick:40': 3,
      'teleseismic:estimated:20': 3,
      'teleseismic:pick:20': 93,
    });
    // Six data sets, each with its events and networks, as the manifest's README lists them.
    expect(countBy(traces, (t) => `${t.label}:${t.meta.dataset}`)).toEqual({
      'local:phasenet_ncedc': 154,
      'local:stead_eqtransformer': 50,
      'local:mtuq_alaska_2009': 17,
      'teleseismic:aimbat_chile_2012': 504,
      'teleseismic:usgs_illapel_2015': 18,
      'teleseismic:rfmpy_alps_2015': 86,
    });
    expect(new Set(traces.map((t) => t.id)).size).toBe(829);
    expect(traces.every((t) => t.samples.some((v) => v !== 0))).toBe(true);
  });

  it('reads all 50 polarity traces: 16 up, 34 down, 49 analyst picks and one estimate', async () => {
    const manifest = join(realDataDir, 'polarity/manifest.csv');
    const traces = await loadManifestTraces(manifest);
    expect(traces).toHaveLength(50);
    expect(countBy(traces, (t) => t.label ?? '')).toEqual({ up: 16, down: 34 });
    expect(countBy(traces, (t) => t.pPickSource)).toEqual({ pick: 49, estimated: 1 });
    expect(traces.find((t) => t.pPickSource === 'estimated')?.meta.station).toBe('1167');
    for (const t of traces) {
      expect(t.samplingRate).toBe(500);
      expect(t.samples.length).toBe(5001);
      if (t.pPickSource === 'pick') expect(t.pArrivalSample).toBe(2500);
    }
  });

  it('types the columns of a manifest row; empty cells are undefined', async () => {
    const rows = await readManifest(join(realDataDir, 'polarity/manifest.csv'));
    const row = rows[0];
    expect(row).toMatchObject({
      line: 2,
      path: 'toc2me_event1/20161104064824.680/5B.1107.DHZ.SAC',
      format: 'sac',
      channel: 'DHZ',
      sampling_rate_hz: 500,
      npts: 5001,
      label: 'down',
      p_arrival_sample: 2500,
      p_pick_source: 'sac:t1 (kt1=P)',
      distance_source: 'coordinates (stations.csv, eq_catalog.csv)',
      magnitude: -0.9,
      first_motion_check: -1,
      first_motion_pick_used: 'pick',
      event_id: '20161104064824.680',
    });
    expect(row?.trace_key).toBeUndefined();
    expect(row?.component_index).toBeUndefined();
    expect(row?.in_paper_range).toBeUndefined();
    const distance = await readManifest(join(realDataDir, 'distance/manifest.csv'));
    expect(distance.filter((r) => r.in_paper_range === true)).toHaveLength(675);
  });
});

describe('CSV parser', () => {
  it('reads quoted fields with commas, doubled quotes and newlines, CRLF line ends and a BOM', () => {
    const text = '\ufeffa,b,c\r\n1,"x, y","say ""hi"""\r\n"multi\nline",,last\n';
    const { columns, records } = parseCsv(text, 'inline.csv');
    expect(columns).toEqual(['a', 'b', 'c']);
    expect(records).toEqual([
      { line: 2, values: { a: '1', b: 'x, y', c: 'say "hi"' } },
      { line: 3, values: { a: 'multi\nline', b: '', c: 'last' } },
    ]);
  });

  it('reads a last line without a newline', () => {
    expect(parseCsv('a,b\n1,2', 'x.csv').records).toEqual([{ line: 2, values: { a: '1', b: '2' } }]);
  });

  it('rejects an unterminated quote, a stray quote, text after a closing quote and a wrong field count', async () => {
    await expectDataError(() => parseCsv('a,b\n1,"open\n', 'bad.csv'), {
      file: 'bad.csv:2',
      field: 'quoted field',
      value: '"open\\n"',
      problem: /unterminated/,
    });
    await expectDataError(() => parseCsv('a,b\n1,x"y\n', 'bad.csv'), {
      file: 'bad.csv:2',
      field: 'field',
      value: '"x"',
      problem: /quote inside an unquoted field/,
    });
    await expectDataError(() => parseCsv('a,b\n1,"x"y\n', 'bad.csv'), {
      file: 'bad.csv:2',
      field: 'quoted field',
      value: '"x"',
      problem: /after the closing quote/,
    });
    await expectDataError(() => parseCsv('a,b\n1,2\n3\n', 'bad.csv'), { file: 'bad.csv:3', field: 'fields', value: '1', problem: /the header has 2 columns/ });
    await expectDataError(() => parseCsv('a,a\n1,2\n', 'bad.csv'), { file: 'bad.csv:1', field: 'header', value: '"a"', problem: /duplicate/ });
  });
});

const HEADER = 'path,format,trace_key,component_index,channel,sampling_rate_hz,npts,label,p_arrival_sample,p_arrival_sample_estimated,distance_km';

describe('manifest rows are checked against their files', () => {
  let dir: string;
  beforeAll(async () => {
    dir = tmp.path('manifest');
    await mkdir(dir);
    await writeSac(
      join(dir, 'a.sac'),
      { delta: 0.025, kcmpnm: 'HHZ', kstnm: 'AAA' },
      Float64Array.from({ length: 500 }, (_, i) => Math.sin(i / 5)),
    );
  });

  async function manifestWith(name: string, ...rows: string[]): Promise<string> {
    const file = join(dir, name);
    await writeFile(file, `${[HEADER, ...rows].join('\n')}\n`);
    return file;
  }

  it('loads a valid row', async () => {
    const manifest = await manifestWith('ok.csv', 'a.sac,sac,,,HHZ,40,500,local,120,,50.5');
    const [trace] = await loadManifestTraces(manifest);
    expect(trace).toMatchObject({ id: 'a.sac', samplingRate: 40, pArrivalSample: 120, pPickSource: 'pick', label: 'local' });
    expect(trace?.meta.distance_km).toBe(50.5);
  });

  it('a sampling rate that disagrees with the file', async () => {
    const manifest = await manifestWith('rate.csv', 'a.sac,sac,,,HHZ,100,500,local,,,');
    await expectDataError(loadManifestTraces(manifest), {
      file: `${manifest}:2`,
      field: 'sampling_rate_hz',
      value: '100',
      problem: /mismatched sampling rate: .*a\.sac says 40 Hz/,
    });
  });

  it('a P pick outside the trace', async () => {
    const late = await manifestWith('late.csv', 'a.sac,sac,,,HHZ,40,,local,600,,');
    await expectDataError(loadManifestTraces(late), {
      file: `${late}:2`,
      field: 'p_arrival_sample',
      value: '600',
      problem: /outside the trace of 500 samples/,
    });
    const early = await manifestWith('early.csv', 'a.sac,sac,,,HHZ,40,500,local,-3,,');
    await expectDataError(readManifest(early), { file: `${early}:2`, field: 'p_arrival_sample', value: '-3', problem: /outside the trace of 500 samples/ });
    const estimate = await manifestWith('estimate.csv', 'a.sac,sac,,,HHZ,40,,local,,500,');
    await expectDataError(loadManifestTraces(estimate), { file: `${estimate}:2`, field: 'p_arrival_sample_estimated', value: '500' });
  });

  it('npts that disagrees with the file', async () => {
    const manifest = await manifestWith('npts.csv', 'a.sac,sac,,,HHZ,40,400,local,,,');
    await expectDataError(loadManifestTraces(manifest), { file: `${manifest}:2`, field: 'npts', value: '400', problem: /holds 500 samples/ });
  });

  it('a zero npts', async () => {
    const manifest = await manifestWith('zero.csv', 'a.sac,sac,,,HHZ,40,0,local,,,');
    await expectDataError(readManifest(manifest), { file: `${manifest}:2`, field: 'npts', value: '0', problem: /zero-length/ });
  });

  it('a channel that disagrees with the file', async () => {
    const manifest = await manifestWith('channel.csv', 'a.sac,sac,,,BHZ,40,500,local,,,');
    await expectDataError(loadManifestTraces(manifest), { file: `${manifest}:2`, field: 'channel', value: '"BHZ"', problem: /holds channel HHZ/ });
  });

  it('a cell that is not a number, and an unknown format', async () => {
    const manifest = await manifestWith('cells.csv', 'a.sac,sac,,,HHZ,40,500,local,,,far');
    await expectDataError(readManifest(manifest), { file: `${manifest}:2`, field: 'distance_km', value: '"far"', problem: /not a number/ });
    const fractional = await manifestWith('fraction.csv', 'a.sac,sac,,,HHZ,40,500.5,local,,,');
    await expectDataError(readManifest(fractional), { file: `${fractional}:2`, field: 'npts', value: '"500.5"', problem: /whole number/ });
    const format = await manifestWith('format.csv', 'a.segy,segy,,,HHZ,40,500,local,,,');
    await expectDataError(readManifest(format), { file: `${format}:2`, field: 'format', value: '"segy"' });
  });

  it('a file that does not exist', async () => {
    const manifest = await manifestWith('missing.csv', 'a.sac,sac,,,HHZ,40,500,local,,,', 'gone.sac,sac,,,HHZ,40,500,local,,,');
    await expectDataError(loadManifestTraces(manifest), { file: `${manifest}:3`, field: 'path', value: '"gone.sac"', problem: /no such file/ });
  });

  it('a manifest without a path column', async () => {
    await expectDataError(() => parseManifest('file,format\nx,sac\n', 'm.csv'), {
      file: 'm.csv',
      field: 'header',
      value: '"file,format"',
      problem: /no "path" column/,
    });
  });
});

describe('manifest rows in every format', () => {
  let dir: string;
  let traces: ManifestTrace[];
  const rows = Array.from({ length: 3 }, (_, r) => Float32Array.from({ length: 200 }, (_, i) => r * 1000 + i));

  beforeAll(async () => {
    dir = tmp.path('formats');
    await mkdir(dir);
    // npy: N x L, one trace per row.
    const stacked = new Float32Array(600);
    rows.forEach((row, r) => stacked.set(row, r * 200));
    await writeFile(join(dir, 'stack.npy'), encodeNpy(stacked, [3, 200]));
    // npz: N x L x 3, vertical last.
    const threeComponent = new Float64Array(2 * 200 * 3);
    for (let n = 0; n < 2; n++) for (let i = 0; i < 200; i++) threeComponent[(n * 200 + i) * 3 + 2] = n * 1000 + i;
    await writeFile(join(dir, 'set.npz'), zipSync({ 'X.npy': encodeNpy(threeComponent, [2, 200, 3]) }));
    // miniSEED with two channels.
    const mseed = (channel: string, offset: number): Uint8Array =>
      encodeMiniSeed(
        {
          network: 'XX',
          station: 'ST',
          location: '',
          channel,
          samplingRate: 100,
          startTime: 1.6e9,
          samples: Array.from({ length: 200 }, (_, i) => offset + i),
        },
        { encoding: 'steim1' },
      );
    await writeFile(join(dir, 'two.mseed'), Buffer.concat([mseed('HHZ', 5000), mseed('HHN', 7000)]));
    // SeisBench bucket: traces x components (Z, N, E) x samples.
    await h5wasm.ready;
    const h5 = new h5wasm.File(join(dir, 'waveforms.hdf5'), 'w');
    const bucket = new Float32Array(2 * 3 * 200);
    for (let t = 0; t < 2; t++) for (let c = 0; c < 3; c++) for (let i = 0; i < 200; i++) bucket[(t * 3 + c) * 200 + i] = t * 1000 + c * 300 + i;
    h5.create_group('data').create_dataset({ name: 'bucket0', data: bucket, shape: [2, 3, 200], dtype: '<f4' });
    h5.create_group('data_format').create_dataset({ name: 'component_order', data: 'ZNE' });
    h5.close();
    await writeFile(
      join(dir, 'manifest.csv'),
      [
        HEADER,
        'stack.npy,npy,[2],,,100,200,a,10,,',
        'set.npz,npz,X[1],2,,100,200,b,,20,',
        'two.mseed,mseed,XX.ST..HHZ,,HHZ,100,200,a,,,',
        'waveforms.hdf5,hdf5,"bucket0$1,:3,:200",,,100,200,b,,,',
      ].join('\n'),
    );
    traces = await loadManifestTraces(join(dir, 'manifest.csv'));
  });

  const ramp = (offset: number): number[] => Array.from({ length: 200 }, (_, i) => offset + i);

  it('reads row [i] of an N x L npy array', () => {
    expect(traces[0]?.id).toBe('stack.npy#[2]');
    expect(Array.from(traces[0]?.samples ?? [])).toEqual(ramp(2000));
  });

  it('reads component 2 of row [i] of an N x L x 3 npz member', () => {
    expect(traces[1]?.id).toBe('set.npz#X[1]');
    expect(Array.from(traces[1]?.samples ?? [])).toEqual(ramp(1000));
    expect(traces[1]?.pPickSource).toBe('estimated');
  });

  it('reads one channel of a miniSEED file by its NET.STA.LOC.CHA id', () => {
    expect(Array.from(traces[2]?.samples ?? [])).toEqual(ramp(5000));
    expect(traces[2]?.pPickSource).toBe('none');
  });

  it("reads the Z component of a SeisBench bucket trace from the file's component order", () => {
    expect(Array.from(traces[3]?.samples ?? [])).toEqual(ramp(1000));
  });

  it('rejects a multi-component array without component_index, a missing member and a gappy miniSEED trace', async () => {
    const manifest = join(dir, 'bad.csv');
    await writeFile(manifest, `${HEADER}\nset.npz,npz,X[0],,,100,200,a,,,\n`);
    await expectDataError(loadManifestTraces(manifest), {
      file: `${manifest}:2`,
      field: 'component_index',
      value: '""',
      problem: /3 components: say which is vertical/,
    });
    await writeFile(manifest, `${HEADER}\nset.npz,npz,data,2,,100,200,a,,,\n`);
    await expectDataError(loadManifestTraces(manifest), {
      file: `${manifest}:2`,
      field: 'trace_key',
      value: '"data"',
      problem: /has no member "data" \(it has X\)/,
    });
    await writeFile(manifest, `${HEADER}\nstack.npy,npy,,,,,200,a,,,\n`);
    await expectDataError(loadManifestTraces(manifest), { file: `${manifest}:2`, field: 'component_index', value: '""' });
    await writeFile(manifest, `${HEADER}\nstack.npy,npy,[0],,,,200,a,,,\n`);
    await expectDataError(loadManifestTraces(manifest), {
      file: `${manifest}:2`,
      field: 'sampling_rate_hz',
      value: '""',
      problem: /does not give its sampling rate/,
    });
    const gappy = encodeMiniSeed(
      { network: 'XX', station: 'ST', location: '', channel: 'HHZ', samplingRate: 100, startTime: 1.6e9, samples: ramp(0) },
      { encoding: 'int32', recordLength: 256 },
    );
    const later = encodeMiniSeed(
      { network: 'XX', station: 'ST', location: '', channel: 'HHZ', samplingRate: 100, startTime: 1.6e9 + 10, samples: ramp(0) },
      { encoding: 'int32', recordLength: 256 },
    );
    await writeFile(join(dir, 'gappy.mseed'), Buffer.concat([gappy, later]));
    await writeFile(manifest, `${HEADER}\ngappy.mseed,mseed,,,,100,,a,,,\n`);
    await expectDataError(loadManifestTraces(manifest), {
      file: `${manifest}:2`,
      field: 'trace_key',
      value: '"XX.ST..HHZ"',
      problem: /1 gap\(s\)\/overlap\(s\)/,
    });
  });
});
