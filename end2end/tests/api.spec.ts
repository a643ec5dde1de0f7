import { test, expect } from '@playwright/test';
import { expectRunHooks, hydrated, PEOPLE, signIn } from './hooks';

const SECRET = /^opshub_[0-9a-f]{64}$/;

test('an owner makes an API token, sees its secret once, reads runs with it and revokes it', async ({ page }) => {
  await signIn(page, PEOPLE.owner);
  await page.getByRole('link', { name: 'API tokens' }).click();
  await expect(page).toHaveURL(/\/admin\/tokens$/);
  await hydrated(page);

  const name = `e2e reader ${Date.now()}`;
  await page.getByTestId('token-name').fill(name);
  await page.getByTestId('token-grant-read_runs').check();
  await page.getByTestId('token-make').click();
  const secret = (await page.getByTestId('token-secret').textContent()) ?? '';
  expect(secret).toMatch(SECRET);
  await expect(page.getByTestId('token-name'), 'the form is ready for the next token').toHaveValue('');
  const row = page.getByTestId('token-row').filter({ hasText: name });
  await expect(row).toHaveAttribute('data-token-state', 'active');
  await expect(row).toContainText(secret.slice(0, 15));

  // The token reads the workspace's runs; without it the API answers a problem document.
  const runs = await page.request.get('/api/v1/runs?status=completed', {
    headers: { Authorization: `Bearer ${secret}` },
  });
  expect(runs.status()).toBe(200);
  const body = await runs.json();
  expect(body.runs.length).toBeGreaterThan(0);
  expect(body.runs[0]).toMatchObject({ status: 'completed', links: { self: `/api/v1/runs/${body.runs[0].id}` } });
  const one = await page.request.get(body.runs[0].links.self, { headers: { Authorization: `Bearer ${secret}` } });
  expect((await one.json()).id).toBe(body.runs[0].id);
  const anonymous = await page.request.get('/api/v1/runs');
  expect(anonymous.status()).toBe(401);
  expect(anonymous.headers()['content-type']).toBe('application/problem+json');

  // Shown once: after a reload only its first characters remain.
  await page.reload();
  await hydrated(page);
  await expect(page.getByTestId('token-secret')).toHaveCount(0);
  await expect(page.locator('body')).not.toContainText(secret);
  await expect(row).toHaveAttribute('data-token-state', 'active');

  await row.getByTestId('token-revoke').click();
  await expect(row).toHaveAttribute('data-token-state', 'revoked');
  await expect(row.getByTestId('token-revoke')).toHaveCount(0);
  const after = await page.request.get('/api/v1/runs', { headers: { Authorization: `Bearer ${secret}` } });
  expect(after.status()).toBe(401);
});

test('a member who is not the owner finds no tokens page and no link to one', async ({ page }) => {
  await signIn(page, PEOPLE.operator);
  await expect(page.getByRole('link', { name: 'API tokens' })).toHaveCount(0);
  const response = await page.goto('/admin/tokens');
  expect(response?.status()).toBe(403);
  await expect(page.getByTestId('error')).toContainText('Only the workspace owner can manage API tokens.');
});

test('a script reports a counted run in steps while the tenant dashboard shows it live, then the page goes quiet', async ({
  page,
}) => {
  // The owner makes a token for the platform's worker.
  await signIn(page, PEOPLE.owner);
  await page.goto('/admin/tokens');
  await hydrated(page);
  await page.getByTestId('token-name').fill(`e2e backup worker ${Date.now()}`);
  await page.getByTestId('token-grant-report_runs').check();
  await page.getByTestId('token-grant-read_runs').check();
  await page.getByTestId('token-make').click();
  const secret = (await page.getByTestId('token-secret').textContent()) ?? '';
  expect(secret).toMatch(SECRET);
  const api = { headers: { Authorization: `Bearer ${secret}` } };

  // The script: register the platform's own type, report a run of it for tenant 3.
  const type = await page.request.put('/api/v1/run-types/backup.snapshot', {
    ...api,
    data: {
      label: { en: 'Backup snapshot', de: 'Sicherungs-Snapshot' },
      progress_mode: 'counted',
      windows: { queue_wait_secs: 60, expected_secs: 600, stale_after_secs: 1800, heartbeat_timeout_secs: 120 },
    },
  });
  expect([200, 201]).toContain(type.status());
  const reported = await page.request.post('/api/v1/runs/report', {
    ...api,
    data: { type: 'backup.snapshot', tenant_id: 3, worker: 'e2e-host', dedupe_key: `e2e-${Date.now()}` },
  });
  expect(reported.status()).toBe(201);
  const run = (await reported.json()).run;
  expect(run).toMatchObject({ type: 'backup.snapshot', type_label: 'Backup snapshot', status: 'running' });

  // The tenant dashboard shows it in the overlay, with every hook, and polls while it runs.
  await page.goto('/admin/t/3');
  await hydrated(page);
  const dashboard = page.getByTestId('tenant-dashboard');
  const item = page.locator(`[data-testid="overlay-item"][data-run-id="${run.id}"]`);
  await expect(item).toBeVisible();
  await expectRunHooks(item);
  await expect(item).toHaveAttribute('data-run-type', 'backup.snapshot');
  await expect(item).toHaveAttribute('data-run-status', 'running');
  await expect(item).toContainText('Backup snapshot');
  await expect(dashboard).toHaveAttribute('data-polling', 'on');

  // Progress in steps, each shown within a poll, as counted progress with its numbers.
  for (const processed of [3, 7]) {
    const step = await page.request.post(`/api/v1/runs/${run.id}/progress`, {
      ...api,
      data: { worker: 'e2e-host', counts: { total: 10, processed } },
    });
    expect(step.status()).toBe(200);
    await expect(item).toHaveAttribute('data-progress-mode', 'counted');
    await expect(item.getByTestId('progress-label')).toContainText(`${processed} of 10 processed`);
  }

  // It completes: the overlay shows it finished, then empties, and the poll stops.
  const done = await page.request.post(`/api/v1/runs/${run.id}/complete`, {
    ...api,
    data: { worker: 'e2e-host', outcome: 'succeeded', counts: { processed: 10, succeeded: 10 } },
  });
  expect(done.status()).toBe(200);
  await expect(page.locator(`[data-testid="overlay-item"][data-run-id="${run.id}"][data-finished="true"]`)).toBeVisible();
  await expect(item).toHaveCount(0, { timeout: 20_000 });
  await expect(dashboard).toHaveAttribute('data-polling', 'off', { timeout: 20_000 });
  let polls = 0;
  page.on('request', (r) => {
    if (r.url().includes('/api/poll_')) polls += 1;
  });
  await page.waitForTimeout(3_000);
  expect(polls, 'silent once nothing is active').toBe(0);

  // Its page tells the same truth as every built-in run's.
  await page.goto(`/admin/operations/${run.id}`);
  const header = page.getByTestId('run-header');
  await expectRunHooks(header);
  await expect(header).toHaveAttribute('data-run-outcome', 'succeeded');
  await expect(page.locator('h1')).toHaveText('Backup snapshot');
});
