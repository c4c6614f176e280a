/**
 * API Gateway REST (v1 payload) proxy events and a Lambda context, shaped
 * as the Lambda developer guide's "Example event" for `apigateway-aws-proxy`,
 * for handler tests in process.
 */
import type { APIGatewayProxyEvent, Context } from 'aws-lambda';

export interface RestRequest {
  /** Request path without stage or query, e.g. `/scans`. */
  path: string;
  /** API Gateway resource template matched, e.g. `/scans/{digest}`. */
  resource: string;
  pathParameters?: Record<string, string>;
  query?: Record<string, string>;
  method?: string;
}

/** A `GET` proxy event with the fields API Gateway sends. */
export function restEvent(request: RestRequest): APIGatewayProxyEvent {
  const query = request.query ?? {};
  const hasQuery = Object.keys(query).length > 0;
  return {
    resource: request.resource,
    path: request.path,
    httpMethod: request.method ?? 'GET',
    headers: {
      Accept: 'application/json',
      Host: 'abc123.execute-api.us-east-1.amazonaws.com',
      'User-Agent': 'curl/8.5.0',
      'X-Forwarded-Proto': 'https',
    },
    multiValueHeaders: {
      Accept: ['application/json'],
      Host: ['abc123.execute-api.us-east-1.amazonaws.com'],
      'User-Agent': ['curl/8.5.0'],
      'X-Forwarded-Proto': ['https'],
    },
    queryStringParameters: hasQuery ? query : null,
    multiValueQueryStringParameters: hasQuery
      ? Object.fromEntries(Object.entries(query).map(([k, v]) => [k, [v]]))
      : null,
    pathParameters: request.pathParameters ?? null,
    stageVariables: null,
    requestContext: {
      accountId: '123456789012',
      apiId: 'abc123',
      authorizer: null,
      domainName: 'abc123.execute-api.us-east-1.amazonaws.com',
      domainPrefix: 'abc123',
      extendedRequestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
      httpMethod: request.method ?? 'GET',
      identity: {
        accessKey: null,
        accountId: null,
        apiKey: null,
        apiKeyId: null,
        caller: null,
        clientCert: null,
        cognitoAuthenticationProvider: null,
        cognitoAuthenticationType: null,
        cognitoIdentityId: null,
        cognitoIdentityPoolId: null,
        principalOrgId: null,
        sourceIp: '192.0.2.10',
        user: null,
        userAgent: 'curl/8.5.0',
        userArn: null,
      },
      path: `/prod${request.path}`,
      protocol: 'HTTP/1.1',
      requestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
      requestTime: '25/Nov/2026:12:00:00 +0000',
      requestTimeEpoch: 1_795_608_000_000,
      resourceId: 'abc123',
      resourcePath: request.resource,
      stage: 'prod',
    },
    body: null,
    isBase64Encoded: false,
  };
}

/** A Lambda context for in-process invocations. */
export function lambdaContext(): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'archscan-history-api',
    functionVersion: '$LATEST',
    invokedFunctionArn:
      'arn:aws:lambda:us-east-1:123456789012:function:archscan-history-api',
    memoryLimitInMB: '256',
    awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e8deadbeef',
    logGroupName: '/aws/lambda/archscan-history-api',
    logStreamName: '2026/11/25/[$LATEST]abcdef',
    getRemainingTimeInMillis: () => 10_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
