/** Self-signed certificate for the simulator's HTTPS listeners, generated once per process. */
import { generate } from 'selfsigned';
import { DEFAULT_SSL_POLICY, SSL_POLICY_TLS_VERSIONS } from '@ha-load-balancer/spec';
import { X509Certificate } from 'node:crypto';
import type * as tls from 'node:tls';
import type { SecureVersion } from 'node:tls';
import { SimulatorError } from '../errors';
import type { ListenerModel } from '../model/types';

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

/**
 * Server options of an HTTPS listener's mutual TLS (§5.1): `passthrough` asks for a certificate and
 * takes whatever comes (or none); `verify` accepts only a chain to a CA of the trust store, whose bundle
 * is a local PEM file (simulator choice `local_trust_store`), and refuses the client in the handshake
 * (simulator choice `mtls_refusal`). With `IgnoreClientCertificateExpiry` the check after the handshake
 * (`clientAccepted`) lets an expired certificate through.
 */
export function mutualTlsOptions(
  listener: ListenerModel,
  trustStorePem: string | undefined,
): { requestCert?: boolean; rejectUnauthorized?: boolean; ca?: string } {
  const m = listener.mutualAuthentication;
  if (!m) return {};
  if (m.mode === 'passthrough') return { requestCert: true, rejectUnauthorized: false };
  if (trustStorePem === undefined) {
    throw new SimulatorError(
      'SIM_TRUST_STORE_MISSING',
      `listener ${listener.id} verifies client certificates with trust store ${m.trustStore?.name ?? m.trustStore?.id ?? '(none)'}, whose CA bundle is in S3; give a local PEM file with --trust-store NAME=FILE (or "trustStores" in the config file)`,
    );
  }
  return { requestCert: true, rejectUnauthorized: !m.ignoreClientCertificateExpiry, ca: trustStorePem };
}

/** §5.1 verify mode with `IgnoreClientCertificateExpiry`: a chain to the trust store, expired or not. */
export function clientAccepted(listener: ListenerModel, socket: tls.TLSSocket): boolean {
  const m = listener.mutualAuthentication;
  if (!m || m.mode !== 'verify' || !m.ignoreClientCertificateExpiry || socket.authorized) return true;
  const err = socket.authorizationError as (Error & { code?: string }) | string | null | undefined;
  const code = typeof err === 'string' ? err : err?.code;
  return code === 'CERT_HAS_EXPIRED' && socket.getPeerCertificate().raw !== undefined;
}

/**
 * The certificate chain a client presented, PEM, leaf first (§5.1 mTLS headers); undefined without
 * one. Read once per connection, only on listeners with mutual TLS.
 */
export function clientCertificateChain(socket: tls.TLSSocket): string[] | undefined {
  const leaf = socket.getPeerCertificate(true);
  if (!leaf?.raw) return undefined;
  const chain: string[] = [];
  const seen = new Set<tls.DetailedPeerCertificate>();
  for (let c: tls.DetailedPeerCertificate | undefined = leaf; c?.raw && !seen.has(c); c = c.issuerCertificate) {
    seen.add(c);
    chain.push(new X509Certificate(c.raw).toString());
  }
  return chain;
}
