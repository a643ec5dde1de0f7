import { test, expect, type Page } from '@playwright/test';
import { expectRunHooks, hydrated, PEOPLE, signIn } from './hooks';

// The tenant dashboard (specs/tenant-dashboard): counts that drill through, the progress
// overlay and the review-pack card, fed by one poll that runs only while something can change.
// Demo tenants: 1 Northwind, 2 Fabrikam (a capture, a compose and a compare stuck for over
// half an hour), 3 Adatum (nothing active). Every test acts as the workspace owner.
test.beforeEach(async ({ page }) => {
  await signIn(page, PEOPLE.owner);
});

/** Counts the page's requests to `fragment` from now on. */
function requests(page: Page, fragment: string): { count: () => number } {
  let n = 0;
  page.on('request', (r) => {
    if (r.url().includes(fragment)) n += 1;
  });
  return { count: () => n };
}

test('every dashboard count links to the list filtered to exactly those runs', async ({ page }) => {
  test.setTimeout(150_000);
  // The seeded Fabrikam sync (200 items at demo pace) may still be running; counts are read
  // once only the stuck capture is active, so nothing moves between a count and its list.
  const count = async (bucket: string) =>
    Number(await page.locator(`[data-testid="kpi"][data-count-for="${bucket}"]`).getAttribute('data-count'));
  await expect
    .poll(
      async () => {
        await page.goto('/admin/t/2');
        return (await count('active')) - (await count('active_stale'));
      },
      { timeout: 75_000, intervals: [2_000] },
    )
    .toBe(0);
  const kpis = page.getByTestId('kpi');
  await expect(kpis).toHaveCount(5);
  const targets: { bucket: string; count: number; href: string }[] = [];
  for (const kpi of await kpis.all()) {
    targets.push({
      bucket: (await kpi.getAttribute('data-count-for')) ?? '',
      count: Number(await kpi.getAttribute('data-count')),
      href: (await kpi.getAttribute('href')) ?? '',
    });
  }
  expect(targets.map((t) => t.bucket)).toEqual([
    'active',
    'active_stale',
    'terminal_follow_up',
    'reconciled_stale',
    'succeeded_recently',
  ]);
  expect(targets.find((t) => t.bucket === 'active_stale')?.count, 'the seeded stuck capture').toBeGreaterThan(0);
  for (const { bucket, count: n, href } of targets) {
    expect(href).toContain('tenant=2');
    await page.goto(href);
    await expect(page.getByTestId('operations-list')).toHaveAttribute('data-total-count', String(n));
    for (const row of await page.getByTestId('run-row').all()) {
      await expectRunHooks(row);
      expect(await row.getAttribute('data-run-tenant')).toBe('2');
      if (bucket === 'active') expect(await row.getAttribute('data-run-status')).not.toBe('completed');
      else if (bucket === 'succeeded_recently') expect(await row.getAttribute('data-run-outcome')).toBe('succeeded');
      else expect(await row.getAttribute('data-problem-class')).toBe(bucket);
    }
  }
});

test('the overlay escalates a stale run in words and icon, keeps healthy ones calm, and lists it under attention', async ({
  page,
}) => {
  await page.goto('/admin/t/2');
  await hydrated(page);
  const overlay = page.getByTestId('progress-overlay');
  await expect(overlay).toHaveAttribute('data-polling', 'on');
  // The seeded capture, compose and compare of Fabrikam all went quiet over half an hour ago.
  const stale = overlay.locator('[data-testid="overlay-item"][data-problem-class="active_stale"]');
  await expect(stale).toHaveCount(3);
  for (const item of await stale.all()) {
    await expectRunHooks(item);
    await expect(item).toHaveClass(/escalated/);
    await expect(item.getByTestId('badge-freshness-likely_stale')).toBeVisible();
    await expect(item.getByTestId('escalation')).toHaveText('This run will not finish by itself.');
    const stuckId = await item.getAttribute('data-run-id');
    await expect(page.getByTestId('attention-stuck').locator(`[data-run-id="${stuckId}"]`)).toBeVisible();
  }
  for (const calm of await overlay.locator('[data-testid="overlay-item"][data-problem-class="none"]').all()) {
    await expect(calm).not.toHaveClass(/escalated/);
    await expect(calm.getByTestId('escalation')).toHaveCount(0);
  }
  await expect(overlay.locator('ul')).toHaveAttribute('aria-live', 'polite');
});

test('the dashboard polls once per cycle only while work is active, wakes at once on a start, and then goes quiet', async ({
  page,
}) => {
  await page.goto('/admin/t/3');
  await hydrated(page);
  const dashboard = page.getByTestId('tenant-dashboard');
  await expect(dashboard).toHaveAttribute('data-polling', 'off');
  await expect(page.getByTestId('overlay-empty')).toBeVisible();
  const digests = requests(page, '/api/poll_tenant_digest');
  const otherPolls = requests(page, '/api/poll_run');
  const activeRuns = requests(page, '/active-runs');
  await page.waitForTimeout(2_500);
  expect(digests.count(), 'nothing active: no poll at all').toBe(0);

  await page.getByTestId('start-environment.review.compose').click();
  await expect(page.getByTestId('start-result')).toBeVisible();
  const item = page.locator('[data-testid="overlay-item"][data-run-type="environment.review.compose"]');
  await expect(item.first()).toBeVisible({ timeout: 2_000 });
  expect(digests.count(), 'the start woke the poll at once').toBeGreaterThan(0);
  await expect(dashboard).toHaveAttribute('data-polling', 'on');
  // The run finishes: it shows its result for a moment, then leaves; the poll stops.
  await expect(page.locator('[data-testid="overlay-item"][data-finished="true"]')).toBeVisible({ timeout: 30_000 });
  await expect(page.getByTestId('overlay-empty')).toBeVisible({ timeout: 15_000 });
  await expect(dashboard).toHaveAttribute('data-polling', 'off');
  expect(otherPolls.count() + activeRuns.count(), 'one poll feeds every widget').toBe(0);
  const settled = digests.count();
  await page.waitForTimeout(3_000);
  expect(digests.count(), 'no poll once nothing is active').toBe(settled);
  // The records below followed the truth: the new review is listed without a reload.
  await expect(page.getByTestId('review-row').first()).toBeVisible();
});

test('the review-pack card polls only while its pack is being made and ends ready with a download', async ({ page }) => {
  await page.goto('/admin/t/1');
  await hydrated(page);
  const card = page.getByTestId('pack-card');
  await expect(card).toHaveAttribute('data-pack-status', /^(ready|expired)$/);
  await expect(card).toHaveAttribute('data-polling', 'off');
  const before = await page.getByTestId('pack-row').count();
  await page.getByTestId('start-review_pack.generate').click();
  await expect(page.getByTestId('start-result')).toBeVisible();
  // The new pack is the card's truth at once (not the previous ready one), and the card says
  // it refreshes every 10 s while the pack is being made.
  await expect(card).toHaveAttribute('data-pack-status', /^(queued|generating)$/, { timeout: 5_000 });
  await expect(card).toHaveAttribute('data-polling', 'on');
  await expect(card).toHaveAttribute('data-poll-interval-ms', '10000');
  const dashboard = page.getByTestId('tenant-dashboard');
  expect(Number(await dashboard.getAttribute('data-poll-interval-ms'))).toBeLessThanOrEqual(10_000);
  await expect.poll(async () => page.getByTestId('pack-row').count(), { timeout: 30_000 }).toBe(before + 1);
  await expect(card).toHaveAttribute('data-pack-status', 'ready', { timeout: 30_000 });
  await expect(card).toHaveAttribute('data-polling', 'off');
  await expect(card).not.toHaveAttribute('data-poll-interval-ms', /.+/);
  await expect(card.getByTestId('pack-card-download')).toBeVisible();
  const download = await page.request.get((await card.getByTestId('pack-card-download').getAttribute('href')) ?? '');
  expect(download.status()).toBe(200);
  expect(download.headers()['content-type']).toBe('application/zip');
});

test('the workspace overview shows every tenant with counts that drill through exactly', async ({ page }) => {
  await page.goto('/admin');
  const overview = page.getByTestId('workspace-overview');
  await expect(overview).toBeVisible();
  const rows = page.getByTestId('overview-tenant');
  await expect(rows).toHaveCount(3);
  const links: { href: string; count: number; bucket: string }[] = [];
  for (const a of await page.locator('[data-testid="tenant-count"], [data-testid="kpi"]').all()) {
    links.push({
      href: (await a.getAttribute('href')) ?? '',
      count: Number(await a.getAttribute('data-count')),
      bucket: (await a.getAttribute('data-count-for')) ?? '',
    });
  }
  expect(links.length).toBe(3 * 5 + 5);
  // The terminal buckets (active runs go stale and recent successes age while we look).
  for (const { href, count, bucket } of links.filter((l) => /^(terminal_follow_up|reconciled_stale)$/.test(l.bucket))) {
    await page.goto(href);
    await expect(page.getByTestId('operations-list'), `${bucket} ${href}`).toHaveAttribute('data-total-count', String(count));
  }
});
