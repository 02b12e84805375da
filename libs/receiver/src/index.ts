export * from './otlp-intake.port';
export * from './receiver.env';
export * from './receiver.tokens';
