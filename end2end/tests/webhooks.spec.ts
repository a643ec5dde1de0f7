import { test, expect } from '@playwright/test';
import { hydrated, PEOPLE, signIn } from './hooks';

const WEBHOOK_SECRET = /^whsec_[0-9a-f]{64}$/;

test('an owner subscribes an endpoint, sees a reported run end waiting to be delivered, retries it and removes the endpoint', async ({
  page,
}) => {
  // Webhooks sit below the API tokens, on the owner's integrations page.
  await signIn(page, PEOPLE.owner);
  await page.getByRole('link', { name: 'API tokens' }).click();
  await expect(page).toHaveURL(/\/admin\/tokens$/);
  await hydrated(page);
  await expect(page.getByTestId('webhooks-section').getByRole('heading', { name: 'Webhooks' })).toBeVisible();

  // Nothing listens on port 9 here: every attempt fails to connect, as an endpoint that is down.
  const url = `https://127.0.0.1:9/opshub-${Date.now()}`;
  await page.getByTestId('webhook-url').fill(url);
  await page.getByTestId('webhook-event-finished').check();
  await page.getByTestId('webhook-subscribe').click();
  const secret = (await page.getByTestId('webhook-secret').textContent()) ?? '';
  expect(secret).toMatch(WEBHOOK_SECRET);
  const endpoint = page.getByTestId('webhook-row').filter({ hasText: url });
  await expect(endpoint).toHaveAttribute('data-webhook-state', 'active');

  // A script with a token reports a run and ends it.
  await page.getByTestId('token-name').fill(`e2e webhook worker ${Date.now()}`);
  await page.getByTestId('token-grant-report_runs').check();
  await page.getByTestId('token-make').click();
  const token = (await page.getByTestId('token-secret').textContent()) ?? '';
  const api = { headers: { Authorization: `Bearer ${token}` } };
  const type = await page.request.put('/api/v1/run-types/hook.check', {
    ...api,
    data: {
      label: { en: 'Hook check', de: 'Hook-Prüfung' },
      progress_mode: 'counted',
      windows: { queue_wait_secs: 60, expected_secs: 600, stale_after_secs: 1800, heartbeat_timeout_secs: 120 },
    },
  });
  expect([200, 201]).toContain(type.status());
  const reported = await page.request.post('/api/v1/runs/report', {
    ...api,
    data: { type: 'hook.check', tenant_id: 1, worker: 'e2e-host', dedupe_key: `hook-${Date.now()}` },
  });
  expect(reported.status()).toBe(201);
  const run = (await reported.json()).run;
  const done = await page.request.post(`/api/v1/runs/${run.id}/complete`, {
    ...api,
    data: { worker: 'e2e-host', outcome: 'succeeded' },
  });
  expect(done.status()).toBe(200);

  // The log shows the run's end: tried once, could not connect, waiting to retry.
  await page.reload();
  await hydrated(page);
  const delivery = page.locator(`[data-testid="delivery-row"][data-event-id="evt_${run.id}_end"]`);
  await expect(async () => {
    await page.reload();
    await expect(delivery).toHaveAttribute('data-attempts', '1', { timeout: 1_000 });
  }).toPass({ timeout: 20_000 });
  await expect(delivery).toHaveAttribute('data-delivery-state', 'pending');
  await expect(delivery).toContainText('could not connect');
  await expect(delivery.getByRole('link', { name: `#${run.id}` })).toHaveAttribute('href', `/admin/operations/${run.id}`);
  await hydrated(page);

  // "Retry now" makes it due at once: the next look tries it a second time.
  await delivery.getByTestId('delivery-retry').click();
  await expect(async () => {
    await page.reload();
    await expect(delivery).toHaveAttribute('data-attempts', '2', { timeout: 1_000 });
  }).toPass({ timeout: 20_000 });

  // Removed, the endpoint hears nothing more and its pending delivery is given up.
  await hydrated(page);
  await endpoint.getByTestId('webhook-remove').click();
  await expect(endpoint).toHaveAttribute('data-webhook-state', 'removed');
  await expect(delivery).toHaveAttribute('data-delivery-state', 'failed');
  await expect(page.locator('body')).not.toContainText(secret);
});
