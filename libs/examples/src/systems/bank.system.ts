import {
  call,
  compare,
  consume,
  db,
  defineSystem,
  external,
  grpc,
  http,
  internal,
  is,
  logNormal,
  numericId,
  oneOf,
  publish,
  repeat,
  seq,
  service,
  times,
  traffic,
  uuid,
  when,
} from '../model/system.dsl';

/**
 * Retail bank transfers, a system shaped unlike the checkout: requests enter over gRPC, the
 * decisive attribute is a continuous amount (log-normal, in cents) that the gateway forwards and a
 * downstream risk engine decides on, a categorical account segment is decided on one of its four
 * values in the ledger, and the settlement event fans out to three consumers, two inside the trace
 * and one in a linked trace.
 *
 * Conventions are mixed: the Go gateway, the Java ledger and the Node notifier use the current
 * names; the Python risk engine and fraud lake and the Go statement writer still emit the older
 * ones (http.method, db.statement, messaging.destination, net.peer.name).
 */
export const bankSystem = defineSystem({
  name: 'bank',
  description:
    'Bank transfers over gRPC: risk scoring with sanctions screening above 1000, a double-entry ledger, a settlement event fanned out to three consumers',
  topics: [{ name: 'transfers.settled', system: 'kafka' }],
  services: [
    service(
      'payments-gateway',
      { language: 'go', semconv: 'current', version: '2.14.0', replicas: 3 },
      [
        grpc(
          'bank.payments.v1.TransferService',
          'SubmitTransfer',
          seq(
            internal('verify request signature', undefined, { ms: [0.2, 1.2] }),
            db('postgresql', 'INSERT', 'transfers', {
              database: 'payments',
              statement:
                'INSERT INTO transfers (id, account_id, amount, currency, status) VALUES ($1, $2, $3, $4, $5)',
            }),
            call('risk-engine', 'POST /v1/assessments', {
              forward: ['account.id', 'transfer.amount'],
            }),
            call('ledger-service', 'bank.ledger.v1.Ledger/PostTransfer', {
              forward: ['account.id', 'account.segment'],
            }),
            publish('transfers.settled'),
          ),
        ),
        grpc(
          'bank.payments.v1.TransferService',
          'GetTransfer',
          db('postgresql', 'SELECT', 'transfers', {
            database: 'payments',
            statement: 'SELECT id, status, amount, currency FROM transfers WHERE id = $1',
          }),
        ),
      ],
    ),
    service('risk-engine', { language: 'python', semconv: 'legacy', version: '0.31.4' }, [
      http(
        'POST',
        '/v1/assessments',
        seq(
          db('mongodb', 'find', 'risk_profiles', { database: 'risk' }),
          when(
            compare('transfer.amount', '>=', 1000),
            // The screening provider sheds load with 503s; the client retries with backoff.
            external('api.sanctions.example', 'POST', '/v2/screenings', {
              attempts: [0.8, 0.15, 0.05],
              ms: [60, 400],
            }),
            seq(),
            {
              then: {
                id: 'sanctions-screened',
                description: 'a transfer of 1000 or more is screened against sanctions lists',
              },
              else: {
                id: 'below-screening-threshold',
                description: 'a transfer under 1000 is not screened',
              },
            },
          ),
          internal('score transfer', undefined, { ms: [1, 6] }),
        ),
      ),
    ]),
    service('ledger-service', { language: 'java', semconv: 'current', version: '5.3.0' }, [
      grpc(
        'bank.ledger.v1.Ledger',
        'PostTransfer',
        seq(
          // Double entry: one debit and one credit line per transfer.
          repeat(
            times(2),
            db('postgresql', 'INSERT', 'journal_entries', {
              database: 'ledger',
              statement:
                'INSERT INTO journal_entries (transfer_id, account_id, side, amount) VALUES ($1, $2, $3, $4)',
            }),
          ),
          db('postgresql', 'UPDATE', 'account_balances', {
            database: 'ledger',
            statement:
              'UPDATE account_balances SET available = available - $1, version = version + 1 WHERE account_id = $2 AND version = $3',
          }),
          when(
            is('account.segment', 'business'),
            db('postgresql', 'INSERT', 'fee_charges', {
              database: 'ledger',
              statement:
                'INSERT INTO fee_charges (transfer_id, account_id, fee) VALUES ($1, $2, $3)',
            }),
            seq(),
            {
              then: {
                id: 'business-fee',
                description: 'a business account is charged a transfer fee',
              },
            },
          ),
        ),
      ),
    ]),
    service(
      'statement-service',
      { language: 'go', semconv: 'legacy', version: '1.8.2', replicas: 1 },
      [
        consume(
          'transfers.settled',
          { group: 'statements', propagation: 'child' },
          db('postgresql', 'INSERT', 'statement_lines', {
            database: 'statements',
            statement:
              'INSERT INTO statement_lines (account_id, booked_at, amount, reference) VALUES ($1, $2, $3, $4)',
          }),
        ),
      ],
    ),
    service('notification-service', { language: 'nodejs', semconv: 'current', version: '3.0.0' }, [
      consume(
        'transfers.settled',
        { group: 'notifications', propagation: 'child' },
        external('push.notify.example', 'POST', '/v1/send', { attempts: [0.95, 0.05] }),
      ),
    ]),
    service(
      'fraud-lake',
      { language: 'python', semconv: 'legacy', version: '0.4.0', replicas: 1 },
      [
        // A batch consumer: its spans start a new trace that links to the settlement event.
        consume(
          'transfers.settled',
          { group: 'fraud-lake', propagation: 'link' },
          db('mongodb', 'insert', 'transfer_events', { database: 'lake' }),
        ),
      ],
    ),
  ],
  traffic: [
    traffic(
      { service: 'payments-gateway', endpoint: 'bank.payments.v1.TransferService/SubmitTransfer' },
      {
        weight: 7,
        attributes: {
          'account.id': numericId(10_000_000, 99_999_999),
          // Median 420, most transfers between 50 and 3,500; about one in five reaches 1000.
          'transfer.amount': logNormal(420, 1, { decimals: 2 }),
          'transfer.currency': oneOf({ EUR: 0.7, USD: 0.2, GBP: 0.1 }),
          'account.segment': oneOf({ retail: 0.62, business: 0.2, private: 0.08, student: 0.1 }),
        },
      },
    ),
    traffic(
      { service: 'payments-gateway', endpoint: 'bank.payments.v1.TransferService/GetTransfer' },
      { weight: 3, attributes: { 'transfer.id': uuid() } },
    ),
  ],
});
