/** Self-signed certificate for the simulator's HTTPS listeners, generated once per process. */
import { generate } from 'selfsigned';
import { DEFAULT_SSL_POLICY, SSL_POLICY_TLS_VERSIONS } from '@ha-load-balancer/spec';
import type { SecureVersion } from 'node:tls';

export interface KeyPair {
  readonly key: string;
  readonly cert: string;
}

let cached: Promise<KeyPair> | undefined;

/** A certificate for `localhost` / `127.0.0.1` (clients must skip verification or trust it). */
export function selfSignedCertificate(): Promise<KeyPair> {
  cached ??= generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    curve: 'P-256',
    notAfterDate: new Date(Date.now() + 30 * 24 * 3600 * 1000),
    extensions: [
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
        ],
      },
    ],
  }).then((p) => ({ key: p.private, cert: p.cert }));
  return cached;
}

/**
 * TLS versions for a listener's `SslPolicy` (unknown policies fall back to the default policy's range).
 * Policies that still accept TLS 1.0/1.1 need OpenSSL's security level 0, which is otherwise what makes
 * OpenSSL 3 refuse those versions whatever the configured minimum.
 */
export function tlsVersions(sslPolicy: string | undefined): {
  minVersion: SecureVersion;
  maxVersion: SecureVersion;
  ciphers?: string;
} {
  const v = SSL_POLICY_TLS_VERSIONS[sslPolicy ?? DEFAULT_SSL_POLICY] ?? SSL_POLICY_TLS_VERSIONS[DEFAULT_SSL_POLICY];
  const legacy = v.min === 'TLSv1' || v.min === 'TLSv1.1';
  return { minVersion: v.min, maxVersion: v.max, ...(legacy ? { ciphers: 'DEFAULT@SECLEVEL=0' } : {}) };
}
