/** Wall clock plus an offset that tests move forward to make tokens expire without waiting. */
export class Clock {
  private offsetMs = 0;

  constructor(private readonly source: () => number) {}

  nowMs(): number {
    return this.source() + this.offsetMs;
  }

  now(): Date {
    return new Date(this.nowMs());
  }

  advance(ms: number): void {
    this.offsetMs += ms;
  }
}
