export * from './kafka-span.exporter';
