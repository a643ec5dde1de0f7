import { test, expect } from '@playwright/test';
import { hydrated, PEOPLE, signIn } from './hooks';

// An operator stops a running run from its detail. The run ends `cancelled` with the
// counts it reached, the timeline names who cancelled it, and a dashboard watching the
// tenant drops it within one poll. Adatum (tenant 3, thousands of demo items) has nothing active
// before and after this story.

test('a running counted run cancelled from its detail ends cancelled with its partial counts and leaves the overlay', async ({
  browser,
}) => {
  // The dashboard watches in its own window, so it stays visible (and polling) throughout.
  const watcher = await (await browser.newContext()).newPage();
  await signIn(watcher, PEOPLE.owner);
  await watcher.goto('/admin/t/3');
  await hydrated(watcher);
  await watcher.getByTestId('start-inventory.sync').click();
  const item = watcher.locator('[data-testid="overlay-item"][data-run-type="inventory.sync"]');
  await expect(item).toHaveCount(1);
  const id = await item.getAttribute('data-run-id');
  expect(id).toMatch(/^\d+$/);

  const page = await (await browser.newContext()).newPage();
  await signIn(page, PEOPLE.owner);
  await page.goto(`/admin/operations/${id}`);
  await hydrated(page);
  const header = page.getByTestId('run-header');
  await expect(header).toHaveAttribute('data-run-status', 'running');
  await expect(header).toHaveAttribute('data-progress-mode', 'counted');

  // Asking needs a confirmation; keeping it running changes nothing.
  await page.getByTestId('cancel-run').click();
  await expect(page.getByTestId('cancel-dialog')).toBeVisible();
  await page.getByTestId('keep-running').click();
  await expect(page.getByTestId('cancel-dialog')).toBeHidden();
  await expect(header).toHaveAttribute('data-run-status', 'running');

  await page.getByTestId('cancel-run').click();
  await page.getByTestId('confirm-cancel').click();
  await expect(page.getByTestId('cancel-message')).toHaveText(
    'Asked to stop. It stops at its next report and keeps what it finished.',
  );
  await expect(header).toHaveAttribute('data-run-outcome', 'cancelled');
  await expect(page.getByTestId('cancel-run')).toHaveCount(0);

  // What it finished is kept: some of Adatum's items, not all of them.
  const counts = page.getByTestId('counts');
  const processed = Number(((await counts.locator('dt:text-is("Processed") + dd').textContent()) ?? '').replace(/\D/g, ''));
  const total = Number(((await counts.locator('dt:text-is("Total") + dd').textContent()) ?? '').replace(/\D/g, ''));
  expect(total).toBeGreaterThan(100);
  expect(processed).toBeGreaterThan(0);
  expect(processed).toBeLessThan(total);
  await expect(page.getByTestId('timeline-entry').last()).toContainText('Ended cancelled — by ');

  // The watching dashboard: shown as finished for a moment, then gone, with no reload.
  await expect(watcher.locator(`[data-testid="overlay-item"][data-run-id="${id}"]`)).toHaveCount(0, {
    timeout: 20_000,
  });
  await expect(watcher.getByTestId('overlay-empty')).toBeVisible();
});

test('a reader sees no cancel action', async ({ page }) => {
  await signIn(page, PEOPLE.reader);
  await page.goto('/admin/operations');
  await page.goto(`/admin/operations/${await page.getByTestId('run-row').first().getAttribute('data-run-id')}`);
  await hydrated(page);
  await expect(page.getByTestId('run-header')).toBeVisible();
  await expect(page.getByTestId('cancel-run')).toHaveCount(0);
});

test('a finished run offers no cancel action, even to its owner', async ({ page }) => {
  await signIn(page, PEOPLE.owner);
  await page.goto('/admin/operations?outcome=succeeded');
  await page.goto(`/admin/operations/${await page.getByTestId('run-row').first().getAttribute('data-run-id')}`);
  await hydrated(page);
  await expect(page.getByTestId('run-header')).toHaveAttribute('data-run-outcome', 'succeeded');
  await expect(page.getByTestId('cancel-run')).toHaveCount(0);
});
