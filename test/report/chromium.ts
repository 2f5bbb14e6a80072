/**
 * Debian's headless `chromium`, driven by playwright-core (never a downloaded
 * browser), for the tests that open a report. Without /usr/bin/chromium those
 * tests fail in CI (CI=true), where `.ci/run` installs it with apt, and are
 * skipped elsewhere with the reason logged.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';
const available = existsSync(CHROMIUM);
const inCi = process.env.CI === 'true';

/** True where the browser tests are skipped (no browser, not in CI); says why once per test file. */
export function skipWithoutChromium(test: string): boolean {
  const skip = !available && !inCi;
  if (skip) console.warn(`${test} skipped: ${CHROMIUM} is missing (install Debian's chromium package: apt-get install chromium)`);
  return skip;
}

/**
 * Headless Chromium with nothing of its own on the network; in CI without the
 * browser, an error that says so. With `webgpu`, pages get a WebGPU adapter
 * (SwiftShader, on a page from 127.0.0.1) instead of no GPU at all.
 */
export async function launchChromium(options: { readonly webgpu?: boolean } = {}): Promise<Browser> {
  if (!available) throw new Error(`CI: ${CHROMIUM} is missing; the browser tests need Debian's chromium package`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      options.webgpu === true ? '--enable-unsafe-webgpu' : '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}
