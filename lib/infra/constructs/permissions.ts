/**
 * Least-privilege grants that the L2 `grant*` helpers would make broader
 * than needed (whole-bucket reads, every ECR action), with the cdk-nag
 * acknowledgements for the wildcards that remain.
 */
import { type CfnElement, Stack, Token, Validations } from 'aws-cdk-lib';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import {
  Grant,
  type IRole,
  Policy,
  PolicyStatement,
} from 'aws-cdk-lib/aws-iam';
import type { Bucket, IBucket } from 'aws-cdk-lib/aws-s3';
import type { Construct } from 'constructs';
import { LAYERS_PREFIX, REPORTS_PREFIX } from './reports-bucket.js';

/** What an image pull needs on a repository (OCI distribution API over ECR). */
export const ECR_PULL_ACTIONS = [
  'ecr:BatchGetImage',
  'ecr:GetDownloadUrlForLayer',
  'ecr:BatchCheckLayerAvailability',
  'ecr:DescribeImages',
] as const;

/** Every repository of the stack's account and Region. */
export function allRepositoriesArn(scope: Construct): string {
  return Stack.of(scope).formatArn({
    service: 'ecr',
    resource: 'repository',
    resourceName: '*',
  });
}

/**
 * Lets `role` pull from `repositoryArns`. `ecr:GetAuthorizationToken`
 * cannot be scoped, so it sits in a policy of its own where its wildcard
 * is acknowledged without hiding any other.
 */
export function grantEcrPull(
  scope: Construct,
  role: IRole,
  repositoryArns: readonly string[] | undefined
): void {
  const auth = new Policy(scope, 'EcrAuthorizationPolicy', {
    statements: [
      new PolicyStatement({
        actions: ['ecr:GetAuthorizationToken'],
        resources: ['*'],
      }),
    ],
  });
  role.attachInlinePolicy(auth);
  Validations.of(auth).acknowledge({
    id: 'AwsSolutions-IAM5[Resource::*]',
    reason:
      'ecr:GetAuthorizationToken supports no resource-level permissions; the token only works together with the repository-scoped pull actions',
  });
  Grant.addToPrincipal({
    grantee: role,
    actions: [...ECR_PULL_ACTIONS],
    resourceArns: [...(repositoryArns ?? [allRepositoriesArn(scope)])],
  });
}

/** Read and write of reports and layer facts, nothing else in the bucket. */
export function grantReportsReadWrite(bucket: Bucket, role: IRole): void {
  for (const prefix of [REPORTS_PREFIX, LAYERS_PREFIX]) {
    bucket.grants.actionsOnObjectKeys(
      role,
      `${prefix}*`,
      's3:GetObject',
      's3:PutObject'
    );
  }
  // Without ListBucket a missing key answers 403 instead of 404, and a
  // layer-cache miss would look like a permissions fault.
  Grant.addToPrincipal({
    grantee: role,
    actions: ['s3:ListBucket'],
    resourceArns: [bucket.bucketArn],
  });
}

/** Read of full reports only. */
export function grantReportsRead(bucket: Bucket, role: IRole): void {
  bucket.grants.actionsOnObjectKeys(role, `${REPORTS_PREFIX}*`, 's3:GetObject');
}

/**
 * Acknowledges the wildcards that scoped grants still contain, on the
 * role's default policy only.
 */
export function acknowledgeScopedWildcards(
  role: IRole,
  findings: {
    readonly table?: ITable;
    readonly bucket?: IBucket;
    readonly prefixes?: readonly string[];
    readonly kms?: boolean;
    /**
     * Repositories granted pull: 'all' for the account-wide default, or
     * the deployer's ARNs (those with wildcards are acknowledged).
     */
    readonly ecr?: 'all' | readonly string[];
  }
): void {
  const policy = role.node.findChild('DefaultPolicy');
  const stack = Stack.of(role);
  const acks: { id: string; reason: string }[] = [];
  if (findings.table) {
    const id = logicalId(stack, findings.table);
    acks.push({
      id: `AwsSolutions-IAM5[Resource::<${id}.Arn>/index/*]`,
      reason:
        'CDK table grants also name the table indexes (queries by digest and recent failures run on gsi1-gsi3); the wildcard covers only this table own indexes',
    });
  }
  if (findings.bucket) {
    const id = logicalId(stack, findings.bucket);
    for (const prefix of findings.prefixes ?? []) {
      acks.push({
        id: `AwsSolutions-IAM5[Resource::<${id}.Arn>/${prefix}*]`,
        reason: `objects under ${prefix} are keyed by digest and not known in advance; the grant names only that prefix`,
      });
    }
  }
  if (findings.kms) {
    acks.push({
      id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
      reason:
        'publishing to a KMS-encrypted topic needs a data key; the grant is on the topic key alone',
    });
  }
  if (findings.ecr === 'all') {
    acks.push({
      id: `AwsSolutions-IAM5[Resource::${nagArn(stack)}]`,
      reason:
        'by default every repository of this account and Region may be scanned (pull actions only); narrow it with the repositoryArns setting',
    });
  }
  for (const arn of findings.ecr === 'all' ? [] : (findings.ecr ?? [])) {
    if (Token.isUnresolved(arn) || !arn.includes('*')) continue;
    acks.push({
      id: `AwsSolutions-IAM5[Resource::${arn}]`,
      reason:
        'the deployer chose this repository pattern in repositoryArns; the grant is pull-only',
    });
  }
  if (acks.length > 0) Validations.of(policy).acknowledge(...acks);
}

// How cdk-nag prints the default repository ARN: pseudo parameters in
// angle brackets, concrete account and Region when the stack has them.
function nagArn(stack: Stack): string {
  const show = (value: string, pseudo: string) =>
    Token.isUnresolved(value) ? `<AWS::${pseudo}>` : value;
  return `arn:<AWS::Partition>:ecr:${show(stack.region, 'Region')}:${show(stack.account, 'AccountId')}:repository/*`;
}

// Resolves the element's logicalId token, which honours overrideLogicalId
// (Stack.getLogicalId would return the path-derived name instead).
function logicalId(stack: Stack, resource: ITable | IBucket): string {
  const cfn = resource.node.defaultChild as CfnElement;
  return stack.resolve(cfn.logicalId) as string;
}
