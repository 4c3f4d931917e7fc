import { Duration, RemovalPolicy, Stack, Token } from 'aws-cdk-lib';
import * as s3 from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';
import { ACCESS_LOG_FORBIDDEN_PREFIX_TEXT } from '@ha-load-balancer/spec';
import { isUnresolved, IssueCollector } from './errors';

/** Where access logs (or connection logs) go. */
export interface AccessLogOptions {
  /**
   * Bucket to write to, in the load balancer's Region, encrypted with SSE-S3.
   * @default a new bucket with encryption, TLS-only access, blocked public access and the policy AWS requires
   */
  readonly bucket?: s3.IBucket;
  /**
   * Key prefix; must not contain `AWSLogs`.
   * @default no prefix
   */
  readonly prefix?: string;
}

/** Which log a check is about: its prop name and the code family of its errors. */
export interface LogKind {
  readonly prop: 'accessLogs' | 'connectionLogs';
  readonly code: 'ACCESS' | 'CONNECTION';
}

export const ACCESS_LOGS: LogKind = { prop: 'accessLogs', code: 'ACCESS' };
export const CONNECTION_LOGS: LogKind = { prop: 'connectionLogs', code: 'CONNECTION' };

/**
 * Log destinations ELB can write to (docs/aws-behaviour.md §8.2): a prefix without `AWSLogs`, an
 * SSE-S3 bucket (not SSE-KMS) in the load balancer's own Region, and a stack whose Region is known
 * (the bucket policy names that Region's log-delivery principal; aws-cdk-lib cannot write it otherwise).
 */
export function validateLogs(
  issues: IssueCollector,
  kind: LogKind,
  option: boolean | AccessLogOptions | undefined,
  scope: Construct,
): void {
  if (!option) return;
  const opts: AccessLogOptions = option === true ? {} : option;
  const region = Stack.of(scope).region;
  if (Token.isUnresolved(region)) {
    issues.add(
      `HALB_${kind.code}_LOGS_REGION`,
      `${kind.prop} is on in a stack without a Region; allowed: ${kind.prop} in a stack with env: { region } (the log bucket's policy names the Region's Elastic Load Balancing account).`,
    );
  }
  if (
    opts.prefix !== undefined &&
    !isUnresolved(opts.prefix) &&
    opts.prefix.includes(ACCESS_LOG_FORBIDDEN_PREFIX_TEXT)
  ) {
    issues.add(
      `HALB_${kind.code}_LOG_PREFIX`,
      `${kind.prop}.prefix is '${opts.prefix}'; allowed: a prefix that does not contain '${ACCESS_LOG_FORBIDDEN_PREFIX_TEXT}'.`,
    );
  }
  const bucket = opts.bucket;
  if (!bucket) return;
  if (bucket.encryptionKey) {
    issues.add(
      `HALB_${kind.code}_LOG_BUCKET_ENCRYPTION`,
      `${kind.prop}.bucket ${bucket.node.path} is encrypted with a KMS key; allowed: a bucket encrypted with SSE-S3 (Elastic Load Balancing cannot write to SSE-KMS buckets).`,
    );
  }
  const bucketRegion = bucket.env.region;
  if (!Token.isUnresolved(region) && !Token.isUnresolved(bucketRegion) && bucketRegion !== region) {
    issues.add(
      `HALB_${kind.code}_LOG_BUCKET_REGION`,
      `${kind.prop}.bucket ${bucket.node.path} is in ${bucketRegion}; allowed: a bucket in the load balancer's Region, ${region}.`,
    );
  }
}

/** A bucket for ELB logs: SSE-S3, TLS only, no public access, versioned, kept a year. */
export function newLogBucket(scope: Construct, id: string): s3.Bucket {
  return new s3.Bucket(scope, id, {
    encryption: s3.BucketEncryption.S3_MANAGED,
    enforceSSL: true,
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    versioned: true,
    removalPolicy: RemovalPolicy.RETAIN,
    lifecycleRules: [{ expiration: Duration.days(365), noncurrentVersionExpiration: Duration.days(30) }],
  });
}
