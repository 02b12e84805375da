import { type DynamicModule, Module } from '@nestjs/common';
import { composeEnv, type EnvProblem } from '@t2t/config';
import { kafkaEnv } from '@t2t/messaging';
import { PlatformModule, platformEnv } from '@t2t/platform';
import {
  grpcReceiverEnv,
  grpcReceiverEnvProblems,
  KafkaOtlpIntake,
  kafkaIntakeEnv,
  OtlpReceiverModule,
  receiverEnv,
  receiverEnvProblems,
} from '@t2t/receiver';
import { tenantEnv } from '@t2t/wire';

/** The OTLP receivers (HTTP and gRPC) as their own service, producing what they receive to the spans topic. */
export const receiverRoleEnv = composeEnv(
  'receiver',
  {
    platform: platformEnv(8085),
    kafka: kafkaEnv,
    receiver: receiverEnv,
    grpcReceiver: grpcReceiverEnv,
    kafkaIntake: kafkaIntakeEnv,
    tenants: tenantEnv,
  },
  (c) => {
    const problems: EnvProblem[] = [
      ...receiverEnvProblems(c.receiver),
      ...grpcReceiverEnvProblems(c.grpcReceiver),
    ];
    if (!c.kafka.brokers)
      problems.push({
        key: 'KAFKA_BROKERS',
        problem:
          'is required: the receiver service produces to Kafka (the all role can run without)',
      });
    return problems;
  },
);

@Module({})
export class ReceiverRoleModule {
  static forRoot(c: ReturnType<typeof receiverRoleEnv.parse>): DynamicModule {
    return {
      module: ReceiverRoleModule,
      imports: [
        PlatformModule.forRoot('receiver'),
        OtlpReceiverModule.forRoot(
          c.receiver,
          {
            useFactory: () =>
              KafkaOtlpIntake.fromConfig(c.kafka, {
                ...c.kafkaIntake,
                tenantHeader: c.tenants.header,
              }),
          },
          c.grpcReceiver,
          c.tenants,
        ),
      ],
    };
  }
}
