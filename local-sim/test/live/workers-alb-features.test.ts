/**
 * `workers: 2` with the ALB features that keep state between requests or need the listener's TLS set-up:
 * §4.3 the login of an authenticate-oidc action (the nonce cookie, the encrypted state and the session
 * cookie made by one node must be accepted by the other; both sign `x-amzn-oidc-data` with the primary's
 * key) and §5.1 mutual TLS in verify mode (each node's TLS server trusts the trust store's CA). Every
 * request goes over a fresh connection, and the cluster hands connections to the nodes in turn, so the
 * steps of one login alternate between the two node processes. Health checks every 200 ms: SIMULATOR TEST
 * CONVENIENCE, NOT AWS. Needs the compiled node script (`npm run build`, which `npm test` runs first).
 */
import { createPublicKey, verify, X509Certificate } from 'node:crypto';
import type { Simulator } from '../../src/index';
import { loadBalancerArn } from '../../src/model/ids';
import { albTemplate, resource } from '../model/fixtures';
import { albFeatureFixture, cookiePairs, echoHeader, fetch, OIDC_LOGIN } from './alb-clients';

const { start, pki: scratchPki } = albFeatureFixture({ workers: 2 });

/**
 * Requests each node process forwarded since `before` (§5.6 `RequestCount`: requests for which a target
 * was chosen, so not the load balancer's own 302 and 401 answers); settled first, as the nodes report
 * their counters.
 */
async function servedSince(s: Simulator, before: readonly number[]): Promise<number[]> {
  await s.settle();
  return s.nodes().map((n, i) => n.requests - before[i]!);
}

describe('workers: 2 — §4.3 authenticate-oidc with the test identity provider', () => {
  const oidcSpec = OIDC_LOGIN;

  test('§4.3 a login whose steps land on alternating node processes: 302 to the IdP, the callback on the other node sets the session, then forwarded with x-amzn-oidc-* signed by the primary key', async () => {
    const { sim: s, url } = await start(oidcSpec, { testIdpPort: 0, testIdpUsers: { alice: { groups: ['admins'] } } });
    const idp = s.testIdp!;
    expect(s.nodes().map((n) => n.node)).toEqual([1, 2]);
    const before = s.nodes().map((n) => n.requests);

    // 1. no session (node A): redirected to the test identity provider with a login nonce cookie
    const first = await fetch(`${url}/private?x=1`);
    expect(first.status).toBe(302);
    const authorize = new URL(first.headers.location!);
    expect(`${authorize.origin}${authorize.pathname}`).toBe(`${idp.url}/authorize`);
    expect(authorize.searchParams.get('client_id')).toBe('web-app');
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${url}/oauth2/idpresponse`);
    expect(first.headers['set-cookie']).toEqual([
      expect.stringMatching(/^AWSALBAuthNonce=[0-9a-f]{32}; Max-Age=900; Path=\/; Secure; HttpOnly$/),
    ]);

    // 2. the identity provider logs alice in and sends the browser back with a code
    authorize.searchParams.set('login_hint', 'alice');
    const login = await fetch(authorize.toString());
    expect(login.status).toBe(302);
    const back = new URL(login.headers.location!);
    expect(`${back.origin}${back.pathname}`).toBe(`${url}/oauth2/idpresponse`);

    // 3. the callback (node B): the state node A encrypted is read, the code exchanged, the session set
    const callback = await fetch(back.toString(), { headers: { cookie: cookiePairs(first.headers['set-cookie']) } });
    expect(callback.status).toBe(302);
    expect(callback.headers.location).toBe(`${url}/private?x=1`);
    const session = cookiePairs(callback.headers['set-cookie']);
    expect(session).toMatch(/^AWSELBAuthSessionCookie-0=[A-Za-z0-9_-]+$/);

    // 4. and 5. the original URL with the session, once on each node: forwarded with the identity headers
    const pages = [
      await fetch(callback.headers.location!, { headers: { cookie: session } }),
      await fetch(callback.headers.location!, { headers: { cookie: session } }),
    ];
    expect(await servedSince(s, before)).toEqual([1, 1]);
    const publicKey = createPublicKey(s.authKeys.publicKeyPem);
    for (const page of pages) {
      expect(page.status).toBe(200);
      expect(echoHeader(page.body, 'x-amzn-oidc-identity')).toEqual(['alice']);
      expect(echoHeader(page.body, 'x-amzn-oidc-accesstoken')).toEqual([expect.stringMatching(/^[0-9a-f]{40}$/)]);
      const data = echoHeader(page.body, 'x-amzn-oidc-data');
      expect(data).toHaveLength(1);
      const [h, p, sig] = data[0]!.split('.');
      expect(JSON.parse(Buffer.from(h!, 'base64url').toString())).toMatchObject({
        alg: 'ES256',
        kid: s.authKeys.kid,
        iss: idp.provider.endpoints.issuer,
        client: 'web-app',
        signer: loadBalancerArn(s.model.loadBalancers[0]!),
      });
      expect(JSON.parse(Buffer.from(p!, 'base64url').toString())).toMatchObject({ sub: 'alice', groups: ['admins'] });
      // ES256 over header.payload: whichever node signed, the primary's public key verifies it
      const ok = verify(
        'sha256',
        Buffer.from(`${h}.${p}`),
        { key: publicKey, dsaEncoding: 'ieee-p1363' },
        Buffer.from(sig!, 'base64url'),
      );
      expect(ok).toBe(true);
    }
  });

  test('§4.3 a session cookie is good on both nodes, a tampered one refused (401) by both', async () => {
    const { sim: s, url } = await start(oidcSpec, { testIdpPort: 0 });
    // one connection more than in the test above: this login starts on node B and its callback lands on node A
    expect((await fetch(`${url}/`)).status).toBe(302);
    const first = await fetch(`${url}/`);
    const authorize = new URL(first.headers.location!);
    authorize.searchParams.set('login_hint', 'bob');
    const back = new URL((await fetch(authorize.toString())).headers.location!);
    const callback = await fetch(back.toString(), { headers: { cookie: cookiePairs(first.headers['set-cookie']) } });
    const session = cookiePairs(callback.headers['set-cookie']);
    const before = s.nodes().map((n) => n.requests);
    const identities: string[][] = [];
    for (let i = 0; i < 4; i++) {
      identities.push(
        echoHeader((await fetch(`${url}/`, { headers: { cookie: session } })).body, 'x-amzn-oidc-identity'),
      );
    }
    expect(identities).toEqual([['bob'], ['bob'], ['bob'], ['bob']]);
    const tampered = session.replace(/=(.)/, (_, c: string) => `=${c === 'A' ? 'B' : 'A'}`);
    const refused = [
      (await fetch(`${url}/`, { headers: { cookie: tampered } })).status,
      (await fetch(`${url}/`, { headers: { cookie: tampered } })).status,
    ];
    expect(refused).toEqual([401, 401]);
    expect(await servedSince(s, before)).toEqual([2, 2]);
  });
});

describe('workers: 2 — §5.1 mutual TLS, verify mode', () => {
  const pki = () => scratchPki('ha-sim-mtls-workers-');

  const verifyMode = (t: ReturnType<typeof albTemplate>): void => {
    const r = t.Resources as Record<string, { Properties: Record<string, unknown> }>;
    r.WebLBHttpListener1234!.Properties.MutualAuthentication = {
      Mode: 'verify',
      TrustStoreArn: { Ref: 'ClientStore' },
    };
    r.ClientStore = resource('ElasticLoadBalancingV2::TrustStore', 'Web/ClientStore/Resource', {
      Name: 'clients',
      CaCertificatesBundleS3Bucket: 'bucket',
      CaCertificatesBundleS3Key: 'ca.pem',
    }) as { Properties: Record<string, unknown> };
  };

  test('§5.1 verify on both nodes: a certificate the trust store signed gets in with the X-Amzn-Mtls-Clientcert-* headers; none, or a stranger, is refused', async () => {
    const { caFile, client, stranger } = await pki();
    const { sim: s, url } = await start({}, { trustStores: { clients: caFile } }, verifyMode);
    const before = s.nodes().map((n) => n.requests);
    const x = new X509Certificate(client.cert);
    const validity = `NotBefore=${new Date(x.validFrom).toISOString().replace('.000', '')};NotAfter=${new Date(x.validTo).toISOString().replace('.000', '')}`;
    for (let i = 0; i < 2; i++) {
      const r = await fetch(`${url}/`, { key: client.private, cert: client.cert });
      expect(r.status).toBe(200);
      expect(echoHeader(r.body, 'X-Amzn-Mtls-Clientcert-Subject')).toEqual(['CN=device-42']);
      expect(echoHeader(r.body, 'X-Amzn-Mtls-Clientcert-Issuer')).toEqual(['CN=Test Client CA']);
      expect(echoHeader(r.body, 'X-Amzn-Mtls-Clientcert-Serial-Number')).toEqual([x.serialNumber.toUpperCase()]);
      expect(echoHeader(r.body, 'X-Amzn-Mtls-Clientcert-Validity')).toEqual([validity]);
      expect(decodeURIComponent(echoHeader(r.body, 'X-Amzn-Mtls-Clientcert-Leaf')[0]!)).toBe(x.toString());
    }
    expect(await servedSince(s, before)).toEqual([1, 1]);
    // refused in the handshake (mtls_refusal), so no request reaches the exchange. Which node took a refused
    // connection is not observable (the cluster hands the next connection to whichever node acknowledged
    // its last one first, and a refusal is quick), so each kind of refusal is tried four times, in an order
    // that gives each kind both nodes when the hand-off does alternate.
    const none = () => fetch(`${url}/`);
    const strange = () => fetch(`${url}/`, { key: stranger.private, cert: stranger.cert });
    for (const attempt of [none, strange, strange, none, none, strange, strange, none]) {
      await expect(attempt()).rejects.toThrow();
    }
    // both nodes keep serving; the refusals forwarded nothing
    for (let i = 0; i < 2; i++) {
      expect((await fetch(`${url}/`, { key: client.private, cert: client.cert })).status).toBe(200);
    }
    expect((await servedSince(s, before)).reduce((a, b) => a + b, 0)).toBe(4);
  });
});
