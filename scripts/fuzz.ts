/**
 * The reader fuzzer at length: `npm run fuzz -- --n 10000 [--format sac] [--seed 1]`.
 * Runs n seeded mutants per format (mutant seeds seed .. seed + n - 1),
 * prints a table of outcomes per format and every failure with its seed, and
 * exits 1 on any crash, hang, wrong read or over-bound allocation.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import '../src/node/install.js';
import { FORMATS } from '../test/fuzz/formats.js';
import { FAILURES, OUTCOMES, prepareFormat, runMutant, type MutantResult, type Outcome } from '../test/fuzz/run.js';

const { values } = parseArgs({ options: { n: { type: 'string', default: '1000' }, format: { type: 'string' }, seed: { type: 'string', default: '1' } } });
const n = Number(values.n);
const first = Number(values.seed);
if (!Number.isInteger(n) || n < 1 || !Number.isInteger(first)) {
  console.error('fuzz: --n and --seed take whole numbers');
  process.exit(1);
}
const formats = FORMATS.filter((f) => values.format === undefined || f.name === values.format);
if (formats.length === 0) {
  console.error(`fuzz: no format "${values.format}" (formats: ${FORMATS.map((f) => f.name).join(', ')})`);
  process.exit(1);
}

const root = await mkdtemp(join(tmpdir(), 'seiscluster-fuzz-'));
const failures: MutantResult[] = [];
const rows: string[][] = [];
try {
  for (const format of formats) {
    const p = await prepareFormat(format, root);
    const counts = Object.fromEntries(OUTCOMES.map((o) => [o, 0])) as Record<Outcome, number>;
    const started = performance.now();
    for (let seed = first; seed < first + n; seed++) {
      const r = await runMutant(p, seed);
      counts[r.outcome]++;
      if (FAILURES.includes(r.outcome)) {
        failures.push(r);
        console.error(`FAIL ${r.format} --seed ${r.seed} (${r.operators.join(' + ')}): ${r.outcome}: ${r.detail.split('\n')[0]}`);
      }
    }
    rows.push([format.name, ...OUTCOMES.map((o) => String(counts[o])), ((performance.now() - started) / 1000).toFixed(1)]);
    process.stderr.write(`${format.name}: done\n`);
  }
} finally {
  await rm(root, { recursive: true, force: true });
}
const header = ['format', ...OUTCOMES, 'seconds'];
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
const line = (cells: string[]): string => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
console.log(`${n} mutants per format, seeds ${first}..${first + n - 1}`);
console.log(line(header));
for (const r of rows) console.log(line(r));
process.exit(failures.length > 0 ? 1 : 0);
