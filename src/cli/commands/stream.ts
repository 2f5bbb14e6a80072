import { STREAM_PICKER_DEFAULTS } from '../../data/stream-picker.js';
import { DEFAULT_RECORD_SPAN } from '../../data/stream-channel.js';
import { isoTime, streamDetections, type StreamDetection, type StreamSource } from '../../pipeline/stream.js';
import { DetectionTally, writeStreamReport } from '../../pipeline/stream-report.js';
import { DEFAULT_VIEW_SHIFTS } from '../../pipeline/views.js';
import { commonOptions, flag, num, str, UsageError, type CommandSpec, type ParsedArgs } from '../args.js';
import { printable } from '../terminal.js';
import { note, openBackend } from '../context.js';
import { renderProgress } from '../progress.js';

export const streamSpec: CommandSpec = {
  name: 'stream',
  summary: 'classify continuous data as it comes: P onsets picked block by block, each classified by a checkpoint, one JSON line per detection',
  usage: 'seiscluster stream --checkpoint <model.ckpt> [--follow] <miniSEED or SAC file | folder | - (standard input)>...',
  positionals: ['inputs...'],
  options: [
    { name: 'checkpoint', type: 'path', role: 'input-file', required: true, help: 'a checkpoint written by `seiscluster train` (after fine-tuning)' },
    { name: 'follow', type: 'boolean', help: 'keep reading the one file named as it grows, looking every --poll seconds, until interrupted (Ctrl-C)' },
    { name: 'poll', type: 'number', default: 1, min: 0.01, max: 3600, help: 'with --follow: seconds between looks at the file' },
    {
      name: 'report',
      type: 'path',
      role: 'output-folder',
      help: 'a folder for a report page (report.html, figures/), written when the data end or Ctrl-C stops --follow: detections per channel and cluster, in time, and q against SNR',
    },
    {
      name: 'record-before',
      type: 'number',
      default: DEFAULT_RECORD_SPAN.beforeSeconds,
      min: 0,
      max: 600,
      help: 'seconds of data before each onset in the record that is prepared and classified (the synthetic task A records have 5)',
    },
    {
      name: 'record-after',
      type: 'number',
      default: DEFAULT_RECORD_SPAN.afterSeconds,
      min: 0,
      max: 600,
      help: 'seconds of data after each onset in that record (the synthetic task A records have 8)',
    },
    {
      name: 'view-shift',
      type: 'number',
      min: 0,
      max: 60,
      help: `each detection is classified from records cut with the pick moved up to this many seconds either side, their q combined by geometric mean; 0: the record at the pick alone (default ${DEFAULT_VIEW_SHIFTS.shiftSeconds} with a task A checkpoint, 0 with task B: a moved polarity window loses the first motion)`,
    },
    {
      name: 'view-step',
      type: 'number',
      default: DEFAULT_VIEW_SHIFTS.stepSeconds,
      min: 0,
      aboveMin: true,
      max: 60,
      help: "seconds between the views' picks",
    },
    {
      name: 'trigger-on',
      type: 'number',
      default: STREAM_PICKER_DEFAULTS.triggerOn,
      min: 1,
      aboveMin: true,
      max: 1000,
      help: 'STA/LTA ratio that opens a trigger',
    },
    {
      name: 'trigger-off',
      type: 'number',
      default: STREAM_PICKER_DEFAULTS.triggerOff,
      min: 0,
      aboveMin: true,
      max: 1000,
      help: 'STA/LTA ratio below which a trigger closes',
    },
    {
      name: 'dead-time',
      type: 'number',
      default: STREAM_PICKER_DEFAULTS.deadTimeSeconds,
      min: 0,
      max: 3600,
      help: "seconds after an onset's trigger in which new triggers are its own later phases (S, depth phases, coda) and are passed over",
    },
    ...commonOptions.filter((o) => o.name === 'backend' || o.name === 'threads' || o.name === 'seed'),
  ],
  examples: [
    'seiscluster stream --checkpoint run/model.ckpt day/SY.ST01..HHZ.mseed',
    'seiscluster stream --checkpoint run/model.ckpt day/ > detections.jsonl',
    'seiscluster stream --checkpoint run/model.ckpt --report stream-report day/ > detections.jsonl',
    'cat day/SY.ST01..HHZ.mseed | seiscluster stream --checkpoint run/model.ckpt -',
    'seiscluster stream --checkpoint run/model.ckpt --follow --poll 5 /data/live/IU.ANMO.00.BHZ.mseed',
  ],
};

/** One detection as its JSON line: the onset as ISO UTC, q and SNR rounded to what they mean. */
function jsonLine(d: StreamDetection): string {
  return JSON.stringify({
    station: d.station,
    channel: d.channel,
    pick_time: isoTime(d.pickTime),
    cluster: d.cluster,
    q: d.q.map((v) => Number(v.toPrecision(6))),
    snr: d.snr === null ? null : Number(d.snr.toFixed(3)),
  });
}

export async function stream(args: ParsedArgs): Promise<void> {
  const follow = flag(args, 'follow');
  if (args.positionals.filter((p) => p === '-').length > 1) throw new UsageError('standard input (-) can be named once');
  if (follow && args.positionals.includes('-')) throw new UsageError('--follow follows a file; standard input is read until it ends anyway');
  if (!follow && args.given.has('poll')) throw new UsageError('--poll goes with --follow');
  const triggerOn = num(args, 'trigger-on')!;
  const triggerOff = num(args, 'trigger-off')!;
  if (!(triggerOff < triggerOn)) throw new UsageError(`--trigger-off (${triggerOff}) must be below --trigger-on (${triggerOn})`);
  const sources: StreamSource[] = args.positionals.map((p) => (p === '-' ? { name: '-', bytes: process.stdin } : p));

  // Ctrl-C ends a followed file as its end would: the records complete so far are classified, and the run exits 0.
  const interrupt = new AbortController();
  const stop = (): void => interrupt.abort();
  if (follow) process.once('SIGINT', stop);
  try {
    const detections = streamDetections({
      checkpoint: str(args, 'checkpoint')!,
      sources,
      ...(follow && { follow: { pollSeconds: num(args, 'poll')!, signal: interrupt.signal } }),
      span: { beforeSeconds: num(args, 'record-before')!, afterSeconds: num(args, 'record-after')! },
      picker: { triggerOn, triggerOff, deadTimeSeconds: num(args, 'dead-time')! },
      views: { ...(args.given.has('view-shift') && { shiftSeconds: num(args, 'view-shift')! }), stepSeconds: num(args, 'view-step')! },
      backend: () => openBackend(args),
      onProgress: renderProgress(),
    });
    const report = str(args, 'report');
    const tally = report === undefined ? null : new DetectionTally(num(args, 'seed')!);
    let next = await detections.next();
    while (next.done !== true) {
      console.log(jsonLine(next.value));
      tally?.add(next.value);
      next = await detections.next();
    }
    const s = next.value;
    note(
      `${s.detections} detections in ${(s.seconds / 3600).toFixed(2)} hours of data on ${s.channels} channels` +
        (s.dropped > 0 ? `; ${s.dropped} onsets too near the start, the end or a gap to cut a record` : '') +
        (s.unprepared > 0 ? `; ${s.unprepared} records could not be prepared` : ''),
    );
    if (report !== undefined && tally !== null) {
      const html = await writeStreamReport(report, tally, s, {
        command: args.commandLine,
        checkpointPath: str(args, 'checkpoint')!,
        inputs: args.positionals,
        settings: {
          follow,
          'record before P (s)': num(args, 'record-before')!,
          'record after P (s)': num(args, 'record-after')!,
          'views: pick moved up to (s)': s.views.shiftSeconds,
          'views: step (s)': s.views.stepSeconds,
          'trigger on': triggerOn,
          'trigger off': triggerOff,
          'dead time (s)': num(args, 'dead-time')!,
        },
      });
      note(`wrote ${printable(html)}`);
    }
  } finally {
    process.removeListener('SIGINT', stop);
  }
}
