import {
  decideLeadership,
  decodeClaim,
  decodeDecision,
  encodeClaim,
  encodeDecision,
  type LeadershipClaim,
} from './leadership.decision';

const follower = (memberId: string, generation = 0): LeadershipClaim => ({
  memberId,
  leading: false,
  generation,
});
const leader = (memberId: string, generation: number): LeadershipClaim => ({
  memberId,
  leading: true,
  generation,
});

describe(decideLeadership.name, () => {
  it('starts generation 1 with one member when nobody led yet', () => {
    expect(decideLeadership([follower('m-b'), follower('m-a')])).toEqual({
      leaderId: 'm-a',
      generation: 1,
    });
  });

  it('keeps the leader and its generation when members join, whatever their ids', () => {
    // "a-…" sorts first: kafkajs' round-robin assigner would give it partition 0.
    const claims = [leader('z-leader', 4), follower('a-new'), follower('b-other', 4)];
    expect(decideLeadership(claims)).toEqual({ leaderId: 'z-leader', generation: 4 });
  });

  it('hands leadership to another member in the next generation when the leader left', () => {
    expect(decideLeadership([follower('m-c', 4), follower('m-b', 4), follower('m-new')])).toEqual({
      leaderId: 'm-b',
      generation: 5,
    });
  });

  it('decides the same whatever order the members are listed in', () => {
    const claims = [follower('m-3', 2), follower('m-1', 2), follower('m-2')];
    const decisions = [claims, [...claims].reverse(), [claims[1], claims[2], claims[0]]].map(
      decideLeadership,
    );
    expect(decisions).toEqual([
      { leaderId: 'm-1', generation: 3 },
      { leaderId: 'm-1', generation: 3 },
      { leaderId: 'm-1', generation: 3 },
    ]);
  });

  it('does not let a leader replaced while it was away keep its old generation', () => {
    // m-old led generation 2, was expelled, m-b led generation 3 and left; m-c saw generation 3.
    expect(decideLeadership([leader('m-old', 2), follower('m-c', 3)])).toEqual({
      leaderId: 'm-c',
      generation: 4,
    });
  });

  it('moves the generation on when two members claim the newest one', () => {
    expect(decideLeadership([leader('m-b', 3), leader('m-a', 3)])).toEqual({
      leaderId: 'm-a',
      generation: 4,
    });
  });

  it('decides nothing for an empty group', () => {
    expect(decideLeadership([])).toBeUndefined();
  });
});

describe('leadership user data', () => {
  it('round-trips claims and decisions', () => {
    expect(decodeClaim(encodeClaim({ leading: true, generation: 7 }))).toEqual({
      leading: true,
      generation: 7,
    });
    expect(decodeDecision(encodeDecision({ leaderId: 'm-1', generation: 7 }))).toEqual({
      leaderId: 'm-1',
      generation: 7,
    });
  });

  it('reads foreign or empty bytes as a member that knows nothing', () => {
    for (const bytes of [undefined, Buffer.alloc(0), Buffer.from('{"v":2}'), Buffer.from('x')]) {
      expect(decodeClaim(bytes)).toEqual({ leading: false, generation: 0 });
      expect(decodeDecision(bytes)).toBeUndefined();
    }
    expect(decodeClaim(Buffer.from('{"v":1,"leading":true,"generation":-1}'))).toEqual({
      leading: false,
      generation: 0,
    });
  });
});
