/**
 * The CDK app: reads context and the CLI's account/Region once, builds the
 * archscan stack, and runs the cdk-nag packs, which fail synthesis on any
 * finding that is not acknowledged with a reason.
 */
import { App } from 'aws-cdk-lib';
import { settingsFromContext } from '../lib/infra/context.js';
import { ArchScanStack, applyNagPacks } from '../lib/infra/index.js';

const app = new App();
const settings = settingsFromContext((key) => app.node.tryGetContext(key));
const account = process.env.CDK_DEFAULT_ACCOUNT;
const region = process.env.CDK_DEFAULT_REGION;

new ArchScanStack(app, settings.stackName, {
  // Environment-agnostic when the CLI has no credentials (offline synth).
  ...(account && region ? { env: { account, region } } : {}),
  scanner: settings.scanner,
});
applyNagPacks(app);
app.synth();
