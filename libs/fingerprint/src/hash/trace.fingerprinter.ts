import { createHash } from 'node:crypto';
import type { AssembledTrace, TraceFingerprint } from '../trace.model';
import { buildTraceTree } from '../tree/trace-tree.builder';
import type { TraceNode, TraceTree } from '../tree/trace-tree.model';
import { Fnv64, toHex64 } from './fnv64.hasher';
import { labelInfo, type LabelInfo } from './label-info.cache';

/**
 * Version of the canonical form. A fingerprint is only ever compared with fingerprints of the same
 * version; bump it whenever anything that changes `canonical` (and so `hash`) for some trace
 * changes: labels, sibling ordering, run collapsing, the line format, the hash functions.
 *
 * 3: database labels read the table of `EXTRACT(YEAR FROM col) … FROM t` (and other statements
 * with FROM inside function parentheses, CTEs, derived tables) correctly, and take the operation
 * and table from a `{operation} {target}` span name when the attributes name neither.
 * 2: millisecond clocks (CLOCK_GRANULARITY_US).
 */
export const FINGERPRINT_VERSION = 3;

/**
 * The tick (µs) of a millisecond clock. When every start among a process's calls under one parent
 * is a whole millisecond, their times are treated as exact only to one tick (see stageMarks).
 * Version 2 introduced it: version 1 split one behaviour of a service instrumented with the
 * OpenTelemetry JS SDK (which stamps span starts in whole milliseconds) into many fingerprints.
 */
export const CLOCK_GRANULARITY_US = 1000;

/** How a child relates to the sibling before it, written as the prefix of its canonical line. */
const enum Mark {
  /** Starts a new sequential stage: it started after every earlier sibling of its process ended. */
  Stage = 1,
  /** Overlaps the stage it is in (concurrent work): placed in hash order, not time order. */
  Concurrent = 2,
  /** Another process's span (other service, or inbound kind): clocks differ, so hash order. */
  Remote = 3,
}
const MARK_PREFIX = ['', '> ', '& ', '* '];
const PATH_SEPARATOR = ' > ';
const EMPTY: number[] = [];
const INDENTS: string[] = [''];

function indent(depth: number): string {
  while (INDENTS.length <= depth) INDENTS.push(INDENTS[INDENTS.length - 1] + '  ');
  return INDENTS[depth];
}

/**
 * The structural fingerprint of a trace: builds the repaired tree (see buildTraceTree), hashes it
 * bottom-up, and returns the hash with the canonical form it was computed from.
 *
 * Ordering of the children of a node:
 *  1. Children recorded by the node's own process (same service, not server/consumer kind) are in
 *     time order, split into stages: a child that starts before every earlier one has ended joins
 *     their stage (concurrent), otherwise it starts a new one. Within a stage, children are in
 *     subtree-hash order, so the order in which concurrent calls happened to start does not matter.
 *     One clock, so comparing these times is sound. When all their starts are whole milliseconds
 *     (a millisecond clock), calls less than a tick apart are treated as concurrent too.
 *  2. Then children from other processes (server/consumer spans, other services), in subtree-hash
 *     order: their clocks are not the parent's, so their times are not compared at all. This is
 *     the clock-skew tolerance.
 * Then runs of identical subtrees (same hash) next to each other collapse to the first of them:
 * retries, loops, pagination, fan-out. The run length goes to `repeats`, not into the hash.
 *
 * Subtree hashes are FNV-1a 64 over the label hash and each child's (mark, hash); the fingerprint
 * `hash` is the first 64 bits of SHA-256 over `canonical`, which spells out exactly that structure.
 */
export function fingerprintTrace(trace: AssembledTrace): TraceFingerprint {
  return fingerprintTree(buildTraceTree(trace));
}

/** Module-level scratch: fingerprinting is synchronous, so one hasher serves every call. */
const fnv = new Fnv64();

export function fingerprintTree(tree: TraceTree): TraceFingerprint {
  return hasher.fingerprint(tree);
}

/**
 * The bottom-up pass, with its per-node arrays kept between calls and grown as needed: traces
 * arrive by the hundred thousand, and allocating a dozen arrays and closures for each one showed
 * up as a fifth of the time in profiles.
 */
class TreeHasher {
  private hashHi = new Float64Array(64);
  private hashLo = new Float64Array(64);
  private starts = new Float64Array(64);
  private ends = new Float64Array(64);
  private count = new Int32Array(64);
  private infos: LabelInfo[] = [];
  /** Collapsed, ordered children of each node, and each one's Mark. */
  private kids: number[][] = [];
  private marks: number[][] = [];
  private readonly mergeStack: number[] = [];
  /** The current tree's `baseUsInMs`. */
  private baseUsInMs = 0;

  private readonly byHash = (a: number, b: number): number =>
    this.hashHi[a] - this.hashHi[b] || this.hashLo[a] - this.hashLo[b];
  private readonly byStart = (a: number, b: number): number =>
    this.starts[a] - this.starts[b] || this.byHash(a, b);

  fingerprint(tree: TraceTree): TraceFingerprint {
    const nodes = tree.nodes;
    const n = nodes.length;
    this.reserve(n);
    this.baseUsInMs = tree.baseUsInMs;
    const { hashHi, hashLo, starts, ends, count, infos, kids, marks } = this;
    for (let i = 0; i < n; i++) {
      const node = nodes[i];
      infos[i] = labelInfo(node.label);
      count[i] = 1;
      const span = node.span;
      starts[i] = span === undefined ? 0 : span.startUs;
      ends[i] = span === undefined ? 0 : span.startUs + span.durationUs;
    }

    // Bottom-up: pre-order reversed visits every child before its parent.
    for (let i = n - 1; i >= 0; i--) {
      const node = nodes[i];
      const info = infos[i];
      fnv.reset();
      fnv.word(info.hi);
      fnv.word(info.lo);
      const children = node.children;
      if (children.length === 0) {
        kids[i] = EMPTY;
        marks[i] = EMPTY;
      } else {
        const outKids: number[] = [];
        const outMarks: number[] = [];
        this.orderChildren(
          node.span === undefined ? undefined : info.service,
          children,
          outKids,
          outMarks,
        );
        kids[i] = outKids;
        marks[i] = outMarks;
        for (let j = 0; j < outKids.length; j++) {
          fnv.unit(outMarks[j]);
          fnv.word(hashHi[outKids[j]]);
          fnv.word(hashLo[outKids[j]]);
        }
      }
      hashHi[i] = fnv.hi;
      hashLo[i] = fnv.lo;
    }
    const result = describeCollapsedTree(tree, infos, kids, marks, count);
    // Drop references to this trace's objects; the typed arrays are reused as they are.
    infos.length = 0;
    kids.length = 0;
    marks.length = 0;
    return result;
  }

  private reserve(n: number): void {
    if (this.hashHi.length >= n) return;
    const size = Math.max(n, this.hashHi.length * 2);
    this.hashHi = new Float64Array(size);
    this.hashLo = new Float64Array(size);
    this.starts = new Float64Array(size);
    this.ends = new Float64Array(size);
    this.count = new Int32Array(size);
  }

  /**
   * Local children (same service as the parent, not inbound) first, in stages by time; then
   * remote ones in hash order; runs of equal subtrees collapsed. `ownService` is undefined for the
   * synthetic root, whose children are all remote (several processes' top-level spans).
   */
  private orderChildren(
    ownService: string | undefined,
    children: TraceNode[],
    outKids: number[],
    outMarks: number[],
  ): void {
    const infos = this.infos;
    let local: number[] | undefined;
    let remote: number[] | undefined;
    for (const child of children) {
      const c = infos[child.index];
      if (c.service === ownService && !c.inbound) (local ??= []).push(child.index);
      else (remote ??= []).push(child.index);
    }
    if (local !== undefined) this.appendCollapsed(local, this.stageMarks(local), outKids, outMarks);
    if (remote !== undefined) {
      if (remote.length > 1) remote.sort(this.byHash);
      this.appendCollapsed(remote, Mark.Remote, outKids, outMarks);
    }
  }

  /** Orders `local` in place (stages by time, hash order inside a stage); returns their marks. */
  private stageMarks(local: number[]): number[] {
    const out: number[] = new Array<number>(local.length);
    if (local.length === 1) {
      out[0] = Mark.Stage;
      return out;
    }
    const { starts, ends } = this;
    local.sort(this.byStart);
    let stageStart = 0;
    let stageEnd = -Infinity;
    const tick = this.clockTick(local);
    for (let j = 0; j <= local.length; j++) {
      // With a precise clock a call starts a new stage when it starts after the stage ended. With
      // a millisecond clock, it must also start more than one tick after the previous call: two
      // quick sequential calls show equal starts or starts one tick apart, depending on which side
      // of a millisecond boundary they fell, and their order is unknowable. They share a stage
      // (hash order), which gives the same fingerprint either way.
      if (
        j === local.length ||
        (tick === 0
          ? starts[local[j]] >= stageEnd
          : j === 0 ||
            (starts[local[j]] >= stageEnd - tick && starts[local[j]] - starts[local[j - 1]] > tick))
      ) {
        if (j - stageStart > 1) this.sortRange(local, stageStart, j);
        if (j === local.length) break;
        stageStart = j;
        out[j] = Mark.Stage;
      } else out[j] = Mark.Concurrent;
      if (ends[local[j]] > stageEnd) stageEnd = ends[local[j]];
    }
    return out;
  }

  /**
   * CLOCK_GRANULARITY_US when every start in `group` is a whole millisecond (a millisecond clock:
   * with a finer one that happens by chance once in a thousand per call), else 0.
   */
  private clockTick(group: number[]): number {
    const { starts, baseUsInMs } = this;
    for (const k of group) if ((baseUsInMs + starts[k]) % CLOCK_GRANULARITY_US !== 0) return 0;
    return CLOCK_GRANULARITY_US;
  }

  private sortRange(list: number[], from: number, to: number): void {
    const part = list.slice(from, to).sort(this.byHash);
    for (let j = 0; j < part.length; j++) list[from + j] = part[j];
  }

  /** Appends `group` (already ordered) to `outKids`, collapsing runs of equal subtree hashes. */
  private appendCollapsed(
    group: number[],
    groupMarks: number[] | Mark,
    outKids: number[],
    outMarks: number[],
  ): void {
    const { hashHi, hashLo } = this;
    for (let j = 0; j < group.length; j++) {
      const k = group[j];
      const last = outKids[outKids.length - 1];
      if (last !== undefined && hashHi[last] === hashHi[k] && hashLo[last] === hashLo[k]) {
        this.merge(last, k);
        continue;
      }
      outKids.push(k);
      outMarks.push(typeof groupMarks === 'number' ? groupMarks : groupMarks[j]);
    }
  }

  /** Folds the subtree at `b` into the identical one at `a`, which then stands for both. */
  private merge(a: number, b: number): void {
    const { count, kids } = this;
    const stack = this.mergeStack;
    stack.push(a, b);
    while (stack.length > 0) {
      const y = stack.pop()!;
      const x = stack.pop()!;
      count[x] += count[y];
      const kx = kids[x];
      const ky = kids[y];
      if (kx.length !== ky.length) continue; // only on a 64-bit hash collision
      for (let j = 0; j < kx.length; j++) stack.push(kx[j], ky[j]);
    }
  }
}

const hasher = new TreeHasher();

/** Top-down over the collapsed tree: canonical lines, repeats and shingles, then the hash. */
function describeCollapsedTree(
  tree: TraceTree,
  infos: LabelInfo[],
  kids: number[][],
  marks: number[][],
  count: Int32Array,
): TraceFingerprint {
  const nodes = tree.nodes;
  const lines: string[] = [];
  const repeats = Object.create(null) as Record<string, number>;
  // Shingles as (hi, lo) pairs, two per node at most; turned into hex once deduplicated.
  const shingleHi: number[] = [];
  const shingleLo: number[] = [];
  // Per depth on the current path: node index, label path so far, hash of the path.
  const pathIndex: number[] = [];
  const pathText: string[] = [];
  const pathTextFor: number[] = [];
  const pathHi: number[] = [];
  const pathLo: number[] = [];

  const stack: number[] = [0, 0, 0]; // (node, depth, mark) triples
  while (stack.length > 0) {
    const mark = stack.pop()!;
    const depth = stack.pop()!;
    const i = stack.pop()!;
    const label = nodes[i].label;
    const info = infos[i];
    lines.push(indent(depth) + MARK_PREFIX[mark] + label);
    pathIndex[depth] = i;

    // Path shingle: the labels from the root down to here.
    fnv.reset();
    if (depth > 0) {
      fnv.word(pathHi[depth - 1]);
      fnv.word(pathLo[depth - 1]);
    }
    fnv.word(info.hi);
    fnv.word(info.lo);
    pathHi[depth] = fnv.hi;
    pathLo[depth] = fnv.lo;
    shingleHi.push(fnv.hi);
    shingleLo.push(fnv.lo);
    if (depth > 0) {
      // Pair shingle: parent label → this label, wherever it sits (tagged apart from paths).
      const parent = infos[pathIndex[depth - 1]];
      fnv.reset();
      fnv.unit(PAIR_TAG);
      fnv.word(parent.hi);
      fnv.word(parent.lo);
      fnv.word(info.hi);
      fnv.word(info.lo);
      shingleHi.push(fnv.hi);
      shingleLo.push(fnv.lo);
    }

    // Label paths are spelled out only where a run was collapsed: few nodes, long strings.
    if (count[i] > 1) {
      const path = pathOf(depth);
      let key = path;
      for (let k = 2; key in repeats; k++) key = `${path} #${k}`;
      repeats[key] = count[i];
    }

    const children = kids[i];
    const childMarks = marks[i];
    for (let j = children.length - 1; j >= 0; j--)
      stack.push(children[j], depth + 1, childMarks[j]);
  }

  /** The label path down to `depth` on the current path, reusing prefixes built for it. */
  function pathOf(depth: number): string {
    let known = depth;
    while (known >= 0 && pathTextFor[known] !== pathIndex[known]) known--;
    let path = known >= 0 ? pathText[known] : '';
    for (let d = known + 1; d <= depth; d++) {
      const label = nodes[pathIndex[d]].label;
      path = d === 0 ? label : path + PATH_SEPARATOR + label;
      pathText[d] = path;
      pathTextFor[d] = pathIndex[d];
    }
    return path;
  }

  const canonical = lines.join('\n');
  return {
    version: FINGERPRINT_VERSION,
    hash: createHash('sha256').update(canonical).digest('hex').slice(0, 16),
    endpoint: tree.endpoint,
    complete: tree.complete,
    shingles: uniqueHex(shingleHi, shingleLo),
    repeats,
    canonical,
  };
}

/** Tags pair shingles so a pair never equals a two-label path. */
const PAIR_TAG = 0x70;

/** The distinct (hi, lo) pairs as sorted 16-character hex strings. */
function uniqueHex(hi: number[], lo: number[]): string[] {
  const order = hi.map((_, i) => i).sort((a, b) => hi[a] - hi[b] || lo[a] - lo[b]);
  const out: string[] = [];
  for (let j = 0; j < order.length; j++) {
    const k = order[j];
    if (j > 0) {
      const prev = order[j - 1];
      if (hi[prev] === hi[k] && lo[prev] === lo[k]) continue;
    }
    out.push(toHex64(hi[k], lo[k]));
  }
  return out;
}
