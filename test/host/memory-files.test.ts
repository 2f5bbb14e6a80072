import { afterEach, describe, expect, it } from 'vitest';
import { FileAccessError } from '../../src/host/files.js';
import { host, setHost } from '../../src/host/host.js';
import { MemoryFiles } from '../../src/host/memory-files.js';
import { networkA } from '../../src/model/networks.js';
import { prepare } from '../../src/pipeline/prepare.js';
import { runPipeline } from '../../src/pipeline/run.js';
import { DEFAULT_METHOD_SETTINGS } from '../../src/pipeline/settings.js';
import { preparedData } from '../../src/pipeline/sources.js';
import { cpu } from '../../src/kernels/cpu.js';

const text = (bytes: Uint8Array | undefined): string => new TextDecoder().decode(bytes);

describe("files in memory (the page's file system)", () => {
  it('writes make their folders, and list, stat and kind see them', async () => {
    const files = new MemoryFiles();
    await files.writeAtomic('/run/report/report.html', '<html>');
    await files.write('run/model.ckpt', new Uint8Array([1, 2, 3]));
    expect(await files.list('/run')).toEqual(['model.ckpt', 'report']);
    expect(await files.kind('/run/report')).toBe('folder');
    expect(await files.kind('/run/model.ckpt')).toBe('file');
    expect(await files.kind('/nothing')).toBeNull();
    expect(await files.stat('/run/model.ckpt')).toEqual({ kind: 'file', size: 3, what: 'a file' });
    expect(text(files.bytes('/run/report/report.html'))).toBe('<html>');
    expect(files.filesUnder('/run')).toEqual(['/run/model.ckpt', '/run/report/report.html']);
  });

  it('reads by range, and a missing file or a folder is refused naming the path', async () => {
    const files = new MemoryFiles();
    await files.write('/a.bin', new Uint8Array([0, 1, 2, 3, 4, 5]));
    const file = await files.open('/a.bin');
    expect(file.size).toBe(6);
    expect([...(await file.read(2, 3))]).toEqual([2, 3, 4]);
    expect([...(await file.read(4, 10))]).toEqual([4, 5]);
    await expect(files.open('/b.bin')).rejects.toThrow(new FileAccessError('/b.bin', 'no such file'));
    await files.makeFolder('/folder');
    await expect(files.open('/folder')).rejects.toThrow('/folder: a folder, not a regular file');
    await expect(files.write('/a.bin/inner', 'x')).rejects.toThrow('/a.bin is a file, not a folder');
  });

  it('a created file appears whole on commit, and not at all after abort', async () => {
    const files = new MemoryFiles();
    await files.write('/out.csv', 'old');
    const aborted = await files.create('/out.csv');
    await aborted.write(new TextEncoder().encode('half'));
    await aborted.abort();
    expect(text(files.bytes('/out.csv'))).toBe('old');
    const written = await files.create('/out.csv');
    await written.write(new TextEncoder().encode('a,'));
    expect(text(files.bytes('/out.csv'))).toBe('old');
    await written.write(new TextEncoder().encode('b'));
    await written.commit();
    expect(text(files.bytes('/out.csv'))).toBe('a,b');
  });

  it('a staging folder replaces its target whole and leaves nothing beside it', async () => {
    const files = new MemoryFiles();
    await files.write('/run/old.txt', 'old');
    const staging = await files.stagingFolder('/run');
    await files.write(`${staging}/new.txt`, 'new');
    await files.write(`${staging}/sub/deep.txt`, 'deep');
    await files.replaceFolder(staging, '/run');
    expect(files.filesUnder('/')).toEqual(['/run/new.txt', '/run/sub/deep.txt']);
    expect(await files.list('/')).toEqual(['run']);
    await files.remove('/run');
    expect(await files.list('/')).toEqual([]);
  });
});

describe('the pipeline on a host with files in memory', () => {
  const before = host();
  afterEach(() => setHost(before));

  it('prepares a set, trains and writes checkpoint, log and report into memory, touching no disk', async () => {
    const files = new MemoryFiles();
    setHost({ ...before, files });
    await prepare({ synthetic: { task: 'A', n: 120, seed: 3, out: '/data/a.scds' } });
    const data = await preparedData('/data/a.scds');
    expect(data.inputs.length / data.inputShape.reduce((a, b) => a * b, 1)).toBe(120);
    const result = await runPipeline(data, {
      ...DEFAULT_METHOD_SETTINGS,
      epochs: 1,
      maxIter: 4,
      nInit: 2,
      tsnePoints: 60,
      tsneIterations: 50,
      description: networkA(),
      backend: cpu,
      outDir: '/run',
      command: 'test',
    });
    expect(result.files).toEqual(['/run/model.ckpt', '/run/fine-tuning.csv', '/run/report/report.html']);
    for (const f of result.files) expect(files.bytes(f)?.length ?? 0, f).toBeGreaterThan(0);
    expect(text(files.bytes('/run/report/report.html'))).toContain('<html');
  }, 60_000);
});
