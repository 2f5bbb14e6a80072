/**
 * One entry point for a seismogram file of any supported format. The format
 * is recognised by content first (npy, zip/npz and HDF5 have magic numbers,
 * miniSEED a recognisable fixed header, SAC its header version at word 76),
 * then by extension, so that a damaged `.sac` file gets the SAC reader's
 * precise complaint ("nvhdr = 7") rather than "unknown format".
 */
import { DataError } from '../../common/errors.js';
import { basename, dirname, extname, join } from '../../common/path.js';
import { hex } from '../../common/text.js';
import { openRegularFile, regularFileSize } from '../files.js';
import { looksLikeHdf5, openHdf5, type Hdf5Trace } from './hdf5.js';
import { iterateSeisBenchTraces } from './manifest.js';
import { looksLikeMiniSeed, readMiniSeed, type MiniSeedTrace } from './miniseed.js';
import { looksLikeNpy, looksLikeZip, readNpy, readNpz, type NpyArray } from './npy.js';
import { looksLikeSac, readSac, type SacTrace } from './sac.js';

export { DataError } from '../../common/errors.js';
export * from './hdf5.js';
export * from './manifest.js';
export * from './miniseed.js';
export * from './npy.js';
export * from './sac.js';

/** The content of a seismogram file, by format. */
export type Seismogram =
  | { format: 'sac'; path: string; trace: SacTrace }
  | { format: 'mseed'; path: string; traces: MiniSeedTrace[] }
  | { format: 'npy'; path: string; array: NpyArray }
  | { format: 'npz'; path: string; arrays: Map<string, NpyArray> }
  | { format: 'hdf5'; path: string; traces: Hdf5Trace[] };

export type SeismogramFormat = Seismogram['format'];

const EXTENSIONS: Record<string, SeismogramFormat> = {
  '.sac': 'sac',
  '.mseed': 'mseed',
  '.miniseed': 'mseed',
  '.ms': 'mseed',
  '.npy': 'npy',
  '.npz': 'npz',
  '.h5': 'hdf5',
  '.hdf5': 'hdf5',
  '.hdf': 'hdf5',
};

/** Bytes read to recognise a format: a whole SAC header. */
const SNIFF_BYTES = 632;

/**
 * Reads a seismogram file whatever its format. HDF5 files are read whole:
 * every per-trace dataset (STEAD layout), or, for a SeisBench bucket file,
 * every trace its `metadata.csv` (beside it) lists. For large archives use
 * `openHdf5` and read traces one at a time.
 */
export async function readSeismogram(path: string): Promise<Seismogram> {
  const format = await detectFormat(path);
  switch (format) {
    case 'sac':
      return { format, path, trace: await readSac(path) };
    case 'mseed':
      return { format, path, traces: await readMiniSeed(path) };
    case 'npy':
      return { format, path, array: await readNpy(path) };
    case 'npz':
      return { format, path, arrays: await readNpz(path) };
    case 'hdf5':
      return { format, path, traces: await readHdf5Traces(path) };
  }
}

/** The format of a file, from its first bytes, else from its extension. */
export async function detectFormat(path: string): Promise<SeismogramFormat> {
  const { handle } = await openRegularFile(path);
  let head: Uint8Array;
  try {
    head = await handle.read(0, SNIFF_BYTES);
  } finally {
    await handle.close();
  }
  if (looksLikeNpy(head)) return 'npy';
  if (looksLikeZip(head)) return 'npz';
  if (looksLikeHdf5(head)) return 'hdf5';
  if (looksLikeMiniSeed(head)) return 'mseed';
  if (looksLikeSac(head)) return 'sac';
  const byExtension = formatByExtension(path);
  if (byExtension) return byExtension;
  if (head.length === 0) throw new DataError(path, 'file size', 0, 'empty file');
  throw new DataError(path, 'format', hex(head.subarray(0, 8)), 'not recognised as SAC, miniSEED, npy, npz or HDF5 (first bytes shown in hex)');
}

/** The format a file's extension names, if any: for a file its content did not identify, so its reader can say what is wrong. */
export function formatByExtension(path: string): SeismogramFormat | undefined {
  return EXTENSIONS[extname(path).toLowerCase()];
}

async function readHdf5Traces(path: string): Promise<Hdf5Trace[]> {
  const h5 = await openHdf5(path);
  let buckets: string[];
  try {
    const keys = h5.traceKeys();
    if (keys.length > 0) return keys.map((key) => h5.readTrace(key));
    buckets = h5.bucketNames();
  } finally {
    h5.close();
  }
  if (buckets.length === 0) throw new DataError(path, 'datasets', 0, 'no waveform datasets and no SeisBench buckets');
  const metadata = join(dirname(path), 'metadata.csv');
  try {
    await regularFileSize(metadata);
  } catch {
    throw new DataError(
      path,
      'metadata',
      metadata,
      `SeisBench buckets (${buckets.join(', ')}) need the metadata CSV that locates the traces; it is not beside ${basename(path)}`,
    );
  }
  const traces: Hdf5Trace[] = [];
  for await (const trace of iterateSeisBenchTraces(metadata, path)) traces.push(trace);
  return traces;
}
