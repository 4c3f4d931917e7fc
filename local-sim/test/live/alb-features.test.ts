/**
 * Live: §4.3 the whole login of an authenticate-oidc action against the simulator's test identity
 * provider on a socket, and §5.1 mutual TLS (verify with a local trust store, passthrough) on real TLS
 * connections. The request-level behaviour is the shared exchange's (test/virtual/alb-features.test.ts).
 */
import { X509Certificate } from 'node:crypto';
import { albTemplate, resource, tgRef } from '../model/fixtures';
import { albFeatureFixture, cookiePairs, echoHeader, fetch, OIDC_LOGIN } from './alb-clients';

const { start, pki: scratchPki } = albFeatureFixture();

describe('live: §4.3 authenticate-oidc with the test identity provider', () => {
  test('§4.3 client → 302 to the local identity provider → /oauth2/idpresponse with a code → session cookie → forwarded with x-amzn-oidc-* headers', async () => {
    const { sim: s, url } = await start(OIDC_LOGIN, {
      testIdpPort: 0,
      testIdpUsers: { alice: { groups: ['admins'] } },
    });
    const idp = s.testIdp!;
    expect(s.endpoints().testIdp).toBe(idp.url);

    // 1. no session: redirected to the test identity provider's authorization endpoint
    const first = await fetch(`${url}/private?x=1`);
    expect(first.status).toBe(302);
    const authorize = new URL(first.headers.location!);
    expect(`${authorize.origin}${authorize.pathname}`).toBe(`${idp.url}/authorize`);
    expect(authorize.searchParams.get('redirect_uri')).toBe(`${url}/oauth2/idpresponse`);

    // 2. the identity provider logs alice in and sends the browser back with a code
    authorize.searchParams.set('login_hint', 'alice');
    const login = await fetch(authorize.toString());
    expect(login.status).toBe(302);
    const back = new URL(login.headers.location!);
    expect(`${back.origin}${back.pathname}`).toBe(`${url}/oauth2/idpresponse`);
    expect(back.searchParams.get('code')).toMatch(/^[0-9a-f]{32}$/);

    // 3. the load balancer exchanges the code (token and user-info endpoints) and sets the session cookie
    const callback = await fetch(back.toString(), { headers: { cookie: cookiePairs(first.headers['set-cookie']) } });
    expect(callback.status).toBe(302);
    expect(callback.headers.location).toBe(`${url}/private?x=1`);
    const session = cookiePairs(callback.headers['set-cookie']);
    expect(session).toMatch(/^AWSELBAuthSessionCookie-0=/);

    // 4. the original URL again, with the session: forwarded with the identity headers
    const page = await fetch(callback.headers.location!, { headers: { cookie: session } });
    expect(page.status).toBe(200);
    expect(echoHeader(page.body, 'x-amzn-oidc-identity')).toEqual(['alice']);
    expect(echoHeader(page.body, 'x-amzn-oidc-accesstoken')).toHaveLength(1);
    const data = echoHeader(page.body, 'x-amzn-oidc-data')[0]!;
    const claims = JSON.parse(Buffer.from(data.split('.')[1]!, 'base64url').toString()) as Record<string, unknown>;
    expect(claims).toMatchObject({ sub: 'alice', groups: ['admins'] });
    const kid = (JSON.parse(Buffer.from(data.split('.')[0]!, 'base64url').toString()) as { kid: string }).kid;
    // the stand-in for AWS's public-key endpoint serves the key that signed it
    const key = await fetch(`${idp.url}/elb-public-keys/${kid}`);
    expect(key.body).toBe(s.authKeys.publicKeyPem);
  });

  test('§4.3 OnUnauthenticatedRequest deny on a live HTTPS listener: 401', async () => {
    const { url } = await start({
      defaultActions: [
        {
          Type: 'authenticate-cognito',
          Order: 1,
          AuthenticateCognitoConfig: {
            UserPoolArn: 'arn:aws:cognito-idp:eu-west-1:111122223333:userpool/eu-west-1_abc',
            UserPoolClientId: 'client1',
            UserPoolDomain: 'myapp',
            OnUnauthenticatedRequest: 'deny',
          },
        },
        { Type: 'forward', TargetGroupArn: tgRef('App'), Order: 2 },
      ],
    });
    expect((await fetch(`${url}/`)).status).toBe(401);
  });
});

describe('live: §5.1 mutual TLS', () => {
  const pki = () => scratchPki('ha-sim-mtls-');

  const withMtls =
    (auth: Record<string, unknown>) =>
    (t: ReturnType<typeof albTemplate>): void => {
      const r = t.Resources as Record<string, { Properties: Record<string, unknown> }>;
      r.WebLBHttpListener1234!.Properties.MutualAuthentication = auth;
      r.ClientStore = resource('ElasticLoadBalancingV2::TrustStore', 'Web/ClientStore/Resource', {
        Name: 'clients',
        CaCertificatesBundleS3Bucket: 'bucket',
        CaCertificatesBundleS3Key: 'ca.pem',
      }) as { Properties: Record<string, unknown> };
    };
  const verifyMode = withMtls({ Mode: 'verify', TrustStoreArn: { Ref: 'ClientStore' } });

  test('§5.1 verify: a certificate from the trust store gets in, with the X-Amzn-Mtls-Clientcert-* headers', async () => {
    const { caFile, client } = await pki();
    const { url } = await start({}, { trustStores: { clients: caFile } }, verifyMode);
    const r = await fetch(`${url}/`, { key: client.private, cert: client.cert });
    expect(r.status).toBe(200);
    const x = new X509Certificate(client.cert);
    expect(echoHeader(r.body, 'X-Amzn-Mtls-Clientcert-Subject')).toEqual(['CN=device-42']);
    expect(echoHeader(r.body, 'X-Amzn-Mtls-Clientcert-Issuer')).toEqual(['CN=Test Client CA']);
    expect(echoHeader(r.body, 'X-Amzn-Mtls-Clientcert-Serial-Number')).toEqual([x.serialNumber.toUpperCase()]);
    expect(echoHeader(r.body, 'X-Amzn-Mtls-Clientcert-Validity')).toEqual([
      `NotBefore=${new Date(x.validFrom).toISOString().replace('.000', '')};NotAfter=${new Date(x.validTo).toISOString().replace('.000', '')}`,
    ]);
    expect(decodeURIComponent(echoHeader(r.body, 'X-Amzn-Mtls-Clientcert-Leaf')[0]!)).toBe(x.toString());
  });

  test('§5.1 verify: a client without a certificate, or with one the trust store does not accept, is refused (mtls_refusal)', async () => {
    const { caFile, stranger } = await pki();
    const { url } = await start({}, { trustStores: { clients: caFile } }, verifyMode);
    await expect(fetch(`${url}/`)).rejects.toThrow();
    await expect(fetch(`${url}/`, { key: stranger.private, cert: stranger.cert })).rejects.toThrow();
  });

  test('§5.1 local_trust_store: verify mode without a local CA file does not start (SIM_TRUST_STORE_MISSING)', async () => {
    await expect(start({}, {}, verifyMode)).rejects.toMatchObject({ code: 'SIM_TRUST_STORE_MISSING' });
  });

  test('§5.1 passthrough: any client gets in; a presented certificate goes to the target in X-Amzn-Mtls-Clientcert', async () => {
    const { stranger } = await pki();
    const { url } = await start({}, {}, withMtls({ Mode: 'passthrough' }));
    const without = await fetch(`${url}/`);
    expect(without.status).toBe(200);
    expect(echoHeader(without.body, 'X-Amzn-Mtls-Clientcert')).toEqual([]);
    const r = await fetch(`${url}/`, { key: stranger.private, cert: stranger.cert });
    expect(r.status).toBe(200);
    const [chain] = echoHeader(r.body, 'X-Amzn-Mtls-Clientcert');
    expect(chain).not.toMatch(/[ \n]/); // URL-encoded, keeping + = /
    expect(decodeURIComponent(chain!)).toBe(new X509Certificate(stranger.cert).toString());
  });
});
