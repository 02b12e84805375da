import { Cron } from 'croner';
import { bool, type ConfigOf, defineEnv, duration, type EnvProblem, int, str } from '@t2t/config';
import { TOPICS } from '@t2t/messaging';

/** Test generation and its schedule. */
export const generationEnv = defineEnv('generation', {
  schedule: str({
    key: 'GENERATOR_SCHEDULE',
    default: '*/15 * * * *',
    doc: 'Cron expression (5 or 6 fields, UTC) of scheduled generation runs; `off` disables the schedule.',
  }),
  runOnStart: bool({
    key: 'GENERATOR_RUN_ON_START',
    default: true,
    doc: 'The leader runs once as soon as it is elected (then on the schedule).',
  }),
  onModelVersion: bool({
    key: 'GENERATOR_ON_MODEL_VERSION',
    default: true,
    doc: 'Also generate when modeling announces a new model version (on `model_events`), for the endpoints it changed, after the debounce below.',
  }),
  modelEventsTopic: str({
    key: 'GENERATOR_MODEL_EVENTS_TOPIC',
    default: TOPICS.modelEvents,
    doc: 'Where modeling announces new model versions (MODELING_OUTPUT_TOPIC).',
  }),
  modelDebounceMs: duration({
    key: 'GENERATOR_MODEL_DEBOUNCE',
    default: 5_000,
    min: 0,
    doc: 'New model versions within this long of each other lead to one generation run (during a burst of traffic the model changes often).',
  }),
  modelMaxDelayMs: duration({
    key: 'GENERATOR_MODEL_MAX_DELAY',
    default: 60_000,
    min: 0,
    doc: 'A run starts at the latest this long after the first unhandled model version, even while new versions keep coming.',
  }),
  leaderGroup: str({
    key: 'GENERATOR_LEADER_GROUP',
    default: 'generator-leader',
    doc: 'Election among generator replicas (group on the single-partition topic `<name>.leader`): only the leader runs the schedule. Without KAFKA_BROKERS this process runs it.',
  }),
  synthesisThread: bool({
    key: 'GENERATOR_SYNTHESIS_THREAD',
    default: true,
    doc: 'Synthesize and verify tests on a worker thread (one per process, shared with model builds when modeling runs in it), so a generation run never holds up the event loop that receives spans and answers health checks (false: on the main thread).',
  }),
  samplesPerBehaviour: int({
    key: 'GENERATOR_SAMPLES_PER_BEHAVIOUR',
    default: 200,
    min: 1,
    max: 10_000,
    doc: 'Recorded traces per behaviour used to learn matchers and verify tests.',
  }),
  horizonMs: duration({
    key: 'GENERATOR_HORIZON',
    default: 86_400_000,
    min: 1000,
    doc: 'Behaviours seen within this much event time before the newest data (like MODELING_HORIZON).',
  }),
  sessionTimeoutMs: duration({
    key: 'GENERATOR_SESSION_TIMEOUT',
    default: 30_000,
    min: 6000,
    doc: 'Session timeout of the leader election.',
  }),
});

/** A schedule that is not a cron expression stops start-up, naming the key. */
export function generationEnvProblems(g: ConfigOf<typeof generationEnv>): EnvProblem[] {
  if (g.schedule === 'off') return [];
  try {
    new Cron(g.schedule, { paused: true, timezone: 'UTC' }).stop();
    return [];
  } catch (e) {
    return [
      {
        key: 'GENERATOR_SCHEDULE',
        problem: `"${g.schedule}" is not a cron expression (${(e as Error).message})`,
      },
    ];
  }
}
