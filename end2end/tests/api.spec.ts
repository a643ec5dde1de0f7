import { test, expect } from '@playwright/test';
import { hydrated, PEOPLE, signIn } from './hooks';

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
