/**
 * Writes a stress set (stress.ts) as a real archive looks: one binary SAC
 * file per record under a folder per event, and a `manifest.csv` in exactly
 * the columns of the real development manifests (shared/data/real), so that
 * `seiscluster prepare` reads it as it reads real data.
 *
 * SAC headers carry what real files carry: network, station, channel,
 * instrument, sampling interval, start time after the origin (`b`, `o` = 0),
 * the reference time at the origin, event depth and magnitude, distance, and
 * the P pick in `t0` with `kt0` = P for analyst picks only; an estimate-only
 * record has no pick in its header.
 *
 * The set is written whole (output-folder.ts): a failed or interrupted run
 * leaves nothing half-written under the destination's name.
 */

import { join } from '../common/path.js';
import { host } from '../host/host.js';
import { writeFolderWhole } from './output-folder.js';
import { csvField } from './readers/manifest.js';
import { encodeSac, type SacHeaderInput } from './readers/sac.js';
import { stressSet, type StressOptions, type StressRecord } from './stress.js';

/** The real manifests' columns, in their order. */
export const MANIFEST_COLUMNS = [
  'path',
  'format',
  'trace_key',
  'component_index',
  'channel',
  'sampling_rate_hz',
  'npts',
  'label',
  'p_arrival_sample',
  'p_pick_source',
  'p_arrival_sample_estimated',
  's_arrival_sample',
  'distance_km',
  'hypocentral_km',
  'distance_source',
  'depth_km',
  'magnitude',
  'network',
  'station',
  'event_id',
  'event_time',
  'source',
  'original_label',
  'first_motion_check',
  'first_motion_pick_used',
  'in_paper_range',
  'dataset',
] as const;

type ManifestColumn = (typeof MANIFEST_COLUMNS)[number];

/** The paper's teleseismic range, 1,000-10,000 km epicentral. */
const PAPER_TELESEISMIC_KM = [1000, 10000] as const;
const PAPER_LOCAL_MAX_KM = 150;

export interface StressArchiveOptions extends StressOptions {
  /** Destination folder; must not exist or be empty, unless `force`. */
  out: string;
  force?: boolean;
  onProgress?: (done: number, total: number) => void;
}

export interface StressArchiveSummary {
  out: string;
  manifest: string;
  task: StressOptions['task'];
  seed: number;
  records: number;
  labels: Record<string, number>;
  events: number;
  /** Events by kind: local, teleseismic shallow / deep (>= 100 km) / great (M >= 8). */
  eventKinds: Record<string, number>;
  networks: Record<string, number>;
  stations: number;
  samplingRates: Record<string, number>;
  instruments: Record<string, number>;
  picks: { analyst: number; estimateOnly: number };
  seconds: number;
}

/** Synthesises the set and writes it under `out` (see the file comment). */
export async function writeStressArchive(options: StressArchiveOptions): Promise<StressArchiveSummary> {
  const started = performance.now();
  const set = stressSet(options);
  const files = host().files;
  const summary: StressArchiveSummary = {
    out: options.out,
    manifest: join(options.out, 'manifest.csv'),
    task: options.task,
    seed: options.seed ?? 0,
    records: set.count,
    labels: {},
    events: set.events.length,
    eventKinds: {},
    networks: {},
    stations: 0,
    samplingRates: {},
    instruments: {},
    picks: { analyst: 0, estimateOnly: 0 },
    seconds: 0,
  };
  for (const event of set.events) {
    const kind =
      event.kind === 'local' ? 'local' : event.magnitude >= 8 ? 'teleseismic great' : event.depthKm >= 100 ? 'teleseismic deep' : 'teleseismic shallow';
    count(summary.eventKinds, kind);
  }
  await writeFolderWhole(options.out, options.force === true, async (staging) => {
    const lines = [MANIFEST_COLUMNS.join(',')];
    const stations = new Set<string>();
    let done = 0;
    for (const record of set.records()) {
      const file = join(staging, record.path);
      await files.write(file, encodeSac(sacHeader(record), record.samples, file));
      lines.push(manifestLine(record));
      count(summary.labels, record.label);
      count(summary.networks, record.station.network);
      count(summary.samplingRates, String(record.samplingRate));
      count(summary.instruments, record.station.response.instrument);
      stations.add(`${record.station.network}.${record.station.code}`);
      if (record.analystPick !== undefined) summary.picks.analyst++;
      else summary.picks.estimateOnly++;
      options.onProgress?.(++done, set.count);
    }
    summary.stations = stations.size;
    await files.write(join(staging, 'manifest.csv'), `${lines.join('\n')}\n`);
  });
  summary.seconds = (performance.now() - started) / 1000;
  return summary;
}

function count(table: Record<string, number>, key: string): void {
  table[key] = (table[key] ?? 0) + 1;
}

/** The SAC header of a record (see the file comment). */
function sacHeader(record: StressRecord): SacHeaderInput {
  const { event, station } = record;
  const origin = new Date(`${event.time}Z`);
  const dayOfYear = Math.floor((origin.getTime() - Date.UTC(origin.getUTCFullYear(), 0, 1)) / 86400e3) + 1;
  return {
    delta: 1 / record.samplingRate,
    b: record.startAfterOrigin,
    o: 0,
    nzyear: origin.getUTCFullYear(),
    nzjday: dayOfYear,
    nzhour: origin.getUTCHours(),
    nzmin: origin.getUTCMinutes(),
    nzsec: origin.getUTCSeconds(),
    nzmsec: origin.getUTCMilliseconds(),
    knetwk: station.network,
    kstnm: station.code,
    kcmpnm: station.channel,
    kinst: { broadband: 'BROADBND', 'short-period': 'GEOPHONE', accelerometer: 'ACCEL' }[station.response.instrument],
    kevnm: event.id.slice(0, 16),
    evdp: event.depthKm,
    mag: event.magnitude,
    dist: record.epicentralKm,
    ...(record.distanceDeg !== undefined && { gcarc: record.distanceDeg }),
    cmpinc: 0,
    ...(record.analystPick !== undefined && { t0: record.startAfterOrigin + record.analystPick / record.samplingRate, kt0: 'P' }),
  };
}

/** The record's manifest row, in MANIFEST_COLUMNS order. */
function manifestLine(record: StressRecord): string {
  const { event, station } = record;
  const fixed = (x: number, digits: number): string => x.toFixed(digits);
  const inPaperRange =
    record.hypocentralKm !== undefined
      ? record.hypocentralKm < PAPER_LOCAL_MAX_KM
      : record.epicentralKm >= PAPER_TELESEISMIC_KM[0] && record.epicentralKm <= PAPER_TELESEISMIC_KM[1];
  const instrument = station.response.instrument;
  const cells: Record<ManifestColumn, string> = {
    path: record.path,
    format: 'sac',
    trace_key: '',
    component_index: '',
    channel: station.channel,
    sampling_rate_hz: String(record.samplingRate),
    npts: String(record.samples.length),
    label: record.label,
    p_arrival_sample: record.analystPick === undefined ? '' : String(record.analystPick),
    p_pick_source: record.analystPick === undefined ? '' : 'sac:t0 (kt0=P, analyst)',
    p_arrival_sample_estimated: record.estimatedPick === undefined ? '' : String(record.estimatedPick),
    s_arrival_sample: record.sArrivalSample === undefined ? '' : String(record.sArrivalSample),
    distance_km: fixed(record.epicentralKm, 3),
    hypocentral_km: record.hypocentralKm === undefined ? '' : fixed(record.hypocentralKm, 3),
    distance_source: record.distanceDeg === undefined ? 'synthetic geometry' : 'sac:gcarc*111.19',
    depth_km: fixed(event.depthKm, 1),
    magnitude: fixed(event.magnitude, 1),
    network: station.network,
    station: station.code,
    event_id: event.id,
    event_time: event.time,
    source: `stress set, event ${event.id} M${fixed(event.magnitude, 1)} at ${fixed(event.depthKm, 0)} km depth; ${station.network}.${station.code} (${station.networkDescription}), ${instrument} ${station.channel} ${record.samplingRate} Hz`,
    original_label: '',
    first_motion_check: '',
    first_motion_pick_used: '',
    in_paper_range: record.label === 'up' || record.label === 'down' ? '' : inPaperRange ? '1' : '0',
    dataset: station.dataset,
  };
  return MANIFEST_COLUMNS.map((c) => csvField(cells[c])).join(',');
}
