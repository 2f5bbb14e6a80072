// Runs the seiscluster command line from the sources and reports the peak
// resident set size of running the command, for memory tests:
//
//   node --expose-gc test/helpers/cli-peak-rss.mjs predict --checkpoint ... --data ...
//
// The last line of stderr is `peak-rss {"code":0,"startRss":...,"peakRss":...,"reset":true}`
// (bytes): startRss just before the command ran, peakRss the highest the
// resident set reached from then on (where Linux lets the high-water mark be
// reset; otherwise the process's peak since it started, `reset: false`).
//
// h5wasm (a 4 MB Emscripten file the data readers import) is loaded by Node
// itself before tsx is registered: through tsx it would cost some 600 MB of
// resident memory that has nothing to do with the command and that, being
// released unevenly, drowns what the command itself uses. The installed CLI
// (dist/, plain Node) loads it the same way.
import { writeFileSync } from 'node:fs';
import 'h5wasm/node';
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../../src/cli/main.ts');
globalThis.gc?.();
let reset = false;
try {
  writeFileSync('/proc/self/clear_refs', '5'); // peak RSS := current RSS (Linux >= 4.0)
  reset = true;
} catch {
  // not Linux: the peak covers loading the modules as well
}
const startRss = process.memoryUsage.rss();
const code = await main(process.argv.slice(2));
const peakRss = process.resourceUsage().maxRSS * 1024;
process.stderr.write(`\npeak-rss ${JSON.stringify({ code, startRss, peakRss, reset })}\n`);
process.exitCode = code;
