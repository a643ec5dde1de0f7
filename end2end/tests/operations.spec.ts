import { test, expect } from '@playwright/test';
import { countPolls, expectRunHooks, hydrated, PEOPLE, signIn, snapshot, type Snapshot } from './hooks';

// Every test here acts as the demo workspace's owner.
test.beforeEach(async ({ page }) => {
  await signIn(page, PEOPLE.owner);
});

test('the operations list is server-rendered with every run hook and a total count', async ({ page }) => {
  await page.goto('/admin/operations');
  const list = page.getByTestId('operations-list');
  const total = Number(await list.getAttribute('data-total-count'));
  expect(total).toBeGreaterThan(0);
  const rows = page.getByTestId('run-row');
  expect(await rows.count()).toBe(Math.min(total, 50));
  for (const row of await rows.all()) {
    await expectRunHooks(row);
  }
  // The seeded history shows a stuck run, escalated, and a reconciled one.
  await expect(page.locator('[data-problem-class="active_stale"] [data-testid="badge-freshness-likely_stale"]').first()).toBeVisible();
  await expect(page.locator('[data-problem-class="reconciled_stale"]').first()).toBeVisible();
});

test('a list polls while a run it shows is active, answers unchanged cheaply, and keeps no timer when all are finished', async ({
  page,
}) => {
  // The seeded active runs are on the first page: the list is live, at its youngest run's interval.
  const polls: { status: number; body: string }[] = [];
  page.on('response', async (r) => {
    // A poll answered while the test moves to the next page has no body left to read; its
    // status still counts.
    if (r.url().includes('/api/list_runs')) polls.push({ status: r.status(), body: await r.text().catch(() => '') });
  });
  await page.goto('/admin/operations?status=active');
  await hydrated(page);
  const list = page.getByTestId('operations-list');
  await expect(list).toHaveAttribute('data-polling', 'on');
  const interval = Number(await list.getAttribute('data-poll-interval-ms'));
  expect([2_000, 5_000, 15_000, 30_000]).toContain(interval);
  await expect.poll(() => polls.length, { timeout: interval * 2 + 5_000 }).toBeGreaterThan(0);
  expect(polls.every((p) => p.status === 200)).toBe(true);

  // Finished runs only: nothing shown can change by itself, so nothing is asked.
  await page.goto('/admin/operations?status=completed');
  await hydrated(page);
  await expect(page.getByTestId('operations-list')).toHaveAttribute('data-polling', 'off');
  await expect(page.getByTestId('operations-list')).not.toHaveAttribute('data-poll-interval-ms', /.+/);
  const settled = polls.length;
  await page.waitForTimeout(3_000);
  expect(polls.length, 'a list of finished runs sends no request').toBe(settled);
});

test('a run opened from a filtered list leads back to the same filters and page, by its crumb and by the browser', async ({
  page,
}) => {
  // Northwind's finished runs: the place to come back to (a page position travels the same
  // way, as `after` in the address).
  await page.goto('/admin/operations?tenant=1&status=completed');
  await hydrated(page);
  const place = page.url();
  const row = page.getByTestId('run-row').first();
  const id = await row.getAttribute('data-run-id');
  await row.locator('a.run-link').click();
  await expect(page.getByTestId('run-header')).toHaveAttribute('data-run-id', id ?? '');
  // The crumb leads back to exactly that list.
  await page.getByTestId('crumb-list').click();
  await expect(page).toHaveURL(place);
  await expect(page.locator('select[name="status"]')).toHaveValue('completed');
  await expect(page.getByTestId('filters').locator('select[name="tenant"]')).toHaveValue('1');
  await expect(page.locator(`[data-testid="run-row"][data-run-id="${id}"]`)).toHaveCount(1);
  // So does the browser's back button.
  await page.locator(`[data-testid="run-row"][data-run-id="${id}"] a.run-link`).click();
  await expect(page.getByTestId('run-header')).toHaveAttribute('data-run-id', id ?? '');
  await page.goBack();
  await expect(page).toHaveURL(place);
  await expect(page.locator('select[name="status"]')).toHaveValue('completed');
  await expect(page.locator(`[data-testid="run-row"][data-run-id="${id}"]`)).toHaveCount(1);
  // A crumb is never a way off the site: a foreign address in the link is ignored.
  await page.goto(`/admin/operations/${id}?back=${encodeURIComponent('https://example.com/admin/operations')}`);
  await expect(page.getByTestId('crumb-list')).toHaveAttribute('href', '/admin/operations');
});

test('the filter form moves to the filtered list in the same document, with only the chosen filters in the address', async ({ page }) => {
  await page.goto('/admin/operations');
  await hydrated(page);
  // A marker that a full reload would wipe: filtering must not reload the page.
  await page.evaluate(() => ((window as unknown as { __opshubMarker: number }).__opshubMarker = 7));
  const filters = page.getByTestId('filters');
  await filters.locator('select[name="status"]').selectOption('completed');
  await filters.locator('select[name="class"]').selectOption('terminal_follow_up');
  await filters.locator('button[type="submit"]').click();
  await expect(page).toHaveURL(/\/admin\/operations\?status=completed&class=terminal_follow_up$/);
  const rows = page.getByTestId('run-row');
  const truths = () =>
    rows.evaluateAll((rs) => rs.map((r) => `${r.getAttribute('data-run-status')}/${r.getAttribute('data-problem-class')}`));
  // Every row the filtered list shows is a completed run that needs follow-up.
  await expect.poll(async () => [...new Set(await truths())]).toEqual(['completed/terminal_follow_up']);
  const seen = await truths();
  expect(Number(await page.getByTestId('operations-list').getAttribute('data-total-count'))).toBe(seen.length);
  expect(await page.evaluate(() => (window as unknown as { __opshubMarker: number }).__opshubMarker)).toBe(7);
});

test('a sync started from the list runs live to completion, then polling stops for good', async ({ page }) => {
  await page.goto('/admin/operations');
  await hydrated(page);
  await page.getByTestId('start-sync-tenant').selectOption({ label: 'Northwind Traders' });
  await page.getByTestId('start-sync').click();
  const result = page.getByTestId('start-result');
  await expect(result).toBeVisible();
  const runId = await result.getAttribute('data-run-id');
  expect(runId).toMatch(/^\d+$/);

  await result.getByRole('link', { name: 'Open the run' }).click();
  await expect(page).toHaveURL(new RegExp(`/admin/operations/${runId}$`));
  // A marker that a full reload would wipe: the run must complete in this same document.
  await page.evaluate(() => ((window as unknown as { __opshubMarker: number }).__opshubMarker = 42));

  const header = page.getByTestId('run-header');
  const detail = page.getByTestId('run-detail');
  await expect(header).toHaveAttribute('data-run-id', runId ?? '');
  await expectRunHooks(header);

  // Watch progress advance. Each sample reads every hook at once, so a poll landing between
  // two reads cannot produce a torn observation.
  const samples: Snapshot[] = [];
  await expect
    .poll(
      async () => {
        const snap = await snapshot(page);
        samples.push(snap);
        return snap.status;
      },
      { timeout: 60_000, intervals: [250] },
    )
    .toBe('completed');
  const active = samples.filter((s) => s.status !== 'completed');
  expect(active.every((s) => s.polling === 'on' && Number(s.interval) > 0), 'an active run always polls').toBe(true);
  const labels = new Set(active.filter((s) => s.mode === 'counted').map((s) => s.label));
  expect(labels.size, `distinct progress labels seen: ${[...labels].join(' | ')}`).toBeGreaterThanOrEqual(2);
  const lastInterval = Number(active[active.length - 1]?.interval ?? 0);
  expect(lastInterval).toBeGreaterThan(0);

  await expect(header).toHaveAttribute('data-run-outcome', 'succeeded');
  await expect(header).toHaveAttribute('data-run-freshness', '');
  await expect(header).toHaveAttribute('data-progress-mode', 'none');
  await expect(detail).toHaveAttribute('data-polling', 'off');
  await expect(page.getByTestId('badge-outcome-succeeded')).toBeVisible();
  expect(await page.evaluate(() => (window as unknown as { __opshubMarker?: number }).__opshubMarker)).toBe(42);

  // Silent once terminal: no poll for twice the last interval.
  const polls = countPolls(page);
  await page.waitForTimeout(2 * lastInterval);
  expect(polls.count()).toBe(0);
});

test('a run loaded already completed starts no timer at all', async ({ page }) => {
  await page.goto('/admin/operations?status=completed');
  const first = page.getByTestId('run-row').first();
  const runId = await first.getAttribute('data-run-id');
  const polls = countPolls(page);
  await page.goto(`/admin/operations/${runId}`);
  await hydrated(page);
  const detail = page.getByTestId('run-detail');
  await expect(detail).toHaveAttribute('data-polling', 'off');
  expect(await detail.getAttribute('data-poll-interval-ms')).toBeNull();
  await expectRunHooks(page.getByTestId('run-header'));
  await page.waitForTimeout(5_000);
  expect(polls.count()).toBe(0);
});

test('an unknown run answers 404 with a calm sentence', async ({ page }) => {
  const response = await page.goto('/admin/operations/987654321');
  expect(response?.status()).toBe(404);
  await expect(page.getByTestId('error')).toHaveText('There is no operation with that id.');
});

test('the poll path answers JSON for a tenant in scope and 404 otherwise', async ({ page }) => {
  const request = page.request;
  const ok = await request.get('/api/tenants/2/active-runs');
  expect(ok.status()).toBe(200);
  expect(ok.headers()['content-type']).toContain('application/json');
  const body = await ok.json();
  expect(body.tenant_name).toBe('Fabrikam Health');
  // The seeded stuck capture is active, so it is in the poll answer — escalated, not hidden.
  expect(body.runs.some((r: { problem: string }) => r.problem === 'active_stale')).toBe(true);
  expect(body.poll_interval_ms).toBeGreaterThan(0);
  for (const path of ['/api/tenants/999999/active-runs', '/api/tenants/abc/active-runs']) {
    const missing = await request.get(path);
    expect(missing.status()).toBe(404);
    expect(await missing.json()).toEqual({ error: 'There is no tenant with that id.' });
  }
});

test('a baseline capture started from the list shows phased progress, then its outcome', async ({ page }) => {
  await page.goto('/admin/operations');
  await hydrated(page);
  await page.getByTestId('start-sync-tenant').selectOption({ label: 'Northwind Traders' });
  await page.getByTestId('start-type').selectOption('baseline.capture');
  await page.getByTestId('start-sync').click();
  const result = page.getByTestId('start-result');
  await expect(result).toBeVisible();
  await result.getByRole('link', { name: 'Open the run' }).click();
  const header = page.getByTestId('run-header');
  await expect(header).toHaveAttribute('data-run-type', 'baseline.capture');
  const phases = new Set<string>();
  await expect
    .poll(
      async () => {
        const snap = await snapshot(page);
        if (snap.mode === 'phased' && snap.label) phases.add(snap.label);
        return snap.status;
      },
      { timeout: 60_000, intervals: [200] },
    )
    .toBe('completed');
  expect([...phases].some((l) => /^Capturing evidence — step 2 of 3$/.test(l)), `phases seen: ${[...phases].join(' | ')}`).toBe(true);
  expect([...phases].every((l) => !l.includes('_'))).toBe(true);
  await expect(header).toHaveAttribute('data-run-outcome', 'succeeded');
  await expect(page.getByTestId('counts')).toContainText('Items captured');
});

test('a review pack that does not exist answers a calm page, not an error', async ({ page }) => {
  const violations: string[] = [];
  page.on('console', (msg) => {
    if (/Content Security Policy|Refused to/i.test(msg.text())) violations.push(msg.text());
  });
  const response = await page.goto('/admin/review-packs/999999/download');
  expect(response?.status()).toBe(404);
  const calm = page.getByTestId('calm-page');
  await expect(calm).toContainText('There is no review pack with that id.');
  await expect(calm.getByRole('link', { name: 'Go to operations' })).toBeVisible();
  // Styled like every page, under its own policy: the site's stylesheet applies.
  await expect(page.locator('main.page')).toHaveCSS('max-width', '1180px');
  expect(violations).toEqual([]);
});

test('the tenant workbench restores a baseline only after explicit confirmation', async ({ page }) => {
  await page.goto('/admin/t/1');
  await hydrated(page);
  await expect(page.getByTestId('tenant-workbench')).toHaveAttribute('data-tenant-id', '1');
  await page.getByTestId('start-baseline.capture').click();
  await expect(page.getByTestId('start-result')).toContainText(/Baseline capture queued\.|already running/);
  await expect
    .poll(
      async () => {
        await page.goto('/admin/t/1');
        return page.getByTestId('snapshot-row').count();
      },
      { timeout: 60_000, intervals: [1_000] },
    )
    .toBeGreaterThan(0);
  await hydrated(page);
  // The sync earlier in this suite filled Northwind's inventory: all 20 items are shown.
  await expect(page.getByTestId('inventory')).toHaveAttribute('data-inventory-count', '20');
  await expect(page.getByTestId('inventory')).toContainText('20 items in inventory.');
  let starts = 0;
  page.on('request', (r) => {
    if (r.url().includes('/api/start_operation')) starts += 1;
  });
  const row = page.getByTestId('snapshot-row').first();
  await row.getByTestId('restore-snapshot').click();
  await page.waitForTimeout(500);
  expect(starts, 'an unconfirmed restore is never sent').toBe(0);
  await row.getByTestId('restore-confirm').check();
  await row.getByTestId('restore-snapshot').click();
  const result = page.getByTestId('start-result');
  await expect(result).toContainText('Restore queued.');
  expect(starts).toBe(1);
  await result.getByRole('link', { name: 'Open the run' }).click();
  const header = page.getByTestId('run-header');
  await expect(header).toHaveAttribute('data-run-type', 'restore.execute');
  await expect(header).toHaveAttribute('data-run-status', 'completed', { timeout: 60_000 });
  await expect(header).toHaveAttribute('data-run-outcome', 'succeeded');
});

test('a tenant outside the workspace is not found', async ({ page }) => {
  const response = await page.goto('/admin/t/999999');
  expect(response?.status()).toBe(404);
  await expect(page.getByTestId('error')).toHaveText('There is no tenant with that id.');
});

test('a run the system closed from business truth says so and links the record that proves it', async ({ page }) => {
  // The seeded Northwind review refresh lost its worker; the reconciler found its review.
  await page.goto('/admin/operations?tenant=1&type=environment.review.compose');
  const href = await page.getByTestId('run-row').first().locator('.run-link').getAttribute('href');
  await page.goto(href ?? '/admin/operations');
  const header = page.getByTestId('run-header');
  await expect(header).toHaveAttribute('data-run-status', 'completed');
  await expect(header).toHaveAttribute('data-run-outcome', 'succeeded');
  await expect(header).toHaveAttribute('data-problem-class', 'none');
  await expect(page.getByTestId('run-detail')).toHaveAttribute('data-polling', 'off');
  await expect(page.getByTestId('guidance')).toContainText('the review it was building already exists');
  await expect(page.getByTestId('reconciled-note')).toContainText('from the records');
  const related = page.getByTestId('related-record');
  const target = await related.getAttribute('href');
  expect(target).toMatch(/^\/admin\/t\/1#review-\d+$/);
  await page.goto(target ?? '/');
  const review = target?.split('#')[1] ?? '';
  await expect(page.locator(`#${review}`)).toHaveAttribute('data-review-status', 'ready');
});

test('every problem-class count links to a list of exactly those runs, each showing that class', async ({ page }) => {
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto('/admin/operations');
  const counts = page.getByTestId('class-count');
  expect(await counts.count()).toBe(4);
  const entries: { cls: string; n: number; href: string }[] = [];
  for (const c of await counts.all()) {
    entries.push({
      cls: (await c.getAttribute('data-count-for')) ?? '',
      n: Number(await c.getAttribute('data-count')),
      href: (await c.getAttribute('href')) ?? '',
    });
  }
  expect(entries.map((e) => e.cls)).toEqual(['active_stale', 'terminal_follow_up', 'reconciled_stale', 'none']);
  // The unfiltered list is split exactly by the classes.
  const total = Number(await page.getByTestId('operations-list').getAttribute('data-total-count'));
  expect(entries.reduce((sum, e) => sum + e.n, 0)).toBe(total);
  for (const { cls, n, href } of entries) {
    expect(n, `the demo seeds runs of class ${cls}`).toBeGreaterThan(0);
    expect(href).toContain(`class=${cls}`);
    await page.goto(href);
    await expect(page.getByTestId('operations-list')).toHaveAttribute('data-total-count', String(n));
    const rows = page.getByTestId('run-row');
    expect(await rows.count()).toBe(Math.min(n, 50));
    for (const row of await rows.all()) {
      await expect(row).toHaveAttribute('data-problem-class', cls);
      if (cls !== 'none') await expect(row.getByTestId(`badge-problem-${cls}`)).toBeVisible();
    }
    // The chosen count is marked as the current page, and the filter select shows it.
    await expect(page.locator(`[data-count-for="${cls}"]`)).toHaveAttribute('aria-current', 'page');
    await expect(page.locator('select[name="class"]')).toHaveValue(cls);
    // Its detail tells the same story, and answers the three questions above the fold.
    const listBadges = await rows.first().locator('[data-testid^="badge-"]').evaluateAll((els) =>
      els.map((e) => e.getAttribute('data-testid')),
    );
    // An active run's freshness may move on between the two pages; a finished run's cannot.
    const settled = (await rows.first().getAttribute('data-run-status')) === 'completed';
    await rows.first().locator('a.run-link').click();
    const header = page.getByTestId('run-header');
    await expect(header).toHaveAttribute('data-problem-class', cls);
    if (cls !== 'none') await expect(header.getByTestId(`badge-problem-${cls}`)).toBeVisible();
    const detailBadges = await header.locator('[data-testid^="badge-"]').evaluateAll((els) =>
      els.map((e) => e.getAttribute('data-testid')),
    );
    if (settled) expect(detailBadges).toEqual(listBadges);
    for (const answer of ['decision-active', 'decision-reconciled', 'decision-next']) {
      const box = await page.getByTestId(answer).boundingBox();
      expect(box, `${answer} is shown`).not.toBeNull();
      expect((box?.y ?? 0) + (box?.height ?? 0), `${answer} is visible without scrolling`).toBeLessThanOrEqual(800);
      await expect(page.getByTestId(answer)).not.toBeEmpty();
    }
    if (cls === 'active_stale') {
      // A stuck run says when the system will close it.
      await expect(page.getByTestId('closes-by')).toContainText('It will be closed automatically within about');
    }
    // The timeline names every transition's cause.
    expect(await page.getByTestId('timeline-entry').count()).toBeGreaterThan(0);
    await expect(page.getByTestId('timeline-entry').first()).toContainText('Queued by');
    await expect(page.getByTestId('diagnostics')).toHaveCount(0);
  }
});

test('a bad filter value in the address is refused calmly', async ({ page }) => {
  await page.goto('/admin/operations?class=urgent');
  await expect(page.getByTestId('error')).toHaveText(
    'The problem filter must be active_stale, terminal_follow_up, reconciled_stale or none.',
  );
});

test('a finished run rings the bell once; reading it there clears it', async ({ page }) => {
  await page.goto('/admin/operations');
  await hydrated(page);
  await page.getByTestId('start-sync-tenant').selectOption({ label: 'Northwind Traders' });
  await page.getByTestId('start-type').selectOption('inventory.sync');
  await page.getByTestId('start-sync').click();
  await expect(page.getByTestId('start-result')).toBeVisible();
  const runId = (await page.getByTestId('start-result').getAttribute('data-run-id')) ?? '';
  expect(runId).toMatch(/^\d+$/);
  await page.goto(`/admin/operations/${runId}`);
  await expect(page.getByTestId('run-header')).toHaveAttribute('data-run-status', 'completed', { timeout: 60_000 });

  await page.goto('/admin/notifications');
  await hydrated(page);
  const list = page.getByTestId('notifications');
  const item = page.locator(`[data-testid="notification-item"][data-run-id="${runId}"]`);
  await expect(item).toHaveCount(1);
  await expect(item).toHaveAttribute('data-read', 'false');
  await expectRunHooks(item);
  await expect(item).toHaveAttribute('data-run-status', 'completed');
  const unread = Number(await list.getAttribute('data-unread-count'));
  const bell = page.getByTestId('bell');
  await expect(bell).toHaveAttribute('data-unread-count', String(unread));

  await item.getByTestId('mark-read').click();
  await expect(page.locator(`[data-testid="notification-item"][data-run-id="${runId}"]`)).toHaveAttribute('data-read', 'true');
  await expect(page.getByTestId('notifications')).toHaveAttribute('data-unread-count', String(unread - 1));
  await expect(bell).toHaveAttribute('data-unread-count', String(unread - 1));

  await page.locator(`[data-testid="notification-item"][data-run-id="${runId}"]`).getByTestId('notification-link').click();
  await expect(page).toHaveURL(new RegExp(`/admin/operations/${runId}$`));
  await expect(page.getByTestId('run-header')).toHaveAttribute('data-run-id', runId);
});

test('a live detail pauses while the tab is hidden or a dialog is open, and refreshes once on return', async ({ page }) => {
  await page.goto('/admin/operations');
  await hydrated(page);
  // Fabrikam's sync takes long enough (200 items) to stay active throughout.
  await page.getByTestId('start-sync-tenant').selectOption({ label: 'Fabrikam Health' });
  await page.getByTestId('start-type').selectOption('inventory.sync');
  await page.getByTestId('start-sync').click();
  await expect(page.getByTestId('start-result')).toBeVisible();
  const runId = (await page.getByTestId('start-result').getAttribute('data-run-id')) ?? '';
  await page.goto(`/admin/operations/${runId}`);
  await hydrated(page);
  const detail = page.getByTestId('run-detail');
  await expect(detail).toHaveAttribute('data-polling', 'on');
  const interval = Number(await detail.getAttribute('data-poll-interval-ms'));
  expect(interval).toBeGreaterThan(0);
  const polls = countPolls(page);
  await expect.poll(() => polls.count(), { timeout: 4 * interval }).toBeGreaterThan(0);

  const setVisibility = (state: 'hidden' | 'visible') =>
    page.evaluate((s) => {
      Object.defineProperty(document, 'visibilityState', { value: s, configurable: true });
      Object.defineProperty(document, 'hidden', { value: s === 'hidden', configurable: true });
      document.dispatchEvent(new Event('visibilitychange'));
    }, state);

  // Hidden: a request already on its way may land, then nothing for three intervals.
  await setVisibility('hidden');
  await page.waitForTimeout(interval);
  const hiddenFrom = polls.count();
  await page.waitForTimeout(3 * interval);
  expect(polls.count(), 'no poll while the tab is hidden').toBe(hiddenFrom);
  // Back: one refresh right away.
  await setVisibility('visible');
  await expect.poll(() => polls.count(), { timeout: 1_500 }).toBe(hiddenFrom + 1);

  // A dialog open: no poll fires; closed: polling resumes.
  await page.getByTestId('how-judged').click();
  await expect(page.getByTestId('how-judged-dialog')).toBeVisible();
  await expect(page.getByTestId('how-judged-dialog')).toContainText('likely stuck after');
  await page.waitForTimeout(interval);
  const dialogFrom = polls.count();
  await page.waitForTimeout(3 * interval);
  expect(polls.count(), 'no poll while a dialog is open').toBe(dialogFrom);
  await page.getByTestId('close-dialog').click();
  await expect(page.getByTestId('how-judged-dialog')).toBeHidden();
  await expect.poll(() => polls.count(), { timeout: 2 * interval + 1_000 }).toBeGreaterThan(dialogFrom);
});
