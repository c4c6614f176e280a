import { describe, expect, it } from 'vitest';
import { DynamoScanStore } from '../../../lib/adapters/aws/dynamo-scan-store.js';
import { HistoryApiClient } from '../../../lib/adapters/http/history-api-client.js';
import { openHistorySource } from '../../../lib/cli/history-source.js';
import { ConfigError } from '../../../lib/engine/errors.js';

const LOCAL = { region: 'eu-west-1', endpoint: 'http://127.0.0.1:8000' };

describe('openHistorySource', () => {
  it.each([
    [{ table: 'archscan', ...LOCAL }, {}, DynamoScanStore],
    [{ api: 'http://127.0.0.1:8080' }, {}, HistoryApiClient],
    [{ ...LOCAL }, { ARCHSCAN_TABLE: 'archscan' }, DynamoScanStore],
    [{}, { ARCHSCAN_API: 'http://127.0.0.1:8080' }, HistoryApiClient],
    // A flag wins over the other source's variable.
    [
      { table: 'archscan', ...LOCAL },
      { ARCHSCAN_API: 'http://127.0.0.1:8080' },
      DynamoScanStore,
    ],
    [
      { api: 'http://127.0.0.1:8080' },
      { ARCHSCAN_TABLE: 'archscan' },
      HistoryApiClient,
    ],
    // An empty variable counts as unset.
    [
      {},
      { ARCHSCAN_TABLE: '', ARCHSCAN_API: 'http://127.0.0.1:8080' },
      HistoryApiClient,
    ],
  ])('opens %j with %j as the right store', (options, env, kind) => {
    expect(openHistorySource(options, env)).toBeInstanceOf(kind);
  });

  it('takes the API address and token from the environment', () => {
    // Act
    const store = openHistorySource(
      { api: 'https://history.example.com/prod/?x=1' },
      { ARCHSCAN_API_TOKEN: 'history-api-token-0123456789' }
    );

    // Assess
    expect(store).toBeInstanceOf(HistoryApiClient);
    expect((store as HistoryApiClient).shownUrl).toBe(
      'https://history.example.com/prod'
    );
  });

  it.each([
    [
      { table: 'a', api: 'http://127.0.0.1:1' },
      {},
      '--table and --api are alternatives: read either the table or the API',
    ],
    [
      {},
      { ARCHSCAN_TABLE: 'a', ARCHSCAN_API: 'http://127.0.0.1:1' },
      'ARCHSCAN_TABLE and ARCHSCAN_API are alternatives: read either the table or the API',
    ],
    [
      {
        api: 'http://127.0.0.1:1',
        reportsBucket: 'b',
        endpoint: 'http://127.0.0.1:2',
      },
      {},
      '--reports-bucket, --endpoint only apply with --table, not with --api',
    ],
    [
      {},
      {},
      'archscan history needs --table (or ARCHSCAN_TABLE): the name of the archscan DynamoDB table, or --api (or ARCHSCAN_API): the URL of a history API',
    ],
    [
      { api: 'history.example.com' },
      {},
      '--api must be an http or https URL, got "history.example.com"',
    ],
    [
      { api: 'https://me:pw@history.example.com' },
      {},
      '--api must not carry credentials: pass the token with --api-token or ARCHSCAN_API_TOKEN',
    ],
    [
      {
        api: 'http://history.example.com',
        apiToken: 'history-api-token-0123456789',
      },
      {},
      'refusing to send the API token over plain http to http://history.example.com: use an https URL',
    ],
  ])('refuses %j with %j', (options, env, message) => {
    // Act
    const open = () => openHistorySource(options, env);

    // Assess
    expect(open).toThrow(ConfigError);
    expect(open).toThrow(message);
  });
});
