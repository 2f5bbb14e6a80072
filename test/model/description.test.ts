import { describe, expect, it } from 'vitest';
import { cpu } from '../../src/index.js';
import { Autoencoder } from '../../src/model/autoencoder.js';
import { ModelDescriptionError, parseModelDescription, type ModelDescription } from '../../src/model/description.js';
import { networkA, networkB } from '../../src/model/networks.js';

/** networkA() as plain JSON, edited by `edit`. */
function editedA(edit: (d: { input: unknown; encoder: Record<string, unknown>[]; decoder: Record<string, unknown>[] }) => void): unknown {
  const d = JSON.parse(JSON.stringify(networkA())) as { input: unknown; encoder: Record<string, unknown>[]; decoder: Record<string, unknown>[] };
  edit(d);
  return d;
}

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ModelDescriptionError);
    return (err as Error).message;
  }
  throw new Error('expected a ModelDescriptionError');
}

describe('parseModelDescription', () => {
  it('accepts both networks as JSON and returns them unchanged', () => {
    for (const d of [networkA(), networkB()]) expect(parseModelDescription(JSON.parse(JSON.stringify(d)))).toEqual(d);
  });

  it('lets a user change the bottleneck without code: 2 code channels give a code of 24', () => {
    const d = editedA((x) => {
      x.encoder[4]!.filters = 2;
    });
    const model = new Autoencoder(parseModelDescription(d));
    expect(model.codeSize).toBe(24);
    model.dispose();
  });

  it('names the layer of an unknown type', () => {
    const msg = messageOf(() => parseModelDescription(editedA((x) => (x.encoder[1] = { type: 'avgPool2d', pool: 2 }))));
    expect(msg).toContain('encoder[1]');
    expect(msg).toContain('unknown layer type "avgPool2d"');
  });

  it('names the layer whose shape does not fit', () => {
    // A 1-D convolution inside a 2-D network.
    const msg = messageOf(() => parseModelDescription(editedA((x) => (x.encoder[2] = { type: 'conv1d', filters: 2, kernel: 3 }))));
    expect(msg).toMatch(/encoder\[2\] \(conv1d\): needs a \[channels, length\] input, got \[4, 8, 24\]/);
  });

  it('names the decoder layer whose output is not the input shape', () => {
    // One upsampling fewer: the reconstruction is 1 x 8 x 24.
    const msg = messageOf(() => parseModelDescription(editedA((x) => x.decoder.splice(5, 1))));
    expect(msg).toMatch(/decoder\[5\] \(conv2d\): the reconstruction \[1, 8, 24\] does not match the input \[1, 16, 48\]/);
  });

  it("names a 'valid' kernel longer than its input", () => {
    const d = editedA((x) => {
      x.encoder[4] = { type: 'conv2d', filters: 1, kernel: 5, padding: 'valid', activation: 'tanh' };
    });
    expect(messageOf(() => parseModelDescription(d))).toMatch(/encoder\[4\] \(conv2d\): 'valid' kernel 5 is longer than the input's height 4/);
  });

  it('rejects bad field values and unknown fields, naming the layer', () => {
    expect(messageOf(() => parseModelDescription(editedA((x) => (x.encoder[0]!.filters = 0))))).toContain(
      'encoder[0] (conv2d): "filters" must be a positive integer, got 0',
    );
    expect(messageOf(() => parseModelDescription(editedA((x) => (x.decoder[6]!.activation = 'softmax'))))).toContain(
      'decoder[6] (conv2d): "activation" must be one of',
    );
    expect(messageOf(() => parseModelDescription(editedA((x) => (x.encoder[0]!.filter = 4))))).toContain('encoder[0] (conv2d): unknown field "filter"');
    expect(messageOf(() => parseModelDescription(editedA((x) => delete x.encoder[0]!.kernel)))).toContain('encoder[0] (conv2d): missing "kernel"');
    expect(messageOf(() => parseModelDescription(editedA((x) => (x.input = [16, 48, 1, 1]))))).toContain('"input"');
    expect(messageOf(() => parseModelDescription(editedA((x) => (x.encoder = []))))).toContain('the encoder has no layers');
    expect(messageOf(() => parseModelDescription('network-a'))).toContain('expected a JSON object');
  });

  it('fails before any tensor is allocated', () => {
    const before = cpu.stats().live;
    const bad = editedA((x) => x.decoder.pop()) as ModelDescription;
    expect(() => new Autoencoder(bad)).toThrow(ModelDescriptionError);
    expect(cpu.stats().live).toBe(before);
  });
});
