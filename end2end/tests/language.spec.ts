import { test, expect, type Page } from '@playwright/test';
import { hydrated, PEOPLE, signIn } from './hooks';

// EN and DE: the page speaks the browser's language until the user chooses one in the top
// bar; the server's HTML and the hydrated page agree (no hydration errors), and text the
// browser renders later (a poll's result) is in the page's language too.

/** Console errors and uncaught exceptions of `page` (a hydration mismatch shows up here). */
function problems(page: Page): string[] {
  const seen: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error') seen.push(m.text());
  });
  page.on('pageerror', (e) => seen.push(e.message));
  return seen;
}

test.use({ locale: 'de-DE' });

test('a German browser gets German pages that hydrate cleanly and stay German when they update', async ({ page }) => {
  const seen = problems(page);
  await page.goto('/login');
  await hydrated(page);
  await expect(page.locator('html')).toHaveAttribute('lang', 'de');
  await expect(page.getByTestId('sign-in-submit')).toHaveText('Anmelden');
  await signIn(page, PEOPLE.owner);
  await expect(page.locator('html')).toHaveAttribute('lang', 'de');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Vorgänge');

  // The dashboard of the tenant with nothing active: starting a review shows the overlay,
  // rendered by the browser from the poll, in German.
  await page.goto('/admin/t/3');
  await hydrated(page);
  await page.getByTestId('start-environment.review.compose').click();
  const item = page.getByTestId('progress-overlay').getByTestId('overlay-item').first();
  await expect(item).toBeVisible();
  await expect(item).toContainText(/Wartet|Läuft|Erfolgreich|Gerade fertig/);
  await expect(item).not.toContainText(/Queued|Running|Succeeded|Just finished|Waiting|Working/);
  expect(seen, 'no console errors while hydrating and polling').toEqual([]);
});

test('the language chosen in the top bar wins over the browser until it is handed back', async ({ page }) => {
  await signIn(page, PEOPLE.operator);
  await expect(page.locator('html')).toHaveAttribute('lang', 'de');
  await page.getByTestId('language-select').selectOption('en');
  await page.getByTestId('language-switch').click();
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await hydrated(page);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Operations');
  await expect(page.getByTestId('language-select')).toHaveValue('en');

  await page.getByTestId('language-select').selectOption('browser');
  await page.getByTestId('language-switch').click();
  await expect(page.locator('html')).toHaveAttribute('lang', 'de');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Vorgänge');
});
