import { test, expect } from '@playwright/test';
import { hydrated, PEOPLE, signIn } from './hooks';

// A failed run is run again from its detail. The operator lands on the new run's
// detail, which links back; the original links forward and offers no second retry.

test('a failed run run again lands on the new run, linked both ways, and is offered only once', async ({ page }) => {
  await signIn(page, PEOPLE.owner);
  // The demo's failed compare (its baseline was gone): running it again changes nothing else.
  await page.goto('/admin/operations?type=baseline.compare&outcome=failed');
  const row = page.getByTestId('run-row').first();
  const original = await row.getAttribute('data-run-id');
  const runType = await row.getAttribute('data-run-type');
  const tenant = await row.getAttribute('data-run-tenant');
  expect(original).toMatch(/^\d+$/);

  await page.goto(`/admin/operations/${original}`);
  await hydrated(page);
  await expect(page.getByTestId('run-header')).toHaveAttribute('data-run-outcome', 'failed');
  // Every move below stays in this document (the router's navigation): a mark set here
  // survives only if no page is loaded again, and the detail must re-render for each run.
  await page.evaluate(() => ((window as unknown as { sameDocument: boolean }).sameDocument = true));
  const sameDocument = () => page.evaluate(() => (window as unknown as { sameDocument?: boolean }).sameDocument === true);
  await page.getByTestId('retry-run').click();
  await expect(page.getByTestId('retry-dialog')).toBeVisible();
  await page.getByTestId('confirm-retry').click();

  // The new run's detail: same type and tenant, a link back to the original.
  await expect(page).not.toHaveURL(new RegExp(`/admin/operations/${original}$`));
  await expect(page).toHaveURL(/\/admin\/operations\/\d+$/);
  const header = page.getByTestId('run-header');
  await expect(header).toHaveAttribute('data-run-type', runType ?? '');
  await expect(header).toHaveAttribute('data-run-tenant', tenant ?? '');
  const retryId = page.url().split('/').pop();
  expect(retryId).not.toBe(original);
  await expect(header).toHaveAttribute('data-run-id', retryId ?? '');
  await expect(page).toHaveTitle(new RegExp(`#${retryId}\\b`));
  await expect(page.getByTestId('retry-of')).toHaveText(`Second attempt of operation #${original}`);

  // The original links forward and offers no second retry.
  await page.getByTestId('retry-of').click();
  await expect(page).toHaveURL(new RegExp(`/admin/operations/${original}$`));
  await expect(header).toHaveAttribute('data-run-id', original ?? '');
  await expect(page.getByTestId('retried-by')).toHaveText(`Run again as operation #${retryId}`);
  await expect(page.getByTestId('retry-run')).toHaveCount(0);
  expect(await sameDocument(), 'retrying and following the links never reloaded the page').toBe(true);

  // A second request (a stale page, a double click) returns the same new run.
  const origin = new URL(page.url()).origin;
  const again = await page.request.post('/api/retry_run', {
    headers: { Origin: origin },
    form: { id: original ?? '' },
  });
  expect(again.status()).toBe(200);
  expect((await again.json()).run_id).toBe(Number(retryId));

  // The second attempt compares every item of its tenant at demo pace; stop it, so the
  // stories after this one find the tenant quiet.
  const stop = await page.request.post('/api/cancel_run', { headers: { Origin: origin }, form: { id: retryId ?? '' } });
  expect([200, 409]).toContain(stop.status());
  const activeIds = async (): Promise<number[]> =>
    ((await (await page.request.get(`/api/tenants/${tenant}/active-runs`)).json()).runs as { id: number }[]).map(
      (r) => r.id,
    );
  await expect.poll(activeIds, { timeout: 30_000 }).not.toContain(Number(retryId));
});

test('a run that succeeded offers nothing to run again', async ({ page }) => {
  await signIn(page, PEOPLE.owner);
  await page.goto('/admin/operations?outcome=succeeded');
  await page.goto(`/admin/operations/${await page.getByTestId('run-row').first().getAttribute('data-run-id')}`);
  await hydrated(page);
  await expect(page.getByTestId('run-header')).toHaveAttribute('data-run-outcome', 'succeeded');
  await expect(page.getByTestId('retry-run')).toHaveCount(0);
});
