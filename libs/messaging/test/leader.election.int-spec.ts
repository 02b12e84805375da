import { LeaderElection } from '@t2t/messaging';
import { eventually, testKafka, uniqueTopic } from '@t2t/test-support';

describe(LeaderElection.name, () => {
  const kafka = testKafka('leader-test');

  it('elects exactly one of several members, and another when the leader leaves', async () => {
    const name = uniqueTopic('election');
    const log: string[] = [];
    const members = ['a', 'b', 'c'].map(
      (id) =>
        new LeaderElection(kafka, {
          name,
          sessionTimeoutMs: 6000,
          onElected: () => void log.push(`${id}+`),
          onRevoked: () => void log.push(`${id}-`),
        }),
    );
    await Promise.all(members.map((m) => m.start()));
    await eventually(() => members.filter((m) => m.isLeader).length === 1, 'one leader', 30_000);
    // Stable: still exactly one after further joins settle.
    await new Promise((r) => setTimeout(r, 2000));
    expect(members.filter((m) => m.isLeader)).toHaveLength(1);

    const first = members.find((m) => m.isLeader)!;
    await first.stop();
    const rest = members.filter((m) => m !== first);
    await eventually(() => rest.filter((m) => m.isLeader).length === 1, 'a new leader', 30_000);
    expect(first.isLeader).toBe(false);
    await Promise.all(rest.map((m) => m.stop()));
    // Every election was matched by a revocation, and no two members led at once.
    let leaders = 0;
    for (const entry of log) {
      leaders += entry.endsWith('+') ? 1 : -1;
      expect(leaders).toBeLessThanOrEqual(1);
    }
    expect(leaders).toBe(0);
  });
});
