import { stopDevBroker } from '../support/broker';

/** Stops the broker global-setup started (by its PID file), and removes its data. */
export default function globalTeardown(): void {
  const state = process.env.T2T_TEST_KAFKA_STATE;
  if (state) stopDevBroker(state);
}
