import { test, expect } from '@playwright/test';
import { PEOPLE, signIn } from './hooks';

// Progress by mode (specs/product-contract §6): progress is shown by its mode, and only counted progress has a
// number of percent. Checked on every active run the list shows, whatever the suite left.
test.beforeEach(async ({ page }) => {
  await signIn(page, PEOPLE.owner);
});

test('every active run shows progress by its mode, with a percentage only when counted', async ({ page }) => {
  await page.goto('/admin/operations?status=active');
  const rows = page.getByTestId('run-row');
  expect(await rows.count(), 'the demo keeps a stuck capture and a phased compare active').toBeGreaterThan(0);
  const modes = new Set<string>();
  for (const row of await rows.all()) {
    const mode = (await row.getAttribute('data-progress-mode')) ?? '';
    modes.add(mode);
    const label = (await row.getByTestId('progress-label').textContent()) ?? '';
    expect(label, 'never a raw key').not.toMatch(/_|::|Exception/);
    if (mode === 'counted') {
      expect(label).toMatch(/^[\d,]+ of [\d,]+ processed · \d+%$/);
      await expect(row.locator('[role="progressbar"][aria-valuenow]')).toHaveCount(1);
    } else {
      expect(label, `${mode}: no percentage`).not.toContain('%');
      await expect(row.locator('[role="progressbar"][aria-valuenow]')).toHaveCount(0);
    }
    if (mode === 'phased') expect(label).toMatch(/ — step \d+ of \d+$/);
    if (mode === 'composite') expect(label).toMatch(/^\d+ of \d+ evidence sources ready/);
    if (mode === 'activity') expect(label).not.toMatch(/\d/);
  }
  expect(modes.has('phased'), 'the seeded compare reports its phase').toBe(true);
  expect(modes.has('composite'), 'the seeded Fabrikam compose reports its sources').toBe(true);
});

test('a run whose reported counts cannot be true shows activity, never a made-up percentage', async ({ page }) => {
  // The seeded Fabrikam compare reported 25 processed of 10 in scope before it went quiet.
  await page.goto('/admin/operations?tenant=2&type=baseline.compare&status=active');
  const row = page.getByTestId('run-row');
  await expect(row).toHaveCount(1);
  await expect(row).toHaveAttribute('data-progress-mode', 'activity');
  await expect(row.getByTestId('progress-label')).toHaveText('Working');
  await row.locator('.run-link').click();
  const header = page.getByTestId('run-header');
  await expect(header).toHaveAttribute('data-progress-mode', 'activity');
  const detail = (await page.getByTestId('run-detail').innerText()).toLowerCase();
  expect(detail).not.toContain('%');
  expect(detail).not.toContain('25 of 10');
  // Nor does the results panel show the impossible numbers.
  await expect(page.getByTestId('counts')).toHaveCount(0);
});

test('a composite run says how many of its sources are ready and how many failed', async ({ page }) => {
  await page.goto('/admin/operations?tenant=2&type=environment.review.compose&status=active');
  const row = page.getByTestId('run-row');
  await expect(row).toHaveCount(1);
  await expect(row).toHaveAttribute('data-progress-mode', 'composite');
  await expect(row.getByTestId('progress-label')).toHaveText(/^1 of 3 evidence sources ready, 1 failed$/);
});
