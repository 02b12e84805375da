import { startDevBroker } from '../support/broker';

/**
 * Starts one real Kafka broker for the whole integration run (deploy/kafka/kafka.sh), unless
 * T2T_TEST_KAFKA_BROKERS already points at one. Workers read the address from that variable.
 */
export default function globalSetup(): void {
  if (process.env.T2T_TEST_KAFKA_BROKERS) return;
  const broker = startDevBroker();
  process.env.T2T_TEST_KAFKA_BROKERS = broker.brokers;
  process.env.T2T_TEST_KAFKA_STATE = broker.stateDir;
  process.stderr.write(
    `\n[integration] Kafka broker on ${broker.brokers} (started in ${broker.startedMs} ms, state ${broker.stateDir})\n`,
  );
}
