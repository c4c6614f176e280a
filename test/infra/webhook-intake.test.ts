import {
  existsSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Match, type Template } from 'aws-cdk-lib/assertions';
import { AuthorizationType, MockIntegration } from 'aws-cdk-lib/aws-apigateway';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RegistryAllowlist } from '../../lib/engine/egress/allowlist.js';
import { PROVIDER_NAMES as ENGINE_PROVIDER_NAMES } from '../../lib/engine/webhooks/types.js';
import { settingsFromContext } from '../../lib/infra/context.js';
import {
  ArchScanStack,
  applyNagPacks,
  InfraConfigError,
  PROVIDER_NAMES,
  resolveArchScannerProps,
  resolveWebhookProps,
  type WebhookProps,
} from '../../lib/infra/index.js';
import {
  APP_CONTEXT,
  actionsOf,
  evaluate,
  functionId,
  roleId,
  type Statement,
  statementsOf,
  synthTemplate,
  TEST_ENV,
} from './synth.js';

const WEBHOOKS: WebhookProps = {
  providers: ['ghcr', 'dockerhub'],
  allowedRegistries: ['ghcr.io', '*.example.com'],
  coalesceSeconds: 20,
  replayWindowSeconds: 7_200,
};
const SECRET_ID = 'ScannerWebhookSecret';
const ECR_HOST = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';

interface Resource {
  Properties: Record<string, unknown>;
}

/** Every API Gateway method, keyed `METHOD /path`. */
function routesOf(template: Template): Record<string, Resource> {
  const resources = template.findResources(
    'AWS::ApiGateway::Resource'
  ) as Record<string, Resource>;
  const pathOf = (id: string): string => {
    const resource = resources[id];
    if (!resource) return '';
    const parent = resource.Properties.ParentId as { Ref?: string };
    return `${parent.Ref ? pathOf(parent.Ref) : ''}/${resource.Properties.PathPart}`;
  };
  const routes: Record<string, Resource> = {};
  const methods = template.findResources('AWS::ApiGateway::Method');
  for (const method of Object.values(methods) as Resource[]) {
    const ref = (method.Properties.ResourceId as { Ref?: string }).Ref;
    routes[`${method.Properties.HttpMethod} ${ref ? pathOf(ref) : '/'}`] =
      method;
  }
  return routes;
}

function variables(template: Template, service: string) {
  const fn = template.findResources('AWS::Lambda::Function')[
    functionId(template, service)
  ];
  return fn?.Properties.Environment.Variables as Record<string, unknown>;
}

describe('WebhookIntake', () => {
  let template: Template;
  let plain: Template;
  beforeAll(() => {
    template = synthTemplate({ webhooks: WEBHOOKS });
    plain = synthTemplate();
  });

  describe('route', () => {
    it('adds POST /webhooks/{provider} next to the history routes', () => {
      expect(Object.keys(routesOf(template)).sort()).toEqual([
        'GET /repositories/{repo+}',
        'GET /scans',
        'GET /scans/{digest}',
        'POST /webhooks/{provider}',
      ]);
      expect(Object.keys(routesOf(plain))).not.toContain(
        'POST /webhooks/{provider}'
      );
    });

    it('leaves authorization to the receiver on that route only', () => {
      const routes = routesOf(template);
      for (const [route, method] of Object.entries(routes)) {
        expect([route, method.Properties.AuthorizationType]).toEqual([
          route,
          route.startsWith('POST ') ? 'NONE' : 'AWS_IAM',
        ]);
      }
    });

    it('proxies the route to the receiver with the provider as a path parameter', () => {
      const method = routesOf(template)['POST /webhooks/{provider}'];
      expect(method?.Properties).toMatchObject({
        RequestParameters: { 'method.request.path.provider': true },
        Integration: { Type: 'AWS_PROXY', IntegrationHttpMethod: 'POST' },
      });
      expect(JSON.stringify(method?.Properties.Integration)).toContain(
        functionId(template, 'webhook-receiver')
      );
    });

    it('lets only that route invoke the receiver', () => {
      const fn = functionId(template, 'webhook-receiver');
      const permissions = Object.values(
        template.findResources('AWS::Lambda::Permission')
      ).filter((p) => JSON.stringify(p.Properties.FunctionName).includes(fn));
      expect(permissions.length).toBeGreaterThan(0);
      for (const permission of permissions) {
        expect(permission.Properties.Principal).toBe(
          'apigateway.amazonaws.com'
        );
        expect(evaluate(permission.Properties.SourceArn)).toMatch(
          /\/POST\/webhooks\/\*$/
        );
      }
    });

    it('throttles the route on its own and keeps its logs and metrics', () => {
      template.hasResourceProperties('AWS::ApiGateway::Stage', {
        MethodSettings: Match.arrayWith([
          Match.objectLike({
            HttpMethod: '*',
            ResourcePath: '/*',
            ThrottlingRateLimit: 20,
            ThrottlingBurstLimit: 40,
          }),
          {
            HttpMethod: 'POST',
            ResourcePath: '/~1webhooks~1{provider}',
            ThrottlingRateLimit: 50,
            ThrottlingBurstLimit: 100,
            LoggingLevel: 'ERROR',
            MetricsEnabled: true,
            DataTraceEnabled: false,
          },
        ]),
      });
      plain.hasResourceProperties('AWS::ApiGateway::Stage', {
        MethodSettings: [Match.objectLike({ ResourcePath: '/*' })],
      });
    });
  });

  describe('receiver', () => {
    it('gets exactly its settings, the secret by ARN only', () => {
      const env = variables(template, 'webhook-receiver');
      expect(env).toEqual({
        TABLE_NAME: { Ref: 'ScannerFindingsTable' },
        QUEUE_URL: { Ref: expect.stringMatching(/ScansQueue/) },
        WEBHOOK_SECRET_ARN: { Ref: SECRET_ID },
        WEBHOOK_PROVIDERS: '["ghcr","dockerhub"]',
        ALLOWED_REGISTRIES: '["ghcr.io","*.example.com"]',
        COALESCE_SECONDS: '20',
        REPLAY_WINDOW_SECONDS: '7200',
        POWERTOOLS_SERVICE_NAME: 'webhook-receiver',
        POWERTOOLS_METRICS_NAMESPACE: 'archscan',
        NODE_OPTIONS: '--enable-source-maps',
      });
    });

    it('applies the default windows', () => {
      const defaults = synthTemplate({
        webhooks: { providers: ['harbor'], allowedRegistries: ['h.io'] },
      });
      expect(variables(defaults, 'webhook-receiver')).toMatchObject({
        COALESCE_SECONDS: '10',
        REPLAY_WINDOW_SECONDS: '3600',
      });
    });

    it('runs with the house defaults, sized to answer fast', () => {
      template.hasResourceProperties('AWS::Lambda::Function', {
        Environment: {
          Variables: Match.objectLike({
            POWERTOOLS_SERVICE_NAME: 'webhook-receiver',
          }),
        },
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        MemorySize: 512,
        Timeout: 10,
      });
    });

    it('limits the scan worker to the allowed registries and this account’s ECR', () => {
      const env = variables(template, 'scan-worker');
      expect(JSON.parse(evaluate(env.ALLOWED_REGISTRIES))).toEqual([
        'ghcr.io',
        '*.example.com',
        ECR_HOST,
      ]);
      // Without webhooks: this account's ECR only (test/infra/functions.test.ts).
      expect(
        JSON.parse(evaluate(variables(plain, 'scan-worker').ALLOWED_REGISTRIES))
      ).toEqual([ECR_HOST]);
    });

    it('adds nothing without the webhooks setting', () => {
      expect(() => functionId(plain, 'webhook-receiver')).toThrow();
      plain.resourceCountIs('AWS::SecretsManager::Secret', 0);
      expect(Object.keys(plain.findOutputs('*'))).not.toContain(
        'WebhookBaseUrl'
      );
    });
  });

  describe('least privilege', () => {
    let statements: Statement[];
    beforeAll(() => {
      statements = statementsOf(template, roleId(template, 'webhook-receiver'));
    });

    it('allows exactly logs, traces, the secret, claims and the queue', () => {
      expect(statements).toEqual([
        {
          Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
          Effect: 'Allow',
          Resource: {
            'Fn::GetAtt': [
              expect.stringMatching(/WebhooksReceiverLogs/),
              'Arn',
            ],
          },
        },
        {
          Action: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
          Effect: 'Allow',
          Resource: '*',
        },
        {
          Action: 'secretsmanager:GetSecretValue',
          Effect: 'Allow',
          Resource: { Ref: SECRET_ID },
        },
        {
          Action: ['dynamodb:PutItem', 'dynamodb:DeleteItem'],
          Effect: 'Allow',
          Resource: { 'Fn::GetAtt': ['ScannerFindingsTable', 'Arn'] },
        },
        {
          Action: 'sqs:SendMessage',
          Effect: 'Allow',
          Resource: {
            'Fn::GetAtt': [expect.stringMatching(/ScansQueue/), 'Arn'],
          },
        },
      ]);
    });

    it('uses no wildcard action and touches no registry or bucket', () => {
      const actions = actionsOf(statements);
      expect(actions.filter((a) => a.includes('*'))).toEqual([]);
      expect(actions.filter((a) => /^(ecr|s3|sns|kms):/.test(a))).toEqual([]);
    });

    it('lets no other role of the stack read the secret', () => {
      const receiver = roleId(template, 'webhook-receiver');
      const readers = Object.values(
        template.findResources('AWS::IAM::Policy')
      ).filter((p) =>
        JSON.stringify(p.Properties.PolicyDocument).includes(SECRET_ID)
      );
      expect(readers.flatMap((p) => p.Properties.Roles)).toEqual([
        { Ref: receiver },
      ]);
      template.resourceCountIs('AWS::SecretsManager::ResourcePolicy', 0);
    });
  });

  describe('secret', () => {
    it('generates a token key in a JSON object for provider keys', () => {
      template.resourceCountIs('AWS::SecretsManager::Secret', 1);
      template.hasResourceProperties('AWS::SecretsManager::Secret', {
        GenerateSecretString: {
          SecretStringTemplate: '{}',
          GenerateStringKey: 'token',
          ExcludePunctuation: true,
          PasswordLength: 40,
        },
        SecretString: Match.absent(),
      });
    });

    it('keeps the secret under a stable logical ID when the stack goes', () => {
      template.hasResource('AWS::SecretsManager::Secret', {
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
      });
      expect(
        Object.keys(template.findResources('AWS::SecretsManager::Secret'))
      ).toEqual([SECRET_ID]);
    });
  });

  describe('outputs', () => {
    it('gives the webhook base URL under the API stage', () => {
      const outputs = template.findOutputs('*');
      const url = evaluate(outputs.WebhookBaseUrl?.Value);
      expect(url).toMatch(
        /^https:\/\/<ScannerHistoryApi\w+>\.execute-api\.eu-west-1\.amazonaws\.com\/<ScannerHistoryApiDeploymentStagev1\w+>\/webhooks\/$/
      );
    });

    it('gives the secret ARN and name', () => {
      const outputs = template.findOutputs('*');
      expect(outputs.WebhookSecretArn?.Value).toEqual({ Ref: SECRET_ID });
      expect(JSON.stringify(outputs.WebhookSecretName?.Value)).toContain(
        SECRET_ID
      );
    });
  });
});

describe('webhooks setting', () => {
  it('keeps the provider list equal to the engine’s', () => {
    expect([...PROVIDER_NAMES]).toEqual([...ENGINE_PROVIDER_NAMES]);
  });

  it('applies defaults', () => {
    expect(
      resolveArchScannerProps({
        webhooks: { providers: ['acr'], allowedRegistries: ['*.azurecr.io'] },
      }).webhooks
    ).toEqual({
      providers: ['acr'],
      allowedRegistries: ['*.azurecr.io'],
      coalesceSeconds: 10,
      replayWindowSeconds: 3600,
    });
    expect(resolveArchScannerProps().webhooks).toBeUndefined();
  });

  it('accepts ports and every provider', () => {
    const resolved = resolveArchScannerProps({
      webhooks: {
        providers: [...PROVIDER_NAMES],
        allowedRegistries: ['registry.example.com:5000', 'localhost:65535'],
        coalesceSeconds: 0,
        replayWindowSeconds: 86_400,
      },
    });
    expect(resolved.webhooks?.providers).toHaveLength(PROVIDER_NAMES.length);
  });

  const base = { providers: ['ghcr'], allowedRegistries: ['ghcr.io'] };
  it.each([
    [{ ...base, providers: [] }, /webhooks\.providers: the list is empty/],
    [{ ...base, providers: ['gitlab'] }, /webhooks\.providers: "gitlab"/],
    [{ ...base, providers: ['ghcr', 'ghcr'] }, /"ghcr" is listed twice/],
    [{ ...base, allowedRegistries: [] }, /allowedRegistries: the list is/],
    [
      { ...base, allowedRegistries: ['https://ghcr.io'] },
      /allowedRegistries: "https:\/\/ghcr\.io" is not/,
    ],
    [{ ...base, allowedRegistries: ['GHCR.io'] }, /"GHCR\.io"/],
    [{ ...base, allowedRegistries: ['ghcr.io/org'] }, /"ghcr\.io\/org"/],
    [{ ...base, allowedRegistries: ['*'] }, /allowedRegistries: "\*"/],
    [
      { ...base, allowedRegistries: ['h.io:70000'] },
      /"h\.io:70000" has a port/,
    ],
    [{ ...base, allowedRegistries: ['u:p@h.io'] }, /"u:p@h\.io"/],
    [{ ...base, allowedRegistries: ['*.io'] }, /"\*\.io" is a wildcard over/],
    [{ ...base, allowedRegistries: ['*.10.0.0.1'] }, /over an ip address/],
    [{ ...base, allowedRegistries: ['169.254.169.254'] }, /never contacts/],
    [{ ...base, allowedRegistries: ['127.1'] }, /dotted-decimal/],
    [
      {
        ...base,
        allowedRegistries: Array.from(
          { length: 60 },
          (_, i) => `registry-${i}.example.com`
        ),
      },
      /exceeds 1024 characters/,
    ],
    [{ ...base, coalesceSeconds: 901 }, /webhooks\.coalesceSeconds: 901/],
    [{ ...base, coalesceSeconds: 1.5 }, /coalesceSeconds: 1\.5/],
    [{ ...base, replayWindowSeconds: 59 }, /replayWindowSeconds: 59/],
    [{ ...base, replayWindowSeconds: 86_401 }, /replayWindowSeconds/],
  ])('rejects %j', (webhooks, message) => {
    const props = { webhooks: webhooks as WebhookProps };
    expect(() => resolveArchScannerProps(props)).toThrow(InfraConfigError);
    expect(() => resolveArchScannerProps(props)).toThrow(message);
  });
});

describe('allowedRegistries and the worker’s allowlist', () => {
  // Infrastructure checks entries itself (it may not import the engine);
  // whatever it accepts, the allowlist the worker builds must accept too.
  const accepts = (entry: string) => {
    try {
      resolveWebhookProps({ providers: ['ghcr'], allowedRegistries: [entry] });
      return true;
    } catch {
      return false;
    }
  };
  it.each([
    ['ghcr.io', true],
    ['registry.example.com:5000', true],
    ['*.azurecr.io', true],
    ['*.dkr.ecr.eu-west-1.amazonaws.com', true],
    ['10.0.0.5:5000', true],
    ['127.0.0.1', true],
    ['localhost:5000', true],
    ['docker.io', true],
    ['*.io', false],
    ['*.localhost', false],
    ['*.10.0.0.1', false],
    ['169.254.169.254', false],
    ['0.0.0.0', false],
    ['224.0.0.1', false],
    ['255.255.255.255', false],
    ['127.1', false],
    ['0x7f.0.0.1', false],
    ['host.:5000', false],
    ['h.io:0', false],
    ['https://ghcr.io', false],
    ['ghcr.io/org', false],
    ['-bad.example.com', false],
    [`${'a'.repeat(64)}.example.com`, false],
  ])('%s: accepted %s, and never looser than the engine', (entry, ok) => {
    expect(accepts(entry)).toBe(ok);
    if (ok) expect(() => RegistryAllowlist.from([entry])).not.toThrow();
  });
});

describe('archscan:webhooks context', () => {
  const read = (value: unknown) =>
    settingsFromContext((key) =>
      key === 'archscan:webhooks' ? value : undefined
    ).scanner.webhooks;

  it('reads an object from cdk.json', () => {
    expect(read(WEBHOOKS)).toEqual(WEBHOOKS);
  });

  it('reads JSON text from -c, numbers as strings included', () => {
    expect(
      read(
        '{"providers":["ghcr"],"allowedRegistries":"ghcr.io, quay.io","coalesceSeconds":"30"}'
      )
    ).toEqual({
      providers: ['ghcr'],
      allowedRegistries: ['ghcr.io', 'quay.io'],
      coalesceSeconds: 30,
    });
  });

  it('leaves webhooks off when the key is absent or empty', () => {
    expect(read(undefined)).toBeUndefined();
    expect(read('')).toBeUndefined();
  });

  it.each([
    ['{', /archscan:webhooks: "\{" is not valid JSON/],
    [['ghcr'], /archscan:webhooks: expected \{"providers"/],
    [{ ...WEBHOOKS, provider: ['ghcr'] }, /unknown key "provider"/],
    [{ ...WEBHOOKS, providers: 7 }, /webhooks\.providers: expected a list/],
    [{ ...WEBHOOKS, coalesceSeconds: 'soon' }, /coalesceSeconds: "soon"/],
  ])('rejects %j', (value, message) => {
    expect(() => read(value)).toThrow(InfraConfigError);
    expect(() => read(value)).toThrow(message);
  });
});

describe('the whole app with webhooks under cdk-nag', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  it('synthesizes with no unacknowledged finding and bundles the receiver', () => {
    // Prepare: the app as bin/app.ts builds it, webhooks set in context.
    const outdir = mkdtempSync(join(tmpdir(), 'archscan-webhooks-'));
    dirs.push(outdir);
    const app = new App({
      outdir,
      builtinCloudFormationValidation: false,
      context: {
        ...APP_CONTEXT,
        'archscan:webhooks': JSON.stringify(WEBHOOKS),
      },
    });
    const settings = settingsFromContext((key) => app.node.tryGetContext(key));
    new ArchScanStack(app, settings.stackName, {
      env: TEST_ENV,
      scanner: settings.scanner,
    });
    applyNagPacks(app);

    // Act: synth throws ValidationFailed on any unacknowledged finding.
    const assembly = app.synth();

    // Assess
    const reportFile = join(outdir, 'validation-report.json');
    const report = existsSync(reportFile)
      ? (JSON.parse(readFileSync(reportFile, 'utf8')) as {
          pluginReports: { violations: unknown[] }[];
        })
      : { pluginReports: [] };
    expect(report.pluginReports.flatMap((r) => r.violations)).toEqual([]);
    const resources = assembly.getStackByName('ArchScan').template
      .Resources as Record<string, Resource>;
    const receiver = Object.values(resources).find(
      (r) =>
        (r.Properties.Environment as { Variables?: Record<string, unknown> })
          ?.Variables?.POWERTOOLS_SERVICE_NAME === 'webhook-receiver'
    );
    // The asset directory is named after the hash in the code's S3 key.
    expect(receiver).toBeDefined();
    const key = (receiver!.Properties.Code as { S3Key: string }).S3Key;
    const bundle = join(outdir, `asset.${key.replace(/\.zip$/, '')}`);
    expect(readdirSync(bundle).sort()).toEqual(['index.mjs', 'index.mjs.map']);
  });

  it('acknowledges the missing authorizer on the webhook method only', () => {
    // Prepare: a second unauthenticated method on the same API.
    const app = new App({
      outdir: mkdtempSync(join(tmpdir(), 'archscan-webhooks-')),
      builtinCloudFormationValidation: false,
      context: { ...APP_CONTEXT, 'aws:cdk:bundling-stacks': [] },
    });
    dirs.push(app.outdir);
    const stack = new ArchScanStack(app, 'ArchScan', {
      env: TEST_ENV,
      scanner: { webhooks: WEBHOOKS },
    });
    const { api } = stack.scanner.history;
    api.root.addResource('open').addMethod('POST', new MockIntegration(), {
      authorizationType: AuthorizationType.NONE,
    });
    applyNagPacks(app);

    // Act / Assess
    expect(() => app.synth()).toThrow(/AwsSolutions-APIG4/);
  });
});
