import { LeaderElection } from '@t2t/messaging';
import { eventually, testKafka, uniqueTopic } from '@t2t/test-support';

/** Bounds of the waits below: generous, since a loaded machine slows group rebalances a lot. */
const WAIT_MS = 90_000;

describe(LeaderElection.name, () => {
  const kafka = testKafka('leader-test');
  const started: LeaderElection[] = [];

  /** A member whose elections and revocations go to `log` as `<id>+<generation>` and `<id>-`. */
  const member = (name: string, id: string, log: string[]) => {
    const election = new LeaderElection(kafka, {
      name,
      sessionTimeoutMs: 6000,
      onElected: (generation) => void log.push(`${id}+${generation}`),
      onRevoked: () => void log.push(`${id}-`),
    });
    started.push(election);
    return election;
  };

  afterEach(async () => {
    await Promise.all(started.splice(0).map((e) => e.stop()));
  });

  it('keeps its leader when a member joins, and hands leadership on in a newer generation when the leader leaves', async () => {
    const name = uniqueTopic('election');
    const log: string[] = [];
    const a = member(name, 'a', log);
    await a.start();
    await eventually(() => a.isLeader, 'a leading', WAIT_MS);
    const first = a.generation!;

    const b = member(name, 'b', log);
    await b.start();
    // b knows the generation only from an assignment made with b in the group: that assignment
    // left the leadership with a.
    await eventually(() => b.observedGeneration >= first, 'b assigned', WAIT_MS);
    await a.settled();
    expect(b.observedGeneration).toBe(first);
    expect(a.isLeading(first)).toBe(true);
    expect(b.isLeader).toBe(false);
    // a led throughout: never revoked, never re-elected.
    expect(log).toEqual([`a+${first}`]);

    await a.stop();
    await eventually(() => b.isLeader, 'b leading after a left', WAIT_MS);
    expect(b.generation).toBeGreaterThan(first);
    expect(a.isLeading(first)).toBe(false);
    await b.settled();
    expect(log).toEqual([`a+${first}`, 'a-', `b+${b.generation}`]);
  });

  it('elects exactly one of several members, and another when the leader leaves', async () => {
    const name = uniqueTopic('election');
    const log: string[] = [];
    const members = ['a', 'b', 'c'].map((id) => member(name, id, log));
    await Promise.all(members.map((m) => m.start()));
    // Settled: every member has an assignment made with all three in the group.
    await eventually(
      () =>
        members.filter((m) => m.isLeader).length === 1 &&
        members.every((m) => m.observedGeneration === members.find((x) => x.isLeader)?.generation),
      'one leader that every member knows',
      WAIT_MS,
    );

    const first = members.find((m) => m.isLeader)!;
    const generation = first.generation!;
    await first.stop();
    const rest = members.filter((m) => m !== first);
    await eventually(() => rest.filter((m) => m.isLeader).length === 1, 'a new leader', WAIT_MS);
    expect(rest.find((m) => m.isLeader)!.generation).toBeGreaterThan(generation);
    expect(first.isLeader).toBe(false);
    await Promise.all(rest.map((m) => m.stop()));
    // Every election was matched by a revocation, and no two members led at once.
    let leaders = 0;
    for (const entry of log) {
      leaders += entry.includes('+') ? 1 : -1;
      expect(leaders).toBeLessThanOrEqual(1);
    }
    expect(leaders).toBe(0);
  });
});
