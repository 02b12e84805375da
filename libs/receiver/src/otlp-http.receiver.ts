import { Logger } from '@nestjs/common';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CONTENT_TYPES, encodingFromContentType, type OtlpEncoding } from '@t2t/messaging';
import { InvalidTenantError, parseTenant } from '@t2t/wire';
import {
  BodyReadError,
  type BodyReadFailure,
  ByteBudget,
  type ContentCoding,
  parseContentEncoding,
  readBody,
} from './body.reader';
import { IntakeSubmitter, readAccepted, retryAfterSeconds } from './intake.submitter';
import { DEFAULT_TENANT_HEADER, type IntakeResult, type OtlpIntake } from './otlp-intake.port';
import {
  clipMessage,
  encodeExportResponse,
  encodeStatus,
  RPC_CODES,
} from './otlp-response.encoder';
import { type ReceiverConfig, receiverEnvProblems } from './receiver.env';

export const TRACES_PATH = '/v1/traces';

export type ReceiverOptions = Omit<ReceiverConfig, 'enabled'> & {
  /**
   * Request header naming the tenant of the spans (`TENANT_HEADER`, default `x-t2t-tenant`); it
   * travels to the intake as `IntakeRequest.tenant`. A malformed name is answered with 400.
   */
  tenantHeader?: string;
};

/** Why a request got 503: the intake said so, was too slow or failed, or the receiver is full or stopping. */
export type BackpressureReason =
  'intake' | 'intake_timeout' | 'intake_error' | 'in_flight' | 'draining';

/** What happened to one request, reported once it is answered (or abandoned by the client). */
export interface RequestOutcome {
  /** HTTP status sent; 0 when the client went away before an answer. */
  status: number;
  encoding: OtlpEncoding | undefined;
  /** Body bytes read from the connection, and after decompression. */
  wireBytes: number;
  bodyBytes: number;
  /** Spans the intake took (when it says), and spans it rejected (partial success). */
  acceptedSpans?: number;
  rejectedSpans: number;
  backpressure?: BackpressureReason;
  seconds: number;
}

export interface ReceiverObserver {
  requestFinished(outcome: RequestOutcome): void;
}

const NO_OBSERVER: ReceiverObserver = { requestFinished: () => undefined };

/**
 * Retry-After for the receiver's own 503s (full, stopping, intake too slow): the condition is
 * short-lived, and the OpenTelemetry SDKs give up on hints longer than their export timeout.
 */
const OWN_RETRY_AFTER_MS = 1000;

/**
 * After answering a request whose body is still arriving (413, 400...), the rest is read and
 * dropped for at most this long and at most `maxRequestBytes` more, then the connection is cut.
 * Closing at once would make the client's TCP stack reset the connection while it is still
 * sending, and a client that sees the reset instead of the answer retries the same request.
 */
const LINGER_MS = 2000;

function header(v: string | string[] | undefined): string | undefined {
  return Array.isArray(v) ? v[0] : v;
}

/** One request as it goes through the receiver. */
interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  started: number;
  encoding: OtlpEncoding | undefined;
  /** The tenant the request names, once checked. */
  tenant?: string;
  wireBytes: number;
  bodyBytes: number;
  acceptedSpans?: number;
  rejectedSpans: number;
  backpressure?: BackpressureReason;
}

/**
 * OTLP/HTTP trace receiver (`POST /v1/traces`, protobuf and JSON, gzip/deflate), on a plain Node
 * HTTP server of its own: it does not share the service's health/metrics port, so its limits,
 * timeouts and keep-alive settings fit exporters, and no framework middleware parses its bodies.
 * Every request body goes to the intake; the receiver only speaks the protocol. It never throws
 * on input: every malformed request gets a status code.
 */
export class OtlpHttpReceiver {
  private readonly log = new Logger('otlp-http');
  private readonly server: Server;
  private readonly budget: ByteBudget;
  private readonly inFlight = new Set<Promise<void>>();
  private closing: Promise<void> | undefined;
  private draining = false;
  private readonly submitter: IntakeSubmitter;
  private readonly tenantHeader: string;

  constructor(
    intake: OtlpIntake,
    private readonly options: ReceiverOptions,
    private readonly observer: ReceiverObserver = NO_OBSERVER,
  ) {
    const problems = receiverEnvProblems({ ...options, enabled: true });
    if (problems.length > 0)
      throw new Error(
        `invalid OTLP/HTTP receiver options: ${problems.map((p) => `${p.key} ${p.problem}`).join('; ')}`,
      );
    this.budget = new ByteBudget(options.maxInFlightBytes);
    this.submitter = new IntakeSubmitter(intake, options.intakeTimeoutMs, this.log, '503');
    this.tenantHeader = (options.tenantHeader ?? DEFAULT_TENANT_HEADER).toLowerCase();
    this.server = createServer(
      {
        // Headers must arrive within the read timeout; the body's deadline is enforced per request
        // (below), where the answer can say what happened. Node's own request timeout is off so
        // the two never race for the same socket.
        headersTimeout: options.readTimeoutMs,
        requestTimeout: 0,
        connectionsCheckingInterval: Math.max(100, Math.min(1000, options.readTimeoutMs / 2)),
        keepAliveTimeout: options.idleTimeoutMs,
        noDelay: true,
      },
      (req, res) => this.accept(req, res, false),
    );
    // Expect: 100-continue lets a client learn of a 413/415 before uploading the body.
    this.server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) =>
      this.accept(req, res, true),
    );
  }

  /** Starts listening; resolves with the bound address (port 0 picks a free one). */
  async listen(): Promise<AddressInfo> {
    await new Promise<void>((resolve, reject) => {
      const onError = (e: Error) => reject(e);
      this.server.once('error', onError);
      this.server.listen(this.options.port, this.options.host, () => {
        this.server.off('error', onError);
        resolve();
      });
    });
    return this.address()!;
  }

  address(): AddressInfo | undefined {
    const a = this.server.address();
    return a && typeof a === 'object' ? a : undefined;
  }

  /** Requests being handled and the decompressed bytes they hold (for gauges). */
  load(): { requests: number; bytes: number } {
    return { requests: this.inFlight.size, bytes: this.budget.inUse };
  }

  /**
   * Graceful stop: no new connections; requests arriving on open keep-alive connections get 503
   * with `Connection: close`; requests in flight finish (reading, intake, answer) within the drain
   * timeout, after which their connections are cut. Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= this.drain();
    return this.closing;
  }

  private async drain(): Promise<void> {
    this.draining = true;
    if (!this.server.listening) return;
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeIdleConnections();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), this.options.drainTimeoutMs);
    });
    const pending = this.inFlight.size;
    const late = await Promise.race([Promise.all([...this.inFlight]).then(() => false), timedOut]);
    clearTimeout(timer);
    if (late)
      this.log.warn(
        `${this.inFlight.size} of ${pending} OTLP/HTTP request(s) still in flight after ${this.options.drainTimeoutMs} ms; cutting their connections`,
      );
    // What is left is idle or mid-way through headers of a request that would get 503 anyway.
    this.server.closeAllConnections();
    await closed;
  }

  private accept(req: IncomingMessage, res: ServerResponse, expectsContinue: boolean): void {
    // Stream errors after the client leaves must never surface as uncaught exceptions.
    req.on('error', () => undefined);
    res.on('error', () => undefined);
    const x: Exchange = {
      req,
      res,
      started: Date.now(),
      encoding: undefined,
      wireBytes: 0,
      bodyBytes: 0,
      rejectedSpans: 0,
    };
    const answered = new Promise<void>((resolve) => res.once('close', resolve));
    const task = this.run(x, expectsContinue, answered).finally(() => {
      this.inFlight.delete(task);
      this.report({
        status: res.headersSent ? res.statusCode : 0,
        encoding: x.encoding,
        wireBytes: x.wireBytes,
        bodyBytes: x.bodyBytes,
        acceptedSpans: x.acceptedSpans,
        rejectedSpans: x.rejectedSpans,
        backpressure: x.backpressure,
        seconds: (Date.now() - x.started) / 1000,
      });
    });
    this.inFlight.add(task);
  }

  /** Handles one request until its response is done; never rejects (see `report`). */
  private async run(x: Exchange, expectsContinue: boolean, answered: Promise<void>): Promise<void> {
    try {
      await this.handle(x, expectsContinue);
    } catch (e) {
      this.log.error(
        `OTLP/HTTP request failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`,
      );
      try {
        this.sendStatus(x, 500, RPC_CODES.internal, 'internal error');
      } catch {
        x.res.destroy();
      }
    }
    await answered;
  }

  /** Metrics must not turn a request into an unhandled rejection, which would end the process. */
  private report(outcome: RequestOutcome): void {
    try {
      this.observer.requestFinished(outcome);
    } catch (e) {
      this.log.error(`could not record OTLP/HTTP request metrics: ${String(e)}`);
    }
  }

  private async handle(x: Exchange, expectsContinue: boolean): Promise<void> {
    const { req } = x;
    const path = (req.url ?? '/').split('?')[0];
    // Errors before the content type is known are answered in JSON, the readable choice.
    x.encoding = encodingFromContentType(header(req.headers['content-type']));
    if (path !== TRACES_PATH) {
      this.sendStatus(
        x,
        404,
        RPC_CODES.notFound,
        `no such endpoint ${path}: send traces to POST ${TRACES_PATH}`,
      );
      return;
    }
    if (req.method !== 'POST') {
      this.sendStatus(
        x,
        405,
        RPC_CODES.unimplemented,
        `${req.method} is not allowed: send traces with POST`,
        {
          Allow: 'POST',
        },
      );
      return;
    }
    if (!x.encoding) {
      const got = header(req.headers['content-type']);
      this.sendStatus(
        x,
        415,
        RPC_CODES.invalidArgument,
        `unsupported Content-Type ${got ? `"${got}"` : '(none)'}: send ${CONTENT_TYPES.otlpProto} or ${CONTENT_TYPES.otlpJson}`,
      );
      return;
    }
    const coding = parseContentEncoding(header(req.headers['content-encoding']));
    if (!coding) {
      this.sendStatus(
        x,
        415,
        RPC_CODES.invalidArgument,
        `unsupported Content-Encoding "${header(req.headers['content-encoding'])}": send gzip, deflate, zstd or identity`,
      );
      return;
    }
    // Node joins repeated custom headers with ', ', which no tenant name holds: two names are refused.
    const tenant = req.headers[this.tenantHeader];
    if (tenant !== undefined) {
      try {
        x.tenant = parseTenant(
          Array.isArray(tenant) ? tenant.join(', ') : tenant,
          `the ${this.tenantHeader} header`,
        );
      } catch (e) {
        if (!(e instanceof InvalidTenantError)) throw e;
        this.sendStatus(x, 400, RPC_CODES.invalidArgument, e.message);
        return;
      }
    }
    if (this.draining) {
      this.sendBackpressure(x, 'draining', OWN_RETRY_AFTER_MS, 'the receiver is shutting down');
      return;
    }
    const declared = Number(header(req.headers['content-length']) ?? NaN);
    const limit = this.wireLimit(coding);
    if (declared > limit) {
      this.sendStatus(
        x,
        413,
        RPC_CODES.invalidArgument,
        `request body of ${declared} bytes exceeds the limit of ${limit} bytes`,
      );
      return;
    }
    if (expectsContinue) x.res.writeContinue();
    await this.readAndSubmit(x, coding);
  }

  /** Identity bodies are also bounded by the decompressed limit: they are the same bytes. */
  private wireLimit(coding: ContentCoding): number {
    return coding === 'identity'
      ? Math.min(this.options.maxRequestBytes, this.options.maxDecompressedBytes)
      : this.options.maxRequestBytes;
  }

  private async readAndSubmit(x: Exchange, coding: ContentCoding): Promise<void> {
    const encoding = x.encoding!;
    const hold = this.budget.open();
    const deadline = new AbortController();
    const timer = setTimeout(
      () =>
        deadline.abort(
          new Error(`request body not received within ${this.options.readTimeoutMs} ms`),
        ),
      Math.max(1, this.options.readTimeoutMs - (Date.now() - x.started)),
    );
    timer.unref();
    try {
      let body: Buffer;
      try {
        const read = await readBody(
          x.req,
          coding,
          { maxWireBytes: this.wireLimit(coding), maxBodyBytes: this.options.maxDecompressedBytes },
          { hold, signal: deadline.signal },
        );
        body = read.body;
        x.wireBytes = read.wireBytes;
        x.bodyBytes = body.length;
      } catch (e) {
        if (!(e instanceof BodyReadError)) throw e;
        x.wireBytes = e.wireBytes;
        x.bodyBytes = e.bodyBytes;
        this.answerReadFailure(x, e.reason, e.message);
        return;
      } finally {
        clearTimeout(timer);
      }
      const result = await this.submitter.submit({
        body,
        encoding,
        receivedAt: x.started,
        ...(x.tenant === undefined ? {} : { tenant: x.tenant }),
      });
      if (result === 'timeout') {
        this.sendBackpressure(
          x,
          'intake_timeout',
          OWN_RETRY_AFTER_MS,
          `the spans were not accepted within ${this.options.intakeTimeoutMs} ms`,
        );
      } else if (result === 'error') {
        this.sendBackpressure(
          x,
          'intake_error',
          OWN_RETRY_AFTER_MS,
          'the spans could not be accepted',
        );
      } else {
        this.answerIntake(x, result);
      }
    } finally {
      hold.release();
    }
  }

  private answerReadFailure(x: Exchange, reason: BodyReadFailure, message: string): void {
    switch (reason) {
      case 'wire_too_large':
      case 'body_too_large':
        this.sendStatus(x, 413, RPC_CODES.invalidArgument, message);
        return;
      case 'malformed':
        this.sendStatus(x, 400, RPC_CODES.invalidArgument, message);
        return;
      case 'in_flight':
        this.sendBackpressure(x, 'in_flight', OWN_RETRY_AFTER_MS, message);
        return;
      case 'timeout':
        // A client this slow gets no lingering: answer and close.
        this.sendStatus(x, 408, RPC_CODES.deadlineExceeded, message, {}, true);
        return;
      case 'aborted':
        x.res.destroy();
        return;
    }
  }

  private answerIntake(x: Exchange, result: IntakeResult): void {
    const encoding = x.encoding!;
    switch (result.kind) {
      case 'accepted': {
        const answer = readAccepted(result);
        x.rejectedSpans = answer.rejectedSpans;
        x.acceptedSpans = answer.acceptedSpans;
        this.send(x, 200, encodeExportResponse(encoding, answer.partialSuccess));
        return;
      }
      case 'backpressure':
        this.sendBackpressure(
          x,
          'intake',
          result.retryAfterMs,
          'the spans cannot be accepted right now',
        );
        return;
      case 'invalid':
        this.sendStatus(x, 400, RPC_CODES.invalidArgument, result.message);
        return;
    }
  }

  private sendBackpressure(
    x: Exchange,
    reason: BackpressureReason,
    retryAfterMs: number,
    message: string,
  ): void {
    x.backpressure = reason;
    const seconds = retryAfterSeconds(retryAfterMs);
    this.sendStatus(x, 503, RPC_CODES.unavailable, `${message}; retry after ${seconds} s`, {
      'Retry-After': String(seconds),
    });
  }

  private sendStatus(
    x: Exchange,
    status: number,
    code: number,
    message: string,
    headers: Record<string, string> = {},
    close = false,
  ): void {
    this.send(
      x,
      status,
      encodeStatus(x.encoding ?? 'otlp_json', code, clipMessage(message)),
      headers,
      close,
    );
  }

  private send(
    x: Exchange,
    status: number,
    body: Buffer,
    headers: Record<string, string> = {},
    close = false,
  ): void {
    const { req, res } = x;
    if (res.headersSent || res.destroyed) return;
    res.statusCode = status;
    res.setHeader(
      'Content-Type',
      x.encoding === 'otlp_proto' ? CONTENT_TYPES.otlpProto : CONTENT_TYPES.otlpJson,
    );
    res.setHeader('Content-Length', body.length);
    for (const [k, v] of Object.entries(headers)) res.setHeader(k, v);
    // While stopping, clients are told to reconnect (elsewhere) rather than reuse this connection.
    if (close || this.draining) res.setHeader('Connection', 'close');
    res.end(body);
    if (close) res.once('finish', () => req.socket.destroy());
    else if (!req.complete) this.linger(req);
  }

  /** Reads and drops what is left of a body answered early; see LINGER_MS. */
  private linger(req: IncomingMessage): void {
    let bytes = 0;
    const cut = () => req.socket.destroy();
    const timer = setTimeout(cut, LINGER_MS);
    timer.unref();
    req.on('data', (chunk: Buffer) => {
      bytes += chunk.length;
      if (bytes > this.options.maxRequestBytes) cut();
    });
    req.once('end', () => clearTimeout(timer));
    req.once('close', () => clearTimeout(timer));
    req.resume();
  }
}
