import { SpanKind, StatusCode, type Span } from '@t2t/domain';
import { observeTrace } from '../../test/trace.observer';
import {
  expectObservationMatches,
  expectRulesHold,
  expectSharesMatch,
} from '../../test/truth.expectations';
import { validateSystem } from '../compile/system.compiler';
import {
  canInjectFault,
  injectFault,
  type FaultKind,
  type InjectedFault,
} from '../faults/fault.injector';
import type { GeneratedTrace } from '../generation/generated-trace.model';
import { generateTraces } from '../generation/trace.generator';
import { satisfies } from '../model/condition.evaluator';
import { compare } from '../model/system.dsl';
import { edgeKey } from '../truth/edge.format';
import { groundTruth } from '../truth/ground-truth.builder';
import { bankSystem } from './bank.system';

const SUBMIT = 'payments-gateway|RPC grpc bank.payments.v1.TransferService/SubmitTransfer';
const GET = 'payments-gateway|RPC grpc bank.payments.v1.TransferService/GetTransfer';
const FRAUD_LAKE = 'fraud-lake|CONSUME transfers.settled';
const RISK = 'risk-engine|HTTP POST /v1/assessments';
const LEDGER = 'ledger-service|RPC grpc bank.ledger.v1.Ledger/PostTransfer';
const REQUESTS = 4_000;

/**
 * P(Z >= z) for a standard normal, by Simpson's rule on its density: computed here independently
 * of the library's CDF, so the truth's shares are checked, not restated.
 */
function upperTail(z: number): number {
  const steps = 20_000;
  const to = 12;
  const h = (to - z) / steps;
  const density = (t: number) => Math.exp((-t * t) / 2) / Math.sqrt(2 * Math.PI);
  let sum = density(z) + density(to);
  for (let i = 1; i < steps; i++) sum += density(z + i * h) * (i % 2 === 0 ? 2 : 4);
  return (sum * h) / 3;
}

/** Amounts are log-normal (median 420, sigma 1) in cents: `>= 1000` means a raw draw >= 999.995. */
const SCREENED = upperTail(Math.log(999.995 / 420) / 1);
const BUSINESS = 0.2;

const service = (s: Span) => s.resource.attributes['service.name'];

describe('bankSystem', () => {
  const truth = groundTruth(bankSystem);

  it('is a valid definition', () => {
    expect(() => validateSystem(bankSystem)).not.toThrow();
  });

  describe('ground truth', () => {
    it('lists the services with their languages and conventions', () => {
      expect(truth.services.map((s) => [s.name, s.language, s.semconv, s.endpoints])).toEqual([
        ['fraud-lake', 'python', 'legacy', [FRAUD_LAKE]],
        ['ledger-service', 'java', 'current', [LEDGER]],
        [
          'notification-service',
          'nodejs',
          'current',
          ['notification-service|CONSUME transfers.settled'],
        ],
        ['payments-gateway', 'go', 'current', [GET, SUBMIT]],
        ['risk-engine', 'python', 'legacy', [RISK]],
        ['statement-service', 'go', 'legacy', ['statement-service|CONSUME transfers.settled']],
      ]);
    });

    it('enters over gRPC, and in a linked trace at the fraud lake', () => {
      expect(
        truth.endpoints.filter((e) => e.entry).map((e) => [e.key, e.kind, e.tracesPerRequest]),
      ).toEqual([
        [FRAUD_LAKE, 'consume', 0.7],
        [GET, 'rpc', 0.3],
        [SUBMIT, 'rpc', 0.7],
      ]);
      expect(truth.endpoints.filter((e) => !e.entry).map((e) => e.key)).toEqual([
        LEDGER,
        'notification-service|CONSUME transfers.settled',
        RISK,
        'statement-service|CONSUME transfers.settled',
      ]);
    });

    it('lists the entities and edges', () => {
      expect(truth.entities.map((e) => `${e.kind} ${e.name} (${e.system})`)).toEqual([
        'collection risk_profiles (mongodb)',
        'collection transfer_events (mongodb)',
        'external-api api.sanctions.example (https)',
        'external-api push.notify.example (https)',
        'table account_balances (postgresql)',
        'table fee_charges (postgresql)',
        'table journal_entries (postgresql)',
        'table statement_lines (postgresql)',
        'table transfers (postgresql)',
        'topic transfers.settled (kafka)',
      ]);
      expect(truth.edges.map(edgeKey)).toEqual([
        `CALLS ${SUBMIT} -> ${LEDGER}`,
        `CALLS ${SUBMIT} -> ${RISK}`,
        'CALLS_EXTERNAL notification-service -> push.notify.example POST /v1/send',
        'CALLS_EXTERNAL risk-engine -> api.sanctions.example POST /v2/screenings',
        'CONSUMES fraud-lake -> topic transfers.settled',
        'CONSUMES notification-service -> topic transfers.settled',
        'CONSUMES statement-service -> topic transfers.settled',
        'PUBLISHES payments-gateway -> topic transfers.settled',
        'READS payments-gateway -> table transfers (SELECT)',
        'READS risk-engine -> collection risk_profiles (find)',
        'WRITES fraud-lake -> collection transfer_events (insert)',
        'WRITES ledger-service -> table account_balances (UPDATE)',
        'WRITES ledger-service -> table fee_charges (INSERT)',
        'WRITES ledger-service -> table journal_entries (INSERT)',
        'WRITES payments-gateway -> table transfers (INSERT)',
        'WRITES statement-service -> table statement_lines (INSERT)',
      ]);
    });

    it('splits SubmitTransfer by the continuous amount and the business segment, exactly', () => {
      expect(SCREENED).toBeGreaterThan(0.19);
      expect(SCREENED).toBeLessThan(0.2);
      const shares = truth.behaviours.map((b) => [b.endpoint, b.id, b.share] as const);
      const expected = [
        [FRAUD_LAKE, 'default', 1],
        [GET, 'default', 1],
        [SUBMIT, 'below-screening-threshold', (1 - SCREENED) * (1 - BUSINESS)],
        [SUBMIT, 'below-screening-threshold+business-fee', (1 - SCREENED) * BUSINESS],
        [SUBMIT, 'sanctions-screened', SCREENED * (1 - BUSINESS)],
        [SUBMIT, 'sanctions-screened+business-fee', SCREENED * BUSINESS],
      ] as const;
      expect(shares.map(([e, id]) => [e, id])).toEqual(expected.map(([e, id]) => [e, id]));
      shares.forEach(([, , share], i) => expect(share).toBeCloseTo(expected[i][2], 12));
      expect(
        truth.behaviours.find((b) => b.id === 'sanctions-screened+business-fee')!.description,
      ).toBe(
        'a transfer of 1000 or more is screened against sanctions lists; a business account is charged a transfer fee',
      );
    });

    it('has a rule on the forwarded amount at the risk engine and one on the segment at the ledger', () => {
      expect(
        truth.rules.map((r) => [r.endpoint, r.at, r.condition, r.effect, r.confidence]),
      ).toEqual([
        [SUBMIT, LEDGER, 'account.segment = business', 'writes fee_charges (INSERT)', 1],
        [
          SUBMIT,
          RISK,
          'transfer.amount >= 1000',
          'calls external api.sanctions.example POST /v2/screenings',
          1,
        ],
      ]);
      expect(truth.rules[0].share).toBeCloseTo(BUSINESS, 12);
      expect(truth.rules[1].share).toBeCloseTo(SCREENED, 12);
      expect(truth.rules[1].atoms).toEqual([compare('transfer.amount', '>=', 1000)]);
    });
  });

  describe(`${REQUESTS} generated requests`, () => {
    const traces = generateTraces(bankSystem, { seed: 2024, traces: REQUESTS });
    const submits = traces.filter((t) => t.endpoint === SUBMIT);

    it('show exactly the truth: endpoints, edges, entities, behaviour shares and rules', () => {
      expectObservationMatches(truth, traces);
      expectSharesMatch(truth, traces);
      expectRulesHold(truth, traces);
    });

    it('draw amounts in cents, record them at the gateway and forward them to the risk engine', () => {
      for (const t of submits.slice(0, 200)) {
        const amount = t.request['transfer.amount'] as number;
        expect(typeof amount).toBe('number');
        expect(Math.round(amount * 100) / 100).toBe(amount);
        expect(t.spans[0].kind).toBe(SpanKind.Server);
        expect(t.spans[0].attributes).toMatchObject({
          'rpc.system': 'grpc',
          'rpc.method': 'SubmitTransfer',
          'transfer.amount': amount,
          'account.segment': t.request['account.segment'],
        });
        const risk = t.spans.find(
          (s) => s.kind === SpanKind.Server && service(s) === 'risk-engine',
        )!;
        expect(risk.attributes).toMatchObject({
          'http.method': 'POST',
          'http.target': '/v1/assessments',
          'transfer.amount': amount,
        });
        expect(risk.attributes).not.toHaveProperty(['account.segment']);
      }
      expect(new Set(submits.map((t) => t.request['transfer.amount'])).size).toBeGreaterThan(
        submits.length * 0.9,
      );
    });

    it('retry the sanctions screening 1-3 times on 503, only for amounts of 1000 or more', () => {
      const counts = new Map<number, number>();
      for (const t of submits) {
        const attempts = t.spans.filter(
          (s) => s.attributes['net.peer.name'] === 'api.sanctions.example',
        );
        expect(attempts.length > 0).toBe((t.request['transfer.amount'] as number) >= 1000);
        if (attempts.length === 0) continue;
        counts.set(attempts.length, (counts.get(attempts.length) ?? 0) + 1);
        attempts.forEach((s, i) => {
          const last = i === attempts.length - 1;
          expect(s.attributes['http.status_code']).toBe(last ? 200n : 503n);
          expect(s.status.code).toBe(last ? StatusCode.Unset : StatusCode.Error);
        });
      }
      expect([...counts.keys()].sort()).toEqual([1, 2, 3]);
    });

    it('post two journal entries per transfer', () => {
      for (const t of submits) {
        expect(t.spans.filter((s) => s.name === 'INSERT journal_entries')).toHaveLength(2);
      }
    });

    it('fan the settlement out: two consumers inside the trace, the fraud lake in a linked trace', () => {
      const t = submits[0];
      const producer = t.spans.find((s) => s.kind === SpanKind.Producer)!;
      expect(producer.name).toBe('send transfers.settled');
      const consumers = t.spans.filter((s) => s.kind === SpanKind.Consumer);
      expect(consumers.map((s) => [service(s), s.name, s.parentSpanId])).toEqual([
        ['statement-service', 'transfers.settled process', producer.spanId],
        ['notification-service', 'process transfers.settled', producer.spanId],
      ]);
      expect(consumers[0].attributes).toMatchObject({
        'messaging.destination': 'transfers.settled',
        'messaging.kafka.consumer_group': 'statements',
        'messaging.message_id': producer.attributes['messaging.message.id'],
      });
      expect(consumers[1].attributes).toMatchObject({
        'messaging.destination.name': 'transfers.settled',
        'messaging.consumer.group.name': 'notifications',
      });
      const linked = traces.filter((x) => x.endpoint === FRAUD_LAKE);
      expect(linked.length).toBe(submits.length);
      const lake = linked.find((x) => x.requestIndex === t.requestIndex)!;
      expect(lake.linkedFrom).toEqual({ traceId: t.traceId, spanId: producer.spanId });
      expect(lake.spans.map((s) => s.name)).toEqual([
        'transfers.settled process',
        'insert lake.transfer_events',
      ]);
    });

    it('read a transfer back with one behaviour', () => {
      const reads = traces.filter((t) => t.endpoint === GET);
      expect(new Set(reads.map((t) => t.behaviour))).toEqual(new Set(['default']));
      expect(reads[0].spans.map((s) => s.name)).toEqual([
        'bank.payments.v1.TransferService/GetTransfer',
        'SELECT transfers',
      ]);
    });
  });

  describe('fault injection', () => {
    const traces = generateTraces(bankSystem, { seed: 99, traces: 600 });
    const submits = traces.filter((t) => t.endpoint === SUBMIT);

    it.each<[FaultKind, number]>([
      // Reads of a transfer write nothing; linked fraud-lake traces do.
      ['drop-db-write', 0.6],
      ['extra-call', 0.99],
      ['error-status', 0.99],
      // Only transfers decide anything; their linked fraud-lake traces carry no request attributes.
      ['flip-branch', 0.4],
    ])('%s applies to a reasonable fraction of traces, and to every transfer', (kind, fraction) => {
      const applicable = traces.filter((t) => canInjectFault(t, kind)).length;
      expect(applicable / traces.length).toBeGreaterThanOrEqual(fraction);
      for (const t of submits) expect(canInjectFault(t, kind)).toBe(true);
    });

    /** Whether the flipped trace now breaks the rule it followed: the structure stayed, the condition changed. */
    function breaksRule(original: GeneratedTrace, injected: InjectedFault): boolean {
      const { change } = injected;
      if (change.kind !== 'flip-branch') return false;
      const rule = truth.rules.find((r) => r.condition === change.condition)!;
      const effect = observeTrace(injected.trace).edges.has(edgeKey(rule.edge));
      const before = rule.atoms.every((a) => satisfies(a, original.request[a.attribute]));
      const after = rule.atoms.every((a) => satisfies(a, injected.trace.request[a.attribute]));
      return before !== after && effect === before;
    }

    it('flip-branch moves the continuous amount one cent across the threshold, where it is recorded', () => {
      const screened = submits.find((t) => t.behaviour.startsWith('sanctions-screened'))!;
      const below = submits.find((t) => t.behaviour.startsWith('below-screening-threshold'))!;
      const down = injectFault(screened, 'flip-branch');
      expect(down.change).toMatchObject({
        at: RISK,
        condition: 'transfer.amount >= 1000',
        attribute: 'transfer.amount',
        from: screened.request['transfer.amount'],
        to: 999.99,
        outcome: true,
      });
      const up = injectFault(below, 'flip-branch');
      expect(up.change).toMatchObject({ to: 1000, outcome: false });
      for (const [original, injected] of [
        [screened, down],
        [below, up],
      ] as const) {
        if (injected.change.kind !== 'flip-branch') throw new Error('wrong kind');
        // The gateway's entry span and the risk engine's server span it was forwarded to.
        expect(
          injected.change.changedSpanIds.map((id) =>
            service(injected.trace.spans.find((s) => s.spanId === id)!),
          ),
        ).toEqual(['payments-gateway', 'risk-engine']);
        expect(injected.trace.spans.map((s) => s.name)).toEqual(original.spans.map((s) => s.name));
        expect(breaksRule(original, injected)).toBe(true);
      }
    });

    it('flip-branch on the segment moves business to another value and back', () => {
      const business = submits.find((t) => t.request['account.segment'] === 'business')!;
      const student = submits.find((t) => t.request['account.segment'] === 'student')!;
      const out = injectFault(business, 'flip-branch', { decision: 1 });
      expect(out.change).toMatchObject({ attribute: 'account.segment', to: 'retail' });
      const into = injectFault(student, 'flip-branch', { decision: 1 });
      expect(into.change).toMatchObject({ attribute: 'account.segment', to: 'business' });
      expect(breaksRule(business, out)).toBe(true);
      expect(breaksRule(student, into)).toBe(true);
    });

    it('every flip of every transfer breaks a rule', () => {
      for (const t of submits) {
        for (let decision = 0; decision < t.decisions.length; decision++) {
          expect(breaksRule(t, injectFault(t, 'flip-branch', { decision }))).toBe(true);
        }
      }
    });
  });
});
