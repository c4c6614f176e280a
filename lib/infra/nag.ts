/**
 * The cdk-nag packs every archscan app runs: AWS Solutions and Serverless.
 * In cdk-nag v3 they are CDK policy-validation plugins, so any finding that
 * is not acknowledged (`Validations.of(x).acknowledge`) fails synthesis.
 */
import { type App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';

/**
 * Registers the AWS Solutions and Serverless packs on `app`.
 *
 * @example
 * const app = new App();
 * new ArchScanStack(app, 'ArchScan', { scanner: {} });
 * applyNagPacks(app);
 */
export function applyNagPacks(app: App): void {
  Validations.of(app).addPlugins(
    new AwsSolutionsChecks(app),
    new ServerlessChecks(app)
  );
}
