import type { Logger } from '@nestjs/common';
import { IntakeSubmitter, readAccepted, retryAfterSeconds } from './intake.submitter';
import type { IntakeRequest, OtlpIntake } from './otlp-intake.port';

const request: IntakeRequest = { body: Buffer.alloc(0), encoding: 'otlp_proto', receivedAt: 0 };

function recordingLog(): { log: Logger; errors: string[] } {
  const errors: string[] = [];
  return { log: { error: (m: string) => errors.push(m) } as unknown as Logger, errors };
}

describe(IntakeSubmitter.name, () => {
  it("passes the intake's answer on", async () => {
    const intake: OtlpIntake = { submit: async () => ({ kind: 'invalid', message: 'no' }) };
    const sut = new IntakeSubmitter(intake, 1000, recordingLog().log, '503');
    expect(await sut.submit(request)).toEqual({ kind: 'invalid', message: 'no' });
  });

  it('answers "timeout" for an intake that never answers', async () => {
    const intake: OtlpIntake = { submit: () => new Promise(() => undefined) };
    const sut = new IntakeSubmitter(intake, 20, recordingLog().log, '503');
    expect(await sut.submit(request)).toBe('timeout');
  });

  it('answers "error" for an intake that throws, even synchronously, and logs one line per burst', async () => {
    const { log, errors } = recordingLog();
    const intake: OtlpIntake = {
      submit: () => {
        throw new Error('broken intake');
      },
    };
    const sut = new IntakeSubmitter(intake, 1000, log, 'UNAVAILABLE');
    expect(await sut.submit(request)).toBe('error');
    expect(await sut.submit(request)).toBe('error');
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      /^the OTLP intake failed; answering UNAVAILABLE: Error: broken intake/,
    );
  });
});

describe(readAccepted.name, () => {
  it('reports nothing to the client when everything was taken', () => {
    expect(readAccepted({ kind: 'accepted', rejectedSpans: 0, acceptedSpans: 7 })).toEqual({
      acceptedSpans: 7,
      rejectedSpans: 0,
      partialSuccess: undefined,
    });
  });

  it('gives rejected spans a message, and passes a message alone as a warning', () => {
    expect(readAccepted({ kind: 'accepted', rejectedSpans: 2 }).partialSuccess).toEqual({
      rejectedSpans: 2,
      errorMessage: '2 span(s) rejected',
    });
    expect(
      readAccepted({ kind: 'accepted', rejectedSpans: 0, message: 'use gzip' }).partialSuccess,
    ).toEqual({ rejectedSpans: 0, errorMessage: 'use gzip' });
  });

  it('ignores counts that are not counts', () => {
    expect(
      readAccepted({ kind: 'accepted', rejectedSpans: -3, acceptedSpans: Number.NaN }),
    ).toEqual({ acceptedSpans: undefined, rejectedSpans: 0, partialSuccess: undefined });
  });
});

describe(retryAfterSeconds.name, () => {
  it('rounds up to whole seconds, at least 1', () => {
    expect([0, 1, 1000, 1001, 2500, Number.NaN, -5].map(retryAfterSeconds)).toEqual([
      1, 1, 1, 2, 3, 1, 1,
    ]);
  });
});
