/** The trigger could not be delivered (connection refused, timeout, broker down). */
export class TriggerError extends Error {
  override readonly name = 'TriggerError';
}

/** The runner cannot send this kind of trigger; the message says what to do instead. */
export class UnsupportedTriggerError extends Error {
  override readonly name = 'UnsupportedTriggerError';
}

/** A journey step did not yield a value a later step needs. */
export class CaptureError extends Error {
  override readonly name = 'CaptureError';
}

/** The run cannot start: no target URL, unknown variant, unresolved placeholder. */
export class RunSetupError extends Error {
  override readonly name = 'RunSetupError';
}
