import { Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { describe, expect, it } from 'vitest';
import {
  ARCHSCAN_TABLE_INDEXES,
  archscanTableInput,
} from '../../lib/adapters/aws/table-definition.js';
import {
  FINDINGS_INDEXES,
  FindingsTable,
} from '../../lib/infra/constructs/findings-table.js';

/** Sorted copies, so order that DynamoDB ignores does not fail the test. */
function byName<T>(items: readonly T[], name: (item: T) => string): T[] {
  return [...items].sort((a, b) => name(a).localeCompare(name(b)));
}

describe('the table definition of local stores', () => {
  it('matches the keys and indexes of the FindingsTable construct', () => {
    // Prepare
    const stack = new Stack();
    new FindingsTable(stack, 'Findings');
    // Act
    const table = Object.values(
      Template.fromStack(stack).findResources('AWS::DynamoDB::Table')
    )[0]?.Properties;
    const local = archscanTableInput('archscan');
    // Assess
    expect(ARCHSCAN_TABLE_INDEXES).toEqual(FINDINGS_INDEXES);
    expect(table.KeySchema).toEqual(local.KeySchema);
    expect(table.BillingMode).toBe(local.BillingMode);
    expect(
      byName(table.AttributeDefinitions, (a: { AttributeName: string }) =>
        String(a.AttributeName)
      )
    ).toEqual(
      byName(local.AttributeDefinitions ?? [], (a) => String(a.AttributeName))
    );
    expect(
      byName(table.GlobalSecondaryIndexes, (i: { IndexName: string }) =>
        String(i.IndexName)
      )
    ).toEqual(
      byName(local.GlobalSecondaryIndexes ?? [], (i) => String(i.IndexName))
    );
  });
});
