import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatasetWriter, readDataset, readDatasetHeader, type DatasetMeta } from '../../src/data/dataset.js';
import { prepareDataset } from '../../src/data/prepare.js';
import { distanceSlice, expectDataError, scratch } from './helpers.js';
import { realDataDir, skipWithoutRealData } from '../helpers/real-data.js';

const noRealData = skipWithoutRealData('grouping tests on real manifest slices');

let tmp: Awaited<ReturnType<typeof scratch>>;
beforeAll(async () => {
  tmp = await scratch();
});
afterAll(async () => {
  await tmp.remove();
});

const taskB: DatasetMeta = { task: 'B', inputShape: [32], samplingRate: 100, window: { startFromP: -10, length: 32 }, preprocessing: {} };

describe('grouping columns in a prepared set', () => {
  it('round-trip as one value per row, null where a row has none', async () => {
    const path = tmp.path('groups.scds');
    const writer = await DatasetWriter.create(path, taskB);
    await writer.append([
      { input: new Float32Array(32), sourceId: 'a', groups: { event_id: 'ev1', network: 'TA' } },
      { input: new Float32Array(32), sourceId: 'b', groups: { network: 'CI', station: 'PAS' } },
      { input: new Float32Array(32), sourceId: 'c' },
    ]);
    await writer.finish();
    expect((await readDataset(path)).header.groups).toEqual({
      event_id: ['ev1', null, null],
      network: ['TA', 'CI', null],
      station: [null, 'PAS', null],
    });
  });

  it('a set without any grouping has no groups field', async () => {
    const path = tmp.path('none.scds');
    const writer = await DatasetWriter.create(path, taskB);
    await writer.append([{ input: new Float32Array(32), sourceId: 'a' }]);
    await writer.finish();
    expect((await readDatasetHeader(path)).groups).toBeUndefined();
  });

  it('an empty grouping value is refused before anything is written', async () => {
    const path = tmp.path('empty-value.scds');
    const writer = await DatasetWriter.create(path, taskB);
    await expectDataError(writer.append([{ input: new Float32Array(32), sourceId: 'a', groups: { network: '' } }]), {
      file: path,
      field: 'row 0 (a) groups.network',
      value: '""',
    });
    await writer.abort();
  });

  it('a header whose grouping does not list one value per row is a DataError naming the file and the field', async () => {
    const path = tmp.path('bad-groups.scds');
    const writer = await DatasetWriter.create(path, taskB);
    await writer.append([
      { input: new Float32Array(32), sourceId: 'a', groups: { network: 'TA' } },
      { input: new Float32Array(32), sourceId: 'b', groups: { network: 'CI' } },
    ]);
    await writer.finish();
    // Same length, so the file stays consistent: one value dropped, one padding space added.
    const text = (await readFile(path)).toString('latin1').replace('"network":["TA","CI"]', '"network":["TA"]     ');
    await writeFile(path, Buffer.from(text, 'latin1'));
    await expectDataError(readDatasetHeader(path), { file: path, field: 'header.groups.network', value: '1', problem: /one string or null per row \(2\)/ });
  });
});

describe.skipIf(noRealData)('prepareDataset keeps the grouping columns', () => {
  it("a manifest's dataset, event_id, network and station, and the columns asked for with groupBy", async () => {
    const manifest = await distanceSlice(tmp.path('slice.csv'), ['mtuq_alaska_2009', 'aimbat_chile_2012'], 3, 'site');
    const out = tmp.path('slice.scds');
    await prepareDataset({ task: 'A', inputs: [manifest], out, groupBy: ['site', 'channel'] });
    const groups = (await readDatasetHeader(out)).groups!;
    expect(Object.keys(groups)).toEqual(['dataset', 'event_id', 'network', 'station', 'site', 'channel']);
    expect(groups.dataset).toEqual(['mtuq_alaska_2009', 'mtuq_alaska_2009', 'mtuq_alaska_2009', 'aimbat_chile_2012', 'aimbat_chile_2012', 'aimbat_chile_2012']);
    expect(groups.site).toEqual(['site-0', 'site-1', 'site-0', 'site-1', 'site-0', 'site-1']);
    expect(groups.channel!.every((c) => c === 'BHZ')).toBe(true);
    expect(groups.network!.slice(0, 3)).toEqual(['AK', 'AK', 'AT']);
  });

  it('a groupBy column the manifest lacks is a DataError naming the manifest and the column, and nothing is written', async () => {
    const manifest = await distanceSlice(tmp.path('slice-2.csv'), ['mtuq_alaska_2009'], 1);
    const out = tmp.path('never.scds');
    await expectDataError(prepareDataset({ task: 'A', inputs: [manifest], out, groupBy: ['magnitude_type'] }), {
      file: manifest,
      field: 'group-by',
      value: '"magnitude_type"',
      problem: /no such column/,
    });
    await expect(readFile(out)).rejects.toThrow(/ENOENT/);
  });

  it("plain SAC files carry the header's network and station", async () => {
    const folder = join(realDataDir, 'distance', 'local', 'mtuq_alaska_2009', '20090407201255351');
    const out = tmp.path('sac.scds');
    await prepareDataset({ task: 'A', inputs: [join(folder, '20090407201255351.AK.RC01..BH.z'), join(folder, '20090407201255351.AT.PMR..BH.z')], out });
    expect((await readDatasetHeader(out)).groups).toEqual({ network: ['AK', 'AT'], station: ['RC01', 'PMR'] });
  });
});
