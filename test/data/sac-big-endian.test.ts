/**
 * Big-endian SAC from real files: every real SAC file of the development set
 * is little-endian, so each case here writes the big-endian twin of one (as a
 * big-endian machine's SAC would write it) and reads both. The twins come
 * from five different writers (aimbat, ToC2ME, MTUQ, rfmpy, neic-finitefault),
 * so the headers hold picks, coordinates and strings as written in the wild.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeSac, looksLikeSac, readSac } from '../../src/data/readers/sac.js';
import { realDataDir, skipWithoutRealData } from '../helpers/real-data.js';
import { scratch } from './helpers.js';

const noRealData = skipWithoutRealData('big-endian twins of real SAC files');

/** Bytes 440-631 of the header: the 8-character (and one 16-character) string fields, the same in either byte order. */
const STRINGS_FROM = 440;
const STRINGS_TO = 632;
/** Word 76 of the header: the header version, 6. */
const NVHDR_BYTE = 76 * 4;

const files = [
  'distance/teleseismic/aimbat_chile_2012/Event_2012.01.23.16.04.52.980/CI.ADO.__.BHZ',
  'polarity/toc2me_event1/20161104064824.680/5B.1107.DHZ.SAC',
  'distance/local/mtuq_alaska_2009/20090407201255351/20090407201255351.AK.SAW..BH.z',
  'distance/teleseismic/rfmpy_alps_2015/P_2015.047.23.06.28/2015.047.23.06.28.CH.ACB.HHZ.SAC',
  'distance/teleseismic/usgs_illapel_2015/us20003k7a/GESNAA_BHZ__.sac',
];

/** Every 4-byte header word and sample reversed; the string fields copied as they are. */
function bigEndianTwin(little: Uint8Array): Uint8Array {
  const big = little.slice();
  for (let at = 0; at < little.length; at += 4) {
    if (at >= STRINGS_FROM && at < STRINGS_TO) continue;
    for (let k = 0; k < 4; k++) big[at + k] = little[at + 3 - k]!;
  }
  return big;
}

let tmp: Awaited<ReturnType<typeof scratch>>;
beforeAll(async () => {
  tmp = await scratch();
});
afterAll(async () => {
  await tmp.remove();
});

describe.skipIf(noRealData)('big-endian twins of real little-endian SAC files', () => {
  for (const file of files)
    it(`${basename(file)}: both byte orders read to the same header and samples`, async () => {
      const path = join(realDataDir, file);
      const little = new Uint8Array(await readFile(path));
      // The source really is little-endian version 6, so the twin really is big-endian.
      expect(new DataView(little.buffer, little.byteOffset).getInt32(NVHDR_BYTE, true)).toBe(6);
      const big = bigEndianTwin(little);
      expect(new DataView(big.buffer, big.byteOffset).getInt32(NVHDR_BYTE, false)).toBe(6);
      expect(big.subarray(STRINGS_FROM, STRINGS_TO)).toEqual(little.subarray(STRINGS_FROM, STRINGS_TO));
      expect(looksLikeSac(big)).toBe(true);

      const twin = tmp.path(`${basename(file)}.big`);
      await writeFile(twin, big);
      const reference = await readSac(path);
      expect(reference.byteOrder).toBe('little');
      for (const decoded of [await readSac(twin), decodeSac(big, twin)]) {
        expect(decoded.byteOrder).toBe('big');
        expect(decoded.header).toEqual(reference.header);
        expect(decoded.samplingRate).toBe(reference.samplingRate);
        expect(decoded.samples).toEqual(reference.samples);
      }
      // Not a trace of zeros or undefined fields: the comparison above had something to compare.
      expect(reference.header.npts).toBe(reference.samples.length);
      expect(reference.samples.some((v) => v !== 0)).toBe(true);
      expect(reference.header.knetwk).toMatch(/^[A-Z0-9]{1,2}$/);
    });
});
