import { test, expect } from '@playwright/test';
import { PEOPLE } from './hooks';

// Every form is a real <form> aimed at its server function (POST) or its list (GET), so a
// page works before its bundle has loaded — on a slow link, or with scripts blocked. Here the
// browser runs no script at all.
test.use({ javaScriptEnabled: false });

test('without the browser bundle, signing in and filtering the list are plain form submissions that work', async ({ page }) => {
  await page.goto('/login?next=%2Fadmin%2Foperations');
  await page.getByTestId('sign-in-email').fill(PEOPLE.owner.email);
  await page.getByTestId('sign-in-password').fill(PEOPLE.owner.password);
  await page.getByTestId('sign-in-submit').click();
  await expect(page).toHaveURL(/\/admin\/operations$/);
  await expect(page.getByTestId('user-name')).toContainText(PEOPLE.owner.name);

  const filters = page.getByTestId('filters');
  await filters.locator('select[name="status"]').selectOption('completed');
  await filters.locator('select[name="class"]').selectOption('terminal_follow_up');
  await filters.locator('button[type="submit"]').click();
  // The browser sends every field, chosen or not; the server reads an empty one as no filter.
  await expect(page).toHaveURL(/[?&]status=completed(&|$)/);
  await expect(page).toHaveURL(/[?&]class=terminal_follow_up(&|$)/);
  const rows = page.getByTestId('run-row');
  const truths = await rows.evaluateAll((rs) =>
    rs.map((r) => `${r.getAttribute('data-run-status')}/${r.getAttribute('data-problem-class')}`),
  );
  expect(truths.length).toBeGreaterThan(0);
  expect(new Set(truths)).toEqual(new Set(['completed/terminal_follow_up']));
  expect(Number(await page.getByTestId('operations-list').getAttribute('data-total-count'))).toBe(truths.length);
});
