import { expect, type Locator, type Page } from '@playwright/test';

/** The specs/product-contract §13 hooks every element presenting one run carries. */
export const RUN_HOOKS = {
  'data-run-id': /^\d+$/,
  'data-run-type': /^[a-z_]+\.[a-z_.]+$/,
  'data-run-tenant': /^\d*$/,
  'data-run-status': /^(queued|running|completed)$/,
  'data-run-outcome': /^(|succeeded|partially_succeeded|failed|blocked|cancelled)$/,
  'data-run-freshness': /^(|fresh|past_expected|likely_stale)$/,
  'data-problem-class': /^(active_stale|terminal_follow_up|reconciled_stale|none)$/,
  'data-progress-mode': /^(none|activity|counted|phased|composite)$/,
} as const;

/** Asserts that `el` carries every run hook with a well-formed value, and that active and
 *  terminal runs are consistent (outcome only when completed, freshness only when active). */
export async function expectRunHooks(el: Locator): Promise<void> {
  const values: Record<string, string> = {};
  for (const [name, pattern] of Object.entries(RUN_HOOKS)) {
    const value = await el.getAttribute(name);
    expect(value, `${name} is present`).not.toBeNull();
    expect(value ?? '', name).toMatch(pattern);
    values[name] = value ?? '';
  }
  const terminal = values['data-run-status'] === 'completed';
  expect(values['data-run-outcome'] !== '', 'an outcome exactly when completed').toBe(terminal);
  expect(values['data-run-freshness'] === '', 'freshness only while active').toBe(terminal);
}

/** Waits until the page has hydrated (the app marks <main> once its effects run). */
export async function hydrated(page: Page): Promise<void> {
  await expect(page.locator('main[data-hydrated="true"]')).toBeAttached();
}

/** Collects server-function poll requests made by the page. */
export function countPolls(page: Page): { count: () => number } {
  let n = 0;
  page.on('request', (r) => {
    if (r.url().includes('/api/poll_run')) n += 1;
  });
  return { count: () => n };
}

/** Every live hook of the run detail, read in one go (one consistent instant). */
export interface Snapshot {
  status: string | null;
  mode: string | null;
  polling: string | null;
  interval: string | null;
  label: string | null;
}

export async function snapshot(page: Page): Promise<Snapshot> {
  return page.evaluate(() => {
    const header = document.querySelector('[data-testid="run-header"]');
    const detail = document.querySelector('[data-testid="run-detail"]');
    const label = document.querySelector('[data-testid="progress-label"]');
    return {
      status: header?.getAttribute('data-run-status') ?? null,
      mode: header?.getAttribute('data-progress-mode') ?? null,
      polling: detail?.getAttribute('data-polling') ?? null,
      interval: detail?.getAttribute('data-poll-interval-ms') ?? null,
      label: label?.textContent ?? null,
    };
  });
}

/** The demo seed's people (`make run` prints the same list). */
export const PEOPLE = {
  owner: { email: 'operator@contoso-msp.example', password: 'demo-owner-password', name: 'Dana Operator' },
  operator: { email: 'olu@contoso-msp.example', password: 'demo-operator-password', name: 'Olu Operator' },
  reader: { email: 'rhea@northwind.example', password: 'demo-reader-password', name: 'Rhea Reader' },
  litware: { email: 'sam@litware.example', password: 'demo-litware-password', name: 'Sam Litware' },
  platform: { email: 'pat@opshub.example', password: 'demo-platform-password', name: 'Pat Platform' },
} as const;

export type Person = (typeof PEOPLE)[keyof typeof PEOPLE];

/** Signs `who` in through the sign-in page and waits for the page it leads to. */
export async function signIn(page: Page, who: Person, next?: string): Promise<void> {
  await page.goto(next ? `/login?next=${encodeURIComponent(next)}` : '/login');
  await hydrated(page);
  await page.getByTestId('sign-in-email').fill(who.email);
  await page.getByTestId('sign-in-password').fill(who.password);
  await page.getByTestId('sign-in-submit').click();
  await expect(page.getByTestId('user-name')).toContainText(who.name);
}
