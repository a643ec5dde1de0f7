import { test, expect, type Browser, type Page } from '@playwright/test';
import { hydrated, PEOPLE, signIn, type Person } from './hooks';

/** A fresh browser context (its own cookies) signed in as `who`. */
async function as(browser: Browser, who: Person): Promise<Page> {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, who);
  return page;
}

/** The id of a run of the seeded Fabrikam tenant (id 2), as the owner sees it. */
async function fabrikamRun(browser: Browser): Promise<string> {
  const owner = await as(browser, PEOPLE.owner);
  await owner.goto('/admin/operations?tenant=2');
  const id = await owner.getByTestId('run-row').first().getAttribute('data-run-id');
  expect(id).toMatch(/^\d+$/);
  await owner.context().close();
  return id ?? '';
}

test('a visitor is sent to sign in and comes back to the page they asked for', async ({ page }) => {
  const response = await page.goto('/admin/operations?status=completed');
  expect(response?.status()).toBe(200);
  await expect(page).toHaveURL(/\/login\?next=/);
  await hydrated(page);
  await page.getByTestId('sign-in-email').fill(PEOPLE.owner.email);
  await page.getByTestId('sign-in-password').fill(PEOPLE.owner.password);
  await page.getByTestId('sign-in-submit').click();
  await expect(page).toHaveURL(/\/admin\/operations\?status=completed$/);
  await expect(page.getByTestId('user-name')).toContainText(PEOPLE.owner.name);
  await expect(page.getByTestId('user-name')).toHaveAttribute('data-role', 'owner');

  await page.getByTestId('sign-out').click();
  await expect(page).toHaveURL(/\/login$/);
  await page.goto('/admin/operations');
  await expect(page).toHaveURL(/\/login\?next=\/admin\/operations$/);
  // Server functions and the API answer 401 instead of a page.
  const poll = await page.request.get('/api/tenants/2/active-runs');
  expect(poll.status()).toBe(401);
});

test('a wrong password is refused calmly and says nothing about the account', async ({ page }) => {
  await page.goto('/login');
  await hydrated(page);
  await page.getByTestId('sign-in-email').fill(PEOPLE.owner.email);
  await page.getByTestId('sign-in-password').fill('not-the-password');
  await page.getByTestId('sign-in-submit').click();
  const error = page.getByTestId('sign-in-error');
  await expect(error).toHaveText('That email and password do not match an account.');
  await expect(error).toHaveAttribute('data-status', '401');
  await expect(page).toHaveURL(/\/login/);
});

test('the restricted reader sees only their tenant; another tenant\'s run is not found', async ({ browser }) => {
  const foreignRun = await fabrikamRun(browser);
  const reader = await as(browser, PEOPLE.reader);
  await reader.goto('/admin/operations');
  const rows = reader.getByTestId('run-row');
  expect(await rows.count()).toBeGreaterThan(0);
  const tenants = new Set(await rows.evaluateAll((els) => els.map((e) => e.getAttribute('data-run-tenant'))));
  expect([...tenants]).toHaveLength(1);
  await expect(reader.getByTestId('start-sync-tenant').locator('option')).toHaveText(['Northwind Traders']);
  await expect(reader.locator('body')).not.toContainText('Fabrikam');

  const response = await reader.goto(`/admin/operations/${foreignRun}`);
  expect(response?.status()).toBe(404);
  await expect(reader.getByTestId('error')).toHaveText('There is no operation with that id.');
  const poll = await reader.request.get('/api/tenants/2/active-runs');
  expect(poll.status()).toBe(404);
});

test('the reader is told calmly that their role cannot start work', async ({ browser }) => {
  const reader = await as(browser, PEOPLE.reader);
  await reader.goto('/admin/operations');
  await hydrated(reader);
  const before = await reader.getByTestId('operations-list').getAttribute('data-total-count');
  await reader.getByTestId('start-sync').click();
  const error = reader.getByTestId('error');
  await expect(error).toHaveAttribute('data-status', '403');
  await expect(error).toHaveText('Your role can watch operations but not start them. Ask a workspace manager.');
  await reader.reload();
  await expect(reader.getByTestId('operations-list')).toHaveAttribute('data-total-count', before ?? '');
});

test('a member of another workspace sees none of the first workspace anywhere', async ({ browser }) => {
  const foreignRun = await fabrikamRun(browser);
  const sam = await as(browser, PEOPLE.litware);
  await sam.goto('/admin/operations');
  for (const name of ['Fabrikam', 'Northwind', 'Contoso', 'Dana']) {
    await expect(sam.locator('body')).not.toContainText(name);
  }
  await expect(sam.getByTestId('start-sync-tenant').locator('option')).toHaveText(['Litware Headquarters']);
  const response = await sam.goto(`/admin/operations/${foreignRun}`);
  expect(response?.status()).toBe(404);
  const workbench = await sam.goto('/admin/t/2');
  expect(workbench?.status()).toBe(404);
  expect((await sam.request.get('/api/tenants/2/active-runs')).status()).toBe(404);
});

test('a state-changing request from another site is refused', async ({ browser }) => {
  const owner = await as(browser, PEOPLE.owner);
  const forged = await owner.request.post('/api/start_operation', {
    headers: { Origin: 'https://evil.example' },
    form: { tenant: '2', run_type: 'inventory.sync' },
  });
  expect(forged.status()).toBe(403);
  expect(await forged.json()).toEqual({ error: 'This request did not come from an Opshub page, so it was refused.' });
});

test('the platform operator sees every workspace on the system page; nobody else finds it', async ({ browser }) => {
  const pat = await as(browser, PEOPLE.platform);
  await expect(pat).toHaveURL(/\/system$/);
  const rows = pat.getByTestId('system-workspace');
  await expect(rows.filter({ hasText: 'Litware IT' })).toHaveCount(1);
  const contoso = rows.filter({ hasText: 'Contoso' });
  await expect(contoso).toHaveCount(1);
  // The seeded stuck capture shows up as stuck work.
  expect(Number(await contoso.getAttribute('data-likely-stale'))).toBeGreaterThan(0);

  // Stuck right now, across workspaces: the same runs, with the same class as everywhere.
  await pat.getByTestId('system-stuck-link').click();
  await expect(pat).toHaveURL(/\/system\/ops\/stuck$/);
  const stuck = pat.getByTestId('run-row');
  const stuckCount = Number(await pat.getByTestId('stuck-page').getAttribute('data-total-count'));
  expect(stuckCount).toBeGreaterThan(0);
  await expect(stuck).toHaveCount(stuckCount);
  for (const row of await stuck.all()) {
    await expect(row).toHaveAttribute('data-problem-class', 'active_stale');
    await expect(row).toHaveAttribute('data-run-freshness', 'likely_stale');
  }

  // Litware's owner starts work of their own, so two workspaces have runs.
  const sam = await as(browser, PEOPLE.litware);
  await sam.goto('/admin/operations');
  await hydrated(sam);
  await sam.getByTestId('start-sync').click();
  await expect(sam.getByTestId('start-result')).toBeVisible();
  const litwareRun = (await sam.getByTestId('start-result').getAttribute('data-run-id')) ?? '';
  await sam.context().close();

  // All runs, across workspaces: both show up, each row saying whose it is.
  await pat.goto('/system');
  await pat.getByTestId('system-runs-link').click();
  await expect(pat).toHaveURL(/\/system\/ops\/runs$/);
  // Wait for the list the link navigated to (reading its rows does not wait by itself).
  await expect(pat.locator(`[data-testid="run-row"][data-run-id="${litwareRun}"]`)).toHaveCount(1);
  const workspaces = await pat.getByTestId('run-workspace').allTextContents();
  expect(new Set(workspaces)).toEqual(new Set(['Litware IT', 'Contoso Managed Services']));
  // Its detail: the same decision zone, with diagnostics for the platform operator.
  await pat.locator(`[data-testid="run-row"][data-run-id="${litwareRun}"] a.run-link`).click();
  await expect(pat).toHaveURL(new RegExp(`/system/ops/runs/${litwareRun}$`));
  await expect(pat.getByTestId('run-header')).toHaveAttribute('data-run-id', litwareRun);
  await expect(pat.getByTestId('decision-active')).not.toBeEmpty();
  await expect(pat.getByTestId('diagnostics')).toBeVisible();
  // Needs follow-up: only the two terminal problem classes.
  await pat.goto('/system/ops/failures');
  const failures = pat.getByTestId('run-row');
  expect(await failures.count()).toBeGreaterThan(0);
  for (const row of await failures.all()) {
    expect(['terminal_follow_up', 'reconciled_stale']).toContain(await row.getAttribute('data-problem-class'));
  }

  const owner = await as(browser, PEOPLE.owner);
  const response = await owner.goto('/system');
  expect(response?.status()).toBe(404);
  await expect(owner.getByTestId('error')).toHaveText('There is nothing at this address.');
  for (const path of ['/system/ops/stuck', '/system/ops/runs', '/system/ops/failures', `/system/ops/runs/${litwareRun}`]) {
    const page = await owner.goto(path);
    expect(page?.status(), path).toBe(404);
  }
});

test('every count on the system page links to the list of exactly those runs', async ({ browser }) => {
  const pat = await as(browser, PEOPLE.platform);
  await pat.goto('/system');
  await hydrated(pat);
  const contoso = pat.getByTestId('system-workspace').filter({ hasText: 'Contoso' });
  const counts = contoso.getByTestId('system-count');
  const entries: { countFor: string; n: number; href: string }[] = [];
  for (const c of await counts.all()) {
    entries.push({
      countFor: (await c.getAttribute('data-count-for')) ?? '',
      n: Number(await c.getAttribute('data-count')),
      href: (await c.getAttribute('href')) ?? '',
    });
  }
  expect(entries.map((e) => e.countFor)).toEqual(['active', 'active_stale', 'failed', 'all']);
  const workspace = (await contoso.getAttribute('data-workspace-id')) ?? '';
  // Work started by earlier stories may still be finishing, so the count and its list are
  // read as a pair until one instant shows both.
  const pair = async (countFor: string): Promise<[number, number]> => {
    await pat.goto('/system');
    const link = contoso.locator(`[data-count-for="${countFor}"]`);
    const n = Number(await link.getAttribute('data-count'));
    await link.click();
    await expect(pat.getByTestId('operations-list')).toBeVisible();
    return [n, Number(await pat.getByTestId('operations-list').getAttribute('data-total-count'))];
  };
  for (const { countFor, n, href } of entries) {
    expect(n, `the demo seeds ${countFor} runs`).toBeGreaterThan(0);
    expect(href).toContain(`workspace=${workspace}`);
    await expect.poll(async () => { const [c, t] = await pair(countFor); return c === t; }).toBe(true);
    await expect(pat).toHaveURL(new RegExp(`/system/ops/runs\\?workspace=${workspace}`));
    await expect(pat.locator('select[name="workspace"]')).toHaveValue(workspace);
    const rows = pat.getByTestId('run-row');
    for (const row of await rows.all()) {
      await expect(row.getByTestId('run-workspace')).toHaveText('Contoso Managed Services');
      if (countFor === 'active') expect(await row.getAttribute('data-run-status')).not.toBe('completed');
      if (countFor === 'active_stale') await expect(row).toHaveAttribute('data-problem-class', 'active_stale');
      if (countFor === 'failed') await expect(row).toHaveAttribute('data-run-outcome', 'failed');
    }
  }
});
