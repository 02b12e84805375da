import type { Assertion, Verification } from '@t2t/testgen';
import { countAssertions, toTriggerType, toVerificationType } from './test-spec.type';
import { toTraceType } from './trace.type';
import { DroppedCheckReason, TestVerdict, TriggerType } from './test.enums';

describe('test spec parts', () => {
  it('summarises each kind of trigger in one line, other types’ fields null', () => {
    expect(
      toTriggerType({
        type: 'http',
        service: 'api-gateway',
        method: 'POST',
        pathTemplate: '/orders',
        path: '/orders',
        headers: {},
      }),
    ).toMatchObject({
      type: TriggerType.HTTP,
      summary: 'HTTP POST /orders to api-gateway',
      topic: null,
    });
    expect(
      toTriggerType({
        type: 'grpc',
        service: 'payments',
        grpcService: 'checkout.PaymentService',
        method: 'Charge',
        message: {},
        metadata: {},
      }),
    ).toMatchObject({
      type: TriggerType.GRPC,
      summary: 'gRPC checkout.PaymentService/Charge to payments',
      path: null,
    });
    expect(
      toTriggerType({ type: 'message', system: 'kafka', topic: 'orders', value: {}, headers: {} }),
    ).toMatchObject({
      type: TriggerType.MESSAGE,
      summary: 'kafka message to orders',
      service: null,
      topic: 'orders',
    });
  });

  it('counts leaf assertions: a conditional counts its branches, journey steps count too', () => {
    const exists = (id: string): Assertion => ({
      id,
      kind: 'exists',
      description: id,
      select: {},
    });
    const spec = {
      assertions: [
        exists('a1'),
        {
          id: 'a2',
          kind: 'conditional' as const,
          description: 'c',
          when: { all: [] },
          then: [exists('a3'), exists('a4')],
          else: [exists('a5')],
        },
      ],
      before: [
        {
          name: 'write',
          endpoint: 'e',
          trigger: { type: 'message' as const, system: 'kafka', topic: 't', value: 1, headers: {} },
          request: [],
          assertions: [exists('s1')],
          captures: [],
        },
      ],
    };
    expect(countAssertions(spec)).toBe(5);
  });

  it('maps verification with its dropped checks and per-trace results', () => {
    const v: Verification = {
      status: 'verified',
      recordedTraces: 2,
      mutationsTried: 4,
      kept: 3,
      dropped: [
        {
          path: 'assertions[1].attributes["url.full"]',
          assertionId: 'a2',
          reason: 'cannot-fail',
          detail: 'no mutant changes url.full',
        },
      ],
      traces: [
        { traceId: 't1', passed: true },
        { traceId: 't2', passed: true },
      ],
    };
    // Enum values are the stored ones; GraphQL answers them by name (VERIFIED, CANNOT_FAIL).
    expect(toVerificationType(v)).toEqual({
      status: TestVerdict.VERIFIED,
      reason: null,
      recordedTraces: 2,
      mutationsTried: 4,
      kept: 3,
      dropped: [
        {
          path: 'assertions[1].attributes["url.full"]',
          assertionId: 'a2',
          reason: DroppedCheckReason.CANNOT_FAIL,
          detail: 'no mutant changes url.full',
        },
      ],
      traces: [
        { traceId: 't1', passed: true, trace: toTraceType('t1') },
        { traceId: 't2', passed: true, trace: toTraceType('t2') },
      ],
    });
  });
});
