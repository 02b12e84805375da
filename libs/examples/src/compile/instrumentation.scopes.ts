import type { SdkLanguage, SemconvFlavour } from '../model/system.model';

/** The instrumentations whose scope a span carries; `internal` spans use the service's own tracer. */
export type Instrumentation =
  | 'http-server'
  | 'http-client'
  | 'grpc'
  | 'postgresql'
  | 'mysql'
  | 'mongodb'
  | 'redis'
  | 'kafka'
  | 'rabbitmq';

type ScopeTable = Record<Instrumentation, string>;

/**
 * Scope names as the real auto-instrumentations of each language report them, so per-scope code
 * paths (and the encoder's ScopeSpans grouping) see the variety of a real fleet.
 */
const SCOPE_NAMES: Record<SdkLanguage, ScopeTable> = {
  nodejs: {
    'http-server': '@opentelemetry/instrumentation-http',
    'http-client': '@opentelemetry/instrumentation-http',
    grpc: '@opentelemetry/instrumentation-grpc',
    postgresql: '@opentelemetry/instrumentation-pg',
    mysql: '@opentelemetry/instrumentation-mysql2',
    mongodb: '@opentelemetry/instrumentation-mongodb',
    redis: '@opentelemetry/instrumentation-ioredis',
    kafka: '@opentelemetry/instrumentation-kafkajs',
    rabbitmq: '@opentelemetry/instrumentation-amqplib',
  },
  java: {
    'http-server': 'io.opentelemetry.tomcat-10.0',
    'http-client': 'io.opentelemetry.java-http-client',
    grpc: 'io.opentelemetry.grpc-1.6',
    postgresql: 'io.opentelemetry.jdbc',
    mysql: 'io.opentelemetry.jdbc',
    mongodb: 'io.opentelemetry.mongo-4.0',
    redis: 'io.opentelemetry.lettuce-5.1',
    kafka: 'io.opentelemetry.kafka-clients-2.6',
    rabbitmq: 'io.opentelemetry.rabbitmq-2.7',
  },
  go: {
    'http-server': 'go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp',
    'http-client': 'go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp',
    grpc: 'go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc',
    postgresql: 'github.com/XSAM/otelsql',
    mysql: 'github.com/XSAM/otelsql',
    mongodb:
      'go.opentelemetry.io/contrib/instrumentation/go.mongodb.org/mongo-driver/mongo/otelmongo',
    redis: 'github.com/redis/go-redis/extra/redisotel',
    kafka: 'go.opentelemetry.io/contrib/instrumentation/github.com/IBM/sarama/otelsarama',
    rabbitmq: 'github.com/rabbitmq/amqp091-go',
  },
  python: {
    'http-server': 'opentelemetry.instrumentation.flask',
    'http-client': 'opentelemetry.instrumentation.requests',
    grpc: 'opentelemetry.instrumentation.grpc',
    postgresql: 'opentelemetry.instrumentation.psycopg2',
    mysql: 'opentelemetry.instrumentation.pymysql',
    mongodb: 'opentelemetry.instrumentation.pymongo',
    redis: 'opentelemetry.instrumentation.redis',
    kafka: 'opentelemetry.instrumentation.confluent_kafka',
    rabbitmq: 'opentelemetry.instrumentation.pika',
  },
};

/** Instrumentation versions: fleets on the older conventions run older instrumentation releases. */
const SCOPE_VERSIONS: Record<SdkLanguage, Record<SemconvFlavour, string>> = {
  nodejs: { current: '0.57.0', legacy: '0.41.2' },
  java: { current: '2.10.0-alpha', legacy: '1.32.0-alpha' },
  go: { current: '0.58.0', legacy: '0.42.0' },
  python: { current: '0.50b0', legacy: '0.41b0' },
};

export function scopeName(language: SdkLanguage, instrumentation: Instrumentation): string {
  return SCOPE_NAMES[language][instrumentation];
}

export function scopeVersion(language: SdkLanguage, flavour: SemconvFlavour): string {
  return SCOPE_VERSIONS[language][flavour];
}

/** `telemetry.sdk.version` per language and convention generation. */
export const SDK_VERSIONS: Record<SdkLanguage, Record<SemconvFlavour, string>> = {
  nodejs: { current: '1.30.0', legacy: '1.15.2' },
  java: { current: '1.45.0', legacy: '1.32.0' },
  go: { current: '1.33.0', legacy: '1.19.0' },
  python: { current: '1.29.0', legacy: '1.20.0' },
};
