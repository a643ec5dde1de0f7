import { test, expect, type Page } from '@playwright/test';
import { hydrated, PEOPLE, signIn } from './hooks';

// Runs in the `pair` project (PostgreSQL only), against two instances sharing one database
// (.ci/lib.sh `run_pair`): the browser talks only to instance A, which works no runs
// (`workers = 0`) and sweeps every 2 s; instance B works every run and sweeps never. So
// whatever progresses was worked by B, whatever A shows of it came through the database,
// and whatever closes B's abandoned run is A's reconciler
// (specs/lifecycle-and-storage, "The live view of active runs").

/** Marks the document: a reload or a full navigation would lose the mark. */
async function mark(page: Page): Promise<void> {
  await page.evaluate(() => ((window as unknown as { stayed: boolean }).stayed = true));
}

async function stayed(page: Page): Promise<boolean> {
  return page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed === true);
}

/** Starts `runType` from the tenant dashboard; the run's id. The notice of an earlier start
 * stays until the new one replaces it, so its id must change before it is read. */
async function start(page: Page, runType: string): Promise<string> {
  const started = page.getByTestId('start-result');
  const before = (await started.count()) > 0 ? await started.getAttribute('data-run-id') : null;
  await page.getByTestId(`start-${runType}`).click();
  await expect(started).toBeVisible();
  if (before) await expect(started).not.toHaveAttribute('data-run-id', before);
  const id = (await started.getAttribute('data-run-id')) ?? '';
  expect(id).toMatch(/^\d+$/);
  return id;
}

test('two instances serve one truth: B works what A starts, live on A; B’s pack downloads from A; A closes the run of a killed B', async ({
  page,
}) => {
  const otherPid = Number(process.env.OPSHUB_E2E_SECOND_PID ?? '');
  test.skip(!otherPid, 'needs the pair of instances that `make test` starts on PostgreSQL');
  test.setTimeout(180_000);
  await signIn(page, PEOPLE.owner);
  await page.goto('/admin/t/1');
  await hydrated(page);
  await mark(page);

  // A run started through A, worked by B, live on A's page: counted progress moves.
  const sync = await start(page, 'inventory.sync');
  const item = page.locator(`[data-testid="overlay-item"][data-run-id="${sync}"]`);
  await expect(item).toHaveAttribute('data-run-status', 'running', { timeout: 30_000 });
  await expect(item).toHaveAttribute('data-progress-mode', 'counted', { timeout: 15_000 });
  const bar = item.locator('[role="progressbar"][aria-valuenow]');
  const first = Number(await bar.getAttribute('aria-valuenow'));
  await expect.poll(async () => Number(await bar.getAttribute('aria-valuenow')), { timeout: 30_000 }).toBeGreaterThan(first);
  await expect(
    page.locator(`[data-testid="overlay-item"][data-run-id="${sync}"][data-finished="true"][data-run-status="completed"]`),
  ).toHaveCount(1, { timeout: 60_000 });
  await expect(item).toHaveCount(0, { timeout: 15_000 });

  // A pack made by B downloads from A, whole: the card follows the new pack run (the demo
  // holds a ready pack already) until it is ready.
  const card = page.getByTestId('pack-card');
  const pack = await start(page, 'review_pack.generate');
  await expect(card.locator(`a[href="/admin/operations/${pack}"]`)).toHaveCount(1, { timeout: 30_000 });
  await expect(card).toHaveAttribute('data-pack-status', 'ready', { timeout: 60_000 });
  const href = (await card.getByTestId('pack-card-download').getAttribute('href')) ?? '';
  const download = await page.request.get(href);
  expect(download.status()).toBe(200);
  expect(download.headers()['content-type']).toBe('application/zip');
  const body = await download.body();
  expect(Number(download.headers()['content-length'])).toBe(body.length);
  expect(body.subarray(0, 4).toString('latin1')).toBe('PK\u0003\u0004');

  // B dies mid-run; A's reconciler closes the run while the page watches, without a reload.
  const doomed = await start(page, 'inventory.sync');
  const watched = page.locator(`[data-testid="overlay-item"][data-run-id="${doomed}"]`);
  await expect(watched).toHaveAttribute('data-run-status', 'running', { timeout: 30_000 });
  process.kill(otherPid, 'SIGKILL');
  await expect(
    page.locator(`[data-testid="overlay-item"][data-run-id="${doomed}"][data-finished="true"][data-run-status="completed"]`),
  ).toHaveCount(1, { timeout: 60_000 });
  await expect(watched).toHaveCount(0, { timeout: 15_000 });
  expect(await stayed(page), 'the page learned everything from its own polls').toBe(true);
  await page.goto(`/admin/operations/${doomed}`);
  const header = page.getByTestId('run-header');
  await expect(header).toHaveAttribute('data-run-status', 'completed');
  // Inventory syncs have no business record to prove them: the generic rule closes the run
  // as failed, a problem the system repaired.
  await expect(header).toHaveAttribute('data-run-outcome', 'failed');
  await expect(header).toHaveAttribute('data-problem-class', 'reconciled_stale');
});
