/**
 * Golden cases for the fingerprint: synthetic traces written by hand as JSON (inputs/*.json) and
 * the fingerprint each must produce (expected/*.golden.json). Shared by the spec, which compares,
 * and by scripts/update-golden.ts, which rewrites the expected files (`npm run golden:fingerprint`).
 *
 * An input is an AssembledTrace whose spans carry the SpanFacts to label them, so a case runs the
 * whole path: spanLabel/entryEndpoint → buildTraceTree → fingerprintTrace.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { entryEndpoint, spanLabel } from '../../src/labels';
import type {
  AssembledSpan,
  AssembledTrace,
  SpanFacts,
  TraceFingerprint,
} from '../../src/trace.model';

export const INPUTS_DIR = join(__dirname, 'inputs');
export const EXPECTED_DIR = join(__dirname, 'expected');

/** A span of a golden input: what assembly keeps, plus the facts its label comes from. */
export interface GoldenSpan extends SpanFacts {
  spanId: string;
  startUs: number;
  durationUs: number;
  error?: boolean;
}

export interface GoldenInput {
  /** What the case shows. */
  description: string;
  /** Names of cases (file names without .json) that must have the same fingerprint. */
  sameAs?: string[];
  /** Names of cases that must have a different fingerprint. */
  differsFrom?: string[];
  traceId: string;
  /** Decimal string (JSON has no bigint). */
  baseStartNs: string;
  spans: GoldenSpan[];
}

/** The part of a fingerprint a golden file pins (shingles are hashes: checked by the specs). */
export interface GoldenOutput {
  version: number;
  hash: string;
  endpoint: string;
  complete: boolean;
  repeats: Record<string, number>;
  canonical: string[];
}

export interface GoldenCase {
  name: string;
  input: GoldenInput;
}

export function loadGoldenCases(): GoldenCase[] {
  return readdirSync(INPUTS_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({
      name: f.slice(0, -'.json'.length),
      input: JSON.parse(readFileSync(join(INPUTS_DIR, f), 'utf8')) as GoldenInput,
    }));
}

export function expectedPath(name: string): string {
  return join(EXPECTED_DIR, `${name}.golden.json`);
}

/** Labels and endpoints as clustering computes them at arrival. */
export function assembleGoldenTrace(
  input: Pick<GoldenInput, 'traceId' | 'baseStartNs' | 'spans'>,
): AssembledTrace {
  const spans = input.spans.map((s): AssembledSpan => {
    const span: AssembledSpan = {
      spanId: s.spanId,
      parentSpanId: s.parentSpanId,
      label: spanLabel(s),
      startUs: s.startUs,
      durationUs: s.durationUs,
      error: s.error ?? false,
    };
    const endpoint = entryEndpoint(s);
    if (endpoint !== undefined) span.endpoint = endpoint;
    return span;
  });
  return { traceId: input.traceId, baseStartNs: BigInt(input.baseStartNs), spans };
}

/** `canonical` is split into lines so golden files diff line by line. */
export function toGoldenOutput(fingerprint: TraceFingerprint): GoldenOutput {
  return {
    version: fingerprint.version,
    hash: fingerprint.hash,
    endpoint: fingerprint.endpoint,
    complete: fingerprint.complete,
    repeats: { ...fingerprint.repeats },
    canonical: fingerprint.canonical.split('\n'),
  };
}

export function serializeGolden(output: GoldenOutput): string {
  return JSON.stringify(output, null, 2) + '\n';
}
