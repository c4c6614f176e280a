/**
 * Builds an archscan stack for template assertions. Asset bundling is
 * skipped here (the nag test bundles for real) and CDK's built-in
 * CloudFormation schema validation is off: it adds ~15 s per synth and
 * checks CDK's output, not ours.
 */
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { type ArchScannerProps, ArchScanStack } from '../../lib/infra/index.js';

/** Feature flags the app sets in cdk.json. */
export const APP_CONTEXT = {
  '@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy': true,
};

/** A fixed environment, so ARNs in assertions are concrete. */
export const TEST_ENV = { account: '123456789012', region: 'eu-west-1' };

/** Synthesizes one stack and returns its template. */
export function synthTemplate(scanner: ArchScannerProps = {}): Template {
  const app = new App({
    builtinCloudFormationValidation: false,
    context: { ...APP_CONTEXT, 'aws:cdk:bundling-stacks': [] },
  });
  const stack = new ArchScanStack(app, 'ArchScan', { env: TEST_ENV, scanner });
  return Template.fromStack(stack);
}

/**
 * Resolves the Fn::Join and Ref forms a template uses for string values:
 * `AWS::URLSuffix` as the commercial partition's, other references as
 * `<Name>`.
 */
export function evaluate(value: unknown): string {
  if (typeof value === 'string') return value;
  const v = value as Record<string, unknown>;
  if (v.Ref === 'AWS::URLSuffix') return 'amazonaws.com';
  if (typeof v.Ref === 'string') return `<${v.Ref}>`;
  const join = v['Fn::Join'] as [string, unknown[]] | undefined;
  if (join) return join[1].map(evaluate).join(join[0]);
  throw new TypeError(`cannot evaluate ${JSON.stringify(value)}`);
}

/** Logical IDs of resources of `type` whose properties match `props`. */
export function logicalIds(
  template: Template,
  type: string,
  props: object = {}
): string[] {
  return Object.keys(template.findResources(type, { Properties: props }));
}

/** The function whose Powertools service name is `service`. */
export function functionId(template: Template, service: string): string {
  const [id] = Object.entries(
    template.findResources('AWS::Lambda::Function')
  ).filter(
    ([, r]) =>
      r.Properties?.Environment?.Variables?.POWERTOOLS_SERVICE_NAME === service
  );
  if (!id) throw new TypeError(`no function with service ${service}`);
  return id[0];
}

/** The logical ID of the execution role of the function `service`. */
export function roleId(template: Template, service: string): string {
  const fn = template.findResources('AWS::Lambda::Function')[
    functionId(template, service)
  ];
  return fn?.Properties.Role['Fn::GetAtt'][0];
}

/** Every IAM statement attached to the role `role`, from all its policies. */
export function statementsOf(template: Template, role: string): Statement[] {
  return Object.values(template.findResources('AWS::IAM::Policy'))
    .filter((p) =>
      (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === role)
    )
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
}

/** An IAM statement as it appears in a template. */
export interface Statement {
  Action: string | string[];
  Effect: string;
  Resource: unknown;
}

/** The actions of statements as a flat, sorted list. */
export function actionsOf(statements: readonly Statement[]): string[] {
  return statements
    .flatMap((s) => (Array.isArray(s.Action) ? s.Action : [s.Action]))
    .sort();
}

export { Stack };
