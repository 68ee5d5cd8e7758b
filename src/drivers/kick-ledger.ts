/** Kicks handed back unanswered that a late answer is still matched to (one a minute for an hour). */
const UNANSWERED_KEPT = 60;

/**
 * What one node knows of the kicks it sent to members on other nodes: each waits for its node to
 * say it has it; one not said within `silentMs` never reached that node (cut off from Redis:
 * pub/sub keeps nothing for it) and is handed back. Should that node do it all the same (its answer
 * delayed, not lost: Redis paused), the kicker is told it was done after all.
 */
export class KickLedger<Request> {
  private readonly waiting = new Map<string, { request: Request; timer: ReturnType<typeof setTimeout> }>();
  /** Handed back unanswered, by id, the last UNANSWERED_KEPT. */
  private readonly unanswered = new Map<string, Request>();
  private sent = 0;

  constructor(
    /** This node's instance: kick ids are unique across the cluster. */
    private readonly self: string,
    private readonly silentMs: number,
    /** Told of a kick not answered in time, once. */
    private readonly handBack: (request: Request) => void,
  ) {}

  /** A kick is sent now: its id. */
  send(request: Request): string {
    const id = `${this.self}:${++this.sent}`;
    const timer = setTimeout(() => this.giveUp(id) && this.handBack(request), this.silentMs);
    this.waiting.set(id, { request, timer });
    return id;
  }

  /** Sending it failed: handed back by the caller now (it may have gone all the same), so never by its timer. */
  failed(id: string): void {
    this.giveUp(id);
  }

  /** Its node says it has it: the request, `late` if it was handed back meanwhile; undefined if said before. */
  answered(id: string): { request: Request; late?: true } | undefined {
    const late = this.unanswered.get(id);
    if (late) {
      this.unanswered.delete(id);
      return { request: late, late: true };
    }
    const kick = this.waiting.get(id);
    if (!kick) return undefined;
    clearTimeout(kick.timer);
    this.waiting.delete(id);
    return { request: kick.request };
  }

  /** The ids handed back unanswered, to ask Redis about once back (their nodes may have done them meanwhile). */
  unansweredIds(): string[] {
    return [...this.unanswered.keys()];
  }

  /** No kick waits any longer (the bus closes). */
  close(): void {
    for (const { timer } of this.waiting.values()) clearTimeout(timer);
    this.waiting.clear();
  }

  /** Moves a waiting kick to the unanswered ones; false if it was not waiting. */
  private giveUp(id: string): boolean {
    const kick = this.waiting.get(id);
    if (!kick) return false;
    clearTimeout(kick.timer);
    this.waiting.delete(id);
    this.unanswered.set(id, kick.request);
    for (const old of this.unanswered.keys()) if (this.unanswered.size > UNANSWERED_KEPT) this.unanswered.delete(old);
    return true;
  }
}
