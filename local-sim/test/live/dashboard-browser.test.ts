/**
 * The dashboard in a real browser (issue 12): headless Chromium through playwright-core loads the admin
 * port's page and follows its server-sent events. A target failing in the simulator changes its row
 * within a bounded number of `state` updates (the page counts them in `body[data-updates]`); controls on
 * the page, clicked or driven from the keyboard, change the target's state through the same paths as
 * the AWS API, and a zone is failed and recovered from its button; the page fits 1280×800 and a phone's width; a screenshot is saved (to
 * `$HA_SIM_SCREENSHOT` when set, which is how `docs/dashboard.png` is made).
 *
 * Waits are on the page's own state (Playwright polls on animation frames), never on time.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { modelFromTemplate, Simulator } from '../../src/index';
import { albTemplate, IDS, STACK } from '../model/fixtures';
import { launchChromium } from './browser';
import { allHealthy, API, fixtureWithRecords, get, SITE, startFixture, WEB_HTTP } from './helpers';

/**
 * What the callbacks run in the page touch. The tests compile without the DOM library (they run in
 * Node), so the page's globals are declared here, for this file only.
 */
interface PageElement {
  readonly textContent: string | null;
  readonly dataset: Record<string, string | undefined>;
  getAttribute(name: string): string | null;
}
declare const document: {
  readonly body: PageElement;
  readonly activeElement: PageElement | null;
  readonly documentElement: { readonly scrollWidth: number };
  querySelector(selector: string): PageElement | null;
  querySelectorAll(selector: string): { readonly length: number };
};
declare const window: { readonly innerWidth: number; scrollTo(x: number, y: number): void };

let browser: Browser;
let context: BrowserContext | undefined;
let sim: Simulator | undefined;
const outDir = mkdtempSync(path.join(os.tmpdir(), 'ha-sim-dashboard-'));

beforeAll(async () => {
  browser = await launchChromium();
});

afterAll(async () => {
  await browser?.close();
  rmSync(outDir, { recursive: true, force: true });
});

afterEach(async () => {
  await context?.close();
  context = undefined;
  await sim?.stop();
  sim = undefined;
});

/** Open the dashboard at `width`×`height` and resolve once the first state has been drawn. */
async function open(s: Simulator, width = 1280, height = 800): Promise<Page> {
  context = await browser.newContext({ viewport: { width, height } });
  const page = await context.newPage();
  const failures: string[] = [];
  page.on('pageerror', (err) => failures.push(err.message));
  page.on('console', (m) => {
    if (m.type() === 'error') failures.push(m.text());
  });
  await page.goto(`${s.adminUrl}/`);
  await page.waitForFunction(() => Number(document.body.dataset.updates ?? 0) >= 1, undefined, { timeout: 20_000 });
  expect(failures).toEqual([]);
  return page;
}

/** State updates the page has drawn so far. */
const updates = (page: Page): Promise<number> => page.evaluate(() => Number(document.body.dataset.updates ?? 0));

/** The row of target `index` of `tg`. */
const row = (tg: string, index: number): string => `tr[data-target="${tg}#${index}"]`;

/** The health the row of target `index` of `tg` shows (its `data-state`). */
const rowState = (page: Page, tg: string, index: number): Promise<string | null> =>
  page.locator(`${row(tg, index)} td[data-cell="state"]`).getAttribute('data-state');

/** Wait until the row shows `state`. */
async function rowBecomes(page: Page, tg: string, index: number, state: string): Promise<void> {
  await page.waitForFunction(
    ([sel, want]) => document.querySelector(sel)?.getAttribute('data-state') === want,
    [`${row(tg, index)} td[data-cell="state"]`, state] as const,
    { timeout: 20_000 },
  );
}

/** The engine's state of target `index` of `tg`. */
const engineState = (s: Simulator, tg: string, index: number): string | undefined =>
  s.targets(tg).get(index).health()?.TargetHealth.State;

describe('dashboard in headless Chromium', () => {
  test('§1.4 a target failing its health checks changes its row within two state updates, with words and reason, not colour only', async () => {
    sim = await startFixture({ adminPort: 0, demoBackends: 3 });
    await allHealthy(sim, SITE);
    const page = await open(sim);
    await rowBecomes(page, SITE, 1, 'healthy');
    expect(await page.locator(`${row(SITE, 1)} td[data-cell="state"]`).innerText()).toMatch(/^✓\s*healthy$/);

    sim.targets(SITE).get(1).backend!.failHealthChecks();
    await sim.waitForHealth(SITE, 1, 'unhealthy');
    const before = await updates(page);
    await rowBecomes(page, SITE, 1, 'unhealthy');
    // the health change sends a state at once (events.ts); one more may have been on its way already
    expect((await updates(page)) - before).toBeLessThanOrEqual(2);
    // the reason code the engine gives (ResponseCodeMismatch, or Timeout on a busy machine), in words
    const reason = sim.targets(SITE).get(1).health()!.TargetHealth.Reason!;
    expect(reason).toMatch(/^Target\.(ResponseCodeMismatch|Timeout)$/);
    const cell = page.locator(`${row(SITE, 1)} td[data-cell="state"]`);
    expect((await cell.innerText()).split(/\s+/)).toEqual(['✗unhealthy', reason]);
    // the other rows did not change
    expect(await rowState(page, SITE, 0)).toBe('healthy');
    expect(await rowState(page, SITE, 2)).toBe('healthy');
  });

  test('§2.3 clicking Deregister drains the target through DeregisterTargets; Register brings it back', async () => {
    sim = await startFixture({ adminPort: 0, demoBackends: 2, deregistrationDelayOverrideMs: 60_000 });
    await allHealthy(sim, SITE);
    const page = await open(sim);
    await rowBecomes(page, SITE, 0, 'healthy');

    await page.locator(`${row(SITE, 0)} button[data-verb="deregister"]`).click();
    await rowBecomes(page, SITE, 0, 'draining');
    expect(engineState(sim, SITE, 0)).toBe('draining');
    expect(sim.targets(SITE).get(0).health()!.TargetHealth.Reason).toBe('Target.DeregistrationInProgress');
    expect(await page.locator('#toast').innerText()).toMatch(
      /^Deregister .*: done \(now draining, Target\.DeregistrationInProgress\)$/,
    );
    // Deregister is disabled while draining; Register is offered
    expect(await page.locator(`${row(SITE, 0)} button[data-verb="deregister"]`).isDisabled()).toBe(true);

    await page.locator(`${row(SITE, 0)} button[data-verb="register"]`).click();
    await page.waitForFunction(
      (sel) => document.querySelector(sel)?.getAttribute('data-state') !== 'draining',
      `${row(SITE, 0)} td[data-cell="state"]`,
    );
    expect(['initial', 'healthy']).toContain(engineState(sim, SITE, 0));
  });

  test('controls are keyboard-operable: Tab reaches Fail health check, Enter fails the target, focus stays on the button', async () => {
    sim = await startFixture({ adminPort: 0, demoBackends: 2 });
    await allHealthy(sim, API);
    const page = await open(sim);
    await rowBecomes(page, API, 1, 'healthy');
    const label = `Fail health check: ${API} target 1`;
    let reached = false;
    for (let i = 0; i < 300 && !reached; i++) {
      await page.keyboard.press('Tab');
      reached = await page.evaluate(
        (want) => document.activeElement?.getAttribute('aria-label')?.startsWith(want) ?? false,
        label,
      );
    }
    expect(reached).toBe(true);
    await page.keyboard.press('Enter');
    await sim.waitForHealth(API, 1, 'unhealthy');
    await rowBecomes(page, API, 1, 'unhealthy');
    // the row was updated in place: the focused button is still the one pressed
    const focused = await page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? '');
    expect(focused.startsWith(label)).toBe(true);
    // and Space on Recover (a button: both keys activate it) brings it back
    await page.locator(`${row(API, 1)} button[data-verb="recover"]`).focus();
    await page.keyboard.press('Space');
    await sim.waitForHealth(API, 1, 'healthy');
  });

  test('§1.5 §2.4 Fail zone on the page fails the zone in the simulator, the page shows it failed within two updates; Recover zone from the keyboard brings it back', async () => {
    const A = 'us-east-1a';
    const B = 'us-east-1b';
    const TG = IDS.tg();
    // an ALB in two zones, four demo backends placed in turn: #0 and #2 in zone A, #1 and #3 in zone B
    sim = await Simulator.fromModel(modelFromTemplate(albTemplate({ targetGroups: { App: { targets: [] } } }), STACK), {
      ports: 0,
      adminPort: 0,
      dnsPort: 0,
      demoBackends: 4,
      healthCheckIntervalOverrideMs: 200,
      healthCheckTimeoutOverrideMs: 150,
    });
    await allHealthy(sim, TG);
    const page = await open(sim);
    await rowBecomes(page, TG, 3, 'healthy');
    const card = (zone: string) => page.locator(`#zone-list [data-zone="${zone}"]`);
    const zoneFailed = (zone: string, failed: boolean) =>
      page.waitForFunction(
        ([sel, want]) => document.querySelector(sel)?.dataset.failed === want,
        [`#zone-list [data-zone="${zone}"]`, String(failed)] as const,
        { timeout: 20_000 },
      );
    await page.waitForFunction(
      () =>
        document.querySelector('#zone-list [data-zone="us-east-1b"] .zone-targets')?.textContent ===
        'Healthy targets: 2 of 2',
      undefined,
      { timeout: 20_000 },
    );

    // each zone in words, with its node address and whether DNS answers with it
    expect(await card(B).locator('.zone-state').innerText()).toBe('✓up');
    expect(await card(B).locator('.zone-nodes').innerText()).toBe(`${IDS.lb} 127.1.1.2\nnode in DNS answers`);
    expect(await card(A).locator('.zone-nodes').innerText()).toBe(`${IDS.lb} 127.1.1.1\nnode in DNS answers`);
    // and each target row its zone
    expect(await page.locator(`${row(TG, 1)} td[data-cell="zone"]`).innerText()).toBe(B);
    expect(await page.locator(`${row(TG, 2)} td[data-cell="zone"]`).innerText()).toBe(A);

    // When Fail zone is clicked: the simulator fails the zone (through POST /_sim/zones/<zone>/fail)
    const before = await updates(page);
    const button = page.getByRole('button', { name: `Fail zone ${B}` });
    await button.click();
    await zoneFailed(B, true);
    // the zone change sends a state at once (events.ts); one more may have been on its way already
    expect((await updates(page)) - before).toBeLessThanOrEqual(2);
    expect(sim.zones().map((z) => [z.availabilityZone, z.failed])).toEqual([
      [A, false],
      [B, true],
    ]);
    expect(await card(B).locator('.zone-state').innerText()).toBe('✗failed');
    expect(await card(B).locator('.zone-nodes').innerText()).toBe(`${IDS.lb} 127.1.1.2\nnode not in DNS answers`);
    // zone B's targets go down with it: node A finds them unhealthy, and the page counts none healthy there
    await Promise.all([sim.waitForHealth(TG, 1, 'unhealthy'), sim.waitForHealth(TG, 3, 'unhealthy')]);
    await rowBecomes(page, TG, 1, 'unhealthy');
    await page.waitForFunction(
      () =>
        document.querySelector('#zone-list [data-zone="us-east-1b"] .zone-targets')?.textContent ===
        'Healthy targets: 0 of 2',
      undefined,
      { timeout: 20_000 },
    );

    // When Recover zone is pressed from the keyboard (the same button, relabelled; focus stays on it)
    const recover = card(B).locator('button');
    expect(await recover.getAttribute('aria-label')).toBe(`Recover zone ${B}`);
    await recover.focus();
    await page.keyboard.press('Enter');
    await zoneFailed(B, false);
    expect(sim.zones().map((z) => z.failed)).toEqual([false, false]);
    expect(await page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? '')).toBe(`Fail zone ${B}`);
    await allHealthy(sim, TG);
  });

  test('readable at 1280×800 and at phone width (390×844): no horizontal scrolling of the page, every section shown', async () => {
    sim = await startFixture({ adminPort: 0, demoBackends: 2 });
    await allHealthy(sim, SITE);
    for (const [width, height] of [
      [1280, 800],
      [390, 844],
    ] as const) {
      const page = await open(sim, width, height);
      await rowBecomes(page, SITE, 0, 'healthy');
      const size = await page.evaluate(() => ({
        scroll: document.documentElement.scrollWidth,
        inner: window.innerWidth,
      }));
      expect(size.scroll).toBeLessThanOrEqual(size.inner);
      for (const id of ['traffic', 'targets', 'zones', 'balancers', 'route53', 'timeline']) {
        const box = await page.locator(`#${id}`).boundingBox();
        expect(box).not.toBeNull();
        expect(box!.x).toBeGreaterThanOrEqual(0);
        expect(box!.x + box!.width).toBeLessThanOrEqual(width);
      }
      // a control button is at least 24 px tall (touch and pointer alike)
      const button = await page.locator(`${row(SITE, 0)} button[data-verb="fail-health"]`).boundingBox();
      expect(button!.height).toBeGreaterThanOrEqual(24);
      await context!.close();
      context = undefined;
    }
  });

  test('with traffic and Route 53 records: charts, the request timeline with its explanation, the answering record; a screenshot is saved', async () => {
    sim = await Simulator.start(fixtureWithRecords(), {
      ports: 0,
      adminPort: 0,
      dnsPort: 0,
      demoBackends: 3,
      healthCheckIntervalOverrideMs: 200,
      healthCheckTimeoutOverrideMs: 150,
    });
    await allHealthy(sim, SITE);
    await allHealthy(sim, API);
    const page = await open(sim);
    const base = sim.url(WEB_HTTP);
    for (let i = 0; i < 12; i++) await get(`${base}/api/item/${i}`);
    for (let i = 0; i < 6; i++) await get(`${base}/page/${i}`);
    await get(`${base}/old/page`);
    await page.waitForFunction(() => document.querySelectorAll('#requests tbody tr').length >= 19, undefined, {
      timeout: 20_000,
    });
    // filter by rule (Route 53's health checks of the listener keep adding GET /health rows), then
    // select the one row from the keyboard: the explanation names the rule and why the rules before failed
    await page.locator('#filter-rule').fill('20');
    const rows = page.locator('#requests tbody tr');
    await page.waitForFunction(() => document.querySelectorAll('#requests tbody tr').length === 1);
    expect(await rows.first().locator('td').nth(2).innerText()).toBe('GET /old/page');
    await rows.first().focus();
    await page.keyboard.press('Enter');
    const why = await page.locator('#explanation').innerText();
    expect(why).toContain('GET /old/page → 301 (answered by the load balancer)');
    expect(why).toContain('priority 10: ✗ path-pattern: path "/old/page" matches none of "/api/*"');
    expect(why).toContain('priority 20: ✓ matched');

    // Route 53: the primary (alias to the Web load balancer) answers, the secondary stands by
    const primary = page.locator('#dns tr[data-record="primary"] td').first();
    const secondary = page.locator('#dns tr[data-record="secondary"] td').first();
    expect(await primary.innerText()).toBe('✓ answering');
    expect(await secondary.innerText()).toBe('– standby');

    // node processes: one (this process), with the requests it counted
    await page.waitForFunction(
      () => Number(document.querySelector('#processes tr[data-node="1"] td:nth-child(3)')?.textContent) >= 18,
    );

    // traffic across several state updates draws the charts (a point per state after the first)
    sim.targets(SITE).get(2).backend!.failHealthChecks();
    sim.targets(SITE).get(1).backend!.respondWith(503);
    for (let k = 0; k < 6; k++) {
      const seen = await updates(page);
      for (let i = 0; i < 5 + 3 * k; i++) await get(`${base}/${i % 3 === 0 ? 'api/x' : 'page'}/${i}`);
      await page.waitForFunction((n) => Number(document.body.dataset.updates) > n, seen, { timeout: 20_000 });
    }
    expect(await page.locator('#chart-requests canvas').count()).toBe(1);
    const points = await page.evaluate(() => document.querySelector('#chart-requests')?.dataset.points);
    expect(Number(points)).toBeGreaterThanOrEqual(4);
    await sim.waitForHealth(SITE, 2, 'unhealthy');
    await rowBecomes(page, SITE, 2, 'unhealthy');
    await page.evaluate(() => window.scrollTo(0, 0));
    const file = process.env.HA_SIM_SCREENSHOT ?? path.join(outDir, 'dashboard.png');
    await page.screenshot({ path: file, fullPage: false });
    const png = readFileSync(file);
    expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
    // IHDR: width and height of the viewport
    expect([png.readUInt32BE(16), png.readUInt32BE(20)]).toEqual([1280, 800]);
  });
});
