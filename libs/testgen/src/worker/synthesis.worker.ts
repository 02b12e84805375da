import { parentPort } from 'node:worker_threads';
import { synthesizeVerifiedTests } from '../deterministic.generator';
import type { SynthesisRequest, SynthesisResponse } from './synthesis.protocol';

/**
 * The synthesis thread: answers each request with the verified specs (or the error), one at a
 * time, so the thread that receives spans never runs synthesis or verification itself.
 */
parentPort?.on('message', (request: SynthesisRequest) => {
  let response: SynthesisResponse;
  try {
    response = { id: request.id, specs: synthesizeVerifiedTests(request.model, request.evidence) };
  } catch (e) {
    response = { id: request.id, error: e instanceof Error ? (e.stack ?? e.message) : String(e) };
  }
  parentPort!.postMessage(response);
});
