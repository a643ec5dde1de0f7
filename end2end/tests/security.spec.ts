import { test, expect, type Page } from '@playwright/test';
import { PEOPLE, hydrated, signIn } from './hooks';

// Every page is served under a strict Content-Security-Policy (no 'unsafe-eval',
// no inline script without this response's nonce, no inline style), and the app still
// hydrates and talks to its server under it.

/** Records every CSP violation the page reports, from before its first script runs. */
async function watchViolations(page: Page): Promise<() => Promise<string[]>> {
  const console: string[] = [];
  page.on('console', (msg) => {
    if (/Content Security Policy|Refused to/i.test(msg.text())) console.push(msg.text());
  });
  await page.addInitScript(() => {
    const seen: string[] = [];
    (window as unknown as { __violations: string[] }).__violations = seen;
    document.addEventListener('securitypolicyviolation', (e) => {
      seen.push(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  return async () => {
    const inPage = await page.evaluate(() => (window as unknown as { __violations?: string[] }).__violations ?? []);
    return [...console, ...inPage];
  };
}

test('pages carry the security headers and hydrate under their policy without a violation', async ({ page }) => {
  const violations = await watchViolations(page);
  // Nor any other error in the console: a failed load (say, a missing icon) is one too.
  const errors: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(msg.text());
  });
  await signIn(page, PEOPLE.owner);
  const res = await page.goto('/admin/operations');
  expect(res).not.toBeNull();
  const headers = res!.headers();
  const csp = headers['content-security-policy'] ?? '';
  expect(csp).toMatch(/script-src 'self' 'nonce-[A-Za-z0-9+/_=-]{16,}' 'wasm-unsafe-eval'/);
  expect(csp).toContain("frame-ancestors 'none'");
  expect(csp).not.toContain("'unsafe-eval'");
  expect(csp).not.toContain("'unsafe-inline'");
  expect(headers['x-content-type-options']).toBe('nosniff');
  expect(headers['referrer-policy']).toBe('same-origin');
  expect(headers['x-request-id']).toMatch(/^[0-9a-f]{16}$/);
  await hydrated(page);

  // Progress bars are drawn without inline style; then a client-side navigation makes the
  // browser call a server function itself, under connect-src 'self'.
  await page.goto('/admin/operations?status=active');
  await hydrated(page);
  const answered = page.waitForResponse((r) => r.url().includes('/api/') && r.request().method() === 'POST');
  await page.getByRole('link', { name: 'Overview', exact: true }).click();
  expect((await answered).status()).toBe(200);
  await expect(page).toHaveURL(/\/admin$/);
  expect(await violations(), 'no CSP violation anywhere').toEqual([]);
  expect(errors, 'no error in the console').toEqual([]);
});

test('a page is never framed and every answer names its request', async ({ page, request }) => {
  await signIn(page, PEOPLE.owner);
  const health = await request.get('/healthz');
  expect(health.status()).toBe(200);
  expect(await health.json()).toEqual({ status: 'ok' });
  expect(health.headers()['x-frame-options']).toBe('DENY');
  expect(health.headers()['x-request-id']).toMatch(/^[0-9a-f]{16}$/);
  const ready = await request.get('/readyz');
  expect(ready.status()).toBe(200);
  expect((await ready.json()).checks.database).toBe('ok');
});

test('a page asked for under a name this server does not answer as is refused; sign-in works under its own', async ({ page, baseURL }) => {
  // A DNS-rebinding page points a name of its own at this server: Chromium sends every
  // *.localhost name to the loopback address, so this reaches us with Host "rebound.localhost".
  const port = new URL(baseURL ?? 'http://127.0.0.1:3000').port;
  const refused = await page.goto(`http://rebound.localhost:${port}/login`);
  expect(refused?.status()).toBe(400);
  await expect(page.locator('body')).toHaveText('There is nothing at this address.');
  await expect(page.getByTestId('sign-in-email')).toHaveCount(0);
  // Under the name it answers as, signing in works as always.
  await signIn(page, PEOPLE.owner);
  await page.goto('/admin/operations');
  await hydrated(page);
  await expect(page.getByTestId('operations-list')).toBeVisible();
});
