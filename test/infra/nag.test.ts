import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { afterAll, describe, expect, it } from 'vitest';
import { settingsFromContext } from '../../lib/infra/context.js';
import {
  ArchScanner,
  ArchScanStack,
  applyNagPacks,
} from '../../lib/infra/index.js';
import { APP_CONTEXT, TEST_ENV } from './synth.js';

const dirs: string[] = [];

/**
 * Builds the app the way bin/app.ts does (context → settings → stack →
 * nag packs) with real esbuild bundling, and synthesizes it.
 */
function synthApp(context: Record<string, unknown>) {
  const outdir = mkdtempSync(join(tmpdir(), 'archscan-nag-'));
  dirs.push(outdir);
  const app = new App({
    outdir,
    builtinCloudFormationValidation: false,
    context: { ...APP_CONTEXT, ...context },
  });
  const settings = settingsFromContext((key) => app.node.tryGetContext(key));
  new ArchScanStack(app, settings.stackName, {
    env: TEST_ENV,
    scanner: settings.scanner,
  });
  applyNagPacks(app);
  return { assembly: app.synth(), outdir };
}

describe('the whole app under cdk-nag (AwsSolutions, Serverless)', () => {
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it.each([
    ['defaults', {}],
    [
      'Slack, emails and repository settings',
      {
        'archscan:emails': ['team@example.com'],
        'archscan:slackWebhookSecretArn':
          'arn:aws:secretsmanager:eu-west-1:123456789012:secret:slack-AbCdEf',
        'archscan:repositoryArns': [
          'arn:aws:ecr:eu-west-1:123456789012:repository/prod/*',
        ],
        'archscan:repositoryFilter': ['prod/'],
      },
    ],
    ['Amazon Q Developer', { 'archscan:chatNotifications': 'q-developer' }],
  ])('synthesizes with no unacknowledged finding: %s', (_name, context) => {
    // Act: synth throws ValidationFailed on any unacknowledged finding.
    const { assembly, outdir } = synthApp(context);

    // Assess: a report, if written, holds no violation.
    const reportFile = join(outdir, 'validation-report.json');
    const report = existsSync(reportFile)
      ? (JSON.parse(readFileSync(reportFile, 'utf8')) as {
          pluginReports: { violations: unknown[] }[];
        })
      : { pluginReports: [] };
    expect(report.pluginReports.flatMap((r) => r.violations)).toEqual([]);
    expect(assembly.getStackByName('ArchScan').stackName).toBe('ArchScan');
    // Every function was bundled by local esbuild into an ESM file.
    const bundles = readdirSync(outdir).filter((d) => d.startsWith('asset.'));
    expect(bundles.length).toBeGreaterThanOrEqual(3);
    for (const bundle of bundles) {
      expect(existsSync(join(outdir, bundle, 'index.mjs'))).toBe(true);
      expect(existsSync(join(outdir, bundle, 'index.mjs.map'))).toBe(true);
    }
  });

  it('passes as a library construct in a stack without the app flags', () => {
    // Prepare: no cdk.json feature flags, an environment-agnostic stack.
    const app = new App({
      outdir: mkdtempSync(join(tmpdir(), 'archscan-nag-')),
      builtinCloudFormationValidation: false,
      context: { 'aws:cdk:bundling-stacks': [] },
    });
    dirs.push(app.outdir);
    const stack = new Stack(app, 'Platform');
    new ArchScanner(stack, 'Scanner', { emails: ['team@example.com'] });
    applyNagPacks(app);

    // Act / Assess
    expect(() => app.synth()).not.toThrow();
  });

  it('refuses to synthesize an unacknowledged finding', () => {
    const app = new App({
      outdir: mkdtempSync(join(tmpdir(), 'archscan-nag-')),
      builtinCloudFormationValidation: false,
      context: { ...APP_CONTEXT, 'aws:cdk:bundling-stacks': [] },
    });
    dirs.push(app.outdir);
    const stack = new ArchScanStack(app, 'ArchScan', { env: TEST_ENV });
    // A queue without TLS enforcement or a DLQ breaks several rules.
    new Queue(stack, 'Careless', { encryption: QueueEncryption.UNENCRYPTED });
    applyNagPacks(app);
    expect(() => app.synth()).toThrow(/AwsSolutions-SQS4/);
  });
});
