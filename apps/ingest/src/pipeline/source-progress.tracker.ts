/**
 * How far one source partition has got in event time, as ingest stamps it on re-keyed records for
 * clustering's alignment across sources.
 *
 * Messages do not reach a partition in event-time order: concurrent senders (`t2t send`, a
 * Collector's parallel exporters, SDKs of several services exporting one trace's spans) let later
 * batches overtake earlier ones. A stamp of "the largest start read so far" would then let event time
 * run past a batch still on its way, and the traces it continues would close early and count late.
 * So the stamp is also held at the earliest trace start of every chunk read within the reorder
 * window (wall clock): a message that arrives at most that long after the ones that overtook it
 * continues its traces on time.
 */
export class SourceProgressTracker {
  /** Per source: largest trace start stamped so far. */
  private readonly reached = new Map<string, bigint>();
  /** Per source: chunks read within the reorder window, oldest first (wall ms, earliest start). */
  private readonly recent = new Map<string, { atMs: number; startNs: bigint }[]>();

  constructor(
    private readonly reorderWindowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /**
   * Stamps for one chunk of a source, given its traces' first starts in ascending order: for each,
   * the largest start so far, held at the earliest start read within the window before it.
   */
  stamp(source: string, ascendingStartsNs: readonly bigint[]): bigint[] {
    const at = this.now();
    let recent = this.recent.get(source);
    if (recent === undefined) this.recent.set(source, (recent = []));
    let expired = 0;
    while (expired < recent.length && recent[expired].atMs < at - this.reorderWindowMs) expired++;
    if (expired > 0) recent.splice(0, expired);
    let floor: bigint | undefined;
    for (const r of recent) if (floor === undefined || r.startNs < floor) floor = r.startNs;
    let reached = this.reached.get(source) ?? 0n;
    const stamps = ascendingStartsNs.map((start) => {
      if (start > reached) reached = start;
      return floor !== undefined && floor < reached ? floor : reached;
    });
    this.reached.set(source, reached);
    if (ascendingStartsNs.length > 0 && this.reorderWindowMs > 0)
      recent.push({ atMs: at, startNs: ascendingStartsNs[0] });
    return stamps;
  }
}
