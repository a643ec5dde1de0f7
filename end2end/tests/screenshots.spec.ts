import { test, expect, type Page } from '@playwright/test';
import { hydrated, PEOPLE, signIn } from './hooks';

// Screenshots of the main surfaces at 1280×800, saved as test artifacts under
// end2end/test-results/screenshots/ (the README shows some of them). Runs after the other
// specs, so the pages show the demo as the suite left it.
test.use({ viewport: { width: 1280, height: 800 } });

async function shoot(page: Page, name: string): Promise<void> {
  await hydrated(page);
  await page.screenshot({ path: `test-results/screenshots/en/${name}.png`, fullPage: true });
}

test('the main surfaces are captured for the record', async ({ page, browser }) => {
  await signIn(page, PEOPLE.owner);
  await page.goto('/admin/operations');
  await shoot(page, 'operations-list');
  await page.goto('/admin/t/2');
  await expect(page.getByTestId('tenant-dashboard')).toBeVisible();
  await shoot(page, 'tenant-dashboard');
  await page.goto('/admin/operations?class=active_stale');
  const stuck = page.getByTestId('run-row').first().locator('.run-link');
  await stuck.click();
  await expect(page.getByTestId('decision-zone')).toBeVisible();
  await shoot(page, 'run-detail-stuck');
  await page.goto('/admin/notifications');
  await shoot(page, 'notifications');

  const platform = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await signIn(platform, PEOPLE.platform);
  await platform.goto('/system/ops/stuck');
  await shoot(platform, 'system-stuck');
  await platform.close();
});
