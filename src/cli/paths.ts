/**
 * Path options are checked before a command starts work, by the role their
 * spec declares: a file to read must be a file, a file or folder to write
 * must not be the other kind, its folder is created, and a name too long for
 * the file system is refused while the message can still name the option.
 * Temporaries left by killed runs writing the same output are removed here.
 */
import { mkdir, stat } from 'node:fs/promises';
import { basename, dirname, parse, relative, resolve } from 'node:path';
import { removeStaleTemps } from '../node/atomic.js';
import { foreignEntry } from '../pipeline/run-folder.js';
import { str, UsageError, type CommandSpec, type OptionSpec, type ParsedArgs } from './args.js';
import { printable } from './terminal.js';

/**
 * Longest name of an output: file systems allow 255 bytes, and the
 * temporary beside it adds the pid and a random part (`.name.tmp-<pid>-<hex>`).
 */
const MAX_OUTPUT_NAME_BYTES = 220;

function refuse(opt: OptionSpec, path: string, problem: string): UsageError {
  return new UsageError(`--${opt.name} = ${JSON.stringify(printable(path))}: ${problem}`);
}

/** The kind of what is at `path`, or null when nothing is. */
async function kindOf(path: string): Promise<'file' | 'folder' | 'other' | null> {
  try {
    const s = await stat(path);
    return s.isFile() ? 'file' : s.isDirectory() ? 'folder' : 'other';
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw err;
  }
}

async function checkOne(opt: OptionSpec, path: string): Promise<void> {
  const kind = await kindOf(path);
  if (opt.role === 'input-file') {
    if (kind === null) throw refuse(opt, path, opt.words === undefined ? 'no such file' : `no such file, nor one of ${opt.words.join(', ')}`);
    if (kind !== 'file') throw refuse(opt, path, `is a ${kind === 'folder' ? 'folder' : 'special file'}; expects a file`);
    return;
  }
  if (Buffer.byteLength(basename(path)) > MAX_OUTPUT_NAME_BYTES) throw refuse(opt, path, `the name is longer than ${MAX_OUTPUT_NAME_BYTES} bytes`);
  const full = resolve(path);
  if (opt.role === 'output-file') {
    if (path.endsWith('/') || kind === 'folder') throw refuse(opt, path, 'is a folder; expects a file name');
    if (kind === 'other') throw refuse(opt, path, 'is a special file; expects a regular file name');
  } else {
    if (kind !== null && kind !== 'folder') throw refuse(opt, path, 'is a file; expects a folder');
    if (opt.role === 'run-folder') {
      const fromHere = relative(full, process.cwd());
      if (full === parse(full).root || !fromHere.startsWith('..')) throw refuse(opt, path, 'is the current folder or holds it; name a folder for the run');
      // The run replaces the folder whole: refused if it holds anything a run did not write (the user's own files).
      const foreign = await foreignEntry(path);
      if (foreign !== null)
        throw refuse(
          opt,
          path,
          `holds ${JSON.stringify(printable(foreign))}, which no run wrote; the run replaces its folder whole, so name a new or previous run folder`,
        );
    }
  }
  // The folder is made now, so an unwritable place fails before the work, not after it.
  await mkdir(opt.role === 'output-folder' ? full : dirname(full), { recursive: true });
  await removeStaleTemps(full);
}

/** Checks every path option given (or defaulted) by its role; see the module comment. */
export async function checkPaths(spec: CommandSpec, args: ParsedArgs): Promise<void> {
  for (const opt of spec.options) {
    const path = opt.type === 'path' ? str(args, opt.name) : undefined;
    if (path !== undefined && opt.role !== undefined && !opt.words?.includes(path)) await checkOne(opt, path);
  }
}
