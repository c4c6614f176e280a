/**
 * Parsing `WWW-Authenticate` challenges (RFC 9110 §11.6.1, §11.2): one
 * header may carry several challenges, each a scheme followed by
 * comma-separated `name=value` parameters whose values are tokens or
 * quoted strings. Distribution's token flow reads `realm`, `service`,
 * `scope` and `error` from the Bearer challenge
 * (reference/oci-and-registries.md §1.5). Registries and proxies send odd
 * headers, so the parser is total: any input yields a (possibly empty)
 * list, never an exception.
 */

/** One authentication challenge. */
export interface Challenge {
  /** Scheme in lower case: `basic`, `bearer`, … */
  readonly scheme: string;
  /** Parameters by lower-case name; values unquoted. */
  readonly params: Readonly<Record<string, string>>;
}

const TOKEN_CHAR = /[!#$%&'*+.^_`|~0-9A-Za-z-]/;

/**
 * Parses every challenge in one or more `WWW-Authenticate` header values.
 *
 * @example
 * parseChallenges('Bearer realm="https://auth.example/token",service="reg"')
 * // [{ scheme: 'bearer', params: { realm: 'https://auth.example/token', service: 'reg' } }]
 */
export function parseChallenges(
  header: string | readonly string[] | undefined
): Challenge[] {
  if (header === undefined) return [];
  if (typeof header !== 'string') return header.flatMap(parseChallenges);
  return new ChallengeLexer(header).parse();
}

/** The first challenge with `scheme` (lower case), if any. */
export function findChallenge(
  challenges: readonly Challenge[],
  scheme: string
): Challenge | undefined {
  return challenges.find((challenge) => challenge.scheme === scheme);
}

class ChallengeLexer {
  private index = 0;

  constructor(private readonly text: string) {}

  parse(): Challenge[] {
    const challenges: Challenge[] = [];
    let current: { scheme: string; params: Record<string, string> } | null =
      null;
    while (this.index < this.text.length) {
      this.skip(/[\s,]/);
      const name = this.token();
      if (name === '') {
        this.index++;
        continue;
      }
      this.skip(/[ \t]/);
      if (this.peek() === '=') {
        this.index++;
        this.skip(/[ \t]/);
        const value = this.value();
        const key = name.toLowerCase();
        if (current && !(key in current.params)) current.params[key] = value;
        continue;
      }
      current = { scheme: name.toLowerCase(), params: Object.create(null) };
      challenges.push(current);
    }
    return challenges;
  }

  private peek(): string | undefined {
    return this.text[this.index];
  }

  private skip(pattern: RegExp): void {
    while (this.index < this.text.length && pattern.test(this.peek() ?? '')) {
      this.index++;
    }
  }

  private token(): string {
    const start = this.index;
    this.skip(TOKEN_CHAR);
    return this.text.slice(start, this.index);
  }

  /** A quoted string (with `\` escapes) or a bare value up to `,` or space. */
  private value(): string {
    if (this.peek() !== '"') {
      const start = this.index;
      this.skip(/[^,\s]/);
      return this.text.slice(start, this.index);
    }
    this.index++;
    let value = '';
    while (this.index < this.text.length) {
      const char = this.text[this.index++] ?? '';
      if (char === '"') return value;
      if (char === '\\' && this.index < this.text.length) {
        value += this.text[this.index++] ?? '';
      } else {
        value += char;
      }
    }
    return value;
  }
}
