import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Client, credentials, Metadata, status as GrpcStatus } from '@grpc/grpc-js';
import * as protobuf from 'protobufjs';
import type { GrpcTrigger } from '@t2t/testgen';
import type { TriggerResponse } from './http-trigger.sender';
import { RunSetupError, TriggerError } from './trigger.errors';

/**
 * Sends gRPC triggers. A spec carries the request as JSON; encoding it needs the service's
 * message types, so the sender is given the service's `.proto` files (files or directories, as
 * `grpcurl -proto` is). Unary methods only: a trace-based test sends one request.
 *
 * What counts as an answer mirrors HTTP: any status the server sends back (OK or an error code)
 * is an answer for the assertions to judge, `status` holding the gRPC code; only not reaching the
 * server (UNAVAILABLE from the channel, deadline passed) is a TriggerError.
 */
export class GrpcTriggerSender {
  private root: Promise<protobuf.Root> | undefined;

  constructor(private readonly protoPaths: readonly string[]) {}

  async send(
    trigger: GrpcTrigger,
    target: string,
    traceparent: string,
    options: { timeoutMs: number },
  ): Promise<TriggerResponse> {
    const method = await this.method(trigger);
    const requestType = method.resolvedRequestType!;
    const responseType = method.resolvedResponseType!;
    const problem = messageProblem(requestType, trigger.message, '');
    if (problem) {
      throw new RunSetupError(
        `gRPC ${trigger.grpcService}/${trigger.method}: the message does not fit ${requestType.fullName.slice(1)}: ${problem}`,
      );
    }
    const request = Buffer.from(
      requestType.encode(requestType.fromObject(asObject(trigger.message))).finish(),
    );
    const metadata = new Metadata();
    for (const [k, v] of Object.entries(trigger.metadata)) {
      // The run's own context wins over anything recorded.
      if (!/^(traceparent|tracestate)$/i.test(k)) metadata.set(k, v);
    }
    metadata.set('traceparent', traceparent);

    const { address, secure } = grpcAddress(target);
    const client = new Client(
      address,
      secure ? credentials.createSsl() : credentials.createInsecure(),
    );
    try {
      const reply = await new Promise<Buffer>((resolve, reject) => {
        client.makeUnaryRequest(
          `/${trigger.grpcService}/${trigger.method}`,
          (b: Buffer) => b,
          (b: Buffer) => b,
          request,
          metadata,
          { deadline: Date.now() + Math.max(1, options.timeoutMs) },
          (err, value) => (err ? reject(err) : resolve(value!)),
        );
      });
      const json = responseType.toObject(responseType.decode(reply), {
        longs: String,
        enums: String,
        bytes: String,
      });
      return { status: GrpcStatus.OK, json, text: JSON.stringify(json) };
    } catch (e) {
      const err = e as { code?: GrpcStatus; details?: string; message?: string };
      if (
        err.code === undefined ||
        err.code === GrpcStatus.UNAVAILABLE ||
        err.code === GrpcStatus.DEADLINE_EXCEEDED
      ) {
        throw new TriggerError(
          `gRPC ${trigger.grpcService}/${trigger.method} at ${address} got no answer: ${err.details ?? err.message ?? String(e)}`,
          { cause: e },
        );
      }
      return { status: err.code, text: err.details ?? '' };
    } finally {
      client.close();
    }
  }

  private async method(trigger: GrpcTrigger): Promise<protobuf.Method> {
    const root = await this.loadRoot();
    let service: protobuf.Service;
    try {
      service = root.lookupService(trigger.grpcService);
    } catch {
      throw new RunSetupError(
        `gRPC service ${trigger.grpcService} is not in the .proto files given (${this.protoPaths.join(', ')})`,
      );
    }
    const method = service.methods[trigger.method];
    if (method === undefined) {
      throw new RunSetupError(
        `gRPC service ${trigger.grpcService} has no method ${trigger.method} (it has ${Object.keys(service.methods).join(', ')})`,
      );
    }
    if (method.requestStream || method.responseStream) {
      throw new RunSetupError(
        `gRPC ${trigger.grpcService}/${trigger.method} is a streaming method; the runner sends unary calls only`,
      );
    }
    method.resolve();
    return method;
  }

  private loadRoot(): Promise<protobuf.Root> {
    this.root ??= (async () => {
      const files = (await Promise.all(this.protoPaths.map(protoFiles))).flat();
      if (files.length === 0) {
        throw new RunSetupError(`no .proto files in ${this.protoPaths.join(', ')}`);
      }
      try {
        const root = await new protobuf.Root().load(files, { keepCase: true });
        root.resolveAll();
        return root;
      } catch (e) {
        throw new RunSetupError(`cannot load the .proto files: ${(e as Error).message}`);
      }
    })();
    // A failed load is reported to every caller, not cached as a rejection forever.
    this.root.catch(() => (this.root = undefined));
    return this.root;
  }
}

/** `grpc://h:p`, `grpcs://h:p`, `http(s)://h:p` or `h:p` → the channel address and whether TLS is on. */
export function grpcAddress(target: string): { address: string; secure: boolean } {
  const m = /^([a-z]+):\/\/([^/]+)\/*$/i.exec(target.trim());
  if (!m) return { address: target.trim(), secure: false };
  const scheme = m[1].toLowerCase();
  if (!['grpc', 'grpcs', 'http', 'https'].includes(scheme)) {
    throw new RunSetupError(
      `gRPC target ${target}: use grpc://, grpcs://, http://, https:// or host:port`,
    );
  }
  return { address: m[2], secure: scheme === 'grpcs' || scheme === 'https' };
}

const INTEGER_TYPES = new Set([
  'int32',
  'uint32',
  'sint32',
  'fixed32',
  'sfixed32',
  'int64',
  'uint64',
  'sint64',
  'fixed64',
  'sfixed64',
]);

/**
 * Why a JSON value does not fit a message type (as proto3 JSON writes it: 64-bit integers may be
 * strings, enums names or numbers, bytes base64), or undefined. Stricter than protobufjs's
 * `fromObject`, which would quietly turn `"very"` into `true`.
 */
function messageProblem(type: protobuf.Type, value: unknown, path: string): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value))
    return `${path || 'the message'}: object expected`;
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    const field =
      type.fields[key] ?? type.fieldsArray.find((f) => f.name === key || camel(f.name) === key);
    const at = path ? `${path}.${key}` : key;
    if (field === undefined) return `${at}: no such field in ${type.name}`;
    field.resolve();
    if (v === null) continue;
    if (field.map) {
      if (typeof v !== 'object' || Array.isArray(v)) return `${at}: object expected`;
      for (const [k, item] of Object.entries(v as Record<string, unknown>)) {
        const problem = valueProblem(field, item, `${at}.${k}`);
        if (problem) return problem;
      }
    } else if (field.repeated) {
      if (!Array.isArray(v)) return `${at}: array expected`;
      for (let i = 0; i < v.length; i++) {
        const problem = valueProblem(field, v[i], `${at}[${i}]`);
        if (problem) return problem;
      }
    } else {
      const problem = valueProblem(field, v, at);
      if (problem) return problem;
    }
  }
  return undefined;
}

function valueProblem(field: protobuf.Field, v: unknown, at: string): string | undefined {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) return messageProblem(resolved, v, at);
  if (resolved instanceof protobuf.Enum) {
    if (typeof v === 'string' && v in resolved.values) return undefined;
    if (typeof v === 'number' && Number.isInteger(v)) return undefined;
    return `${at}: one of ${Object.keys(resolved.values).join(', ')} expected`;
  }
  const t = field.type;
  if (t === 'bool') return typeof v === 'boolean' ? undefined : `${at}: boolean expected`;
  if (t === 'string' || t === 'bytes')
    return typeof v === 'string' ? undefined : `${at}: string expected`;
  if (INTEGER_TYPES.has(t))
    return (typeof v === 'number' && Number.isInteger(v)) ||
      (typeof v === 'string' && /^-?\d+$/.test(v))
      ? undefined
      : `${at}: integer expected`;
  if (t === 'double' || t === 'float')
    return typeof v === 'number' ||
      (typeof v === 'string' && /^(-?\d+(\.\d+)?([eE][-+]?\d+)?|NaN|-?Infinity)$/.test(v))
      ? undefined
      : `${at}: number expected`;
  return undefined;
}

function camel(name: string): string {
  return name.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

function asObject(message: unknown): Record<string, unknown> {
  return typeof message === 'object' && message !== null
    ? (message as Record<string, unknown>)
    : {};
}

/** A .proto file, or every .proto file under a directory (sorted, hidden entries skipped). */
async function protoFiles(path: string): Promise<string[]> {
  let info;
  try {
    info = await stat(path);
  } catch (e) {
    throw new RunSetupError(`cannot read ${path}: ${(e as Error).message}`);
  }
  if (!info.isDirectory()) return [path];
  const out: string[] = [];
  for (const entry of (await readdir(path, { withFileTypes: true })).sort((a, b) =>
    a.name.localeCompare(b.name),
  )) {
    if (entry.name.startsWith('.')) continue;
    const full = join(path, entry.name);
    if (entry.isDirectory()) out.push(...(await protoFiles(full)));
    else if (entry.name.endsWith('.proto')) out.push(full);
  }
  return out;
}
