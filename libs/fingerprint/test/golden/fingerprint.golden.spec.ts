import { readFileSync } from 'node:fs';
import { fingerprintTrace } from '../../src/hash';
import type { TraceFingerprint } from '../../src/trace.model';
import {
  assembleGoldenTrace,
  expectedPath,
  loadGoldenCases,
  serializeGolden,
  toGoldenOutput,
} from './golden-case.fixture';

/**
 * Every input under inputs/ against its expected/*.golden.json. A difference means the fingerprint
 * of that trace changed: if intended, run `npm run golden:fingerprint`, review the diff and bump
 * FINGERPRINT_VERSION when any hash moved.
 */
const cases = loadGoldenCases();
const fingerprints = new Map<string, TraceFingerprint>(
  cases.map((c) => [c.name, fingerprintTrace(assembleGoldenTrace(c.input))]),
);

describe('fingerprint golden files', () => {
  it('has cases', () => {
    expect(cases.length).toBeGreaterThanOrEqual(15);
  });

  describe.each(cases.map((c) => [c.name, c] as const))('%s', (name, { input }) => {
    const fingerprint = fingerprints.get(name)!;

    it('matches its golden file', () => {
      const expected: unknown = JSON.parse(readFileSync(expectedPath(name), 'utf8'));
      expect(JSON.parse(serializeGolden(toGoldenOutput(fingerprint)))).toEqual(expected);
    });

    it('has the declared same/different fingerprints', () => {
      for (const other of input.sameAs ?? []) {
        expect({ other, hash: fingerprints.get(other)?.hash }).toEqual({
          other,
          hash: fingerprint.hash,
        });
      }
      for (const other of input.differsFrom ?? []) {
        expect(fingerprints.get(other)).toBeDefined();
        expect({ other, hash: fingerprints.get(other)!.hash }).not.toEqual({
          other,
          hash: fingerprint.hash,
        });
      }
    });

    it('does not depend on the order spans arrive in', () => {
      const reversed = { ...input, spans: [...input.spans].reverse() };
      expect(fingerprintTrace(assembleGoldenTrace(reversed))).toEqual(fingerprint);
    });
  });
});
