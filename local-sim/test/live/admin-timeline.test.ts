/**
 * The admin port's request timeline as JSON (`/api/requests`, the `requests` events of `/events`): the
 * rule that matched and the first failed condition of each rule before it (§4.1), the target and why
 * it was picked (§2.1 round robin, §3.1 sticky cookie, re-pick because the cookie's target is
 * unhealthy), status and timings. Recording happens only while someone watches.
 */
import type { Simulator } from '../../src/index';
import type { ExplainedRequest } from '../../src/live/admin/timeline';
import { allHealthy, API, get, SITE, startFixture, WEB_HTTP } from './helpers';
import { openEvents, type SseStream } from './sse';

let sim: Simulator | undefined;
let events: SseStream | undefined;

afterEach(async () => {
  events?.close();
  events = undefined;
  await sim?.stop();
  sim = undefined;
});

interface Batch {
  skipped: number;
  requests: ExplainedRequest[];
}

/** Collect timeline entries from the stream until `n` have arrived (at most 40 batches). */
async function collect(stream: SseStream, n: number): Promise<ExplainedRequest[]> {
  const out: ExplainedRequest[] = [];
  for (let i = 0; i < 40 && out.length < n; i++) out.push(...(await stream.next<Batch>('requests')).requests);
  return out;
}

async function timeline(s: Simulator, query = ''): Promise<{ recording: boolean; requests: ExplainedRequest[] }> {
  return (await get(`${s.adminUrl}/api/requests${query}`)).json();
}

describe('request timeline (admin port)', () => {
  test('nothing is recorded while nobody watches', async () => {
    sim = await startFixture({ adminPort: 0, demoBackends: 1 });
    await allHealthy(sim, SITE);
    expect((await get(`${sim.url(WEB_HTTP)}/`)).status).toBe(200);
    expect(await timeline(sim)).toEqual({ recording: false, lastId: 0, requests: [] });
    expect(sim.listenerCount('exchange')).toBe(0);
  });

  test('§4.1 each request with the rule that matched and why the rules before it did not', async () => {
    sim = await startFixture({ adminPort: 0, demoBackends: 3 });
    await allHealthy(sim, SITE);
    events = await openEvents(`${sim.adminUrl}/events`);
    await events.next('state');
    const base = sim.url(WEB_HTTP);
    expect((await get(`${base}/old/page`)).status).toBe(301);
    expect((await get(`${base}/index.html`)).status).toBe(200);
    const seen = await collect(events, 2);
    expect(seen.map((r) => [r.method, r.path, r.status, r.generated])).toEqual([
      ['GET', '/old/page', 301, true],
      ['GET', '/index.html', 200, false],
    ]);
    const [redirect, page] = seen as [ExplainedRequest, ExplainedRequest];
    expect(redirect.listener).toBe(WEB_HTTP);
    expect(redirect.rule!.matchedPriority).toBe(20);
    expect(redirect.rule!.rules.map((r) => [r.priority, r.matched, r.failed?.detail])).toEqual([
      [10, false, 'path "/old/page" matches none of "/api/*"'],
      [20, true, undefined],
    ]);
    expect(redirect.target).toBeUndefined();
    expect(page.rule!.matchedPriority).toBe(0);
    expect(page.rule!.rules.at(-1)).toEqual({ priority: 'default', matched: true, conditions: [] });
    expect(page.rule!.action).toBe(`forward → ${SITE}`);
    expect(page.rule!.consistent).toBe(true);
    expect(page.target!.why.code).toBe('round-robin-turn');
    expect(page.target!.why.detail).toMatch(
      /^round_robin: its turn among 3 candidates \(the [123](st|nd|rd) in registration order\)$/,
    );
    expect(page.timings.targetMs).toBeGreaterThanOrEqual(0);
    expect(page.timings.totalMs).toBeGreaterThanOrEqual(page.timings.targetMs);
    // the same explanations as JSON, with filters
    expect((await timeline(sim, '?status=3xx')).requests.map((r) => r.path)).toEqual(['/old/page']);
    expect((await timeline(sim, '?rule=default')).requests.map((r) => r.path)).toEqual(['/index.html']);
    expect((await timeline(sim, `?listener=${encodeURIComponent(WEB_HTTP)}`)).requests).toHaveLength(2);
    expect((await timeline(sim, '?listener=443')).requests).toHaveLength(0);
    const target = page.target!.address;
    expect((await timeline(sim, `?target=${encodeURIComponent(target)}`)).requests.map((r) => r.id)).toEqual([page.id]);
    expect((await get(`${sim.adminUrl}/api/requests/${page.id}`)).json()).toEqual(page);
  });

  test('§3.1 sticky cookie, then a re-pick because the cookie (AWSALBCORS read first) names an unhealthy target', async () => {
    sim = await startFixture({ adminPort: 0, demoBackends: 2 });
    await allHealthy(sim, API);
    events = await openEvents(`${sim.adminUrl}/events`);
    await events.next('state');
    const base = sim.url(WEB_HTTP);
    const first = await get(`${base}/api/a`);
    const cookie = (first.headers['set-cookie'] ?? []).map((c) => c.split(';')[0]).join('; ');
    expect(cookie).toMatch(/AWSALB=/);
    await get(`${base}/api/b`, { headers: { cookie } });
    const [fresh, hit] = (await collect(events, 2)) as [ExplainedRequest, ExplainedRequest];
    expect(fresh.target!.why.code).toBe('sticky-new');
    expect(hit.target!.why.code).toBe('sticky-cookie');
    expect(hit.target!.address).toBe(fresh.target!.address);
    expect(hit.rule!.matchedPriority).toBe(10);
    expect(hit.rule!.rules[0]!.conditions).toEqual([
      { field: 'path-pattern', matched: true, detail: 'path "/api/b" matches "/api/*"' },
    ]);

    const index = hit.target!.index!;
    sim.targets(API).get(index).backend!.failHealthChecks();
    await sim.waitForHealth(API, index, 'unhealthy');
    await get(`${base}/api/c`, { headers: { cookie } });
    const [repick] = (await collect(events, 1)) as [ExplainedRequest];
    expect(repick.target!.why.code).toBe('repick-target-unusable');
    expect(repick.target!.why.detail).toMatch(
      new RegExp(
        `^the AWSALBCORS cookie names ${hit.target!.address.replace(/\./g, '\\.')}, which was unhealthy \\(Target\\.ResponseCodeMismatch\\); picked again: round_robin: its turn among 1 candidate`,
      ),
    );
    expect(repick.target!.address).not.toBe(hit.target!.address);
    // closing the last stream stops the recording
    events.close();
    events = undefined;
    for (let i = 0; i < 50 && sim.listenerCount('exchange') > 0; i++) await new Promise((r) => setImmediate(r));
    expect(sim.listenerCount('exchange')).toBe(0);
  });
});
