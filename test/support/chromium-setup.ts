// vitest globalSetup: the editor's end-to-end test drives Debian's Chromium. Install it when it is
// missing (about 25 s; the machines run as root with Debian's package mirror reachable). Never
// playwright's own browser downloads.
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';

export const CHROMIUM = '/usr/bin/chromium';

export default function setup(): void {
  if (existsSync(CHROMIUM)) return;
  process.stderr.write('chromium-setup: /usr/bin/chromium is missing; installing the Debian package…\n');
  try {
    execSync('apt-get update -qq && apt-get install -y -qq chromium', {
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
      timeout: 300_000,
    });
  } catch (e) {
    // The editor test reports the missing browser itself; the other tests need none.
    process.stderr.write(`chromium-setup: could not install chromium: ${(e as Error).message}\n`);
  }
}
