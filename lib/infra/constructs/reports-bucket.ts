/**
 * Full scan reports (too big for a DynamoDB item) and overflow layer facts,
 * with their own server access log bucket.
 */
import { Duration, RemovalPolicy } from 'aws-cdk-lib';
import {
  BlockPublicAccess,
  Bucket,
  BucketEncryption,
  type CfnBucket,
  ObjectOwnership,
} from 'aws-cdk-lib/aws-s3';
import { Construct } from 'constructs';

/** Props of {@link ReportsBucket}. */
export interface ReportsBucketProps {
  /** Days a report is kept; matches the scan history's TTL. */
  readonly scanTtlDays: number;
  /**
   * CloudFormation logical ID of the bucket, pinned like the table's.
   * @default 'ReportsBucket'
   */
  readonly logicalId?: string;
}

/** Key prefix of full reports. */
export const REPORTS_PREFIX = 'reports/';
/** Key prefix of cached layer facts. */
export const LAYERS_PREFIX = 'layers/';
// A layer's facts are cheap to recompute; three months covers images that
// are rebuilt on a release cadence without keeping every layer forever.
const LAYER_FACTS_DAYS = 90;
// Access logs answer "who read this report"; a year covers an audit cycle.
const ACCESS_LOG_DAYS = 365;

/**
 * An encrypted, private, TLS-only bucket whose objects expire with the
 * history they belong to.
 *
 * @example
 * const reports = new ReportsBucket(this, 'Reports', { scanTtlDays: 365 });
 */
export class ReportsBucket extends Construct {
  /** Where reports and layer facts are stored. */
  readonly bucket: Bucket;
  /** Destination of the reports bucket's server access logs. */
  readonly accessLogs: Bucket;

  constructor(scope: Construct, id: string, props: ReportsBucketProps) {
    super(scope, id);
    this.accessLogs = new Bucket(this, 'AccessLogs', {
      // Server access logging can only deliver to SSE-S3 buckets.
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      // Object ownership is left to CDK: with the feature flag
      // @aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy (set in cdk.json)
      // delivery is granted by bucket policy, otherwise by the legacy ACL.
      lifecycleRules: [{ expiration: Duration.days(ACCESS_LOG_DAYS) }],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    this.bucket = new Bucket(this, 'Bucket', {
      // SSE-S3: readers need no key grants, and reports hold nothing the
      // account's own administrators may not see.
      encryption: BucketEncryption.S3_MANAGED,
      blockPublicAccess: BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      objectOwnership: ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.accessLogs,
      serverAccessLogsPrefix: 'reports-bucket/',
      lifecycleRules: [
        {
          id: 'reports',
          prefix: REPORTS_PREFIX,
          expiration: Duration.days(props.scanTtlDays),
        },
        {
          id: 'layers',
          prefix: LAYERS_PREFIX,
          expiration: Duration.days(LAYER_FACTS_DAYS),
        },
        // Multipart uploads cut short by a timed-out worker cost money.
        { abortIncompleteMultipartUploadAfter: Duration.days(1) },
      ],
      removalPolicy: RemovalPolicy.RETAIN,
    });
    (this.bucket.node.defaultChild as CfnBucket).overrideLogicalId(
      props.logicalId ?? 'ReportsBucket'
    );
  }
}
