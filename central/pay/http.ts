import http from 'node:http';
import https from 'node:https';

/**
 * One HTTP POST, classified the way money needs it: every failure after the request may have
 * left is an unknown outcome for the caller to query, never a "no". Shared by the QR channel
 * and insurance adapters.
 */

export type TransportFailure = 'UNAVAILABLE' | 'TIMEOUT' | 'NO_ANSWER';

export class TransportError extends Error {
  override readonly name = 'TransportError';
  constructor(
    readonly failure: TransportFailure,
    message: string,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export interface PostOptions {
  timeoutMs: number;
  contentType: string;
  /** Production WeChat `/secapi/` calls need an https.Agent carrying the merchant certificate. */
  agent?: http.Agent;
}

export interface HttpAnswer {
  status: number;
  body: string;
}

export function post(url: string, body: string, options: PostOptions): Promise<HttpAnswer> {
  const target = new URL(url);
  const transport = target.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    let connected = false;
    const fail = (failure: TransportFailure, message: string, cause?: unknown) => reject(new TransportError(failure, message, { cause }));
    // No pooled sockets by default: a stale keep-alive socket would turn a request that never
    // left into a "no answer" that has to be queried.
    const request = transport.request(target, {
      method: 'POST',
      agent: options.agent ?? false,
      headers: { 'content-type': options.contentType, 'content-length': Buffer.byteLength(body) },
    });
    const timer = setTimeout(() => request.destroy(new TransportError('TIMEOUT', `no answer from ${target.host} within ${options.timeoutMs} ms`)), options.timeoutMs);
    request.on('socket', (socket) => {
      if (!socket.connecting) connected = true;
      else socket.once('connect', () => (connected = true));
    });
    request.on('error', (e) => {
      clearTimeout(timer);
      if (e instanceof TransportError) reject(e);
      else if (!connected) fail('UNAVAILABLE', `cannot reach ${target.host}: ${e.message}`, e);
      else fail('NO_ANSWER', `the connection to ${target.host} broke before the answer: ${e.message}`, e);
    });
    request.on('response', (response) => {
      const chunks: Buffer[] = [];
      response.on('data', (chunk: Buffer) => chunks.push(chunk));
      response.on('error', (e) => {
        clearTimeout(timer);
        fail('NO_ANSWER', `the answer from ${target.host} broke off: ${e.message}`, e);
      });
      response.on('end', () => {
        clearTimeout(timer);
        if (!response.complete) fail('NO_ANSWER', `the answer from ${target.host} broke off`);
        else resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
      });
    });
    request.end(body);
  });
}
