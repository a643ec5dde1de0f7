import { defineConfig } from '@playwright/test';

// The server is started by `make test` (.ci/lib.sh `run_e2e`) on a free port and passed in
// OPSHUB_BASE_URL. Browsers are never downloaded: we drive Debian's Chromium.
//
// Projects, each against its own freshly seeded server(s): `main` reads the seeded moment
// (stuck runs included) on a server whose reconciler waits an hour; `sweep` watches that
// moment end on a server whose reconciler sweeps 30 s after start-up; `pair` (PostgreSQL
// only) drives two instances sharing one database.
export default defineConfig({
  testDir: './tests',
  timeout: 90_000,
  expect: { timeout: 15_000 },
  retries: 0,
  workers: 1,
  reporter: [['list']],
  projects: [
    { name: 'main', testIgnore: /(sweep|pair)\.spec\.ts/ },
    { name: 'sweep', testMatch: /sweep\.spec\.ts/ },
    { name: 'pair', testMatch: /pair\.spec\.ts/ },
  ],
  use: {
    baseURL: process.env.OPSHUB_BASE_URL ?? 'http://127.0.0.1:3000',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
});
