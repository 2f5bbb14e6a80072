/**
 * A small declarative argument parser: each command lists its options once,
 * and the same list drives parsing, validation and `--help`.
 */

export type OptionType = 'string' | 'int' | 'number' | 'boolean' | 'path';

export interface OptionSpec {
  readonly name: string;
  readonly type: OptionType;
  readonly help: string;
  /** Shown in help; applied when the option is absent (booleans default to false). */
  readonly default?: string | number | boolean;
  /** Allowed values of a string option. */
  readonly choices?: readonly string[];
  readonly required?: boolean;
}

export interface CommandSpec {
  readonly name: string;
  readonly summary: string;
  readonly usage: string;
  readonly options: readonly OptionSpec[];
  readonly examples: readonly string[];
  /** Names of positional arguments, for help; extra positionals are an error. */
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

export const commonOptions: readonly OptionSpec[] = [
  { name: 'backend', type: 'string', choices: ['auto', 'cpu', 'webgpu'], default: 'auto', help: 'where tensors live: auto picks WebGPU only on a hardware adapter' },
  { name: 'seed', type: 'int', default: 0, help: 'seed of every random choice; one seed reproduces a CPU run bit for bit' },
  { name: 'threads', type: 'int', default: 0, help: "threads of the CPU backend's compiled kernels (0: every core); results do not depend on it" },
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
    if (opt === undefined) throw new UsageError(`${spec.name}: unknown option --${name}`);
    given.add(name);
    if (opt.type === 'boolean') {
      if (eq >= 0) throw new UsageError(`${spec.name}: --${name} takes no value`);
      options[name] = true;
      continue;
    }
    const raw = eq >= 0 ? arg.slice(eq + 1) : argv[++i];
    if (raw === undefined) throw new UsageError(`${spec.name}: --${name} needs a value`);
    options[name] = convert(spec.name, opt, raw);
  }
  const max = spec.positionals?.length ?? 0;
  if (!help && positionals.length > max)
    throw new UsageError(`${spec.name}: unexpected argument '${positionals[max]}'`);
  for (const opt of spec.options) {
    if (options[opt.name] !== undefined) continue;
    if (opt.required && !help) throw new UsageError(`${spec.name}: --${opt.name} is required`);
    options[opt.name] = opt.default ?? (opt.type === 'boolean' ? false : undefined);
  }
  return { options, given, positionals, help, commandLine: ['seiscluster', spec.name, ...argv].join(' ') };
}

function convert(command: string, opt: OptionSpec, raw: string): string | number {
  if (opt.type === 'int' || opt.type === 'number') {
    const v = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(v) || (opt.type === 'int' && !Number.isInteger(v)))
      throw new UsageError(`${command}: --${opt.name} expects ${opt.type === 'int' ? 'an integer' : 'a number'}, got '${raw}'`);
    return v;
  }
  if (opt.choices && !opt.choices.includes(raw))
    throw new UsageError(`${command}: --${opt.name} must be one of ${opt.choices.join(', ')}, got '${raw}'`);
  return raw;
}

export function formatHelp(spec: CommandSpec): string {
  const lines = [`seiscluster ${spec.name} — ${spec.summary}`, '', `Usage: ${spec.usage}`, '', 'Options:'];
  const width = Math.max(...spec.options.map((o) => o.name.length + (o.type === 'boolean' ? 0 : o.type.length + 3)));
  for (const o of spec.options) {
    const left = o.type === 'boolean' ? `--${o.name}` : `--${o.name} <${o.type}>`;
    const extra = [o.choices ? `one of ${o.choices.join('|')}` : '', o.default !== undefined ? `default ${String(o.default)}` : '', o.required ? 'required' : '']
      .filter(Boolean)
      .join('; ');
    lines.push(`  ${left.padEnd(width + 2)}  ${o.help}${extra ? ` (${extra})` : ''}`);
  }
  lines.push('  --help'.padEnd(width + 6) + '  show this help');
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
