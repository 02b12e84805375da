/**
 * `@trace2test/runner/jest`: importing it registers the trace matchers on Jest's global `expect`
 * (from a test file, or a module in `setupFilesAfterEach`). Their types come with the package.
 */
import { registerTraceMatchers } from './index';

registerTraceMatchers();
