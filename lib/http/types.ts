/**
 * Plain HTTP request and response shapes shared by the API Gateway
 * handlers and the `archscan serve` server, so both answer every route
 * with the same code.
 */

/** An HTTP request, already read whole (bodies here are small and bounded). */
export interface HttpRequest {
  readonly method: string;
  /** The decoded path, without query: `/webhooks/ghcr`. */
  readonly path: string;
  readonly query: Readonly<Record<string, string>>;
  /** Header names in lower case; repeated headers joined with `, `. */
  readonly headers: Readonly<Record<string, string>>;
  /** The raw body bytes (signatures are checked on these). */
  readonly body: Uint8Array;
}

export interface HttpResponse {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
  /** JSON text, usually. */
  readonly body: string;
}

export type HttpHandler = (request: HttpRequest) => Promise<HttpResponse>;
