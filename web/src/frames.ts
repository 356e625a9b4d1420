// Watches the main thread while the worker computes: the longest gap between animation frames
// is the page's worst stall, which stays near one frame (~17 ms) when the work is off-thread.
export class FrameWatch {
  private handle = 0;
  private last = 0;
  private longest = 0;

  start(): void {
    if (this.handle) return;
    this.last = performance.now();
    this.longest = 0;
    const tick = (t: number) => {
      this.longest = Math.max(this.longest, t - this.last);
      this.last = t;
      this.handle = requestAnimationFrame(tick);
    };
    this.handle = requestAnimationFrame(tick);
  }

  /** Stops watching; returns the longest frame gap in ms since start(). */
  stop(): number {
    cancelAnimationFrame(this.handle);
    this.handle = 0;
    return Math.max(this.longest, performance.now() - this.last);
  }
}
