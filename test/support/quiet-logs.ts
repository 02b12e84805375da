import { Logger } from '@nestjs/common';

// Integration tests print warnings and errors only; set T2T_TEST_LOGS=all to see everything.
if (process.env.T2T_TEST_LOGS !== 'all') Logger.overrideLogger(['fatal', 'error', 'warn']);
process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
