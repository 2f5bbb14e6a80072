// The CLI runs on the Node host: the disk, worker threads for the compiled kernels, Dawn.
import '../node/install.js';
import { CheckpointError } from '../cluster/checkpoint.js';
import { NonFiniteLossError } from '../cluster/training.js';
import { DataError } from '../common/errors.js';
import { ModelDescriptionError } from '../model/description.js';
import { OptionError } from '../pipeline/errors.js';
import { ShapeError } from '../tensor/shape.js';
import { formatHelp, parseArgs, UsageError, type CommandSpec, type ParsedArgs } from './args.js';
import { demo, demoSpec } from './commands/demo.js';
import { evaluate, evaluateSpec } from './commands/evaluate.js';
import { info, infoSpec } from './commands/info.js';
import { predict, predictSpec } from './commands/predict.js';
import { prepare, prepareSpec } from './commands/prepare.js';
import { qc, qcSpec } from './commands/qc.js';
import { reproduce, reproduceSpec } from './commands/reproduce.js';
import { selectK, selectKSpec } from './commands/select-k.js';
import { serve, serveSpec } from './commands/serve.js';
import { stream, streamSpec } from './commands/stream.js';
import { synthesize, synthesizeSpec } from './commands/synthesize.js';
import { train, trainSpec } from './commands/train.js';
import { userFileProblem } from './os-errors.js';
import { checkPaths } from './paths.js';
import { printable, printableLines } from './terminal.js';

const commands: readonly { spec: CommandSpec; run: (args: ParsedArgs) => Promise<void> }[] = [
  { spec: demoSpec, run: demo },
  { spec: synthesizeSpec, run: synthesize },
  { spec: prepareSpec, run: prepare },
  { spec: trainSpec, run: train },
  { spec: selectKSpec, run: selectK },
  { spec: predictSpec, run: predict },
  { spec: streamSpec, run: stream },
  { spec: evaluateSpec, run: evaluate },
  { spec: qcSpec, run: qc },
  { spec: reproduceSpec, run: reproduce },
  { spec: serveSpec, run: serve },
  { spec: infoSpec, run: info },
];

function overview(): string {
  const width = Math.max(...commands.map((c) => c.spec.name.length));
  return [
    'seiscluster — unsupervised clustering of seismic signals with deep convolutional autoencoders',
    '(Mousavi et al. 2019), on a TypeScript engine with CPU and WebGPU backends.',
    '',
    'Usage: seiscluster <command> [options]      seiscluster <command> --help',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.spec.name.padEnd(width)}  ${c.spec.summary}`),
    '',
    'Exit codes: 0 ok, 1 bad input (the message names the file and the field), 2 internal error.',
  ].join('\n');
}

/** Options that do not fit together or do not fit the data: the command's usage is the place to look. */
function isMisuse(err: unknown): boolean {
  return err instanceof UsageError || err instanceof OptionError;
}

/** Errors caused by what the user gave (files, options, model descriptions): exit code 1. */
function isBadInput(err: unknown): boolean {
  return (
    isMisuse(err) ||
    err instanceof DataError ||
    err instanceof CheckpointError ||
    err instanceof ModelDescriptionError ||
    err instanceof ShapeError ||
    err instanceof NonFiniteLossError
  );
}

/** The file or folder the command writes (its first output option), to name in a message about a full disk. */
function outputOf(spec: CommandSpec, args: ParsedArgs): string | undefined {
  const opt = spec.options.find((o) => o.role !== undefined && o.role !== 'input-file' && typeof args.options[o.name] === 'string');
  return opt === undefined ? undefined : (args.options[opt.name] as string);
}

/** Runs the command line; resolves to the exit code. */
export async function main(argv: readonly string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    console.log(overview());
    return 0;
  }
  if (name === '--version') {
    const { createRequire } = await import('node:module');
    console.log((createRequire(import.meta.url)('../../package.json') as { version: string }).version);
    return 0;
  }
  const command = commands.find((c) => c.spec.name === name);
  let output = 'the output';
  try {
    if (command === undefined) throw new UsageError(`unknown command ${JSON.stringify(name)} (see seiscluster --help)`);
    const args = parseArgs(command.spec, rest);
    output = outputOf(command.spec, args) ?? output;
    if (args.help) {
      console.log(formatHelp(command.spec));
      return 0;
    }
    await checkPaths(command.spec, args);
    await command.run(args);
    return 0;
  } catch (err) {
    const fileProblem = userFileProblem(err, output);
    if (fileProblem !== null || isBadInput(err)) {
      const hint = isMisuse(err) && command ? ` (seiscluster ${command.spec.name} --help lists the options)` : '';
      // One line whatever the data in the message: printable() escapes line breaks and control characters.
      console.error(`seiscluster ${printable(name)}: ${printable(fileProblem ?? (err as Error).message)}${hint}`);
      return 1;
    }
    console.error(`seiscluster ${printable(name)}: internal error: ${printableLines(err instanceof Error ? (err.stack ?? err.message) : String(err))}`);
    return 2;
  }
}
