import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DEFAULT_HOST, DEFAULT_PORT, ListenError, serveFolder, type ListenProblem, type RunningServer } from '../../node/static-server.js';
import { num, str, UsageError, type CommandSpec, type ParsedArgs } from '../args.js';
import { printable } from '../terminal.js';

/** The page `npm run build:web` writes into the package: from dist/cli/commands (or src/cli/commands under tsx) up to the package root. */
const PACKAGE_PAGE = fileURLToPath(new URL('../../../dist/web/', import.meta.url));

export const serveSpec: CommandSpec = {
  name: 'serve',
  summary: 'serve the web page (dist/web, built by npm run build:web) to this machine, cross-origin isolated, until Ctrl-C',
  usage: 'seiscluster serve [--port <int>] [--host <address>] [--folder <path>]',
  options: [
    { name: 'port', type: 'int', default: DEFAULT_PORT, min: 0, max: 65535, help: 'TCP port to listen on (0: any free port)' },
    {
      name: 'host',
      type: 'string',
      default: DEFAULT_HOST,
      help: "address to listen on; browsers let the page's threads share memory over plain HTTP only on localhost",
    },
    { name: 'folder', type: 'path', help: "a built page to serve instead of the package's dist/web (a folder holding index.html)" },
  ],
  examples: ['npx seiscluster serve', 'npx seiscluster serve --port 9000', 'npx seiscluster serve --port 0 --folder dist/web'],
};

/** What to change when the server cannot listen, by the setting at fault. */
const LISTEN_HINTS: Readonly<Record<ListenProblem, string>> = {
  'port-in-use': 'choose another with --port (--port 0 takes any free one)',
  'port-forbidden': 'choose one above 1023 with --port',
  'host-unknown': `choose another with --host (${DEFAULT_HOST} is this machine)`,
};

async function isFile(path: string): Promise<boolean> {
  return stat(path).then(
    (info) => info.isFile(),
    () => false,
  );
}

/** The folder to serve; refused, with the way to build it, when it holds no page. */
async function pageFolder(args: ParsedArgs): Promise<string> {
  const given = str(args, 'folder');
  const folder = given ?? PACKAGE_PAGE;
  if (await isFile(join(folder, 'index.html'))) return folder;
  throw new UsageError(
    given === undefined
      ? `no page to serve: ${printable(folder)} holds no index.html; build it first with npm run build:web`
      : `--folder = ${JSON.stringify(printable(given))}: holds no index.html; build the page with npm run build:web, or name the folder it was built into`,
  );
}

async function listen(folder: string, args: ParsedArgs): Promise<RunningServer> {
  try {
    return await serveFolder({ folder, port: num(args, 'port')!, host: str(args, 'host')! });
  } catch (err) {
    if (err instanceof ListenError) throw new UsageError(`${err.message}; ${LISTEN_HINTS[err.problem]}`);
    throw err;
  }
}

/** Resolves on the first Ctrl-C or SIGTERM; while it waits, neither ends the process, so the server is closed first. */
function stopRequested(): Promise<void> {
  return new Promise((stopped) => {
    const stop = (): void => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      stopped();
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
  });
}

export async function serve(args: ParsedArgs): Promise<void> {
  const server = await listen(await pageFolder(args), args);
  console.log(`seiscluster page: ${printable(server.url)} (Ctrl-C stops)`);
  await stopRequested();
  await server.close();
}
