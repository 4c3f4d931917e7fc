/**
 * Proxy benchmark: the local-sim ALB listener against a tuned nginx and HAProxy, in one run, on the
 * same machine, in front of the same backend, driven by the same wrk load. Prints each proxy's
 * throughput and latency and the ratios local-sim / nginx and local-sim / HAProxy.
 *
 *   npm run bench                       # 10 s per proxy, 50 connections, 2 wrk threads
 *   npm run bench -- --duration 30 --connections 100
 *
 * Needs nginx, haproxy and wrk (Debian packages nginx-light, haproxy, wrk); as root the script
 * installs missing ones with apt-get. Only 127.0.0.1 is used. Not part of `npm test`: speed is
 * measured here, never asserted in tests.
 */
import { ChildProcess, execFile, execFileSync, spawn } from 'child_process';
import { mkdtempSync, writeFileSync } from 'fs';
import { createServer } from 'net';
import { tmpdir } from 'os';
import { join } from 'path';
import { parseArgs, promisify } from 'util';
import { App, Duration, Stack } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import { Simulator } from '@ha-load-balancer/local-sim';
import { HaLoadBalancer, ListenerAction, TargetKind } from '../lib';

interface Result {
  readonly name: string;
  readonly requestsPerSecond: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
  readonly errors: number;
}

const { values: args } = parseArgs({
  options: {
    duration: { type: 'string', default: '10' },
    connections: { type: 'string', default: '50' },
    threads: { type: 'string', default: '2' },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

function usage(): void {
  console.log('usage: npm run bench -- [--duration SECONDS] [--connections N] [--threads N]');
}

function ensureTools(): void {
  const missing = ['nginx', 'haproxy', 'wrk'].filter((t) => !has(t));
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    throw new Error(`missing ${missing.join(', ')}: install the Debian packages nginx-light haproxy wrk`);
  }
  console.log(`installing ${missing.join(', ')} with apt-get ...`);
  execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
  execFileSync('apt-get', ['install', '-y', '-qq', 'nginx-light', 'haproxy', 'wrk'], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}

function has(tool: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${tool}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

async function waitForPort(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/`);
      await res.arrayBuffer();
      return;
    } catch {
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`nothing answers on 127.0.0.1:${port}`);
}

/** nginx as the shared backend: a fixed 200 with a small body, no logging. */
function nginxBackendConf(dir: string, port: number): string {
  return `worker_processes 1; pid ${dir}/backend.pid; error_log ${dir}/backend-error.log;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 100000;
  server { listen 127.0.0.1:${port}; location / { return 200 '{"ok":true}'; } } }
`;
}

/** nginx as a tuned reverse proxy: keep-alive upstream pool, no logging. */
function nginxProxyConf(dir: string, port: number, backend: number): string {
  return `worker_processes 1; pid ${dir}/proxy.pid; error_log ${dir}/proxy-error.log;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 100000;
  upstream app { server 127.0.0.1:${backend}; keepalive 128; }
  server { listen 127.0.0.1:${port};
    location / { proxy_pass http://app; proxy_http_version 1.1; proxy_set_header Connection "";
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for; } } }
`;
}

/** HAProxy as a tuned reverse proxy: connection reuse, no logging. */
function haproxyConf(port: number, backend: number): string {
  return `global
  nbthread 1
  maxconn 4000
defaults
  mode http
  timeout connect 10s
  timeout client 60s
  timeout server 60s
  option forwardfor
  http-reuse always
frontend web
  bind 127.0.0.1:${port}
  default_backend app
backend app
  server s1 127.0.0.1:${backend}
`;
}

function start(cmd: string, argv: string[]): ChildProcess {
  const child = spawn(cmd, argv, { stdio: ['ignore', 'ignore', 'inherit'] });
  child.on('error', (e) => console.error(`${cmd}: ${e.message}`));
  return child;
}

/** Runs wrk without blocking this process: the simulator under test shares its event loop. */
async function wrk(name: string, url: string): Promise<Result> {
  const { stdout: out } = await promisify(execFile)(
    'wrk',
    ['-t', args.threads!, '-c', args.connections!, '-d', `${args.duration}s`, '--latency', url],
    { encoding: 'utf8' },
  );
  const rps = Number(/Requests\/sec:\s+([\d.]+)/.exec(out)?.[1] ?? NaN);
  const pct = (p: string) => toMs(new RegExp(`\\s${p}%\\s+([\\d.]+\\w+)`).exec(out)?.[1]);
  const errors = Number(/Non-2xx or 3xx responses:\s+(\d+)/.exec(out)?.[1] ?? 0);
  return { name, requestsPerSecond: rps, p50Ms: pct('50'), p99Ms: pct('99'), errors };
}

function toMs(v: string | undefined): number {
  if (!v) return NaN;
  const m = /([\d.]+)(us|ms|s)/.exec(v);
  if (!m) return NaN;
  const n = Number(m[1]);
  return m[2] === 'us' ? n / 1000 : m[2] === 's' ? n * 1000 : n;
}

/** The stack the simulator serves: one ALB HTTP listener forwarding to one target group. */
function benchStack(): Stack {
  const app = new App({
    context: { 'availability-zones:account=123456789012:region=us-east-1': ['us-east-1a', 'us-east-1b'] },
  });
  const stack = new Stack(app, 'Bench', { env: { account: '123456789012', region: 'us-east-1' } });
  const lb = new HaLoadBalancer(stack, 'Web', { vpc: new ec2.Vpc(stack, 'Vpc', { maxAzs: 2, natGateways: 0 }) });
  const site = lb.addTargetGroup('Site', {
    port: 8080,
    targetKind: TargetKind.IP,
    healthCheck: { interval: Duration.seconds(30) },
  });
  lb.addHttpListener('Http', { defaultAction: ListenerAction.forward([site]) });
  return stack;
}

async function main(): Promise<void> {
  if (args.help) return usage();
  ensureTools();
  const dir = mkdtempSync(join(tmpdir(), 'ha-bench-'));
  const [backendPort, nginxPort, haproxyPort] = [await freePort(), await freePort(), await freePort()];
  writeFileSync(join(dir, 'backend.conf'), nginxBackendConf(dir, backendPort));
  writeFileSync(join(dir, 'proxy.conf'), nginxProxyConf(dir, nginxPort, backendPort));
  writeFileSync(join(dir, 'haproxy.cfg'), haproxyConf(haproxyPort, backendPort));

  const children = [
    start('nginx', ['-c', join(dir, 'backend.conf'), '-g', 'daemon off;']),
    start('nginx', ['-c', join(dir, 'proxy.conf'), '-g', 'daemon off;']),
    start('haproxy', ['-f', join(dir, 'haproxy.cfg')]),
  ];
  const sim = await Simulator.start(benchStack(), {
    ports: 0,
    targets: { 'Bench/Web/Site': [`127.0.0.1:${backendPort}`] },
  });
  try {
    await Promise.all([backendPort, nginxPort, haproxyPort].map(waitForPort));
    await sim.waitForHealth('Bench/Web/Site', 0, 'healthy');
    const simUrl = sim.url('Bench/Web/Http') + '/';
    console.log(
      `wrk: ${args.threads} threads, ${args.connections} connections, ${args.duration} s per run; one CPU worker each (nginx worker_processes 1, HAProxy nbthread 1, Node one thread)`,
    );
    const results: Result[] = [];
    for (const [name, url] of [
      ['backend (direct)', `http://127.0.0.1:${backendPort}/`],
      ['nginx proxy', `http://127.0.0.1:${nginxPort}/`],
      ['HAProxy', `http://127.0.0.1:${haproxyPort}/`],
      ['local-sim ALB', simUrl],
    ] as const) {
      await wrk(name, url); // warm-up run, discarded
      const r = await wrk(name, url);
      results.push(r);
      console.log(
        `${r.name.padEnd(18)} ${r.requestsPerSecond.toFixed(0).padStart(8)} req/s   p50 ${r.p50Ms.toFixed(2)} ms   p99 ${r.p99Ms.toFixed(2)} ms   non-2xx ${r.errors}`,
      );
    }
    const [, nginx, haproxy, local] = results;
    console.log('');
    console.log(
      `local-sim / nginx   throughput ${(local.requestsPerSecond / nginx.requestsPerSecond).toFixed(2)}x   p99 ${(local.p99Ms / nginx.p99Ms).toFixed(2)}x`,
    );
    console.log(
      `local-sim / HAProxy throughput ${(local.requestsPerSecond / haproxy.requestsPerSecond).toFixed(2)}x   p99 ${(local.p99Ms / haproxy.p99Ms).toFixed(2)}x`,
    );
  } finally {
    await sim.stop();
    for (const c of children) c.kill('SIGTERM');
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exitCode = 1;
});
