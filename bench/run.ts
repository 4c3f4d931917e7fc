/**
 * Proxy benchmark: the simulator's listeners against nginx and HAProxy in one run, on this machine, in
 * front of the same three Node backends, under the same wrk load. Prints per row the requests per
 * second, the CPU time the proxy spent per request (utime + stime from /proc, which holds on a busy
 * machine where req/s does not), p50/p99 latency, and each figure's ratio to nginx's; then the goals
 * of the ALB and NLB rows, memory per idle keep-alive connection and `ha-sim start` time.
 *
 *   npm run bench                         all rows, 10 s each after a 3 s warm-up, 64 connections
 *   npm run bench -- --rows alb,sticky    some rows only (nginx is always measured: the ratios need it)
 *   npm run bench -- --help
 *
 * Needs nginx, haproxy, wrk and taskset (Debian packages nginx-light, haproxy, wrk, util-linux); as
 * root, missing ones are installed with apt-get. Only 127.0.0.1 is used. Not part of `npm test`:
 * speed is measured here, never asserted in tests. bench/README.md records the figures.
 */
import { execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { BENCH_LISTENERS } from './app';
import {
  benchAssembly,
  ensureBuilt,
  ensureTools,
  freePort,
  measure,
  median,
  pinning,
  rssBytes,
  ROOT,
  scratch,
  sleep,
  startBackends,
  startProcess,
  startSim,
  stickyCookie,
  stopProcess,
  waitForPort,
  type Measurement,
  type Pinning,
} from './support';

const ROWS = {
  nginx: 'nginx (http, 1 worker)',
  'haproxy-http': 'HAProxy (http, 1 thread)',
  'haproxy-tcp': 'HAProxy (tcp, 1 thread)',
  alb: 'local-sim ALB',
  sticky: 'local-sim ALB, lb_cookie + 5 rules',
  nlb: 'local-sim NLB (tcp)',
  workers: 'local-sim ALB, --workers 2 *',
  'nginx-2': 'nginx (http, 2 workers) *',
} as const;
type RowKey = keyof typeof ROWS;

const USAGE = `usage: npm run bench -- [options]

  --rows LIST          comma-separated rows (default: all): ${Object.keys(ROWS).join(', ')}
  --seconds N          measured seconds per row (default 10)
  --warmup N           warm-up seconds per row, discarded (default 3)
  --connections N      wrk connections (default 64)
  --no-pin             do not pin wrk and the proxies to separate CPUs
  --no-extras          skip memory per idle connection and start-up time
  --json FILE          also write the results as JSON to FILE
  -h, --help           this text

Rows marked * use both CPUs for the proxy (wrk shares them), so compare them with each other only.`;

const { values: opt } = parseArgs({
  options: {
    rows: { type: 'string' },
    seconds: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '3' },
    connections: { type: 'string', default: '64' },
    'no-pin': { type: 'boolean', default: false },
    'no-extras': { type: 'boolean', default: false },
    json: { type: 'string' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

function positive(name: string, v: string | undefined): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`--${name} must be a whole number above 0, got ${v}`);
  return n;
}

function nginxConf(dir: string, port: number, backends: readonly number[], workers: number): string {
  return `worker_processes ${workers}; pid ${dir}/nginx-${port}.pid; error_log ${dir}/nginx-${port}-error.log;
daemon off; ${workers === 1 ? 'master_process off;' : ''}
events { worker_connections 4096; }
http { access_log off; keepalive_requests 1000000;
  upstream app { ${backends.map((b) => `server 127.0.0.1:${b};`).join(' ')} keepalive 128; }
  server { listen 127.0.0.1:${port};
    location / { proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection "";
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for; } } }
`;
}

function haproxyConf(port: number, backends: readonly number[], mode: 'http' | 'tcp'): string {
  const http = mode === 'http' ? '  option forwardfor\n  http-reuse always\n' : '';
  return `global
  nbthread 1
  maxconn 4000
defaults
  mode ${mode}
  timeout connect 10s
  timeout client 60s
  timeout server 60s
${http}frontend front
  bind 127.0.0.1:${port}
  default_backend app
backend app
  balance roundrobin
${backends.map((b, i) => `  server s${i} 127.0.0.1:${b}`).join('\n')}
`;
}

interface Row extends Measurement {
  readonly key: RowKey;
  readonly name: string;
}

const fmt = (n: number, digits = 1) => (Number.isFinite(n) ? n.toFixed(digits) : '-');

function table(rows: readonly Row[], nginx: Row | undefined): string {
  const head = ['row', 'req/s', '×nginx', 'CPU µs/req', '×nginx', 'p50 ms', 'p99 ms', '×nginx', 'errors'];
  const body = rows.map((r) => [
    r.name,
    fmt(r.requestsPerSecond, 0),
    nginx ? fmt(r.requestsPerSecond / nginx.requestsPerSecond, 2) : '-',
    fmt(r.cpuUsPerRequest),
    nginx ? fmt(r.cpuUsPerRequest / nginx.cpuUsPerRequest, 2) : '-',
    fmt(r.p50Ms, 2),
    fmt(r.p99Ms, 2),
    nginx ? fmt(r.p99Ms / nginx.p99Ms, 2) : '-',
    String(r.non2xx + r.socketErrors),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i]!.length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(head), ...body.map(line)].join('\n');
}

/** The CPU goal as a ratio: 45 µs per request when the goal was set, against nginx's 18.5 µs then. */
const GOAL_CPU_RATIO = 45 / 18.5;

function goals(rows: ReadonlyMap<RowKey, Row>): string[] {
  const out: string[] = [];
  const nginx = rows.get('nginx');
  const alb = rows.get('alb');
  const sticky = rows.get('sticky');
  const nlb = rows.get('nlb');
  const tcp = rows.get('haproxy-tcp');
  const mark = (ok: boolean) => (ok ? 'met ' : 'MISS');
  if (alb && nginx) {
    const ratio = alb.requestsPerSecond / nginx.requestsPerSecond;
    out.push(`${mark(alb.cpuUsPerRequest <= 45)}  ALB CPU per request ≤ 45 µs: ${fmt(alb.cpuUsPerRequest)} µs`);
    // The 45 µs were set on this machine when nginx took 18.5 µs; on a busier day both take longer.
    const cpuRatio = alb.cpuUsPerRequest / nginx.cpuUsPerRequest;
    out.push(
      `${mark(cpuRatio <= GOAL_CPU_RATIO)}  ALB CPU per request ≤ ${fmt(GOAL_CPU_RATIO, 2)}× nginx's ` +
        `(45 µs at nginx's 18.5 µs): ${fmt(cpuRatio, 2)}×`,
    );
    out.push(`${mark(ratio >= 0.6)}  ALB throughput ≥ 0.6× nginx: ${fmt(ratio, 2)}×`);
    const p99 = alb.p99Ms / nginx.p99Ms;
    out.push(`${mark(p99 <= 2)}  ALB p99 ≤ 2× nginx's: ${fmt(p99, 2)}×`);
  }
  if (alb && sticky) {
    const extra = sticky.cpuUsPerRequest / alb.cpuUsPerRequest - 1;
    out.push(`${mark(extra <= 0.1)}  stickiness + 5 rules within 10% of the ALB row: ${fmt(extra * 100)}%`);
  }
  if (nlb && tcp) {
    const ratio = nlb.requestsPerSecond / tcp.requestsPerSecond;
    out.push(`${mark(ratio >= 0.6)}  NLB throughput ≥ 0.6× HAProxy (tcp): ${fmt(ratio, 2)}×`);
  }
  return out;
}

/** Resident memory added by each idle keep-alive connection that has carried one request. */
async function memoryPerIdleConnection(pid: number, url: string, count: number): Promise<number> {
  const { hostname, port } = new URL(url);
  const request = `GET / HTTP/1.1\r\nHost: ${hostname}\r\n\r\n`;
  const before = rssBytes(pid);
  const sockets: Socket[] = [];
  for (let i = 0; i < count; i += 100) {
    // in batches, so that the simulator reuses a few target connections rather than opening many
    await Promise.all(
      Array.from({ length: Math.min(100, count - i) }, async () => {
        const s = connect(Number(port), hostname);
        sockets.push(s);
        await new Promise<void>((resolve, reject) => {
          s.once('error', reject);
          s.once('connect', () => s.write(request));
          s.once('data', () => resolve());
        });
      }),
    );
  }
  await sleep(2000);
  const after = rssBytes(pid);
  for (const s of sockets) s.destroy();
  return (after - before) / count;
}

/** Median time from `ha-sim start` on the demo app's assembly (already synthesized) to its endpoint list. */
async function startTime(dir: string, runs: number): Promise<number> {
  const assembly = join(dir, 'demo.out');
  execFileSync('npx', ['cdk', 'synth', '--quiet', '--output', assembly], {
    cwd: ROOT,
    stdio: 'ignore',
    env: { ...process.env, CDK_VALIDATION: 'false' },
  });
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const endpoints = join(dir, `demo-endpoints-${i}.json`);
    const t0 = process.hrtime.bigint();
    const child = startProcess(
      process.execPath,
      [
        join(ROOT, 'local-sim', 'bin', 'ha-sim.js'),
        'start',
        assembly,
        '--ports',
        '0',
        '--admin-port',
        '0',
        '--api-port',
        '0',
        '--dns-port',
        '0',
        '--quiet',
        '--summary-seconds',
        '0',
        '--endpoints',
        endpoints,
      ],
      join(dir, 'demo-start.log'),
    );
    while (!existsSync(endpoints)) {
      if (child.exitCode !== null) throw new Error(`ha-sim start failed: see ${join(dir, 'demo-start.log')}`);
      await sleep(5);
    }
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    await stopProcess(child);
  }
  return median(times);
}

async function main(): Promise<void> {
  if (opt.help) {
    console.log(USAGE);
    return;
  }
  const seconds = positive('seconds', opt.seconds);
  const warmupSeconds = positive('warmup', opt.warmup);
  const connections = positive('connections', opt.connections);
  const wanted = new Set<RowKey>(
    opt.rows ? ['nginx', ...(opt.rows.split(',').map((r) => r.trim()) as RowKey[])] : (Object.keys(ROWS) as RowKey[]),
  );
  for (const r of wanted)
    if (!(r in ROWS)) throw new Error(`unknown row "${r}"; rows: ${Object.keys(ROWS).join(', ')}`);
  ensureTools({ nginx: 'nginx-light', haproxy: 'haproxy', wrk: 'wrk', taskset: 'util-linux' });
  ensureBuilt();

  const pin: Pinning = pinning(!opt['no-pin']);
  const dir = scratch();
  console.log(
    `machine: ${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'}, ${Math.round(totalmem() / 2 ** 30)} GB, Node ${process.version}`,
  );
  console.log(
    `load: wrk, 1 thread, ${connections} connections, ${warmupSeconds} s warm-up + ${seconds} s per row; ${pin.description}`,
  );
  console.log(`scratch folder: ${dir}\n`);

  const { ports: backends, children: backendProcs } = await startBackends(dir, 3, pin.proxy);
  const children: ChildProcess[] = [...backendProcs];
  const results = new Map<RowKey, Row>();
  const run = async (key: RowKey, pid: number, url: string, cpuList: string | undefined, headers?: string[]) => {
    process.stdout.write(`measuring ${ROWS[key]} ...`);
    const m = await measure(pid, url, {
      connections,
      seconds,
      warmupSeconds,
      ...(cpuList ? { cpus: cpuList } : {}),
      ...(headers ? { headers } : {}),
    });
    results.set(key, { key, name: ROWS[key], ...m });
    process.stdout.write(` ${fmt(m.requestsPerSecond, 0)} req/s, ${fmt(m.cpuUsPerRequest)} µs/req\n`);
  };

  try {
    for (const [key, workers] of [
      ['nginx', 1],
      ['nginx-2', 2],
    ] as const) {
      if (!wanted.has(key)) continue;
      const port = await freePort();
      const conf = join(dir, `nginx-${port}.conf`);
      writeFileSync(conf, nginxConf(dir, port, backends, workers));
      const p = startProcess('nginx', ['-c', conf], join(dir, 'nginx.log'), workers === 1 ? pin.proxy : pin.all);
      children.push(p);
      await waitForPort(port, 'nginx');
      await run(key, p.pid!, `http://127.0.0.1:${port}/`, workers === 1 ? pin.load : pin.all);
      await stopProcess(p);
    }
    for (const mode of ['http', 'tcp'] as const) {
      const key: RowKey = mode === 'http' ? 'haproxy-http' : 'haproxy-tcp';
      if (!wanted.has(key)) continue;
      const port = await freePort();
      const conf = join(dir, `haproxy-${mode}.cfg`);
      writeFileSync(conf, haproxyConf(port, backends, mode));
      const p = startProcess('haproxy', ['-db', '-f', conf], join(dir, 'haproxy.log'), pin.proxy);
      children.push(p);
      await waitForPort(port, 'HAProxy');
      await run(key, p.pid!, `http://127.0.0.1:${port}/`, pin.load);
      await stopProcess(p);
    }
    const assembly = benchAssembly(dir, { healthCheckSeconds: 5 });
    {
      if (wanted.has('alb') || wanted.has('sticky') || wanted.has('nlb')) {
        const sim = await startSim(dir, assembly, backends, [], pin.proxy);
        children.push(sim.child);
        const pid = sim.child.pid!;
        if (wanted.has('alb')) await run('alb', pid, `${sim.urls.get(BENCH_LISTENERS.plain)}/`, pin.load);
        if (wanted.has('sticky')) {
          const url = `${sim.urls.get(BENCH_LISTENERS.rules)}/`;
          await run('sticky', pid, url, pin.load, [`Cookie: ${await stickyCookie(url)}`]);
        }
        if (wanted.has('nlb'))
          await run('nlb', pid, `${sim.urls.get(BENCH_LISTENERS.tcp)!.replace('tcp:', 'http:')}/`, pin.load);
        await stopProcess(sim.child);
      }
      if (wanted.has('workers')) {
        const sim = await startSim(dir, assembly, backends, ['--workers', '2'], pin.all);
        children.push(sim.child);
        await run('workers', sim.child.pid!, `${sim.urls.get(BENCH_LISTENERS.plain)}/`, pin.all);
        await stopProcess(sim.child);
      }
    }

    const order = (Object.keys(ROWS) as RowKey[]).filter((k) => results.has(k));
    const rows = order.map((k) => results.get(k)!);
    console.log(`\n${table(rows, results.get('nginx'))}`);
    const g = goals(results);
    if (g.length) console.log(`\ngoals (bench/README.md):\n  ${g.join('\n  ')}`);

    const extras: Record<string, number> = {};
    if (!opt['no-extras']) {
      const sim = await startSim(dir, assembly, backends, [], pin.proxy);
      children.push(sim.child);
      extras.bytesPerIdleConnection = await memoryPerIdleConnection(
        sim.child.pid!,
        sim.urls.get(BENCH_LISTENERS.plain)!,
        2000,
      );
      await stopProcess(sim.child);
      extras.startMs = await startTime(dir, 5);
      console.log(
        `\nmemory per idle keep-alive connection (2,000 connections): ${fmt(extras.bytesPerIdleConnection / 1024)} KiB`,
      );
      console.log(
        `ha-sim start on the demo app, assembly already synthesized (median of 5): ${fmt(extras.startMs, 0)} ms`,
      );
    }
    if (opt.json) {
      writeFileSync(
        opt.json,
        JSON.stringify(
          { machine: { cpus: cpus().length, node: process.version, pinning: pin.description }, rows, extras },
          null,
          2,
        ),
      );
      console.log(`\nresults written to ${opt.json}`);
    }
  } finally {
    for (const c of children) await stopProcess(c);
  }
}

main().catch((e: unknown) => {
  console.error(`bench: ${e instanceof Error ? e.message : String(e)}`);
  process.exitCode = 1;
});
