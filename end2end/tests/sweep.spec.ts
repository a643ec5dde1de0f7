import { test, expect, type Browser, type Page } from '@playwright/test';
import { hydrated, PEOPLE, signIn, type Person } from './hooks';

// Runs in the `sweep` project, against a server whose reconciler first sweeps 30 s after
// start-up (playwright.config.ts): the seeded stuck runs are open on every surface when
// that sweep closes them, and each surface learns of it from its own poll, without a reload
// (specs/operations-surfaces "live while active").

async function as(browser: Browser, who: Person, path: string): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  await signIn(page, who);
  await page.goto(path);
  await hydrated(page);
  // Marks the document: a reload or a full navigation would lose the mark.
  await page.evaluate(() => ((window as unknown as { stayed: boolean }).stayed = true));
  return page;
}

async function stayed(page: Page): Promise<boolean> {
  return page.evaluate(() => (window as unknown as { stayed?: boolean }).stayed === true);
}

test('a run the reconciler closes changes on every open surface within one poll, and the overlay shows how it ended', async ({
  browser,
}) => {
  // Fabrikam's (2) seeded capture went silent 40 minutes ago: stuck.
  const list = await as(browser, PEOPLE.owner, '/admin/operations?tenant=2');
  const capture = list.locator('[data-testid="run-row"][data-run-type="baseline.capture"][data-problem-class="active_stale"]');
  await expect(capture).toHaveCount(1);
  const id = (await capture.getAttribute('data-run-id')) ?? '';
  await expect(list.getByTestId('operations-list')).toHaveAttribute('data-polling', 'on');
  await expect(list.getByTestId('operations-list')).toHaveAttribute('data-poll-interval-ms', /^\d+$/);

  const dashboard = await list.context().newPage();
  await dashboard.goto('/admin/t/2');
  await hydrated(dashboard);
  await dashboard.evaluate(() => ((window as unknown as { stayed: boolean }).stayed = true));
  const item = dashboard.locator(`[data-testid="overlay-item"][data-run-id="${id}"]`);
  await expect(item).toHaveAttribute('data-problem-class', 'active_stale');

  const stuck = await as(browser, PEOPLE.platform, '/system/ops/stuck');
  await expect(stuck.getByTestId('stuck-page')).toHaveAttribute('data-polling', 'on');
  await expect(stuck.locator(`[data-testid="run-row"][data-run-id="${id}"]`)).toHaveCount(1);
  const overview = await stuck.context().newPage();
  await overview.goto('/system');
  await hydrated(overview);
  await overview.evaluate(() => ((window as unknown as { stayed: boolean }).stayed = true));
  const contosoStuck = overview
    .getByTestId('system-workspace')
    .filter({ hasText: 'Contoso' })
    .locator('[data-count-for="active_stale"]');
  const stuckBefore = Number(await contosoStuck.getAttribute('data-count'));
  expect(stuckBefore).toBeGreaterThan(0);
  await expect(overview.getByTestId('system-overview')).toHaveAttribute('data-polling', 'on');

  // The sweep comes; every page shows its decision from its own next poll.
  const row = list.locator(`[data-testid="run-row"][data-run-id="${id}"]`);
  await Promise.all([
    expect(row).toHaveAttribute('data-problem-class', 'reconciled_stale', { timeout: 75_000 }),
    // The overlay shows how it ended for a moment before it leaves (read in one look: the
    // moment may be over before the other pages have polled).
    expect(
      dashboard.locator(
        `[data-testid="overlay-item"][data-run-id="${id}"][data-finished="true"][data-run-status="completed"]`,
      ),
    ).toHaveCount(1, { timeout: 75_000 }),
    expect(stuck.locator(`[data-testid="run-row"][data-run-id="${id}"]`)).toHaveCount(0, { timeout: 75_000 }),
    expect
      .poll(async () => Number(await contosoStuck.getAttribute('data-count')), { timeout: 75_000 })
      .toBeLessThan(stuckBefore),
  ]);
  await expect(row).toHaveAttribute('data-run-status', 'completed');
  await expect(row).toHaveAttribute('data-run-outcome', 'failed');
  await expect(item).toHaveCount(0, { timeout: 15_000 });
  for (const page of [list, dashboard, stuck, overview]) {
    expect(await stayed(page), `${page.url()} changed without a reload`).toBe(true);
  }
  // Once nothing it shows is active, the stuck page stops polling.
  await expect(stuck.getByTestId('stuck-page')).toHaveAttribute('data-polling', 'off', { timeout: 30_000 });
});
