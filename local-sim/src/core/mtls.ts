/**
 * Mutual TLS headers (docs/aws-behaviour.md §5.1): what the load balancer tells targets about the
 * client certificate. `verify` mode: the leaf's serial number (hex), issuer and subject (RFC 2253),
 * validity (`NotBefore=...;NotAfter=...`, ISO 8601 in UTC without fractions) and the leaf itself;
 * `passthrough`: the whole chain the client sent, leaf first. Certificates are URL-encoded PEM with
 * `+`, `=` and `/` left as they are. Whether a client gets in at all is decided by the TLS handshake
 * in the live shell (simulator choice `mtls_refusal`).
 *
 * Pure: node:crypto's X509Certificate parses, it does no I/O.
 */
import { X509Certificate } from 'node:crypto';
import type { MutualAuthenticationModel } from '../model/types';
import type { HeaderList } from './headers';

/** URL-encode a PEM block, keeping `+`, `=` and `/` (§5.1). */
export function encodePem(pem: string): string {
  return encodeURIComponent(pem).replace(/%2B/g, '+').replace(/%3D/g, '=').replace(/%2F/g, '/');
}

/** `2023-09-21T01:50:17Z` from an X509 date (`Sep 21 01:50:17 2023 GMT`). */
function isoSeconds(text: string): string {
  return new Date(text).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * RFC 2253 form of a distinguished name as node prints it (one `TYPE=value` per line, most significant
 * first): reversed, comma-separated, with `,+"\<>;` escaped.
 */
export function rfc2253(name: string): string {
  return name
    .split('\n')
    .filter((l) => l !== '')
    .reverse()
    .map((l) => {
      const eq = l.indexOf('=');
      const value = l
        .slice(eq + 1)
        .replace(/[,+"\\<>;]/g, (c) => `\\${c}`)
        .replace(/^[ #]/, (c) => `\\${c}`)
        .replace(/ $/, '\\ ');
      return `${l.slice(0, eq)}=${value}`;
    })
    .join(',');
}

/** The headers for a client that presented `chain` (PEM blocks, leaf first); none without a chain. */
export function mtlsHeaders(mtls: MutualAuthenticationModel, chain: readonly string[] | undefined): HeaderList {
  if (!chain || chain.length === 0) return [];
  const n = mtls.headerNames;
  if (mtls.mode === 'passthrough') return [[n.clientcert, chain.map(encodePem).join('')]];
  const leaf = new X509Certificate(chain[0]);
  return [
    [n.serialNumber, leaf.serialNumber.toUpperCase()],
    [n.issuer, rfc2253(leaf.issuer)],
    [n.subject, rfc2253(leaf.subject)],
    [n.validity, `NotBefore=${isoSeconds(leaf.validFrom)};NotAfter=${isoSeconds(leaf.validTo)}`],
    [n.leaf, encodePem(chain[0])],
  ];
}
