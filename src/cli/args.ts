/**
 * A small declarative argument parser: each command lists its options once,
 * and the same list drives parsing, validation and `--help`.
 */

import { MAX_THREADS } from '../kernels/cpu.js';

export type OptionType = 'string' | 'int' | 'number' | 'boolean' | 'path';

/**
 * What a path option names, checked before the command starts (paths.ts): an
 * existing file to read, a file or a folder to write into (its folder is
 * created; an existing folder where a file is to go, or the reverse, is an
 * error), or a run folder, replaced whole by the run (src/pipeline/run-folder.ts).
 */
export type PathRole = 'input-file' | 'output-file' | 'output-folder' | 'run-folder';

export interface OptionSpec {
  readonly name: string;
  readonly type: OptionType;
  readonly help: string;
  /** Shown in help; applied when the option is absent (booleans default to false). */
  readonly default?: string | number | boolean;
  /** Allowed values of a string option. */
  readonly choices?: readonly string[];
  readonly required?: boolean;
  /** Smallest value of an int or number option (inclusive). */
  readonly min?: number;
  /** Largest value of an int or number option (inclusive): every count has one, so no value runs for ever or allocates without end. */
  readonly max?: number;
  /** The value must be greater than `min`, not equal to it (rates, for instance). */
  readonly aboveMin?: boolean;
  /** Words an option takes besides numbers or paths (train's `--k auto`, `--model network-a`); `str` reads them, `num` gives undefined, and no path check applies. */
  readonly words?: readonly string[];
  /** Required for every path option. */
  readonly role?: PathRole;
}

export interface CommandSpec {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  readonly options: readonly OptionSpec[];
  readonly examples: readonly string[];
  /** Names of positional arguments, for help; a last name ending in `...` takes any number, other extra positionals are an error. */
  readonly positionals?: readonly string[];
}

export type OptionValue = string | number | boolean | undefined;

export interface ParsedArgs {
  readonly options: Readonly<Record<string, OptionValue>>;
  /** Options the user gave explicitly (not defaulted). */
  readonly given: ReadonlySet<string>;
  readonly positionals: readonly string[];
  readonly help: boolean;
  /** The command line as given, for reports: `seiscluster <command> <args>`. */
  readonly commandLine: string;
}

/** A mistake in how the command was called: exit code 1, with the command's usage. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Seeds: non-negative and small enough that seed + offsets stay exact 32-bit values. */
export const SEED_RANGE = { min: 0, max: 2 ** 31 - 1 } as const;

export const commonOptions: readonly OptionSpec[] = [
  {
    name: 'backend',
    type: 'string',
    choices: ['auto', 'cpu', 'webgpu'],
    default: 'auto',
    help: 'where tensors live: auto picks WebGPU only on a hardware adapter',
  },
  { name: 'seed', type: 'int', default: 0, ...SEED_RANGE, help: 'seed of every random choice; one seed reproduces a CPU run bit for bit' },
  {
    name: 'threads',
    type: 'int',
    default: 0,
    min: 0,
    max: MAX_THREADS,
    help: "threads of the CPU backend's compiled kernels (0: every core); results do not depend on it",
  },
  { name: 'json', type: 'boolean', help: 'print machine-readable JSON instead of tables' },
];

export function parseArgs(spec: CommandSpec, argv: readonly string[]): ParsedArgs {
  const options: Record<string, OptionValue> = {};
  const given = new Set<string>();
  const positionals: string[] = [];
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === '--help' || arg === '-h') {
      help = true;
      continue;
    }
    if (!arg.startsWith('--')) {
      positionals.push(arg);
      continue;
    }
    const eq = arg.indexOf('=');
    const name = arg.slice(2, eq >= 0 ? eq : undefined);
    const opt = spec.options.find((o) => o.name === name);
    if (opt === undefined) throw new UsageError(`unknown option --${name}`);
    given.add(name);
    if (opt.type === 'boolean') {
      if (eq >= 0) throw new UsageError(`--${name} takes no value`);
      options[name] = true;
      continue;
    }
    const raw = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
    if (raw === undefined) throw new UsageError(`--${name} needs a value`);
    options[name] = convert(opt, raw);
  }
  const names = spec.positionals ?? [];
  const max = names.at(-1)?.endsWith('...') ? Number.POSITIVE_INFINITY : names.length;
  if (!help && positionals.length > max) throw new UsageError(`unexpected argument ${quoted(positionals[max]!)}`);
  for (const opt of spec.options) {
    if (options[opt.name] !== undefined) continue;
    if (opt.required && !help) throw new UsageError(`--${opt.name} is required`);
    options[opt.name] = opt.default ?? (opt.type === 'boolean' ? false : undefined);
  }
  return { options, given, positionals, help, commandLine: ['seiscluster', spec.name, ...argv].join(' ') };
}

/**
 * Integers are decimal digits with an optional power of ten (`9200`, `1e4`);
 * numbers add a fraction and a signed exponent (`0.001`, `1e-3`). Hexadecimal,
 * `1e3.5`, empty text, NaN and Infinity are refused, and so is an integer past
 * 2^53 that would silently round.
 */
const INTEGER = /^[+-]?\d+(e\+?\d+)?$/i;
const NUMBER = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;

function quoted(raw: string): string {
  return JSON.stringify(raw);
}

function convert(opt: OptionSpec, raw: string): string | number {
  if (opt.words?.includes(raw)) return raw;
  if (opt.type === 'int' || opt.type === 'number') return inRange(opt, parseNumber(opt, raw));
  if (raw === '') throw new UsageError(`--${opt.name} = "": needs a non-empty value`);
  if (opt.choices && !opt.choices.includes(raw)) throw new UsageError(`--${opt.name} = ${quoted(raw)}: must be one of ${opt.choices.join(', ')}`);
  if (raw.includes('\0')) throw new UsageError(`--${opt.name} = ${quoted(raw)}: a NUL character cannot be part of a name`);
  return raw;
}

function parseNumber(opt: OptionSpec, raw: string): number {
  const int = opt.type === 'int';
  const v = Number(raw.trim());
  if (!(int ? INTEGER : NUMBER).test(raw.trim()) || !Number.isFinite(v))
    throw new UsageError(
      `--${opt.name} = ${quoted(raw)}: expects ${int ? 'an integer (digits, or digits with a power of ten such as 1e4)' : 'a decimal number'}${opt.words ? ` or ${opt.words.join(', ')}` : ''}`,
    );
  if (int && !Number.isSafeInteger(v)) throw new UsageError(`--${opt.name} = ${quoted(raw)}: past 2^53, where integers round`);
  return Object.is(v, -0) ? 0 : v;
}

function inRange(opt: OptionSpec, v: number): number {
  const low = opt.min !== undefined && (opt.aboveMin ? v <= opt.min : v < opt.min);
  const high = opt.max !== undefined && v > opt.max;
  if (low || high) throw new UsageError(`--${opt.name} = ${v}: must be ${rangeText(opt)}`);
  return v;
}

/** "1 to 10000", "at least 0", "above 0 up to 1000000": the bounds as help and errors state them. */
export function rangeText(opt: OptionSpec): string {
  const { min, max } = opt;
  if (min === undefined) return max === undefined ? 'any value' : `at most ${max}`;
  if (opt.aboveMin) return max === undefined ? `above ${min}` : `above ${min} up to ${max}`;
  return max === undefined ? `at least ${min}` : `${min} to ${max}`;
}

export function formatHelp(spec: CommandSpec): string {
  const lines = [`seiscluster ${spec.name} — ${spec.summary}`, '', `Usage: ${spec.usage}`, '', 'Options:'];
  const width = Math.max(...spec.options.map((o) => o.name.length + (o.type === 'boolean' ? 0 : o.type.length + 3)));
  for (const o of spec.options) {
    const left = o.type === 'boolean' ? `--${o.name}` : `--${o.name} <${o.type}>`;
    const extra = [
      o.choices ? `one of ${o.choices.join('|')}` : '',
      o.min !== undefined || o.max !== undefined ? `${rangeText(o)}${o.words ? `, or ${o.words.join('|')}` : ''}` : '',
      o.default !== undefined ? `default ${String(o.default)}` : '',
      o.required ? 'required' : '',
    ]
      .filter(Boolean)
      .join('; ');
    lines.push(`  ${left.padEnd(width + 2)}  ${o.help}${extra ? ` (${extra})` : ''}`);
  }
  lines.push(`${'  --help'.padEnd(width + 6)}  show this help`);
  if (spec.options.some((o) => o.type === 'int'))
    lines.push('', 'Integers are digits, or digits with a power of ten (1e4); a value out of its range is an error, never clamped.');
  if (spec.examples.length > 0) lines.push('', 'Examples:', ...spec.examples.map((e) => `  ${e}`));
  return lines.join('\n');
}

/** The same arguments with other defaults: `values` replace options the user did not give. */
export function withDefaults(args: ParsedArgs, values: Readonly<Record<string, OptionValue>>): ParsedArgs {
  const options = { ...args.options };
  for (const [name, value] of Object.entries(values)) if (!args.given.has(name)) options[name] = value;
  return { ...args, options };
}

/** Typed accessors for parsed options (the spec guarantees the type). */
export function str(args: ParsedArgs, name: string): string | undefined {
  const v = args.options[name];
  return typeof v === 'string' ? v : undefined;
}

export function num(args: ParsedArgs, name: string): number | undefined {
  const v = args.options[name];
  return typeof v === 'number' ? v : undefined;
}

export function flag(args: ParsedArgs, name: string): boolean {
  return args.options[name] === true;
}
