import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RegistryAllowlist } from '../../../../lib/engine/egress/allowlist.js';
import {
  ConfigError,
  EgressRefusedError,
} from '../../../../lib/engine/errors.js';

const allowlist = RegistryAllowlist.from([
  'ghcr.io',
  'quay.io:443',
  '*.azurecr.io',
  '*.dkr.ecr.eu-west-1.amazonaws.com',
  'docker.io',
  '127.0.0.1:5000',
  '[::1]:5001',
  '10.1.2.3',
  'registry.internal:5000',
  'localhost:5002',
]);

function refusal(registry: string, list = allowlist): EgressRefusedError {
  try {
    list.check(registry);
  } catch (error) {
    if (error instanceof EgressRefusedError) return error;
    throw error;
  }
  throw new Error(`expected ${JSON.stringify(registry)} to be refused`);
}

describe('RegistryAllowlist.check accepts', () => {
  it.each([
    ['ghcr.io', 'ghcr.io'],
    ['GHCR.IO', 'ghcr.io'],
    ['ghcr.io:8443', 'ghcr.io:8443'],
    ['quay.io:443', 'quay.io:443'],
    ['team.azurecr.io', 'team.azurecr.io'],
    ['a.b.azurecr.io:443', 'a.b.azurecr.io:443'],
    [
      '123456789012.dkr.ecr.eu-west-1.amazonaws.com',
      '123456789012.dkr.ecr.eu-west-1.amazonaws.com',
    ],
    ['docker.io', 'docker.io'],
    ['index.docker.io', 'index.docker.io'],
    ['registry-1.docker.io', 'registry-1.docker.io'],
    ['registry.hub.docker.com', 'registry.hub.docker.com'],
    ['127.0.0.1:5000', '127.0.0.1:5000'],
    ['[::1]:5001', '[::1]:5001'],
    ['[0:0:0:0:0:0:0:1]:5001', '[::1]:5001'],
    ['10.1.2.3', '10.1.2.3'],
    ['10.1.2.3:8080', '10.1.2.3:8080'],
    ['registry.internal:5000', 'registry.internal:5000'],
    ['localhost:5002', 'localhost:5002'],
  ])('%j as %j', (registry, expected) => {
    // Act
    const checked = allowlist.check(registry);

    // Assess
    expect(checked).toBe(expected);
  });
});

describe('RegistryAllowlist.check refuses', () => {
  it.each([
    // Never contacted, whatever is listed.
    ['169.254.169.254', /link-local address, which is never contacted/],
    ['169.254.169.254:80', /link-local/],
    ['[::ffff:169.254.169.254]', /link-local.*ipv4-mapped 169\.254\.169\.254/],
    ['[64:ff9b::a9fe:a9fe]', /link-local.*nat64/],
    ['[::a9fe:a9fe]', /link-local.*ipv4-compatible/],
    ['[2002:a9fe:a9fe::1]', /link-local.*6to4/],
    ['[fd00:ec2::254]', /metadata/],
    ['fd00:ec2::254', /metadata/],
    ['100.100.100.200', /metadata/],
    ['168.63.129.16', /metadata/],
    ['[fe80::1]', /link-local/],
    ['[fe80::1%25eth0]', /zone/],
    ['0.0.0.0', /unspecified/],
    ['0.1.2.3', /unspecified/],
    ['[::]', /unspecified/],
    ['224.0.0.251', /multicast/],
    ['[ff02::1]', /multicast/],
    ['255.255.255.255', /broadcast/],
    ['240.0.0.1', /reserved/],
    // Private and loopback, not listed exactly.
    ['10.0.0.1', /private address and only allowed when listed exactly/],
    ['172.16.0.1', /private/],
    ['172.31.255.255', /private/],
    ['192.168.1.1', /private/],
    ['100.64.0.1', /private/],
    ['[fd12:3456::1]', /private/],
    ['[::ffff:10.1.2.3]', /private.*ipv4-mapped 10\.1\.2\.3/],
    ['127.0.0.1', /loopback address/],
    ['127.0.0.1:5001', /loopback address/],
    ['127.0.0.2:5000', /loopback address/],
    ['[::1]', /loopback address/],
    ['[::1]:5000', /loopback address/],
    ['localhost', /loopback name/],
    ['localhost:5003', /loopback name/],
    ['registry.localhost:5002', /loopback name/],
    // Numeric spellings a URL parser would turn into an address.
    ['2852039166', /dotted-decimal/],
    ['0xa9fea9fe', /dotted-decimal/],
    ['0251.0376.0251.0376', /dotted-decimal/],
    ['0xa9.0xfe.0xa9.0xfe', /dotted-decimal/],
    ['127.1', /dotted-decimal/],
    ['010.1.2.3', /dotted-decimal/],
    ['registry.0x1', /dotted-decimal/],
    ['169.254.169.254.', /trailing dot/],
    ['ghcr.io.', /trailing dot/],
    // Not host[:port].
    ['user:pass@ghcr.io', /credentials/],
    ['user@ghcr.io', /credentials/],
    ['https://ghcr.io', /scheme/],
    ['ghcr.io/v2/', /path/],
    ['ghcr.io?x=1', /path, query/],
    ['ghcr.io#x', /path, query/],
    ['ghcr.io\\x', /path, query/],
    ['', /empty/],
    [' ghcr.io', /whitespace/],
    ['ghcr.io\n', /whitespace/],
    ['ghcr\u0000.io', /control/],
    ['ghcr\u200b.io', /control/],
    ['ghcr.io:0', /port/],
    ['ghcr.io:99999', /port/],
    ['ghcr.io:', /port/],
    ['ghcr.io:http', /port/],
    ['[1.2.3.4]', /ipv6/],
    ['[::1', /ipv6/],
    ['gh_cr.io', /host name/],
    ['-ghcr.io', /host name/],
    ['ghcr..io', /host name/],
    [`${'a'.repeat(64)}.io`, /host name/],
    ['gһcr.io', /host name/],
    [':5000', /not host\[:port\] or an ip address/],
    ['a:b:c', /not host\[:port\] or an ip address/],
    // Not on the list.
    ['evil.example', /not on the registry allowlist/],
    ['azurecr.io', /not on the registry allowlist/],
    ['azurecr.io.evil.example', /not on the registry allowlist/],
    ['evilazurecr.io', /not on the registry allowlist/],
    ['ghcr.io.evil.example', /not on the registry allowlist/],
    ['8.8.8.8', /not on the registry allowlist/],
    ['quay.io', /not on the registry allowlist/],
    ['quay.io:80', /not on the registry allowlist/],
    ['registry.internal', /not on the registry allowlist/],
    ['registry.internal:5001', /not on the registry allowlist/],
  ])('%j (%s)', (registry, why) => {
    // Act
    const error = refusal(registry);

    // Assess
    expect(error.code).toBe('forbidden');
    expect(error.message).toMatch(why);
  });

  it.each([
    ['user:hunter2@ghcr.io', '"…@ghcr.io"'],
    ['https://user:hunter2@ghcr.io/v2/', '"https://…@ghcr.io/…"'],
    ['https://ghcr.io/v2/?token=hunter2', '"https://ghcr.io/…"'],
    ['oauth2:hunter2@evil.example/x', '"…@evil.example/…"'],
  ])('never repeats a secret from %j', (registry, shown) => {
    // Act
    const error = refusal(registry);

    // Assess
    expect(error.message).not.toContain('hunter2');
    expect(error.message).toContain(`registry ${shown} is refused`);
  });

  it('names the registry and the fix when it is not listed', () => {
    // Act
    const error = refusal('Evil.Example:5000');

    // Assess
    expect(error.message).toBe(
      'registry "evil.example:5000" is not on the registry allowlist: add it (or a *.domain wildcard) to the allowed registries to scan its images'
    );
  });

  it('refuses localhost when only 127.0.0.1 is listed, and admits it when listed', () => {
    // Prepare
    const ipOnly = RegistryAllowlist.from(['127.0.0.1:5000']);
    const named = RegistryAllowlist.from(['localhost']);

    // Act / Assess
    expect(refusal('localhost:5000', ipOnly).message).toMatch(/loopback name/);
    expect(named.check('localhost:5000')).toBe('localhost:5000');
    expect(named.check('LOCALHOST')).toBe('localhost');
    expect(refusal('127.0.0.1', named).message).toMatch(/loopback address/);
  });

  it('refuses everything when the list is empty', () => {
    // Prepare
    const empty = RegistryAllowlist.from([]);

    // Act / Assess
    expect(empty.entries).toEqual([]);
    expect(refusal('ghcr.io', empty).message).toMatch(/not on the registry/);
  });
});

describe('RegistryAllowlist.permitsAddress', () => {
  it.each([
    // Public addresses: any host, so object-store and CDN redirects work.
    ['cdn.example.net', 443, '151.101.1.1', true],
    ['s3.eu-west-1.amazonaws.com', 443, '2600:1fa0:80f0::1', true],
    ['production.cloudflare.docker.com', 443, '::ffff:104.16.1.1', true],
    // Never, not even for a listed host.
    ['anything.example', 80, '169.254.169.254', false],
    ['127.0.0.1', 5000, '169.254.169.254', false],
    ['10.1.2.3', 443, '::ffff:169.254.169.254', false],
    ['ghcr.io', 443, 'fd00:ec2::254', false],
    ['ghcr.io', 443, '100.100.100.200', false],
    ['ghcr.io', 443, '0.0.0.0', false],
    ['ghcr.io', 443, '::', false],
    ['ghcr.io', 443, 'fe80::1%eth0', false],
    ['ghcr.io', 443, '239.255.255.250', false],
    ['ghcr.io', 443, '255.255.255.255', false],
    // Private and loopback: only the host listed exactly, with its port.
    ['10.1.2.3', 443, '10.1.2.3', true],
    ['10.1.2.3', 8080, '10.1.2.3', true],
    ['10.0.0.1', 80, '10.0.0.1', false],
    ['ghcr.io', 443, '10.0.0.1', true],
    ['quay.io', 80, '10.0.0.1', false],
    ['other.example', 443, '10.0.0.1', false],
    ['127.0.0.1', 5000, '127.0.0.1', true],
    ['127.0.0.1', 5001, '127.0.0.1', false],
    ['[::1]', 5001, '::1', true],
    ['::1', 5001, '::1', true],
    ['0:0:0:0:0:0:0:1', 5001, '::1', true],
    ['::1', 5000, '::1', false],
    ['localhost', 5002, '127.0.0.1', true],
    ['localhost', 5002, '::1', true],
    ['localhost', 80, '127.0.0.1', false],
    ['registry.internal', 5000, '10.9.9.9', true],
    ['REGISTRY.internal', 5000, '192.168.0.9', true],
    ['registry.internal', 5001, '10.9.9.9', false],
    ['registry-1.docker.io', 443, '10.0.0.7', true],
    // A wildcard never admits private addresses.
    ['team.azurecr.io', 443, '10.0.0.5', false],
    ['team.azurecr.io', 443, '::ffff:10.0.0.5', false],
    ['team.azurecr.io', 443, 'fd00::5', false],
    // Not an address at all.
    ['ghcr.io', 443, 'ghcr.io', false],
    ['ghcr.io', 443, '2852039166', false],
  ] as const)('%s:%d → %s is %s', (host, port, address, expected) => {
    // Act
    const permitted = allowlist.permitsAddress(host, port, address);

    // Assess
    expect(permitted).toBe(expected);
    expect(allowlist.addressRefusal(host, port, address) === undefined).toBe(
      expected
    );
  });

  it('explains a refusal by address and rule', () => {
    // Act / Assess
    expect(allowlist.addressRefusal('localhost', 80, '127.0.0.1')).toBe(
      '127.0.0.1 is a loopback address and localhost:80 is not listed exactly in the registry allowlist'
    );
    expect(allowlist.addressRefusal('x.example', 80, '169.254.169.254')).toBe(
      '169.254.169.254 is a link-local address, which is never contacted'
    );
    expect(allowlist.addressRefusal('[::2]', 80, 'fd00::1')).toBe(
      'fd00::1 is a private address and [::2]:80 is not listed exactly in the registry allowlist'
    );
  });
});

describe('RegistryAllowlist.from', () => {
  it('keeps entries in normal form', () => {
    // Act
    const list = RegistryAllowlist.from([
      ' GHCR.io ',
      '*.AzureCR.io',
      '[0:0::1]:5000',
      '127.0.0.1:5000',
    ]);

    // Assess
    expect(list.entries).toEqual([
      'ghcr.io',
      '*.azurecr.io',
      '[::1]:5000',
      '127.0.0.1:5000',
    ]);
  });

  it.each([
    ['', /empty/],
    ['https://ghcr.io', /scheme/],
    ['ghcr.io/team', /path/],
    ['user:pass@ghcr.io', /credentials/],
    ['ghcr.io:0', /port/],
    ['*', /host name/],
    ['*.*.example.com', /host name/],
    ['*.io', /too broad/],
    ['*.localhost', /host names only/],
    ['*.168.1.1', /dotted-decimal/],
    ['*.[::1]', /host names only/],
    ['2852039166', /dotted-decimal/],
    ['169.254.169.254', /can never be contacted: it is a link-local address/],
    ['[::ffff:169.254.169.254]', /can never be contacted/],
    ['[fd00:ec2::254]:80', /can never be contacted.*metadata/],
    ['0.0.0.0', /can never be contacted/],
  ])('refuses the entry %j', (entry, why) => {
    // Act / Assess
    expect(() => RegistryAllowlist.from(['ghcr.io', entry])).toThrow(
      ConfigError
    );
    expect(() => RegistryAllowlist.from([entry])).toThrow(why);
  });

  it('names the entry without its credentials', () => {
    // Act / Assess
    expect(() => RegistryAllowlist.from(['u:hunter2@ghcr.io'])).toThrow(
      'invalid registry allowlist entry "…@ghcr.io": it carries credentials'
    );
  });
});

const octet = fc.integer({ min: 0, max: 255 });
const quad = (a: number, b: number, c: number, d: number) =>
  `${a}.${b}.${c}.${d}`;
const privateIpv4 = fc.oneof(
  fc.tuple(octet, octet, octet).map(([b, c, d]) => quad(10, b, c, d)),
  fc
    .tuple(fc.integer({ min: 16, max: 31 }), octet, octet)
    .map(([b, c, d]) => quad(172, b, c, d)),
  fc.tuple(octet, octet).map(([c, d]) => quad(192, 168, c, d)),
  fc
    .tuple(fc.integer({ min: 64, max: 127 }), octet, octet)
    .filter(([b, c, d]) => quad(100, b, c, d) !== '100.100.100.200')
    .map(([b, c, d]) => quad(100, b, c, d)),
  fc.tuple(octet, octet, octet).map(([b, c, d]) => quad(127, b, c, d))
);
const linkLocalIpv4 = fc
  .tuple(octet, octet)
  .map(([c, d]) => quad(169, 254, c, d));
const port = fc.integer({ min: 1, max: 65_535 });
const unrelatedEntries = fc.subarray([
  'ghcr.io',
  '*.azurecr.io',
  '*.example.com',
  'docker.io',
  '8.8.8.8',
  'localhost',
  '[::1]',
  '[fd00::1]:5000',
]);

describe('RegistryAllowlist properties', () => {
  it('refuses any private or loopback IPv4 unless it is listed exactly', () => {
    fc.assert(
      fc.property(
        privateIpv4,
        port,
        port,
        unrelatedEntries,
        (address, listedPort, otherPort, entries) => {
          fc.pre(listedPort !== otherPort);
          // Prepare
          const unlisted = RegistryAllowlist.from(entries);
          const listed = RegistryAllowlist.from([
            ...entries,
            `${address}:${listedPort}`,
          ]);

          // Act / Assess
          expect(() => unlisted.check(address)).toThrow(EgressRefusedError);
          expect(() => unlisted.check(`[::ffff:${address}]`)).toThrow(
            EgressRefusedError
          );
          expect(() => listed.check(`${address}:${otherPort}`)).toThrow(
            EgressRefusedError
          );
          expect(listed.check(`${address}:${listedPort}`)).toBe(
            `${address}:${listedPort}`
          );
          expect(unlisted.permitsAddress(address, listedPort, address)).toBe(
            false
          );
          expect(listed.permitsAddress(address, listedPort, address)).toBe(
            true
          );
          expect(listed.permitsAddress(address, otherPort, address)).toBe(
            false
          );
          expect(
            listed.permitsAddress('team.azurecr.io', listedPort, address)
          ).toBe(false);
        }
      )
    );
  });

  it('refuses any link-local IPv4 always, and refuses to list it', () => {
    fc.assert(
      fc.property(linkLocalIpv4, port, unrelatedEntries, (address, p, list) => {
        // Prepare
        const allow = RegistryAllowlist.from(list);

        // Act / Assess
        expect(() => RegistryAllowlist.from([address])).toThrow(ConfigError);
        expect(() => allow.check(address)).toThrow(EgressRefusedError);
        expect(() => allow.check(`[::ffff:${address}]:${p}`)).toThrow(
          EgressRefusedError
        );
        expect(allow.permitsAddress(address, p, address)).toBe(false);
        expect(allow.permitsAddress('ghcr.io', p, address)).toBe(false);
        expect(allow.permitsAddress('ghcr.io', p, `::ffff:${address}`)).toBe(
          false
        );
      })
    );
  });

  it('refuses every numeric spelling of an IPv4 that is not dotted-decimal', () => {
    fc.assert(
      fc.property(fc.ipV4Extended(), (spelling) => {
        fc.pre(
          !/^(?:(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(?:25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/.test(
            spelling
          )
        );
        // Prepare: list the address the spelling stands for, when allowed.
        const canonical = new URL(`http://${spelling}/`).hostname;
        let list: RegistryAllowlist;
        try {
          list = RegistryAllowlist.from([canonical]);
        } catch {
          list = RegistryAllowlist.from(['ghcr.io']);
        }

        // Act / Assess
        expect(() => list.check(spelling)).toThrow(EgressRefusedError);
      })
    );
  });

  const label = fc.stringMatching(/^[abc]{1,2}$/);
  const name = fc
    .array(label, { minLength: 1, maxLength: 4 })
    .map((labels) => labels.join('.'));
  const entry = fc.oneof(
    name,
    name.filter((suffix) => suffix.includes('.')).map((suffix) => `*.${suffix}`)
  );

  it('refuses any host that matches no entry, and accepts those that do', () => {
    fc.assert(
      fc.property(fc.array(entry, { maxLength: 5 }), name, (entries, host) => {
        // Prepare
        const list = RegistryAllowlist.from(entries);
        const matches = entries.some((e) =>
          e.startsWith('*.') ? host.endsWith(e.slice(1)) : host === e
        );

        // Act / Assess
        if (matches) expect(list.check(host)).toBe(host);
        else expect(() => list.check(host)).toThrow(EgressRefusedError);
      })
    );
  });

  it('throws nothing but EgressRefusedError, and what it accepts is stable', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string(),
          fc.string({ unit: 'binary' }),
          fc.webUrl(),
          fc.domain(),
          fc.ipV4Extended(),
          fc.ipV6(),
          fc.ipV6().map((ip) => `[${ip}]`),
          fc
            .tuple(fc.constantFrom('127.0.0.1', '[::1]', 'localhost'), port)
            .map(([host, p]) => `${host}:${p}`)
        ),
        (input) => {
          // Act
          let checked: string | undefined;
          try {
            checked = allowlist.check(input);
          } catch (error) {
            // Assess
            expect(error).toBeInstanceOf(EgressRefusedError);
            return;
          }
          expect(allowlist.check(checked)).toBe(checked);
        }
      )
    );
  });
});
