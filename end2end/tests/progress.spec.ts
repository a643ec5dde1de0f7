import { test, expect } from '@playwright/test';
import { PEOPLE, signIn } from './hooks';

// Seed 272 (PRODUCT §6): progress is shown by its mode, and only counted progress has a
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
});
