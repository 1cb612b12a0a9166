/** Median of the times (ms) of `runs` calls; `setup` runs before each call, untimed. */
export function medianMs(runs: number, fn: (i: number) => void, setup?: (i: number) => void): number {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    setup?.(i);
    const t = performance.now();
    fn(i);
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

/** A fixed amount of plain work timed in the same run, so figures can be read as ratios on a noisy machine. */
export function baselineMs(): number {
  const data = new Int32Array(1_000_000);
  for (let i = 0; i < data.length; i++) data[i] = i & 1023;
  let sink = 0;
  const ms = medianMs(21, () => {
    let s = 0;
    for (let i = 0; i < data.length; i++) s += data[i];
    sink += s;
  });
  if (sink === 42) console.log(''); // keeps the loop from being optimised away
  return ms;
}

export const round = (ms: number, digits = 3) => Number(ms.toFixed(digits));
