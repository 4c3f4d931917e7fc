/**
 * Clients for the live ALB-feature tests: one request per fresh connection (HTTP or HTTPS without
 * server verification, optionally with a client certificate), cookies carried forward, echo headers read.
 */
import * as http from 'node:http';
import * as https from 'node:https';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { generate } from 'selfsigned';
import { modelFromTemplate, Simulator, type SimulatorOptions } from '../../src/index';
import { albTemplate, IDS, STACK, tgRef, type AlbSpec } from '../model/fixtures';
import { allHealthy, type EchoBody } from './helpers';

export interface TlsReply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One request over a fresh connection; HTTPS without server verification (the simulator's certificate is self-signed). */
export function fetch(
  url: string,
  options: { headers?: http.OutgoingHttpHeaders; key?: string; cert?: string } = {},
): Promise<TlsReply> {
  return new Promise((resolve, reject) => {
    const u = new URL(url);
    const lib = u.protocol === 'https:' ? https : http;
    const req = lib.request(
      u,
      {
        headers: options.headers,
        agent: false,
        ...(u.protocol === 'https:' ? { rejectUnauthorized: false, key: options.key, cert: options.cert } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end();
  });
}

export const cookiePairs = (setCookie: readonly string[] | undefined): string =>
  (setCookie ?? [])
    .map((c) => c.split(';')[0]!)
    .filter((c) => !c.endsWith('='))
    .join('; ');

export const echoHeader = (body: string, name: string): string[] =>
  (JSON.parse(body) as EchoBody).headers.filter(([k]) => k.toLowerCase() === name.toLowerCase()).map(([, v]) => v);

/**
 * A client CA (written to `ca.pem` in a new temporary folder, which the caller removes), a client
 * certificate it signed, and a self-signed stranger.
 */
export async function clientPki(prefix: string) {
  const ca = await generate([{ name: 'commonName', value: 'Test Client CA' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, critical: true },
    ],
  });
  const client = await generate([{ name: 'commonName', value: 'device-42' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    ca: { key: ca.private, cert: ca.cert },
  });
  const stranger = await generate([{ name: 'commonName', value: 'stranger' }], {
    keyType: 'ec',
    algorithm: 'sha256',
  });
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  const caFile = path.join(dir, 'ca.pem');
  writeFileSync(caFile, ca.cert);
  return { dir, caFile, client, stranger };
}

/** An HTTPS listener that logs clients in with OIDC (the test identity provider answers), then forwards to App. */
export const OIDC_LOGIN: AlbSpec = {
  defaultActions: [
    {
      Type: 'authenticate-oidc',
      Order: 1,
      AuthenticateOidcConfig: {
        Issuer: 'https://login.example.com',
        AuthorizationEndpoint: 'https://login.example.com/authorize',
        TokenEndpoint: 'https://login.example.com/token',
        UserInfoEndpoint: 'https://login.example.com/userinfo',
        ClientId: 'web-app',
        ClientSecret: 'web-secret',
      },
    },
    { Type: 'forward', TargetGroupArn: tgRef('App'), Order: 2 },
  ],
};

/**
 * The simulator of one HTTPS:443 ALB listener built from a fixture spec, with a demo backend and health
 * checks every 200 ms (SIMULATOR TEST CONVENIENCE, NOT AWS), and a client PKI in a scratch folder; both
 * are stopped and removed after each test of the file that calls this (at its top level).
 */
export function albFeatureFixture(defaults: SimulatorOptions = {}) {
  let sim: Simulator | undefined;
  let dir: string | undefined;
  afterEach(async () => {
    await sim?.stop();
    sim = undefined;
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });
  return {
    /** Start it (after `edit` changed the template), once every target is healthy and every node has reported. */
    async start(
      spec: AlbSpec,
      options: SimulatorOptions = {},
      edit?: (t: ReturnType<typeof albTemplate>) => void,
    ): Promise<{ sim: Simulator; url: string }> {
      const tpl = albTemplate({ listenerProtocol: 'HTTPS', listenerPort: 443, ...spec });
      edit?.(tpl);
      sim = await Simulator.fromModel(modelFromTemplate(tpl, STACK), {
        ports: 0,
        demoBackends: 1,
        healthCheckIntervalOverrideMs: 200,
        healthCheckTimeoutOverrideMs: 150,
        ...defaults,
        ...options,
      });
      await allHealthy(sim, IDS.tg());
      await sim.settle();
      const url = sim.endpoints().loadBalancers[0]!.listeners[0]!.url!;
      return { sim, url };
    },
    /** `clientPki` in a scratch folder removed after the test. */
    async pki(prefix: string) {
      const made = await clientPki(prefix);
      dir = made.dir;
      return made;
    },
  };
}
