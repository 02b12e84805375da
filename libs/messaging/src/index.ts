export * from './compression.codecs';
export * from './headers';
export * from './in-process/in-process.kafka';
export * from './kafka.env';
export * from './kafka.factory';
export * from './leader.election';
export * from './partition-batch.consumer';
export * from './topics';
