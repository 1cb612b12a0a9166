/**
 * The multipart/mixed body of a Web API $batch request and its response, as the "Execute batch
 * operations using the Web API" page lays it out: a batch boundary; each part either one
 * application/http request or a change set (a nested multipart/mixed of requests, each with a
 * Content-ID). Lines end in CRLF; a bare LF is accepted on input.
 */

export interface BatchHttpRequest {
  readonly method: string;
  /** As written on the request line: absolute, or relative to the service root. */
  readonly url: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly contentId: string | null;
}

export type BatchPart = { readonly kind: 'request'; readonly request: BatchHttpRequest } | { readonly kind: 'changeset'; readonly requests: readonly BatchHttpRequest[] };

export interface BatchHttpResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
  readonly contentId: string | null;
}

export type BatchResponsePart = { readonly kind: 'response'; readonly response: BatchHttpResponse } | { readonly kind: 'changeset'; readonly responses: readonly BatchHttpResponse[] };

export class BatchFormatError extends Error {}

/** The boundary named by a Content-Type header, or null. */
export function boundaryOf(contentType: string | undefined): string | null {
  if (!contentType || !/^\s*multipart\/mixed\b/i.test(contentType)) return null;
  const m = /;\s*boundary\s*=\s*("?)([^";]+)\1/i.exec(contentType);
  return m ? m[2].trim() : null;
}

/** The parts between --boundary lines, up to the closing --boundary--. */
function splitParts(body: string, boundary: string): string[] {
  const text = body.replace(/\r\n/g, '\n');
  const lines = text.split('\n');
  const parts: string[] = [];
  let current: string[] | null = null;
  let closed = false;
  for (const line of lines) {
    const trimmed = line.trimEnd();
    if (trimmed === `--${boundary}--`) {
      if (current) parts.push(current.join('\n'));
      closed = true;
      break;
    }
    if (trimmed === `--${boundary}`) {
      if (current) parts.push(current.join('\n'));
      current = [];
      continue;
    }
    current?.push(line);
  }
  if (!closed) throw new BatchFormatError(`the batch body does not end with --${boundary}--`);
  return parts;
}

/** Headers up to the first blank line, then the rest. */
function headersAndRest(text: string): { headers: Record<string, string>; rest: string } {
  const lines = text.split('\n');
  let i = 0;
  while (i < lines.length && lines[i].trim() === '') i++;
  const headers: Record<string, string> = {};
  for (; i < lines.length; i++) {
    const line = lines[i];
    if (line.trim() === '') {
      i++;
      break;
    }
    const colon = line.indexOf(':');
    if (colon < 0) throw new BatchFormatError(`"${line}" is not a header line`);
    headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return { headers, rest: lines.slice(i).join('\n') };
}

function parseHttpRequest(text: string, partHeaders: Record<string, string>): BatchHttpRequest {
  if (!/application\/http/i.test(partHeaders['content-type'] ?? '')) throw new BatchFormatError(`a batch part must be Content-Type: application/http (got "${partHeaders['content-type'] ?? ''}")`);
  const lines = text.split('\n');
  let i = 0;
  while (i < lines.length && lines[i].trim() === '') i++;
  const requestLine = /^([A-Z]+)\s+(\S+)\s+HTTP\/1\.1\s*$/.exec(lines[i] ?? '');
  if (!requestLine) throw new BatchFormatError(`"${lines[i] ?? ''}" is not a request line (METHOD URL HTTP/1.1)`);
  const { headers, rest } = headersAndRest(lines.slice(i + 1).join('\n'));
  return { method: requestLine[1], url: requestLine[2], headers, body: rest.trim(), contentId: partHeaders['content-id'] ?? null };
}

export function parseBatch(body: string, boundary: string): BatchPart[] {
  return splitParts(body, boundary).map((raw) => {
    const { headers, rest } = headersAndRest(raw);
    const inner = boundaryOf(headers['content-type']);
    if (inner) {
      const requests = splitParts(rest, inner).map((r) => {
        const p = headersAndRest(r);
        return parseHttpRequest(p.rest, p.headers);
      });
      for (const r of requests) if (r.method === 'GET') throw new BatchFormatError('a change set cannot hold a GET request');
      return { kind: 'changeset', requests };
    }
    return { kind: 'request', request: parseHttpRequest(rest, headers) };
  });
}

const REASONS: Record<number, string> = { 200: 'OK', 201: 'Created', 204: 'No Content', 400: 'Bad Request', 404: 'Not Found', 405: 'Method Not Allowed', 412: 'Precondition Failed', 429: 'Too Many Requests', 500: 'Internal Server Error' };

function writeResponse(r: BatchHttpResponse): string[] {
  const out = ['Content-Type: application/http', 'Content-Transfer-Encoding: binary'];
  if (r.contentId !== null) out.push(`Content-ID: ${r.contentId}`);
  out.push('', `HTTP/1.1 ${r.status} ${REASONS[r.status] ?? ''}`.trimEnd());
  for (const [k, v] of Object.entries(r.headers)) out.push(`${k}: ${v}`);
  out.push('');
  if (r.body) out.push(r.body);
  return out;
}

export function writeBatchResponse(parts: readonly BatchResponsePart[], boundary: string, newBoundary: () => string): string {
  const out: string[] = [];
  for (const p of parts) {
    out.push(`--${boundary}`);
    if (p.kind === 'response') out.push(...writeResponse(p.response));
    else {
      const cs = `changesetresponse_${newBoundary()}`;
      out.push(`Content-Type: multipart/mixed; boundary=${cs}`, '');
      for (const r of p.responses) out.push(`--${cs}`, ...writeResponse(r));
      out.push(`--${cs}--`);
    }
  }
  out.push(`--${boundary}--`, '');
  return out.join('\r\n');
}
