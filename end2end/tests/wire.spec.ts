import { test, expect, type Browser, type Page } from '@playwright/test';
import { hydrated, PEOPLE, type Person } from './hooks';

// Bytes on the wire (specs/browser-bundle, "On the wire"): what a browser with no proxy in
// front actually downloads, counted by Chromium itself (CDP `encodedDataLength`: headers and
// body as received, compressed).

const KIB = 1024;
/** A first visit to a tenant dashboard: the page and the whole bundle. */
const FIRST_VISIT_LIMIT = 450 * KIB;
/** Coming back: the page again; the bundle comes from the browser's cache untouched. */
const REPEAT_VISIT_LIMIT = 30 * KIB;

interface Received {
  url: string;
  encoding: string;
  cacheControl: string;
  bytes: number;
  fromCache: boolean;
}

/** Everything the page receives while `visit` runs, as Chromium counted it. */
async function onTheWire(page: Page, visit: () => Promise<void>): Promise<Received[]> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  const seen = new Map<string, Received>();
  const entry = (id: string) => {
    let e = seen.get(id);
    if (!e) {
      e = { url: '', encoding: '', cacheControl: '', bytes: 0, fromCache: false };
      seen.set(id, e);
    }
    return e;
  };
  cdp.on('Network.responseReceived', (ev) => {
    const e = entry(ev.requestId);
    const headers = Object.fromEntries(Object.entries(ev.response.headers).map(([k, v]) => [k.toLowerCase(), v]));
    e.url = ev.response.url;
    e.encoding = String(headers['content-encoding'] ?? '');
    e.cacheControl = String(headers['cache-control'] ?? '');
    e.fromCache ||= Boolean(ev.response.fromDiskCache || ev.response.fromMemoryCache);
  });
  cdp.on('Network.requestServedFromCache', (ev) => {
    entry(ev.requestId).fromCache = true;
  });
  cdp.on('Network.loadingFinished', (ev) => {
    entry(ev.requestId).bytes = ev.encodedDataLength;
  });
  await visit();
  await cdp.detach();
  return [...seen.values()].filter((e) => e.url !== '');
}

/** The main bundle's file of extension `ext`, inside the folder named by the bundle's stamp. */
const STAMPED_MAIN = (ext: string) => new RegExp(`/pkg/[0-9a-f]{16}/opshub(_bg)?\\.${ext}$`);
/** A chunk of a page loaded on demand: any other wasm of the bundle. */
const isChunk = (r: Received) => /\/pkg\/.*\.wasm$/.test(r.url) && !STAMPED_MAIN('wasm').test(r.url);

const total = (rs: Received[]) => rs.reduce((sum, r) => sum + r.bytes, 0);
/** A page in a browser that has never been here (no cache), signed in as `who` through the
 *  sign-in server function without loading a page, so nothing is cached before a test counts. */
async function freshBrowserSignedIn(browser: Browser, baseURL: string | undefined, who: Person): Promise<Page> {
  const page = await (await browser.newContext()).newPage();
  const signedIn = await page.request.post('/api/sign_in', {
    form: { email: who.email, password: who.password },
    headers: { Origin: baseURL ?? '' },
  });
  expect(signedIn.ok(), await signedIn.text()).toBe(true);
  return page;
}

const table = (rs: Received[]) =>
  rs.map((r) => `${r.bytes} B ${r.encoding || 'identity'}${r.fromCache ? ' (cache)' : ''} ${r.url}`).join('\n');

test('a first visit to a dashboard downloads a compressed bundle once and a repeat visit almost nothing', async ({
  browser,
  baseURL,
}) => {
  // A browser that has never been here: no cache, and signed in without loading a page.
  const page = await freshBrowserSignedIn(browser, baseURL, PEOPLE.owner);
  const context = page.context();

  const visit = async () => {
    await page.goto('/admin/t/2');
    await hydrated(page);
    await page.waitForLoadState('networkidle');
  };
  const first = await onTheWire(page, visit);
  const firstBytes = total(first);
  console.log(`first visit: ${firstBytes} B\n${table(first)}`);

  const wasm = first.find((r) => STAMPED_MAIN('wasm').test(r.url));
  expect(wasm, `the page loads the wasm from its stamped folder:\n${table(first)}`).toBeDefined();
  expect(wasm?.encoding, 'the wasm arrives brotli-encoded').toBe('br');
  for (const ext of ['js', 'wasm', 'css']) {
    const asset = first.find((r) => STAMPED_MAIN(ext).test(r.url));
    expect(asset?.cacheControl, `${ext} is kept for a year`).toContain('immutable');
    expect(asset?.encoding, `${ext} travels compressed`).toMatch(/^(br|gzip)$/);
  }
  expect(first.filter(isChunk), `a dashboard loads no page's chunk:\n${table(first)}`).toEqual([]);
  const html = first.find((r) => r.url.endsWith('/admin/t/2'));
  expect(html?.encoding, 'the page itself travels compressed').toMatch(/^(br|gzip)$/);
  expect(firstBytes, `first visit within ${FIRST_VISIT_LIMIT} B:\n${table(first)}`).toBeLessThanOrEqual(
    FIRST_VISIT_LIMIT,
  );

  const repeat = await onTheWire(page, visit);
  const repeatBytes = total(repeat);
  console.log(`repeat visit: ${repeatBytes} B\n${table(repeat)}`);
  for (const r of repeat.filter((r) => r.url.includes('/pkg/'))) {
    expect(r.fromCache, `${r.url} comes from the cache`).toBe(true);
  }
  expect(repeatBytes, `repeat visit within ${REPEAT_VISIT_LIMIT} B:\n${table(repeat)}`).toBeLessThanOrEqual(
    REPEAT_VISIT_LIMIT,
  );
  await context.close();
});

test('a page opened now and then loads its own chunk, and moving between such pages works', async ({
  browser,
  baseURL,
}) => {
  const page = await freshBrowserSignedIn(browser, baseURL, PEOPLE.platform);
  const context = page.context();

  const received = await onTheWire(page, async () => {
    await page.goto('/system');
    await hydrated(page);
    await page.waitForLoadState('networkidle');
  });
  console.log(`system page: ${total(received)} B\n${table(received)}`);
  const chunks = received.filter(isChunk);
  expect(chunks.length, `the system page loads its chunk:\n${table(received)}`).toBeGreaterThan(0);
  for (const chunk of chunks) {
    expect(chunk.url, 'a chunk comes from the same stamped folder').toMatch(/\/pkg\/[0-9a-f]{16}\//);
    expect(chunk.cacheControl, `${chunk.url} is kept for a year`).toContain('immutable');
    expect(chunk.encoding, `${chunk.url} travels compressed`).toMatch(/^(br|gzip)$/);
  }
  // The page is live: following a link moves to another page loaded on demand, in place.
  await expect(page.getByTestId('system-workspace').first()).toBeVisible();
  await page.getByTestId('system-stuck-link').click();
  await expect(page).toHaveURL(/\/system\/ops\/stuck$/);
  await expect(page.locator('main')).toHaveAttribute('data-hydrated', 'true');
  await context.close();
});
