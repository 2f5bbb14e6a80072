/**
 * Every flag of every command with boundary values: each is refused with
 * exit code 1 and a one-line message naming the flag, or accepted; never an
 * internal error (exit 2). Values that would start real work are refused
 * before work starts, so the whole sweep takes seconds.
 */
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { parseArgs, UsageError, type CommandSpec, type OptionSpec } from '../../src/cli/args.js';
import { demoSpec } from '../../src/cli/commands/demo.js';
import { evaluateSpec } from '../../src/cli/commands/evaluate.js';
import { infoSpec } from '../../src/cli/commands/info.js';
import { predictSpec } from '../../src/cli/commands/predict.js';
import { preparationFrom } from '../../src/cli/commands/preparation-options.js';
import { prepareSpec } from '../../src/cli/commands/prepare.js';
import { qcSpec } from '../../src/cli/commands/qc.js';
import { reproduceSpec } from '../../src/cli/commands/reproduce.js';
import { selectKSpec } from '../../src/cli/commands/select-k.js';
import { streamSpec } from '../../src/cli/commands/stream.js';
import { trainSpec } from '../../src/cli/commands/train.js';
import { main } from '../../src/cli/main.js';

const specs: readonly CommandSpec[] = [demoSpec, prepareSpec, trainSpec, selectKSpec, predictSpec, streamSpec, evaluateSpec, qcSpec, reproduceSpec, infoSpec];
const numeric = ['0', '1', '-1', 'NaN', 'Infinity', '1e12', String(2 ** 53), String(2 ** 53 + 1), '', 'text', '0x10', '1e3.5', '1e308', '1e309'];

async function run(...argv: string[]): Promise<{ code: number; stderr: string }> {
  const err: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation(() => undefined);
  const error = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  const write = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    return { code: await main(argv), stderr: err.join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
    write.mockRestore();
  }
}

/** Whether the parser keeps `raw` for the option: in range and well-formed, else a UsageError naming the flag. */
function accepts(spec: CommandSpec, opt: OptionSpec, raw: string): boolean {
  try {
    parseArgs(spec, [`--${opt.name}=${raw}`, '--help']);
    return true;
  } catch (err) {
    expect(err).toBeInstanceOf(UsageError);
    expect((err as Error).message).toContain(`--${opt.name}`);
    return false;
  }
}

/** Past every flag's upper bound, malformed, or not a number at all: refused by every numeric flag. */
const alwaysRefused = numeric.filter((raw) => !['0', '1', '-1'].includes(raw));

describe('every numeric flag parses strictly and within its bounds', () => {
  for (const spec of specs)
    for (const opt of spec.options.filter((o) => o.type === 'int' || o.type === 'number'))
      it(`${spec.name} --${opt.name} declares its range and refuses malformed values`, () => {
        expect(Number.isFinite(opt.max), 'every count has a finite upper bound').toBe(true);
        expect(opt.max, 'the upper bound is not below the lower one').toBeGreaterThanOrEqual(opt.min ?? -Infinity);
        for (const raw of alwaysRefused) expect(accepts(spec, opt, raw), `--${opt.name} ${JSON.stringify(raw)}`).toBe(false);
        for (const v of [0, 1, -1]) {
          const inRange = v >= (opt.min ?? -Infinity) && v <= opt.max! && !(opt.aboveMin === true && v === opt.min);
          expect(accepts(spec, opt, String(v)), `--${opt.name} ${v}`).toBe(inRange);
        }
      });
});

describe('every flag of every command through main(): exit 1 with one line, never 2', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'seiscluster-flags-'));
    await mkdir(join(dir, 'folder'));
    await writeFile(join(dir, 'file.txt'), 'not a data set\n');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('bad values of every flag end in exit 1 before any work starts', async () => {
    const tooLong = join(dir, 'x'.repeat(300));
    const unwritable = '/sys/seiscluster/x';
    const badPaths: Record<string, string[]> = {
      'input-file': ['', join(dir, 'missing.scds'), join(dir, 'folder'), tooLong],
      'output-file': ['', join(dir, 'folder'), `${join(dir, 'new')}/`, tooLong, unwritable, join(dir, 'file.txt', 'x')],
      'output-folder': ['', join(dir, 'file.txt'), tooLong, unwritable],
      'run-folder': ['', join(dir, 'file.txt'), tooLong, unwritable, '.', dir],
    };
    let runs = 0;
    for (const spec of specs)
      for (const opt of spec.options) {
        const values =
          opt.type === 'boolean'
            ? ['=1']
            : opt.type === 'path'
              ? badPaths[opt.role!]!
              : opt.choices
                ? ['', 'nope']
                : opt.type === 'string'
                  ? ['']
                  : numeric.filter((raw) => !accepts(spec, opt, raw));
        for (const value of values) {
          const argv = opt.type === 'boolean' ? [spec.name, `--${opt.name}${value}`] : [spec.name, `--${opt.name}`, value];
          // Every other required flag is given a missing file, so a valid value still stops before work.
          for (const other of spec.options)
            if (other.required && other.name !== opt.name) argv.push(`--${other.name}`, other.choices?.[0] ?? join(dir, 'missing.scds'));
          const r = await run(...argv);
          runs++;
          expect(r.code, `${argv.join(' ')}\n${r.stderr}`).toBe(1);
          expect(r.stderr.split('\n'), argv.join(' ')).toHaveLength(1);
        }
      }
    expect(runs).toBeGreaterThan(250);
  }, 60_000);

  it('prepare takes several files and folders, as its usage says', () => {
    expect(parseArgs(prepareSpec, ['--task', 'A', '--out', 'a.scds', 'one/', 'two/', 'three.sac']).positionals).toEqual(['one/', 'two/', 'three.sac']);
  });

  it("--p-window-decay takes a positive number of samples or 'none', and names a bad value", () => {
    const from = (...argv: string[]) => preparationFrom(parseArgs(prepareSpec, ['--task', 'B', '--out', 'b.scds', ...argv, 'x.sac']));
    expect(from('--p-window-decay', '4').pWindow).toEqual({ decay: 4 });
    expect(from('--p-window-decay', 'none').pWindow).toEqual({ decay: null });
    expect(from().pWindow).toBeUndefined();
    for (const bad of ['0', '-2', 'fast'])
      expect(() => from('--p-window-decay', bad)).toThrow(`--p-window-decay expects a positive number of samples or 'none', got '${bad}'`);
  });

  it('an unknown flag is one line and exit 1', async () => {
    const r = await run('train', '--no-such-flag');
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('seiscluster train: unknown option --no-such-flag (seiscluster train --help lists the options)');
  });

  it('the current folder as a run folder is refused', async () => {
    const r = await run('train', '--data', join(dir, 'file.txt'), '--out', '.');
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('is the current folder or holds it');
  });
});
