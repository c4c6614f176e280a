/**
 * Which IP addresses the scanner may connect to. Three classes:
 *
 * - `forbidden`: never, whatever the configuration says. Link-local
 *   (169.254.0.0/16, fe80::/10) holds the cloud instance metadata services
 *   (169.254.169.254 on AWS, GCP and Azure; fd00:ec2::254 on AWS IPv6;
 *   100.100.100.200 on Alibaba; 168.63.129.16 is Azure's host endpoint),
 *   and unspecified, multicast, broadcast and reserved addresses are never
 *   a registry.
 * - `private`: loopback and private networks (RFC 1918, RFC 6598 shared
 *   space, RFC 4193 unique local). Allowed only for a registry listed by
 *   that exact address or name.
 * - `public`: everything else.
 *
 * IPv6 forms that carry an IPv4 address (IPv4-mapped `::ffff:a.b.c.d`,
 * IPv4-compatible `::a.b.c.d`, NAT64 `64:ff9b::/96`, 6to4 `2002::/16`) are
 * judged as that IPv4 address, so `[::ffff:169.254.169.254]` is as
 * forbidden as `169.254.169.254`. Ranges: IANA IPv4 and IPv6
 * Special-Purpose Address Registries (RFC 6890).
 */
// biome-ignore lint/style/noRestrictedImports: isIP and BlockList are pure address arithmetic, no I/O
import { BlockList, isIP } from 'node:net';

/** How an address may be used. */
export type AddressClass = 'public' | 'private' | 'forbidden';

/** The class of an IP literal and the words that explain it. */
export interface AddressVerdict {
  readonly class: AddressClass;
  /** The address in canonical form (IPv6 compressed, lower case, no brackets). */
  readonly address: string;
  /** Why it is `private` or `forbidden`, e.g. `a link-local address`. */
  readonly reason: string;
}

type Family = 'ipv4' | 'ipv6';

interface Range {
  readonly class: Exclude<AddressClass, 'public'>;
  readonly reason: string;
  readonly list: BlockList;
}

function range(
  rangeClass: Range['class'],
  reason: string,
  family: Family,
  subnets: readonly (readonly [string, number])[]
): Range {
  const list = new BlockList();
  for (const [network, prefix] of subnets) {
    list.addSubnet(network, prefix, family);
  }
  return { class: rangeClass, reason, list };
}

const METADATA = 'a cloud instance metadata address';

/** First match wins, so the specific metadata hosts come before their ranges. */
const IPV4_RANGES: readonly Range[] = [
  range('forbidden', METADATA, 'ipv4', [
    ['100.100.100.200', 32],
    ['168.63.129.16', 32],
  ]),
  range('forbidden', 'a link-local address', 'ipv4', [['169.254.0.0', 16]]),
  range('forbidden', 'an unspecified address', 'ipv4', [['0.0.0.0', 8]]),
  range('forbidden', 'a multicast address', 'ipv4', [['224.0.0.0', 4]]),
  range('forbidden', 'the broadcast address', 'ipv4', [
    ['255.255.255.255', 32],
  ]),
  range('forbidden', 'a reserved address', 'ipv4', [['240.0.0.0', 4]]),
  range('private', 'a loopback address', 'ipv4', [['127.0.0.0', 8]]),
  range('private', 'a private address', 'ipv4', [
    ['10.0.0.0', 8],
    ['172.16.0.0', 12],
    ['192.168.0.0', 16],
    ['100.64.0.0', 10],
    ['192.0.0.0', 24],
    ['198.18.0.0', 15],
  ]),
];

const IPV6_RANGES: readonly Range[] = [
  // AWS serves IMDS (::254), DNS (::253) and time (::123) in this prefix.
  range('forbidden', METADATA, 'ipv6', [['fd00:ec2::', 64]]),
  range('forbidden', 'an unspecified address', 'ipv6', [['::', 128]]),
  range('forbidden', 'a link-local address', 'ipv6', [['fe80::', 10]]),
  range('forbidden', 'a multicast address', 'ipv6', [['ff00::', 8]]),
  range('private', 'a loopback address', 'ipv6', [['::1', 128]]),
  range('private', 'a private address', 'ipv6', [
    ['fc00::', 7],
    ['fec0::', 10],
    ['64:ff9b:1::', 48],
  ]),
];

/**
 * Classifies an IP literal (no brackets, no port). Returns undefined when
 * `text` is not an IP address in canonical notation.
 *
 * @example classifyAddress('169.254.169.254')?.class // 'forbidden'
 * @example classifyAddress('::ffff:10.0.0.1')?.class // 'private'
 * @example classifyAddress('ghcr.io') // undefined
 */
export function classifyAddress(text: string): AddressVerdict | undefined {
  const zone = text.indexOf('%');
  const bare = zone === -1 ? text : text.slice(0, zone);
  const family = isIP(bare);
  if (family === 4) return classifyIpv4(bare);
  if (family !== 6) return undefined;
  const address = canonicalIpv6(bare);
  if (zone !== -1) {
    // A zone index only makes sense for link-local and other scoped addresses.
    return { class: 'forbidden', address, reason: 'a scoped (zone) address' };
  }
  const groups = ipv6Groups(bare);
  const embedded = embeddedIpv4(groups);
  if (embedded) {
    const inner = classifyIpv4(embedded.ipv4);
    return {
      ...inner,
      address,
      reason: `${inner.reason} (${embedded.form} ${embedded.ipv4})`,
    };
  }
  return judge(address, 'ipv6', IPV6_RANGES);
}

function classifyIpv4(address: string): AddressVerdict {
  return judge(address, 'ipv4', IPV4_RANGES);
}

function judge(
  address: string,
  family: Family,
  ranges: readonly Range[]
): AddressVerdict {
  for (const candidate of ranges) {
    if (candidate.list.check(address, family)) {
      return { class: candidate.class, address, reason: candidate.reason };
    }
  }
  return { class: 'public', address, reason: 'a public address' };
}

/** The eight 16-bit groups of a valid IPv6 literal (dotted tail included). */
function ipv6Groups(address: string): number[] {
  let text = address;
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    const [a = 0, b = 0, c = 0, d = 0] = tail.split('.').map(Number);
    const high = ((a << 8) | b).toString(16);
    const low = ((c << 8) | d).toString(16);
    text = `${text.slice(0, lastColon + 1)}${high}:${low}`;
  }
  const [head = '', rest] = text.split('::');
  const parse = (part: string) =>
    part === ''
      ? []
      : part.split(':').map((group) => Number.parseInt(group, 16));
  const left = parse(head);
  const right = rest === undefined ? [] : parse(rest);
  const zeros = new Array<number>(8 - left.length - right.length).fill(0);
  return [...left, ...zeros, ...right];
}

/** The IPv4 address an IPv6 address stands for, when it stands for one. */
function embeddedIpv4(
  groups: readonly number[]
): { ipv4: string; form: string } | undefined {
  const [g0, g1, g2, g3, g4, g5, g6 = 0, g7 = 0] = groups;
  const ipv4 = (high: number, low: number) =>
    [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
  const zeroTo = (end: number) => groups.slice(0, end).every((g) => g === 0);
  if (zeroTo(5) && g5 === 0xffff) {
    return { ipv4: ipv4(g6, g7), form: 'ipv4-mapped' };
  }
  // ::/96 is IPv4-compatible, except :: and ::1 themselves.
  if (zeroTo(6) && (g6 !== 0 || g7 > 1)) {
    return { ipv4: ipv4(g6, g7), form: 'ipv4-compatible' };
  }
  if (g0 === 0x64 && g1 === 0xff9b && !g2 && !g3 && !g4 && !g5) {
    return { ipv4: ipv4(g6, g7), form: 'nat64' };
  }
  if (g0 === 0x2002) {
    return { ipv4: ipv4(g1 ?? 0, g2 ?? 0), form: '6to4' };
  }
  return undefined;
}

/**
 * An IPv6 literal in the form the URL standard serializes hosts in:
 * compressed, lower case. Only for text `isIP` accepts as IPv6.
 *
 * @example canonicalIpv6('0:0:0:0:0:0:0:1') // '::1'
 */
export function canonicalIpv6(address: string): string {
  return new URL(`http://[${address}]/`).hostname.slice(1, -1);
}
