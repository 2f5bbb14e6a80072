import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  CheckpointError,
  captureCheckpoint,
  decodeCheckpoint,
  encodeCheckpoint,
  readCheckpoint,
  restoreModel,
  saveCheckpoint,
  type Checkpoint,
} from '../../src/cluster/checkpoint.js';
import { ClusteringLayer } from '../../src/cluster/clustering.js';
import { predict } from '../../src/cluster/predict.js';
import { Autoencoder } from '../../src/model/autoencoder.js';
import { networkA } from '../../src/model/networks.js';
import { tempDirs } from '../helpers/temp-dirs.js';
import { tinyData, tinyDescription } from './fixtures.js';

const tempDir = tempDirs('seiscluster-checkpoint-');

async function sample(): Promise<{ model: Autoencoder; clustering: ClusteringLayer; checkpoint: Checkpoint }> {
  const model = new Autoencoder(tinyDescription(), { seed: 9 });
  const clustering = new ClusteringLayer([0.1, -0.2, 0.3, 0.05, -0.1, 0.2, -0.3, 0.4], 2, 4, { alpha: 1.5 });
  const checkpoint = await captureCheckpoint({
    model,
    clustering,
    optimizer: {
      step: 12,
      parameters: ['encoder.0.weight'],
      m: [Float32Array.from({ length: 12 }, (_, i) => i / 10)],
      v: [Float32Array.from({ length: 12 }, (_, i) => i / 100)],
    },
    progress: {
      stage: 'finetune',
      iteration: 150,
      batchIndex: 3,
      pass: 1,
      previousLabels: Int32Array.from([0, 1, 1, 0, -1]),
      history: [{ iteration: 0, kind: 'update', deltaLabel: 0, loss: null, acc: 0.9, elapsedSeconds: 0.5 }],
    },
    preprocessing: { sampleRate: 100, band: [1, 20], window: 'P - 0.1 s .. P + 0.22 s' },
    settings: { seed: 3, note: 'ünïcode ok' },
  });
  return { model, clustering, checkpoint };
}

describe('checkpoint round trip', () => {
  it('saves and reads back weights, centroids, description, optimiser, progress, preprocessing and settings', async () => {
    const { model, clustering, checkpoint } = await sample();
    const dir = tempDir();
    const path = join(dir, 'model.safetensors');
    await saveCheckpoint(path, checkpoint);
    const back = await readCheckpoint(path);
    expect(back).toEqual(checkpoint);
    expect(readdirSync(dir)).toEqual(['model.safetensors']);

    // The restored model predicts exactly what the original does.
    const { inputs } = tinyData(7);
    const restored = restoreModel(back);
    const [a, b] = [await predict(model, clustering, inputs), await predict(restored.model, restored.clustering!, inputs)];
    expect(b).toEqual(a);
    expect(restored.clustering!.alpha).toBe(1.5);
    for (const m of [model, restored.model]) m.dispose();
    clustering.dispose();
    restored.clustering!.dispose();
  });

  it('is a safetensors file: u64 LE header length, JSON header with string metadata, contiguous LE data', async () => {
    const { model, clustering, checkpoint } = await sample();
    const bytes = encodeCheckpoint(checkpoint);
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    const n = Number(view.getBigUint64(0, true));
    expect((8 + n) % 8).toBe(0);
    const header = JSON.parse(Buffer.from(bytes.subarray(8, 8 + n)).toString('utf8')) as Record<
      string,
      { dtype: string; shape: number[]; data_offsets: [number, number] }
    >;
    const meta = header.__metadata__ as unknown as Record<string, unknown>;
    expect(Object.values(meta).every((v) => typeof v === 'string')).toBe(true);
    expect(meta.format).toBe('seiscluster-checkpoint');
    expect(JSON.parse(meta.model as string)).toEqual(tinyDescription());
    const entries = Object.entries(header).filter(([k]) => k !== '__metadata__');
    let offset = 0;
    for (const [, e] of entries) {
      expect(e.data_offsets[0]).toBe(offset);
      offset = e.data_offsets[1];
    }
    expect(8 + n + offset).toBe(bytes.length);
    // The first tensor is encoder.0.weight, float32 little-endian.
    expect(entries[0]![0]).toBe('encoder.0.weight');
    expect(view.getFloat32(8 + n, true)).toBe(checkpoint.weights.get('encoder.0.weight')![0]);
    expect(header['progress.previousLabels']).toMatchObject({ dtype: 'I32', shape: [5] });
    model.dispose();
    clustering.dispose();
  });

  it('overwrites atomically, leaving no temporary file', async () => {
    const { model, clustering, checkpoint } = await sample();
    const dir = tempDir();
    const path = join(dir, 'c.safetensors');
    await saveCheckpoint(path, checkpoint);
    await saveCheckpoint(path, { ...checkpoint, settings: { seed: 4 } });
    expect((await readCheckpoint(path)).settings).toEqual({ seed: 4 });
    expect(readdirSync(dir)).toEqual(['c.safetensors']);
    await saveCheckpoint(join(dir, 'new', 'c.safetensors'), checkpoint);
    expect(readdirSync(join(dir, 'new'))).toEqual(['c.safetensors']);
    model.dispose();
    clustering.dispose();
  });
});

describe('bad checkpoint files', () => {
  async function bytes(): Promise<Uint8Array> {
    const { model, clustering, checkpoint } = await sample();
    model.dispose();
    clustering.dispose();
    return encodeCheckpoint(checkpoint);
  }

  function safetensors(header: object, data: Uint8Array = new Uint8Array(0)): Uint8Array {
    const json = Buffer.from(JSON.stringify(header));
    const out = new Uint8Array(8 + json.length + data.length);
    new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
    out.set(json, 8);
    out.set(data, 8 + json.length);
    return out;
  }

  it('rejects a file cut in the data, in the header or before it', async () => {
    const b = await bytes();
    expect(() => decodeCheckpoint(b.subarray(0, b.length - 3), 'cut.safetensors')).toThrow(
      /^checkpoint cut.safetensors: tensor .* ends at byte \d+ of the data section, which has only \d+ bytes \(truncated file\)$/,
    );
    expect(() => decodeCheckpoint(b.subarray(0, 100), 'cut.safetensors')).toThrow(
      /the header needs \d+ bytes but only 92 follow the length field \(truncated file\)/,
    );
    expect(() => decodeCheckpoint(b.subarray(0, 5), 'cut.safetensors')).toThrow(/5 bytes is too short/);
    expect(() => decodeCheckpoint(b.subarray(0, 5))).toThrow(CheckpointError);
  });

  it('rejects foreign files: other safetensors, JSON, random bytes, trailing garbage', async () => {
    const other = safetensors({ __metadata__: { format: 'pt' }, w: { dtype: 'F32', shape: [1], data_offsets: [0, 4] } }, new Uint8Array(4));
    expect(() => decodeCheckpoint(other, 'other.safetensors')).toThrow(/other.safetensors: a safetensors file, but not a seiscluster checkpoint/);
    expect(() => decodeCheckpoint(Buffer.from('{"input": [1, 16]}'), 'x.json')).toThrow(/header length \d+ is implausible \(not a safetensors file\)/);
    const random = Uint8Array.from({ length: 64 }, (_, i) => (i * 37) % 256);
    random.set([20, 0, 0, 0, 0, 0, 0, 0]);
    expect(() => decodeCheckpoint(random, 'noise.bin')).toThrow(/the header is not JSON \(not a safetensors file\)/);
    const b = await bytes();
    const padded = new Uint8Array(b.length + 4);
    padded.set(b);
    expect(() => decodeCheckpoint(padded, 'long.safetensors')).toThrow(/4 bytes after the last tensor/);
  });

  it('rejects a newer version and weights that do not fit the description', async () => {
    const b = await bytes();
    const n = Number(new DataView(b.buffer, b.byteOffset).getBigUint64(0, true));
    const header = JSON.parse(Buffer.from(b.subarray(8, 8 + n)).toString('utf8')) as Record<string, Record<string, string>>;
    const data = b.subarray(8 + n);
    expect(() => decodeCheckpoint(safetensors({ ...header, __metadata__: { ...header.__metadata__, version: '2' } }, data), 'new.safetensors')).toThrow(
      /version 2 is newer than this seiscluster reads \(1\)/,
    );
    // The description of network A with the tiny model's weights.
    expect(() =>
      decodeCheckpoint(safetensors({ ...header, __metadata__: { ...header.__metadata__, model: JSON.stringify(networkA()) } }, data), 'mixed.safetensors'),
    ).toThrow(/mixed.safetensors: tensor encoder.0.weight has shape \[4, 1, 3\], the model description expects \[4, 1, 3, 3\]/);
    const bad = JSON.parse(header.__metadata__!.model!) as { encoder: { type: string }[] };
    bad.encoder[0]!.type = 'dense';
    expect(() =>
      decodeCheckpoint(safetensors({ ...header, __metadata__: { ...header.__metadata__, model: JSON.stringify(bad) } }, data), 'bad.safetensors'),
    ).toThrow(/bad.safetensors: model description: encoder\[0\]: unknown layer type "dense"/);
  });

  it('names the file that cannot be read', async () => {
    const dir = tempDir();
    await expect(readCheckpoint(join(dir, 'nope.safetensors'))).rejects.toThrow(/checkpoint .*nope.safetensors: cannot be read: no such file$/);
    await expect(readCheckpoint(dir)).rejects.toThrow(/cannot be read: a folder, not a data file$/);
    writeFileSync(join(dir, 'empty.safetensors'), '');
    await expect(readCheckpoint(join(dir, 'empty.safetensors'))).rejects.toThrow(/0 bytes is too short/);
    expect(readFileSync(join(dir, 'empty.safetensors')).length).toBe(0);
  });
});
