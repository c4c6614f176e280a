import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { synthTemplate } from './synth.js';

describe('FindingsTable and ReportsBucket', () => {
  let template: Template;
  beforeAll(() => {
    // Prepare / Act: one synth for the file.
    template = synthTemplate({ scanTtlDays: 200 });
  });

  it('creates exactly one table with pk/sk string keys, on demand', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasResourceProperties('AWS::DynamoDB::Table', {
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      TimeToLiveSpecification: { AttributeName: 'ttl', Enabled: true },
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
      // SSEEnabled without a key ID is the AWS managed key aws/dynamodb.
      SSESpecification: { SSEEnabled: true, KMSMasterKeyId: Match.absent() },
    });
  });

  it('declares every key attribute as a string', () => {
    const table = Object.values(
      template.findResources('AWS::DynamoDB::Table')
    )[0];
    const attributes = table?.Properties.AttributeDefinitions as {
      AttributeName: string;
      AttributeType: string;
    }[];
    expect(attributes.map((a) => a.AttributeName).sort()).toEqual([
      'gsi1pk',
      'gsi1sk',
      'gsi2pk',
      'gsi2sk',
      'gsi3pk',
      'gsi3sk',
      'pk',
      'sk',
    ]);
    expect(new Set(attributes.map((a) => a.AttributeType))).toEqual(
      new Set(['S'])
    );
  });

  it.each(['gsi1', 'gsi2', 'gsi3'])(
    'has %s with its own keys, ALL projected',
    (name) => {
      template.hasResourceProperties('AWS::DynamoDB::Table', {
        GlobalSecondaryIndexes: Match.arrayWith([
          {
            IndexName: name,
            KeySchema: [
              { AttributeName: `${name}pk`, KeyType: 'HASH' },
              { AttributeName: `${name}sk`, KeyType: 'RANGE' },
            ],
            Projection: { ProjectionType: 'ALL' },
          },
        ]),
      });
    }
  );

  it('keeps the table under a stable logical ID when the stack is deleted', () => {
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      UpdateReplacePolicy: 'Retain',
    });
    expect(Object.keys(template.findResources('AWS::DynamoDB::Table'))).toEqual(
      ['ScannerFindingsTable']
    );
  });

  it('makes the reports bucket private, encrypted, TLS-only and retained', () => {
    template.hasResource('AWS::S3::Bucket', {
      DeletionPolicy: 'Retain',
      Properties: Match.objectLike({
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [
            { ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } },
          ],
        },
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        LoggingConfiguration: Match.objectLike({
          LogFilePrefix: 'reports-bucket/',
        }),
      }),
    });
    expect(Object.keys(template.findResources('AWS::S3::Bucket'))).toContain(
      'ScannerReportsBucket'
    );
    template.hasResourceProperties('AWS::S3::BucketPolicy', {
      Bucket: { Ref: 'ScannerReportsBucket' },
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Effect: 'Deny',
            Condition: { Bool: { 'aws:SecureTransport': 'false' } },
          }),
        ]),
      },
    });
  });

  it('expires reports after scanTtlDays and layer facts after 90 days', () => {
    template.hasResourceProperties('AWS::S3::Bucket', {
      LifecycleConfiguration: {
        Rules: Match.arrayWith([
          Match.objectLike({ Prefix: 'reports/', ExpirationInDays: 200 }),
          Match.objectLike({ Prefix: 'layers/', ExpirationInDays: 90 }),
        ]),
      },
    });
  });

  it('sends server access logs to a private log bucket of its own', () => {
    template.resourceCountIs('AWS::S3::Bucket', 2);
    const bucket =
      template.findResources('AWS::S3::Bucket').ScannerReportsBucket;
    const target =
      bucket?.Properties.LoggingConfiguration.DestinationBucketName;
    expect(target).toEqual({ Ref: expect.stringMatching(/AccessLogs/) });
  });
});
