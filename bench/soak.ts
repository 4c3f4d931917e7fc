/**
 * Soak run: load on every bench listener for a long time while targets flap, then the simulator's
 * memory, file descriptors and errors, start against end.
 *
 *   npm run soak                      10 minutes
 *   npm run soak -- --minutes 2 --connections 16
 *
 * What flaps: each backend fails its health-check path (/health → 503) for 15 s of every 60 s, at
 * staggered times, so targets keep turning unhealthy and healthy again (5 s interval, threshold 2);
 * every 30 s one target of `Bench/Web/Site` is deregistered through the AWS-compatible API and
 * registered again 15 s later (deregistration delay 5 s). None of this should fail a request: the
 * backends keep serving ordinary paths, draining lets in-flight requests finish, so any error counted
 * here is a finding. Prints one line per minute; exits 1 when requests failed or descriptors leaked.
 * Needs wrk (Debian package wrk; installed with apt-get when running as root). 127.0.0.1 only.
 */
import { parseArgs } from 'node:util';
import {
  DeregisterTargetsCommand,
  DescribeTargetHealthCommand,
  ElasticLoadBalancingV2Client,
  RegisterTargetsCommand,
  type TargetDescription,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { BENCH_LISTENERS } from './app';
import {
  benchAssembly,
  ensureBuilt,
  ensureTools,
  openFds,
  rssBytes,
  scratch,
  sleep,
  startBackends,
  startSim,
  stickyCookie,
  stopProcess,
  wrk,
  type WrkResult,
} from './support';

const { values: opt } = parseArgs({
  options: {
    minutes: { type: 'string', default: '10' },
    connections: { type: 'string', default: '32' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

const USAGE = `usage: npm run soak -- [--minutes N] [--connections N]

  --minutes N       how long to run (default 10)
  --connections N   wrk connections on the plain ALB listener; half as many on the sticky and NLB
                    listeners (default 32)`;

const MiB = 2 ** 20;

interface Totals {
  requests: number;
  non2xx: number;
  socketErrors: number;
}

function add(t: Totals, r: WrkResult): void {
  t.requests += r.requests;
  t.non2xx += r.non2xx;
  t.socketErrors += r.socketErrors;
}

async function main(): Promise<void> {
  if (opt.help) {
    console.log(USAGE);
    return;
  }
  const minutes = Number(opt.minutes);
  const connections = Number(opt.connections);
  if (!Number.isInteger(minutes) || minutes <= 0)
    throw new Error(`--minutes must be a whole number above 0, got ${opt.minutes}`);
  if (!Number.isInteger(connections) || connections < 2) {
    throw new Error(`--connections must be a whole number of at least 2, got ${opt.connections}`);
  }
  ensureTools({ wrk: 'wrk' });
  ensureBuilt();

  const dir = scratch();
  const assembly = benchAssembly(dir, { healthCheckSeconds: 5, deregistrationDelaySeconds: 5 });
  const { ports, children } = await startBackends(dir, 3, undefined, (i) => `45,15,${i * 20}`);
  const sim = await startSim(dir, assembly, ports, ['--api-port', '0']);
  const pid = sim.child.pid!;
  const client = new ElasticLoadBalancingV2Client({
    endpoint: sim.api,
    region: 'us-east-1',
    credentials: { accessKeyId: 'soak', secretAccessKey: 'soak' },
    maxAttempts: 1,
  });
  const site = sim.targetGroupArns.get('Bench/Web/Site')!;
  const described = await client.send(new DescribeTargetHealthCommand({ TargetGroupArn: site }));
  const churned: TargetDescription = described.TargetHealthDescriptions![2]!.Target!;

  console.log(`soak: ${minutes} min; simulator pid ${pid}; logs in ${dir}`);
  const start = { rss: rssBytes(pid), fds: openFds(pid) };
  console.log(`start: RSS ${(start.rss / MiB).toFixed(1)} MiB, ${start.fds} file descriptors`);

  const totals: Record<'alb' | 'sticky' | 'nlb', Totals> = {
    alb: { requests: 0, non2xx: 0, socketErrors: 0 },
    sticky: { requests: 0, non2xx: 0, socketErrors: 0 },
    nlb: { requests: 0, non2xx: 0, socketErrors: 0 },
  };
  let churnErrors = 0;
  let stopChurn = false;
  const churn = (async () => {
    // deregister one target every 30 s and bring it back 15 s later
    while (!stopChurn) {
      await sleep(15_000);
      if (stopChurn) break;
      try {
        await client.send(new DeregisterTargetsCommand({ TargetGroupArn: site, Targets: [churned] }));
        await sleep(15_000);
        await client.send(new RegisterTargetsCommand({ TargetGroupArn: site, Targets: [churned] }));
      } catch (e) {
        churnErrors++;
        console.error(`API call failed: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  })();

  // watch target states, to show that targets did flap and drain during the run
  const seen = new Map<string, string>();
  const transitions = new Map<string, number>();
  const watcher = setInterval(() => {
    void fetch(`${sim.admin}/stats`)
      .then(
        (r) => r.json() as Promise<{ targetGroups: { id: string; targets: { address: string; state: string }[] }[] }>,
      )
      .then((stats) => {
        for (const tg of stats.targetGroups) {
          for (const t of tg.targets) {
            const key = `${tg.id} ${t.address}`;
            const before = seen.get(key);
            if (before !== undefined && before !== t.state) {
              const change = `${before} → ${t.state}`;
              transitions.set(change, (transitions.get(change) ?? 0) + 1);
            }
            seen.set(key, t.state);
          }
        }
      })
      .catch(() => undefined);
  }, 1000);

  const albUrl = `${sim.urls.get(BENCH_LISTENERS.plain)}/`;
  const stickyUrl = `${sim.urls.get(BENCH_LISTENERS.rules)}/`;
  const nlbUrl = `${sim.urls.get(BENCH_LISTENERS.tcp)!.replace('tcp:', 'http:')}/`;
  const cookie = await stickyCookie(stickyUrl);
  const half = Math.max(1, connections >> 1);
  for (let m = 1; m <= minutes; m++) {
    const [a, s, n] = await Promise.all([
      wrk(albUrl, { connections, seconds: 60 }),
      wrk(stickyUrl, { connections: half, seconds: 60, headers: [`Cookie: ${cookie}`] }),
      wrk(nlbUrl, { connections: half, seconds: 60 }),
    ]);
    add(totals.alb, a);
    add(totals.sticky, s);
    add(totals.nlb, n);
    const errors = [a, s, n].reduce((x, r) => x + r.non2xx + r.socketErrors, 0);
    console.log(
      `minute ${String(m).padStart(2)}: ${(a.requestsPerSecond + s.requestsPerSecond + n.requestsPerSecond).toFixed(0)} req/s, ` +
        `RSS ${(rssBytes(pid) / MiB).toFixed(1)} MiB, ${openFds(pid)} fds, ${errors} errors`,
    );
  }
  stopChurn = true;
  await churn;
  clearInterval(watcher);
  await sleep(5_000); // idle connections to targets time out; descriptors should settle back
  const end = { rss: rssBytes(pid), fds: openFds(pid) };

  console.log('');
  for (const [name, t] of Object.entries(totals)) {
    console.log(
      `${name.padEnd(7)} ${t.requests} requests, ${t.non2xx} non-2xx responses, ${t.socketErrors} socket errors`,
    );
  }
  console.log(
    `memory: RSS ${(start.rss / MiB).toFixed(1)} → ${(end.rss / MiB).toFixed(1)} MiB; ` +
      `file descriptors: ${start.fds} → ${end.fds}; failed API calls: ${churnErrors}`,
  );
  const changes = [...transitions].map(([k, n]) => `${k} ×${n}`).join(', ');
  console.log(`target state changes seen (polled every second): ${changes || 'none'}`);
  const failed = Object.values(totals).reduce((x, t) => x + t.non2xx + t.socketErrors, 0) + churnErrors;
  const leaked = end.fds - start.fds > 10;
  if (failed > 0) console.log(`FINDING: ${failed} failed requests or API calls (none were expected)`);
  if (leaked) console.log(`FINDING: ${end.fds - start.fds} more file descriptors at the end than at the start`);
  if (failed === 0 && !leaked) console.log('no errors, no descriptor growth');
  await stopProcess(sim.child);
  for (const c of children) await stopProcess(c);
  process.exitCode = failed > 0 || leaked ? 1 : 0;
}

main().catch((e: unknown) => {
  console.error(`soak: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
});
