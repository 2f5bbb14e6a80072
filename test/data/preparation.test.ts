import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDataset } from '../../src/data/dataset.js';
import { DEFAULT_PREPARATION, PAPER_PREPARATION, recordedPreparation, resolvePreparation } from '../../src/data/preparation.js';
import { prepareDataset } from '../../src/data/prepare.js';
import { writeSac } from '../../src/data/readers/sac.js';
import { PAPER_PREPROCESS, preprocess } from '../../src/data/signal/preprocess.js';
import { SPECTROGRAM, spectrogram, pWindow } from '../../src/data/signal/spectrogram.js';
import { Rng } from '../../src/tensor/random.js';
import { expectDataError, scratch } from './helpers.js';

let tmp: Awaited<ReturnType<typeof scratch>>;
let sac: string;
/** The SAC file's samples as stored (float32), at 100 Hz, P at sample 1500. */
let trace: Float64Array;
const P = 1500;

beforeAll(async () => {
  tmp = await scratch();
  const rng = new Rng(7);
  // 40 s of noise with a decaying 6 Hz arrival from 15 s on.
  trace = Float64Array.from(
    Float32Array.from({ length: 4000 }, (_, i) => rng.normal() + (i >= P ? 20 * Math.exp(-(i - P) / 300) * Math.sin((2 * Math.PI * 6 * (i - P)) / 100) : 0)),
  );
  sac = tmp.path('onset.sac');
  await writeSac(sac, { delta: 0.01, a: 15 }, trace);
});
afterAll(async () => {
  await tmp.remove();
});

describe('presets', () => {
  it("'paper' is the paper's preprocessing, 6 s linear spectrogram and maxabs P window", () => {
    expect(resolvePreparation('paper')).toEqual(PAPER_PREPARATION);
    expect(PAPER_PREPARATION.preprocess).toEqual(PAPER_PREPROCESS);
    expect(PAPER_PREPARATION.spectrogram).toEqual({ preP: 100, windowSamples: 600, segment: 30, hop: 13, scale: 'linear', floorDb: 60, normalize: 'max' });
    expect(PAPER_PREPARATION.pWindow).toEqual({ preP: 10, normalize: 'maxabs', decay: null });
  });

  it("the default spectrogram's 16 bins span the band its filter passes: 64-sample segment, 1.5625 Hz apart up to 23.4 Hz", () => {
    const { spectrogram: s, preprocess: p } = DEFAULT_PREPARATION;
    expect(s.segment).toBe(64);
    const binHz = SPECTROGRAM.samplingRateHz / s.segment;
    const topHz = (SPECTROGRAM.bins - 1) * binHz;
    expect(binHz).toBe(1.5625);
    expect(topHz).toBeGreaterThan(p.bandpass!.highHz);
    expect(topHz).toBeLessThan(2 * p.bandpass!.highHz);
  });

  it('a data set prepared with --preset paper holds exactly the spectrogram of the paper chain', async () => {
    const summary = await prepareDataset({ task: 'A', inputs: [sac], out: tmp.path('paper.ds'), preset: 'paper' });
    const set = await readDataset(summary.out);
    expect(set.inputs).toEqual(spectrogram(preprocess(trace, 100).samples, P));
    expect(set.header.preprocessing.preset).toBe('paper');
    expect(set.header.window).toEqual({ startFromP: -100, length: 600 });
  });

  it('the default preset is recorded in full in the header, and the header gives it back', async () => {
    const summary = await prepareDataset({ task: 'A', inputs: [sac], out: tmp.path('default.ds') });
    const set = await readDataset(summary.out);
    const { preP, windowSamples } = DEFAULT_PREPARATION.spectrogram;
    expect(set.header.window).toEqual({ startFromP: -preP, length: windowSamples });
    expect(set.header.preprocessing.preset).toBe('default');
    const recorded = recordedPreparation(set.header.preprocessing, summary.out);
    expect(recorded.preprocess).toEqual(DEFAULT_PREPARATION.preprocess);
    expect(recorded.spectrogram).toEqual(DEFAULT_PREPARATION.spectrogram);
    const expected = spectrogram(preprocess(trace, 100, DEFAULT_PREPARATION.preprocess).samples, P, DEFAULT_PREPARATION.spectrogram);
    expect(set.inputs).toEqual(expected);
  });

  it("the default P window weighs the samples after the pick down by e every 4; the header gives it back, and a header from before the choice reads as the paper's", async () => {
    expect(DEFAULT_PREPARATION.pWindow).toEqual({ preP: 10, normalize: 'maxabs', decay: 4 });
    const summary = await prepareDataset({ task: 'B', inputs: [sac], out: tmp.path('default-b.ds') });
    const set = await readDataset(summary.out);
    const recorded = recordedPreparation(set.header.preprocessing, summary.out);
    expect(recorded.preprocess).toEqual(DEFAULT_PREPARATION.preprocess);
    expect(recorded.pWindow).toEqual(DEFAULT_PREPARATION.pWindow);
    expect(set.inputs).toEqual(pWindow(preprocess(trace, 100, DEFAULT_PREPARATION.preprocess).samples, P, DEFAULT_PREPARATION.pWindow));
    const { decay: _, ...before } = set.header.preprocessing.pWindow as Record<string, unknown>;
    expect(recordedPreparation({ ...set.header.preprocessing, pWindow: before }, 'old.scds').pWindow.decay).toBeNull();
  });
});

describe('single choices on top of a preset', () => {
  it('override one field each and are recorded, so predict prepares new files the same way', async () => {
    const summary = await prepareDataset({
      task: 'A',
      inputs: [sac],
      out: tmp.path('custom.ds'),
      preset: 'paper',
      preprocess: { bandpass: { lowHz: 0.5, highHz: 15, order: 4, zeroPhase: true } },
      spectrogram: { scale: 'db', floorDb: 40, windowSamples: 1000, hop: 21 },
    });
    const set = await readDataset(summary.out);
    const recorded = recordedPreparation(set.header.preprocessing, summary.out);
    expect(recorded.preprocess.bandpass).toEqual({ lowHz: 0.5, highHz: 15, order: 4, zeroPhase: true });
    expect(recorded.spectrogram).toEqual({ ...PAPER_PREPARATION.spectrogram, scale: 'db', floorDb: 40, windowSamples: 1000, hop: 21 });
    expect(set.header.window).toEqual({ startFromP: -100, length: 1000 });
  });

  it('task B: the P window moves and is divided by its RMS', async () => {
    const summary = await prepareDataset({ task: 'B', inputs: [sac], out: tmp.path('b.ds'), preset: 'paper', pWindow: { preP: 4, normalize: 'rms' } });
    const set = await readDataset(summary.out);
    expect(set.inputs).toEqual(pWindow(preprocess(trace, 100).samples, P, { preP: 4, normalize: 'rms' }));
    expect(set.header.window).toEqual({ startFromP: -4, length: 32 });
    const rms = Math.sqrt(set.inputs.reduce((a, v) => a + v * v, 0) / 32);
    expect(rms).toBeCloseTo(1, 5);
  });

  it('a header written before the choices were options reads as the paper preset', () => {
    const old = {
      preprocess: { ...PAPER_PREPROCESS },
      spectrogram: { samplingRateHz: 100, windowSamples: 600, preP: 100, segment: 30, hop: 13, bins: 16, frames: 48, normalize: 'max' },
    };
    expect(recordedPreparation(old, 'old.ckpt')).toEqual(PAPER_PREPARATION);
    expect(recordedPreparation(undefined, 'old.ckpt')).toEqual(PAPER_PREPARATION);
  });
});

describe('bad choices', () => {
  it('are refused before any work, naming the field and the value', async () => {
    const out = tmp.path('bad.ds');
    await expectDataError(prepareDataset({ task: 'A', inputs: [sac], out, spectrogram: { segment: 20 } }), {
      file: 'prepare options',
      field: 'spectrogram.segment',
      value: '20',
      problem: /at least 30 \(16 one-sided bins\)/,
    });
    await expectDataError(prepareDataset({ task: 'A', inputs: [sac], out, spectrogram: { hop: 5 } }), {
      file: 'prepare options',
      field: 'spectrogram.hop',
      value: '5',
      problem: /leave the end of the 600-sample window unseen/,
    });
    await expectDataError(prepareDataset({ task: 'A', inputs: [sac], out, preset: 'paper', spectrogram: { hop: 40 } }), {
      file: 'prepare options',
      field: 'spectrogram.hop',
      value: '40',
      problem: /run past the 600-sample window into zeros/,
    });
    await expectDataError(prepareDataset({ task: 'A', inputs: [sac], out, preprocess: { bandpass: { lowHz: 5, highHz: 2, order: 4, zeroPhase: true } } }), {
      file: 'prepare options',
      field: 'preprocess.bandpass.highHz',
      value: '2',
    });
    await expectDataError(prepareDataset({ task: 'B', inputs: [sac], out, pWindow: { preP: 32 } }), {
      file: 'prepare options',
      field: 'pWindow.preP',
      value: '32',
    });
    await expectDataError(prepareDataset({ task: 'B', inputs: [sac], out, pWindow: { decay: 0 } }), {
      file: 'prepare options',
      field: 'pWindow.decay',
      value: '0',
    });
  });
});
