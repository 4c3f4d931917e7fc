/**
 * The load balancer's own authentication keys (docs/aws-behaviour.md §4.3): an ECDSA P-256 key that
 * signs `x-amzn-oidc-data` (ES256) and a secret for session cookies and state parameters. AWS publishes
 * the public key at `https://public-keys.auth.elb.<region>.amazonaws.com/<kid>`; the simulator hands it
 * out with `publicKeyPem` (the test identity provider serves it at `/elb-public-keys/<kid>`).
 * Made by the shells (live, virtual) and injected into the pure core; `--workers` nodes get the same
 * keys (`AuthKeyMaterial`), so a session cookie from one node is good on every other.
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, type KeyObject } from 'node:crypto';
import type { AuthKeys } from '../core/authenticate';

export interface LoadBalancerAuthKeys extends AuthKeys {
  /** PEM of the public key of `kid` (SPKI), as AWS's public-key endpoint serves it. */
  readonly publicKeyPem: string;
  /** What another process needs to make the same keys (`authKeysFrom`). */
  readonly material: AuthKeyMaterial;
}

/** The keys as plain data (structured-clone safe, for the node processes of `--workers`). */
export interface AuthKeyMaterial {
  readonly kid: string;
  readonly secret: Uint8Array;
  /** PKCS#8 PEM of the signing key. */
  readonly privateKeyPem: string;
}

/**
 * New keys. `kid` is a UUID-shaped id like AWS's; `secret` random unless given (the virtual shell
 * passes one derived from its seed so its runs repeat).
 */
export function createAuthKeys(options: { secret?: Buffer } = {}): LoadBalancerAuthKeys {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const h = randomBytes(16).toString('hex');
  return keys(
    `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`,
    options.secret ?? randomBytes(32),
    privateKey,
  );
}

/** The keys `material` describes (another process's `createAuthKeys`). */
export function authKeysFrom(material: AuthKeyMaterial): LoadBalancerAuthKeys {
  return keys(material.kid, Buffer.from(material.secret), createPrivateKey(material.privateKeyPem));
}

function keys(kid: string, secret: Buffer, privateKey: KeyObject): LoadBalancerAuthKeys {
  return {
    kid,
    secret,
    sign: (data) => sign('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' }),
    publicKeyPem: createPublicKey(privateKey).export({ format: 'pem', type: 'spki' }).toString(),
    material: {
      kid,
      secret: new Uint8Array(secret),
      privateKeyPem: privateKey.export({ format: 'pem', type: 'pkcs8' }).toString(),
    },
  };
}
