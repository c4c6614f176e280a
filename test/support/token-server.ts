/**
 * A Distribution token service on 127.0.0.1 for integration tests
 * (distribution `docs/spec/auth/token.md`, `jwt.md`, `oauth.md`). It
 * checks Basic credentials on GET or a refresh token on an OAuth2 POST,
 * grants the requested repository actions to known users, and signs RS256
 * JWTs whose `x5c` header carries a self-signed certificate made with
 * `openssl` at start-up; the registry trusts that certificate through its
 * `rootcertbundle`. Every token request is recorded.
 */
import { execFileSync } from 'node:child_process';
import { randomUUID, sign } from 'node:crypto';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Access {
  type: string;
  name: string;
  actions: string[];
}

export interface TokenRequestRecord {
  method: string;
  /** `username` from Basic credentials or the refresh token's owner. */
  user: string | undefined;
  authorization: string | undefined;
  grantType: string | undefined;
  scopes: string[];
  service: string | undefined;
}

export interface TokenServerOptions {
  /** username → password accepted as Basic credentials. */
  users?: Record<string, string>;
  /** refresh token → username accepted on the OAuth2 POST. */
  refreshTokens?: Record<string, string>;
  service?: string;
  issuer?: string;
}

export interface TokenServer {
  realm: string;
  service: string;
  issuer: string;
  certPath: string;
  requests: TokenRequestRecord[];
  /** Decides what a request gets; default: users get what they ask, anonymous nothing. */
  grant: (user: string | undefined, requested: Access[]) => Access[];
  /** Which field(s) carry the token in answers. */
  tokenField: 'token' | 'access_token' | 'both';
  /** The registry's `auth:` section for this service. */
  registryConfig(): string;
  /** A signed token for `access`, e.g. to push fixtures. */
  mint(subject: string, access: Access[]): string;
  stop(): Promise<void>;
}

/** Starts the token service; call `stop()` to remove its key material. */
export async function startTokenServer(
  options: TokenServerOptions = {}
): Promise<TokenServer> {
  const dir = await mkdtemp(join(tmpdir(), 'archscan-token-'));
  const keyPath = join(dir, 'key.pem');
  const certPath = join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'rsa:2048',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=archscan-test-token-issuer',
      '-keyout',
      keyPath,
      '-out',
      certPath,
    ],
    { stdio: 'ignore' }
  );
  const key = await readFile(keyPath, 'utf8');
  const certDer = (await readFile(certPath, 'utf8'))
    .replace(/-----[A-Z ]+-----/g, '')
    .replace(/\s+/g, '');
  const users = options.users ?? {};
  const refreshTokens = options.refreshTokens ?? {};
  const service = options.service ?? 'archscan-test-registry';
  const issuer = options.issuer ?? 'archscan-test-issuer';

  const state: TokenServer = {
    realm: '',
    service,
    issuer,
    certPath,
    requests: [],
    grant: (user, requested) => (user ? requested : []),
    tokenField: 'token',
    registryConfig: () =>
      [
        'auth:',
        '  token:',
        `    realm: ${state.realm}`,
        `    service: ${service}`,
        `    issuer: ${issuer}`,
        `    rootcertbundle: ${certPath}`,
      ].join('\n'),
    mint: (subject, access) =>
      mintJwt(key, certDer, issuer, service, subject, access),
    stop: async () => undefined,
  };

  const server = createServer((req, res) => {
    void readBody(req).then((body) => {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const form = new URLSearchParams(req.method === 'POST' ? body : '');
      const params = req.method === 'POST' ? form : url.searchParams;
      const user = authenticate(req, form, users, refreshTokens);
      const scopes = params.getAll('scope').flatMap((s) => s.split(' '));
      state.requests.push({
        method: req.method ?? 'GET',
        user: user === null ? undefined : user,
        authorization: req.headers.authorization,
        grantType: form.get('grant_type') ?? undefined,
        scopes,
        service: params.get('service') ?? undefined,
      });
      if (user === null) {
        res.writeHead(401, { 'content-type': 'application/json' });
        res.end('{"details":"incorrect username or password"}');
        return;
      }
      const access = state.grant(user, scopes.flatMap(parseScope));
      const token = state.mint(user ?? '', access);
      const answer: Record<string, unknown> = {
        expires_in: 300,
        issued_at: new Date().toISOString(),
      };
      if (state.tokenField !== 'access_token') answer.token = token;
      if (state.tokenField !== 'token') answer.access_token = token;
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(answer));
    });
  });
  const address = await new Promise<AddressInfo>((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve(server.address() as AddressInfo)
    )
  );
  state.realm = `http://127.0.0.1:${address.port}/token`;
  state.stop = async () => {
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await rm(dir, { recursive: true, force: true });
  };
  return state;
}

/** The user, undefined for anonymous, or null for bad credentials. */
function authenticate(
  req: IncomingMessage,
  form: URLSearchParams,
  users: Record<string, string>,
  refreshTokens: Record<string, string>
): string | undefined | null {
  if (req.method === 'POST' && form.get('grant_type') === 'refresh_token') {
    return refreshTokens[form.get('refresh_token') ?? ''] ?? null;
  }
  const header = req.headers.authorization;
  if (!header) return undefined;
  const match = /^Basic (.+)$/.exec(header);
  if (!match?.[1]) return null;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  const user = decoded.slice(0, colon);
  return colon > 0 && users[user] === decoded.slice(colon + 1) ? user : null;
}

function parseScope(scope: string): Access[] {
  const parts = scope.split(':');
  if (parts.length < 3) return [];
  const actions = (parts.pop() ?? '').split(',');
  const type = parts.shift() ?? '';
  return [{ type, name: parts.join(':'), actions }];
}

function mintJwt(
  key: string,
  certDer: string,
  issuer: string,
  audience: string,
  subject: string,
  access: Access[]
): string {
  const now = Math.floor(Date.now() / 1000);
  const header = { typ: 'JWT', alg: 'RS256', x5c: [certDer] };
  const claims = {
    iss: issuer,
    sub: subject,
    aud: audience,
    exp: now + 300,
    nbf: now - 10,
    iat: now,
    jti: randomUUID(),
    access,
  };
  const encode = (value: unknown) =>
    Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${encode(header)}.${encode(claims)}`;
  const signature = sign('sha256', Buffer.from(input), key).toString(
    'base64url'
  );
  return `${input}.${signature}`;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on('end', () => resolve(body));
  });
}
