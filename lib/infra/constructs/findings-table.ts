/**
 * Scan history and the layer-facts cache in one DynamoDB table
 * (single-table design: scans by repository on the base table, by digest
 * on gsi1, recent failures on the sparse gsi2, gsi3 left to the store).
 */
import { RemovalPolicy } from 'aws-cdk-lib';
import {
  AttributeType,
  BillingMode,
  type CfnTable,
  ProjectionType,
  Table,
  TableEncryption,
} from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';

/** Props of {@link FindingsTable}. */
export interface FindingsTableProps {
  /**
   * CloudFormation logical ID of the table, pinned so refactoring the
   * construct tree never replaces (and so empties) the table.
   * @default 'FindingsTable'
   */
  readonly logicalId?: string;
}

/** Names of the global secondary indexes, shared with the store adapter. */
export const FINDINGS_INDEXES = ['gsi1', 'gsi2', 'gsi3'] as const;

/**
 * The scan-history table: keys `pk`/`sk`, three string GSIs with all
 * attributes projected, TTL on `ttl`, on-demand, PITR, retained on delete.
 *
 * @example
 * const { table } = new FindingsTable(this, 'Findings');
 * table.grantReadData(fn);
 */
export class FindingsTable extends Construct {
  /** The table. */
  readonly table: Table;

  constructor(scope: Construct, id: string, props: FindingsTableProps = {}) {
    super(scope, id);
    this.table = new Table(this, 'Table', {
      partitionKey: { name: 'pk', type: AttributeType.STRING },
      sortKey: { name: 'sk', type: AttributeType.STRING },
      // Pushes come in bursts and are idle for hours: on-demand fits.
      billingMode: BillingMode.PAY_PER_REQUEST,
      timeToLiveAttribute: 'ttl',
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      // The AWS managed key (aws/dynamodb): use is logged in CloudTrail,
      // and there is no key policy to keep in step with every reader. The
      // history holds scan results of the account's own images, nothing a
      // separate key would have to fence off from the account's admins.
      encryption: TableEncryption.AWS_MANAGED,
      // History is the product; never lose it to a stack deletion.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const name of FINDINGS_INDEXES) {
      this.table.addGlobalSecondaryIndex({
        indexName: name,
        partitionKey: { name: `${name}pk`, type: AttributeType.STRING },
        sortKey: { name: `${name}sk`, type: AttributeType.STRING },
        projectionType: ProjectionType.ALL,
      });
    }
    (this.table.node.defaultChild as CfnTable).overrideLogicalId(
      props.logicalId ?? 'FindingsTable'
    );
  }
}
