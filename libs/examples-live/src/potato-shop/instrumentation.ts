/**
 * Imported first by potato-shop.main.ts, before anything loads `http`: reads the options and
 * starts tracing at module load, like the `node --require ./instrumentation.js` pattern of the
 * OpenTelemetry docs (the HTTP instrumentation can only patch `http` for modules loaded after it).
 */
import { readProcessEnv } from '@t2t/config';
import { potatoShopEnv } from './potato-shop.env';
import { startTracing } from './tracing.setup';

export const config = potatoShopEnv.parse(readProcessEnv());
export const serviceName = config.role === 'shop' ? 'potato-shop' : 'potato-handler';
export const tracing = startTracing(config, serviceName);
