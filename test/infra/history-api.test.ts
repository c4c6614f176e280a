import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { functionId, synthTemplate } from './synth.js';

interface Resource {
  Properties: Record<string, unknown>;
}

/** Full path of an API Gateway resource, walking its parents. */
function pathOf(resources: Record<string, Resource>, id: string): string {
  const resource = resources[id];
  if (!resource) return '';
  const parent = resource.Properties.ParentId as { Ref?: string };
  return `${parent.Ref ? pathOf(resources, parent.Ref) : ''}/${resource.Properties.PathPart}`;
}

describe('HistoryApi', () => {
  let template: Template;
  let routes: Record<string, Resource>;
  beforeAll(() => {
    template = synthTemplate();
    const resources = template.findResources(
      'AWS::ApiGateway::Resource'
    ) as Record<string, Resource>;
    const methods = template.findResources('AWS::ApiGateway::Method') as Record<
      string,
      Resource
    >;
    routes = {};
    for (const method of Object.values(methods)) {
      const ref = (method.Properties.ResourceId as { Ref?: string }).Ref;
      const path = ref ? pathOf(resources, ref) : '/';
      routes[`${method.Properties.HttpMethod} ${path}`] = method;
    }
  });

  it('serves exactly the three history routes', () => {
    expect(Object.keys(routes).sort()).toEqual([
      'GET /repositories/{repo+}',
      'GET /scans',
      'GET /scans/{digest}',
    ]);
  });

  it('requires IAM authorization on every method', () => {
    for (const method of Object.values(routes)) {
      expect(method.Properties.AuthorizationType).toBe('AWS_IAM');
    }
  });

  it('proxies every method to the history function', () => {
    const fn = functionId(template, 'history-api');
    for (const method of Object.values(routes)) {
      expect(method.Properties.Integration).toMatchObject({
        Type: 'AWS_PROXY',
        IntegrationHttpMethod: 'POST',
      });
      expect(JSON.stringify(method.Properties.Integration)).toContain(fn);
    }
  });

  it('validates the path parameters', () => {
    template.hasResourceProperties('AWS::ApiGateway::RequestValidator', {
      ValidateRequestParameters: true,
    });
    expect(routes['GET /scans/{digest}']?.Properties).toMatchObject({
      RequestParameters: { 'method.request.path.digest': true },
      RequestValidatorId: expect.anything(),
    });
    expect(routes['GET /repositories/{repo+}']?.Properties).toMatchObject({
      RequestParameters: {
        'method.request.path.repo': true,
        'method.request.querystring.limit': false,
      },
    });
  });

  it('traces, throttles and writes JSON access logs on the stage', () => {
    template.hasResourceProperties('AWS::ApiGateway::Stage', {
      StageName: 'v1',
      TracingEnabled: true,
      AccessLogSetting: {
        DestinationArn: {
          'Fn::GetAtt': [Match.stringLikeRegexp('HistoryAccessLogs'), 'Arn'],
        },
        Format: Match.stringLikeRegexp('"requestId":"\\$context.requestId"'),
      },
      MethodSettings: [
        Match.objectLike({
          HttpMethod: '*',
          ResourcePath: '/*',
          LoggingLevel: 'ERROR',
          ThrottlingRateLimit: 20,
          ThrottlingBurstLimit: 40,
        }),
      ],
    });
  });

  it('is a regional endpoint', () => {
    template.hasResourceProperties('AWS::ApiGateway::RestApi', {
      EndpointConfiguration: { Types: ['REGIONAL'] },
    });
  });
});
