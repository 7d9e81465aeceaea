/**
 * Which lanes (and the expiry queue) of this process are stuck past the watchdog's bound: written by the
 * lane watchdog, read by /ready, so an orchestrator sees a process whose lanes do not move.
 */
export class LaneHealth {
  private readonly stuck = new Set<string>();

  markStuck(queue: string): void {
    this.stuck.add(queue);
  }

  markMoving(queue: string): void {
    this.stuck.delete(queue);
  }

  stuckQueues(): string[] {
    return [...this.stuck].sort();
  }

  healthy(): boolean {
    return this.stuck.size === 0;
  }
}
