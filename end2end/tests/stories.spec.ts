import { test, expect, type Page } from '@playwright/test';
import { hydrated, PEOPLE, signIn } from './hooks';

// Stories that cross surfaces: one truth converging on every surface without a new event
// (specs/product-contract §7), and the review-pack card keeping no timer in the states that
// cannot change by themselves. Poll assertions count real requests.

/** Counts the page's requests to `fragment` from now on. */
function requests(page: Page, fragment: string): { count: () => number } {
  let n = 0;
  page.on('request', (r) => {
    if (r.url().includes(fragment)) n += 1;
  });
  return { count: () => n };
}

test('a run that ends converges on the detail, the dashboard and the list within one poll, with the same class everywhere', async ({
  browser,
}) => {
  const context = await browser.newContext();
  const dashboard = await context.newPage();
  await signIn(dashboard, PEOPLE.owner);
  await dashboard.goto('/admin/t/3');
  await hydrated(dashboard);
  await dashboard.getByTestId('start-environment.review.compose').click();
  const started = dashboard.getByTestId('start-result');
  await expect(started).toBeVisible();
  const id = await started.getAttribute('data-run-id');
  expect(id).toMatch(/^\d+$/);

  // A second page watches the same run's detail: nothing connects the two pages but the
  // server's truth.
  const detail = await context.newPage();
  await detail.goto(`/admin/operations/${id}`);
  await hydrated(detail);
  const header = detail.getByTestId('run-header');
  const item = dashboard.locator(`[data-testid="overlay-item"][data-run-id="${id}"]`);
  // Watch both at once: each page learns of the end from its own poll. The dashboard shows a
  // finished run only for a moment, so its moment is caught as it happens.
  const seen = async (check: () => Promise<void>): Promise<number> => {
    await check();
    return Date.now();
  };
  const [onDetail, onDashboard] = await Promise.all([
    seen(() => expect(header).toHaveAttribute('data-run-status', 'completed', { timeout: 75_000 })),
    seen(() => expect(item).toHaveAttribute('data-run-status', 'completed', { timeout: 75_000 })),
  ]);
  // Within one cycle of each other (the dashboard polls at most every 10 s at this age).
  expect(Math.abs(onDashboard - onDetail), 'both pages converge within one poll').toBeLessThan(12_000);
  const outcome = await header.getAttribute('data-run-outcome');
  const problem = await header.getAttribute('data-problem-class');
  expect(outcome).toMatch(/^(succeeded|partially_succeeded|failed|blocked|cancelled)$/);
  // And the list, loaded now, says the same.
  const list = await context.newPage();
  await list.goto('/admin/operations?tenant=3');
  const row = list.locator(`[data-testid="run-row"][data-run-id="${id}"]`);
  await expect(row).toHaveAttribute('data-run-outcome', outcome ?? '');
  await expect(row).toHaveAttribute('data-problem-class', problem ?? '');
  // The finished run leaves the overlay after showing its result; then nothing polls.
  await expect(item).toHaveCount(0, { timeout: 15_000 });
  await expect(dashboard.getByTestId('overlay-empty')).toBeVisible();
  await expect(dashboard.getByTestId('tenant-dashboard')).toHaveAttribute('data-polling', 'off');
  await context.close();
});

test('a review-pack card that cannot change by itself keeps no timer and sends no request', async ({ page }) => {
  await signIn(page, PEOPLE.owner);
  // Adatum (3) has never had a pack; Northwind (1) has a ready one from the demo.
  for (const tenant of [3, 1]) {
    await page.goto(`/admin/t/${tenant}`);
    await hydrated(page);
    const card = page.getByTestId('pack-card');
    await expect(card).toHaveAttribute('data-pack-status', /^(|ready|expired|failed)$/);
    await expect(card).toHaveAttribute('data-polling', 'off');
    await expect(card).not.toHaveAttribute('data-poll-interval-ms', /.+/);
    const dashboard = page.getByTestId('tenant-dashboard');
    if ((await dashboard.getAttribute('data-polling')) === 'off') {
      const polls = requests(page, '/api/poll_tenant_digest');
      await page.waitForTimeout(3_000);
      expect(polls.count(), `tenant ${tenant}: nothing can change, nothing polls`).toBe(0);
    }
  }
});

test('a run the system stopped after its worker vanished reads calmly and says what to do (359)', async ({ page }) => {
  await signIn(page, PEOPLE.owner);
  // The seeded Adatum capture lost its worker; the reconciler's sweep closed it.
  await page.goto('/admin/operations?tenant=3&type=baseline.capture&class=reconciled_stale');
  const row = page.getByTestId('run-row').first();
  await expect(row).toHaveAttribute('data-problem-class', 'reconciled_stale');
  await row.locator('.run-link').click();
  const header = page.getByTestId('run-header');
  await expect(header).toHaveAttribute('data-run-outcome', 'failed');
  await expect(header).toHaveAttribute('data-problem-class', 'reconciled_stale');
  await expect(page.getByTestId('decision-zone')).toContainText('Stopped by the system');
  await expect(page.getByTestId('guidance')).toContainText(/start it again/i);
  await expect(page.getByTestId('reconciled-note')).toContainText('no worker was working on it any more');
  const text = (await page.getByTestId('run-detail').innerText()).toLowerCase();
  for (const internal of ['worker_lost', 'sqlstate', 'panicked', 'null', '::']) {
    expect(text, `no internal text: ${internal}`).not.toContain(internal);
  }
});

test('a compose that met a review of the same evidence at its write is proved by it and reads calmly (359)', async ({ page }) => {
  await signIn(page, PEOPLE.owner);
  // The seeded second Northwind compose met the first one's review when it came to write its
  // own; it ended by what that review proves instead of failing on the duplicate.
  await page.goto('/admin/operations?tenant=1&type=environment.review.compose&outcome=succeeded');
  const hrefs = await page.getByTestId('run-row').locator('.run-link').evaluateAll((as) => as.map((a) => a.getAttribute('href') ?? ''));
  let found = false;
  for (const href of hrefs) {
    await page.goto(href);
    const note = page.getByTestId('reconciled-note');
    if ((await note.count()) === 0 || !(await note.innerText()).includes('by the run itself')) continue;
    found = true;
    const header = page.getByTestId('run-header');
    await expect(header).toHaveAttribute('data-run-outcome', 'succeeded');
    await expect(header).toHaveAttribute('data-problem-class', 'none');
    await expect(page.getByTestId('guidance')).toHaveText('The review with this evidence already exists. Nothing to do.');
    // Ended by its own worker, not by the reconciler's sweep.
    await expect(page.getByTestId('timeline-entry').last()).toContainText('worker');
    await expect(page.getByTestId('timeline-entry').last()).not.toContainText('reconciler');
    const target = await page.getByTestId('related-record').getAttribute('href');
    expect(target).toMatch(/^\/admin\/t\/1#review-\d+$/);
    const text = (await page.getByTestId('run-detail').innerText()).toLowerCase();
    for (const internal of ['duplicate key', 'unique', 'constraint', 'sqlstate', 'environment_reviews', 'panicked']) {
      expect(text, `no internal text: ${internal}`).not.toContain(internal);
    }
    await page.goto(target ?? '/');
    await expect(page.locator(`#${target?.split('#')[1]}`)).toHaveAttribute('data-review-status', /ready|published/);
    break;
  }
  expect(found, 'the seeded duplicate-recovered compose is listed').toBe(true);
});

test('a run the system closed for running past its time limit says so calmly, not that it stopped reporting', async ({ page }) => {
  await signIn(page, PEOPLE.owner);
  // The seeded Adatum compare kept reporting but ran past its time limit; the sweep closed it.
  await page.goto('/admin/operations?tenant=3&type=baseline.compare&class=reconciled_stale');
  const row = page.getByTestId('run-row').first();
  await expect(row).toHaveAttribute('data-problem-class', 'reconciled_stale');
  await row.locator('.run-link').click();
  const header = page.getByTestId('run-header');
  await expect(header).toHaveAttribute('data-run-outcome', 'failed');
  await expect(page.getByTestId('decision-zone')).toContainText('Stopped by the system');
  await expect(page.getByTestId('guidance')).toContainText('ran past its time limit');
  await expect(page.getByTestId('reconciled-note')).toContainText('Decided by the system because it ran past its time limit.');
  const text = (await page.getByTestId('run-detail').innerText()).toLowerCase();
  for (const wrong of ['stopped reporting', 'no worker was working', 'past_time_limit', 'sqlstate', 'panicked']) {
    expect(text, `not said: ${wrong}`).not.toContain(wrong);
  }
});

test('a pack whose run was cancelled at shutdown shows a failed card that reads calmly and offers to generate again', async ({
  page,
}) => {
  await signIn(page, PEOPLE.owner);
  await page.goto('/admin/t/2');
  await hydrated(page);
  const card = page.getByTestId('pack-card');
  await expect(card).toHaveAttribute('data-pack-status', 'failed');
  await expect(card).toHaveAttribute('data-polling', 'off');
  await expect(card).toContainText('Generating it did not succeed.');
  await expect(card.getByTestId('pack-generate-again')).toBeVisible();
  const text = (await card.innerText()).toLowerCase();
  for (const internal of ['cancelled_at_shutdown', 'sqlstate', 'panicked', 'null', '::']) {
    expect(text, `no internal text: ${internal}`).not.toContain(internal);
  }
  // Its run tells the same story.
  await card.getByRole('link').last().click();
  await expect(page.getByTestId('run-header')).toHaveAttribute('data-run-type', 'review_pack.generate');
  await expect(page.getByTestId('run-header')).toHaveAttribute('data-run-outcome', 'cancelled');
});

test('a compose whose review was superseded by a newer one ends blocked and leads to the newer review', async ({ page }) => {
  await signIn(page, PEOPLE.owner);
  // The seeded Adatum compose an integration asked for lost its worker; by the sweep, the
  // review of its evidence had been superseded by a newer published one.
  await page.goto('/admin/operations?tenant=3&type=environment.review.compose&outcome=blocked');
  const row = page.getByTestId('run-row').first();
  await expect(row).toHaveAttribute('data-run-outcome', 'blocked');
  await row.locator('.run-link').click();
  const header = page.getByTestId('run-header');
  await expect(header).toHaveAttribute('data-run-outcome', 'blocked');
  await expect(page.getByTestId('guidance')).toContainText('superseded by a newer one');
  await expect(page.getByTestId('guidance')).toContainText('Use the newer record.');
  await expect(page.getByTestId('reconciled-note')).toContainText('from the records');
  const target = await page.getByTestId('related-record').getAttribute('href');
  expect(target).toMatch(/^\/admin\/t\/3#review-\d+$/);
  const text = (await page.getByTestId('run-detail').innerText()).toLowerCase();
  for (const wrong of ['stopped reporting', 'review_superseded', 'sqlstate', 'panicked', '::']) {
    expect(text, `not said: ${wrong}`).not.toContain(wrong);
  }
  // The link leads to the newer review, which is the tenant's published one.
  await page.goto(target ?? '/');
  await expect(page.locator(`#${target?.split('#')[1]}`)).toHaveAttribute('data-review-status', 'published');
});

test('a crowded overlay shows eight runs, the stuck first, and links the rest with an exact count', async ({ page }) => {
  // Litware's lost worker host held a sync of each of its ten sites: all stuck.
  await signIn(page, PEOPLE.litware);
  await page.goto('/admin');
  await page.getByTestId('tenant-link').first().click();
  const overlay = page.getByTestId('progress-overlay');
  const items = overlay.getByTestId('overlay-item');
  await expect(items).toHaveCount(8);
  const active = Number(await page.locator('[data-testid="kpi"][data-count-for="active"]').getAttribute('data-count'));
  expect(active, 'more active runs than the overlay has room for').toBeGreaterThan(8);
  const more = overlay.getByTestId('overlay-more');
  await expect(more).toHaveAttribute('data-more', String(active - 8));
  await expect(more).toHaveText(`and ${active - 8} more`);
  for (const item of await items.all()) {
    await expect(item).toHaveAttribute('data-problem-class', 'active_stale');
  }
  // The rest are one link away, counted exactly.
  await more.locator('a').click();
  await expect(page.getByTestId('operations-list')).toHaveAttribute('data-total-count', String(active));
  for (const row of await page.getByTestId('run-row').all()) {
    expect(await row.getAttribute('data-run-status')).not.toBe('completed');
  }
});
