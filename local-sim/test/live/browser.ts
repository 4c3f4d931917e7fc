/**
 * Headless Chromium for the dashboard tests: playwright-core (no browser download) driving the system's
 * Chromium (the Debian `chromium` package; `.ci/run` installs it). A missing browser fails the tests with
 * how to install it: the dashboard is part of what the simulator promises, so it is never skipped.
 */
import { accessSync, constants } from 'node:fs';
import * as path from 'node:path';
import { chromium, type Browser } from 'playwright-core';

/** Names the Chromium executable goes by, in the order they are looked for on PATH. */
const NAMES = ['chromium', 'chromium-browser', 'google-chrome-stable', 'google-chrome'];

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The Chromium to drive: `$CHROMIUM_PATH`, else the first of `NAMES` found on PATH. */
export function chromiumPath(): string {
  const given = process.env.CHROMIUM_PATH;
  if (given) {
    if (executable(given)) return given;
    throw new Error(`CHROMIUM_PATH=${given} is not an executable file`);
  }
  const dirs = (process.env.PATH ?? '').split(path.delimiter).filter((d) => d !== '');
  for (const name of NAMES) {
    for (const dir of dirs) {
      const file = path.join(dir, name);
      if (executable(file)) return file;
    }
  }
  throw new Error(
    'the dashboard tests need Chromium and none was found (looked for ' +
      `${NAMES.join(', ')} on PATH). Install it: sudo apt-get update && sudo apt-get install -y chromium ` +
      '(or set CHROMIUM_PATH to a Chromium or Chrome executable)',
  );
}

/** Launch headless Chromium (no sandbox: CI runs as root in a container). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
}
