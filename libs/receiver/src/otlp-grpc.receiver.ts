import {
  Metadata,
  type MethodDefinition,
  type sendUnaryData,
  Server,
  ServerCredentials,
  type ServerUnaryCall,
  type ServiceDefinition,
  status as GrpcStatus,
} from '@grpc/grpc-js';
import { Logger } from '@nestjs/common';
import { InvalidTenantError, parseTenant } from '@t2t/wire';
import { ByteBudget } from './body.reader';
import { IntakeSubmitter, readAccepted, retryAfterSeconds } from './intake.submitter';
import { DEFAULT_TENANT_HEADER, type IntakeResult, type OtlpIntake } from './otlp-intake.port';
import type { BackpressureReason } from './otlp-http.receiver';
import { clipMessage, encodeExportResponse, encodeRetryStatus } from './otlp-response.encoder';
import { type GrpcReceiverConfig, grpcReceiverEnvProblems } from './receiver.env';

/** The one method the receiver serves (opentelemetry/proto/collector/trace/v1/trace_service.proto). */
export const TRACE_EXPORT_PATH = '/opentelemetry.proto.collector.trace.v1.TraceService/Export';

/** The trailer that carries a status's details (a serialized `google.rpc.Status`), as gRPC names it. */
export const STATUS_DETAILS_TRAILER = 'grpc-status-details-bin';

const passBytes = (bytes: Buffer): Buffer => bytes;

/**
 * `TraceService` declared by hand rather than loaded from its .proto: grpc-js needs only the path
 * and how messages become bytes and back, and here both directions are the bytes themselves. The
 * request goes to the intake as the protobuf the client sent (decoded once, by libs/otlp, as
 * ingest decodes it), and the response is written by otlp-response.encoder, as for OTLP/HTTP.
 */
export const TRACE_SERVICE: ServiceDefinition<{ Export: unknown }> = {
  Export: {
    path: TRACE_EXPORT_PATH,
    requestStream: false,
    responseStream: false,
    requestSerialize: passBytes,
    requestDeserialize: passBytes,
    responseSerialize: passBytes,
    responseDeserialize: passBytes,
  } satisfies MethodDefinition<Buffer, Buffer>,
};

export type GrpcReceiverOptions = Omit<GrpcReceiverConfig, 'enabled'> & {
  /**
   * Metadata key naming the tenant of the spans (`TENANT_HEADER`, default `x-t2t-tenant`); it
   * travels to the intake as `IntakeRequest.tenant`. A malformed name is answered with
   * INVALID_ARGUMENT.
   */
  tenantHeader?: string;
};

/** What happened to one call, reported once it is answered (or the client gave up on it). */
export interface GrpcCallOutcome {
  /** gRPC status sent; CANCELLED or DEADLINE_EXCEEDED when the client stopped waiting first. */
  code: GrpcStatus;
  /** The request message's size after decompression (grpc-js decompresses before the handler). */
  bodyBytes: number;
  /** Spans the intake took (when it says), and spans it rejected (partial success). */
  acceptedSpans?: number;
  rejectedSpans: number;
  backpressure?: BackpressureReason;
  seconds: number;
}

export interface GrpcReceiverObserver {
  callFinished(outcome: GrpcCallOutcome): void;
}

const NO_OBSERVER: GrpcReceiverObserver = { callFinished: () => undefined };

/** Retry hint of the receiver's own refusals (full, stopping, intake too slow): short-lived conditions. */
const OWN_RETRY_AFTER_MS = 1000;

/** The answer to one call: a response message, or a status (retryable when it has a retry hint). */
type Reply =
  | { code: GrpcStatus.OK; body: Buffer }
  | { code: GrpcStatus; message: string; retryAfterMs?: number };

/** One call as it goes through the receiver. */
interface Call {
  started: number;
  bodyBytes: number;
  acceptedSpans?: number;
  rejectedSpans: number;
  backpressure?: BackpressureReason;
}

/**
 * OTLP/gRPC trace receiver: `TraceService/Export` on a grpc-js server of its own (HTTP/2, port
 * 4317 by default), handing each request to the same intake as the OTLP/HTTP receiver and
 * answering as the OTLP spec asks of a gRPC server:
 *
 * - accepted: `ExportTraceServiceResponse`, with `partial_success` when the intake rejected spans;
 * - the payload is wrong (does not decode, too large for the destination): INVALID_ARGUMENT, not
 *   retryable;
 * - the intake is full, or the receiver holds too many bytes: RESOURCE_EXHAUSTED with a
 *   `google.rpc.RetryInfo` (clients retry RESOURCE_EXHAUSTED only when it has one);
 * - the intake cannot reach its destination, is too slow or failed, or the receiver is stopping:
 *   UNAVAILABLE, also with a RetryInfo.
 *
 * grpc-js itself decompresses (`grpc-encoding: gzip` or `deflate`), enforces the message size
 * limit before and during decompression (RESOURCE_EXHAUSTED without RetryInfo), honours the
 * client's deadline and answers unknown methods (UNIMPLEMENTED); those calls never reach the
 * handler. The receiver never throws on input.
 */
export class OtlpGrpcReceiver {
  private readonly log = new Logger('otlp-grpc');
  private readonly server: Server;
  private readonly budget: ByteBudget;
  private readonly submitter: IntakeSubmitter;
  private readonly inFlight = new Set<Promise<void>>();
  private bound: { host: string; port: number } | undefined;
  private closing: Promise<void> | undefined;
  private draining = false;
  private readonly tenantHeader: string;

  constructor(
    intake: OtlpIntake,
    private readonly options: GrpcReceiverOptions,
    private readonly observer: GrpcReceiverObserver = NO_OBSERVER,
  ) {
    const problems = grpcReceiverEnvProblems({ ...options, enabled: true });
    if (problems.length > 0)
      throw new Error(
        `invalid OTLP/gRPC receiver options: ${problems.map((p) => `${p.key} ${p.problem}`).join('; ')}`,
      );
    this.budget = new ByteBudget(options.maxInFlightBytes);
    this.submitter = new IntakeSubmitter(intake, options.intakeTimeoutMs, this.log, 'UNAVAILABLE');
    this.tenantHeader = (options.tenantHeader ?? DEFAULT_TENANT_HEADER).toLowerCase();
    // grpc-js applies this to the message as framed and again while decompressing it, so a gzip
    // bomb costs at most this much memory.
    this.server = new Server({ 'grpc.max_receive_message_length': options.maxReceiveBytes });
    this.server.addService(TRACE_SERVICE, {
      Export: (call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) =>
        this.accept(call, callback),
    });
  }

  /** Starts listening; resolves with the bound address (port 0 picks a free one). */
  async listen(): Promise<{ host: string; port: number }> {
    const { host } = this.options;
    // An IPv6 address needs brackets in the target, or its colons read as the port separator.
    const target = `${host.includes(':') ? `[${host}]` : host}:${this.options.port}`;
    const port = await new Promise<number>((resolve, reject) => {
      try {
        this.server.bindAsync(target, ServerCredentials.createInsecure(), (e, bound) =>
          e ? reject(e) : resolve(bound),
        );
      } catch (e) {
        reject(e instanceof Error ? e : new Error(String(e)));
      }
    }).catch((e: Error) => {
      throw new Error(`the OTLP/gRPC receiver cannot listen on ${target}: ${e.message}`, {
        cause: e,
      });
    });
    this.bound = { host, port };
    return this.bound;
  }

  /** The bound address; undefined before `listen` and after `close`. */
  address(): { host: string; port: number } | undefined {
    return this.closing ? undefined : this.bound;
  }

  /** Calls being handled and the request bytes they hold (for gauges). */
  load(): { requests: number; bytes: number } {
    return { requests: this.inFlight.size, bytes: this.budget.inUse };
  }

  /**
   * Graceful stop: no new connections; open connections are told to go away (HTTP/2 GOAWAY, so
   * clients open new ones elsewhere); calls in flight finish within the drain timeout, after which
   * the remaining connections are cut. Idempotent.
   */
  close(): Promise<void> {
    this.closing ??= this.drain();
    return this.closing;
  }

  private async drain(): Promise<void> {
    this.draining = true;
    if (!this.bound) {
      this.server.forceShutdown();
      return;
    }
    const pending = this.inFlight.size;
    const stopped = new Promise<void>((resolve) => this.server.tryShutdown(() => resolve()));
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), this.options.drainTimeoutMs);
    });
    // Calls whose client left are not waited for by grpc-js, but their intake work is.
    const finished = stopped.then(() => Promise.all([...this.inFlight])).then(() => false);
    const late = await Promise.race([finished, timedOut]);
    clearTimeout(timer);
    if (late) {
      this.log.warn(
        `${this.inFlight.size} of ${pending} OTLP/gRPC call(s) still in flight after ${this.options.drainTimeoutMs} ms; cutting their connections`,
      );
      this.server.forceShutdown();
    }
  }

  private accept(call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>): void {
    const x: Call = { started: Date.now(), bodyBytes: call.request.length, rejectedSpans: 0 };
    const task = this.run(call, x)
      .catch((e: unknown): Reply => {
        this.log.error(
          `OTLP/gRPC call failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`,
        );
        return { code: GrpcStatus.INTERNAL, message: 'internal error' };
      })
      .then((reply) => {
        const code = call.cancelled ? this.abandonedCode(call) : reply.code;
        try {
          this.send(reply, callback);
        } catch (e) {
          // grpc-js does not throw here; if it ever did, the process must not end over one call.
          this.log.error(`could not answer an OTLP/gRPC call: ${String(e)}`);
        }
        this.inFlight.delete(task);
        this.report({
          code,
          bodyBytes: x.bodyBytes,
          acceptedSpans: x.acceptedSpans,
          rejectedSpans: x.rejectedSpans,
          backpressure: x.backpressure,
          seconds: (Date.now() - x.started) / 1000,
        });
      });
    this.inFlight.add(task);
  }

  private async run(call: ServerUnaryCall<Buffer, Buffer>, x: Call): Promise<Reply> {
    // The deadline may have passed while the message arrived: nobody waits for the answer.
    if (call.cancelled) return { code: GrpcStatus.CANCELLED, message: 'cancelled by the client' };
    const tenant = this.tenantOf(call);
    if (tenant instanceof InvalidTenantError)
      return { code: GrpcStatus.INVALID_ARGUMENT, message: tenant.message };
    if (this.draining)
      return this.refuse(
        x,
        'draining',
        GrpcStatus.UNAVAILABLE,
        OWN_RETRY_AFTER_MS,
        'the receiver is shutting down',
      );
    const body = call.request;
    const hold = this.budget.open();
    try {
      if (!hold.take(body.length))
        return this.refuse(
          x,
          'in_flight',
          GrpcStatus.RESOURCE_EXHAUSTED,
          OWN_RETRY_AFTER_MS,
          'the receiver holds too many request bytes right now',
        );
      const result = await this.submitter.submit({
        body,
        encoding: 'otlp_proto',
        receivedAt: x.started,
        ...(tenant === undefined ? {} : { tenant }),
      });
      if (result === 'timeout')
        return this.refuse(
          x,
          'intake_timeout',
          GrpcStatus.UNAVAILABLE,
          OWN_RETRY_AFTER_MS,
          `the spans were not accepted within ${this.options.intakeTimeoutMs} ms`,
        );
      if (result === 'error')
        return this.refuse(
          x,
          'intake_error',
          GrpcStatus.UNAVAILABLE,
          OWN_RETRY_AFTER_MS,
          'the spans could not be accepted',
        );
      return this.answerIntake(x, result);
    } finally {
      hold.release();
    }
  }

  /** The tenant the call's metadata names (undefined: none), or why the name is refused. */
  private tenantOf(call: ServerUnaryCall<Buffer, Buffer>): string | undefined | InvalidTenantError {
    const values = call.metadata.get(this.tenantHeader);
    if (values.length === 0) return undefined;
    const from = `the ${this.tenantHeader} metadata`;
    if (values.length > 1)
      return new InvalidTenantError(`${values.length} tenants named by ${from}: name one`);
    const value = values[0];
    try {
      return parseTenant(typeof value === 'string' ? value : value.toString('utf8'), from);
    } catch (e) {
      if (e instanceof InvalidTenantError) return e;
      throw e;
    }
  }

  private answerIntake(x: Call, result: IntakeResult): Reply {
    switch (result.kind) {
      case 'accepted': {
        const answer = readAccepted(result);
        x.acceptedSpans = answer.acceptedSpans;
        x.rejectedSpans = answer.rejectedSpans;
        return {
          code: GrpcStatus.OK,
          body: encodeExportResponse('otlp_proto', answer.partialSuccess),
        };
      }
      case 'backpressure':
        // A full intake drains by itself (RESOURCE_EXHAUSTED); anything else, such as a broker
        // that cannot be reached, is a service that is down for now (UNAVAILABLE).
        return this.refuse(
          x,
          'intake',
          result.cause === 'overloaded' ? GrpcStatus.RESOURCE_EXHAUSTED : GrpcStatus.UNAVAILABLE,
          result.retryAfterMs,
          'the spans cannot be accepted right now',
        );
      case 'invalid':
        return { code: GrpcStatus.INVALID_ARGUMENT, message: result.message };
    }
  }

  /** A retryable refusal; the hint is rounded as OTLP/HTTP's Retry-After is (whole seconds, at least 1). */
  private refuse(
    x: Call,
    reason: BackpressureReason,
    code: GrpcStatus,
    retryAfterMs: number,
    message: string,
  ): Reply {
    x.backpressure = reason;
    const seconds = retryAfterSeconds(retryAfterMs);
    return { code, message: `${message}; retry after ${seconds} s`, retryAfterMs: seconds * 1000 };
  }

  private send(reply: Reply, callback: sendUnaryData<Buffer>): void {
    if ('body' in reply) {
      callback(null, reply.body);
      return;
    }
    const message = clipMessage(reply.message);
    const metadata = new Metadata();
    if (reply.retryAfterMs !== undefined)
      metadata.set(
        STATUS_DETAILS_TRAILER,
        encodeRetryStatus(reply.code, message, reply.retryAfterMs),
      );
    callback({ code: reply.code, details: message, metadata });
  }

  /** Why a call nobody waits for any more ended: its deadline passed, or the client cancelled it. */
  private abandonedCode(call: ServerUnaryCall<Buffer, Buffer>): GrpcStatus {
    const deadline = call.getDeadline();
    const at = deadline instanceof Date ? deadline.getTime() : deadline;
    return Date.now() >= at ? GrpcStatus.DEADLINE_EXCEEDED : GrpcStatus.CANCELLED;
  }

  /** Metrics must not turn a call into an unhandled rejection, which would end the process. */
  private report(outcome: GrpcCallOutcome): void {
    try {
      this.observer.callFinished(outcome);
    } catch (e) {
      this.log.error(`could not record OTLP/gRPC call metrics: ${String(e)}`);
    }
  }
}
