import * as elbv2 from 'aws-cdk-lib/aws-elasticloadbalancingv2';
import { IssueCollector } from '../shared/errors';

/** Options of mutual TLS in verify mode. */
export interface MutualTlsVerifyOptions {
  /**
   * Accept client certificates that have expired.
   * @default false
   */
  readonly ignoreClientCertificateExpiry?: boolean;
  /**
   * Tell clients, during the handshake, which certificate authorities the trust store holds.
   * @default false
   */
  readonly advertiseTrustStoreCaNames?: boolean;
}

/**
 * Mutual TLS of an HTTPS listener (docs/aws-behaviour.md §5.1, §8.3): `verify` refuses clients
 * without a certificate the trust store accepts; `passthrough` hands the client's certificate chain
 * to the targets in `X-Amzn-Mtls-Clientcert*` headers without judging it.
 */
export class MutualTls {
  /** Verify client certificates against a trust store (`elbv2.TrustStore` or an imported one). */
  public static verify(trustStore: elbv2.ITrustStore, options: MutualTlsVerifyOptions = {}): MutualTls {
    return new MutualTls('verify', trustStore, options);
  }

  /** Pass the client certificate chain to the targets; the targets decide. */
  public static passthrough(): MutualTls {
    return new MutualTls('passthrough', undefined, {});
  }

  private constructor(
    public readonly mode: 'verify' | 'passthrough',
    public readonly trustStore: elbv2.ITrustStore | undefined,
    public readonly options: MutualTlsVerifyOptions,
  ) {}

  /** HTTPS listeners only; verify needs a trust store (aws-cdk-lib would throw without one). */
  public validate(issues: IssueCollector, listenerProtocol: string): void {
    if (listenerProtocol !== 'HTTPS') {
      issues.add(
        'HALB_LISTENER_MUTUAL_TLS',
        `mutualTls is set on a ${listenerProtocol} listener; allowed: mutual TLS only on HTTPS listeners.`,
      );
    }
    if (this.mode === 'verify' && !this.trustStore) {
      issues.add(
        'HALB_LISTENER_MUTUAL_TLS',
        'mutualTls verify has no trust store; allowed: MutualTls.verify(trustStore) with an elbv2.TrustStore.',
      );
    }
  }

  /** The aws-cdk-lib listener setting. */
  public toElbv2(): elbv2.MutualAuthentication {
    if (this.mode === 'passthrough') {
      return { mutualAuthenticationMode: elbv2.MutualAuthenticationMode.PASS_THROUGH };
    }
    return {
      mutualAuthenticationMode: elbv2.MutualAuthenticationMode.VERIFY,
      trustStore: this.trustStore,
      ignoreClientCertificateExpiry: this.options.ignoreClientCertificateExpiry,
      advertiseTrustStoreCaNames: this.options.advertiseTrustStoreCaNames,
    };
  }
}
