import { test, expect, type Browser, type Page } from '@playwright/test';
import { hydrated, PEOPLE, signIn, type Person } from './hooks';

// Screenshots of the main surfaces at 1280×800 in both languages, saved as test artifacts
// under end2end/test-results/screenshots/<en|de>/ (the README shows some of them). Runs
// after the other specs, so the pages show the demo as the suite left it. The language
// comes from the browser (Playwright's locale sets Accept-Language), as for a user who
// never chose one.
const LOCALES = [
  { code: 'en', browser: 'en-GB' },
  { code: 'de', browser: 'de-DE' },
] as const;

async function open(browser: Browser, locale: string, who: Person): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, locale });
  const page = await context.newPage();
  await signIn(page, who);
  return page;
}

for (const { code, browser: locale } of LOCALES) {
  test(`the main surfaces are captured for the record (${code})`, async ({ browser }) => {
    const shoot = async (page: Page, name: string): Promise<void> => {
      await hydrated(page);
      await expect(page.locator('html')).toHaveAttribute('lang', code);
      await page.screenshot({ path: `test-results/screenshots/${code}/${name}.png`, fullPage: true });
    };
    const page = await open(browser, locale, PEOPLE.owner);
    await page.goto('/admin');
    await shoot(page, 'workspace-overview');
    await page.goto('/admin/operations');
    await shoot(page, 'operations-list');
    await page.goto('/admin/t/2');
    await expect(page.getByTestId('tenant-dashboard')).toBeVisible();
    await shoot(page, 'tenant-dashboard');
    await page.goto('/admin/operations?class=active_stale');
    await page.getByTestId('run-row').first().locator('.run-link').click();
    await expect(page.getByTestId('decision-zone')).toBeVisible();
    await shoot(page, 'run-detail-stuck');
    await page.goto('/admin/notifications');
    await shoot(page, 'notifications');
    await page.context().close();

    const platform = await open(browser, locale, PEOPLE.platform);
    await platform.goto('/system/ops/stuck');
    await shoot(platform, 'system-stuck');
    await platform.context().close();
  });
}
