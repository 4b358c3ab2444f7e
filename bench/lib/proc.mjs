// CPU and memory of a process from /proc (Linux only; the bench machine is Linux).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const TICKS_PER_SECOND = Number(spawnSync('getconf', ['CLK_TCK']).stdout?.toString().trim()) || 100;

/** CPU seconds (user + system) a process has used so far; null when it is gone. */
export function cpuSeconds(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces) start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICKS_PER_SECOND; // utime, stime
  } catch {
    return null;
  }
}

/** Resident memory now and its peak (VmHWM), in MB; null when the process is gone. */
export function memory(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (name) => Number(new RegExp(`^${name}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
    return { rssMb: kb('VmRSS') / 1024, peakRssMb: kb('VmHWM') / 1024 };
  } catch {
    return null;
  }
}

/** CPU seconds the whole machine has been busy (all cores, everything but idle and iowait). */
export function machineBusySeconds() {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0];
  const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
  return (user + nice + system + irq + softirq + steal) / TICKS_PER_SECOND;
}

/**
 * Measures CPU used by a set of processes between `start()` and `stop()`, and samples
 * their RSS meanwhile. Returns, per name: cpuSeconds, cores (cpu / wall), rss at the
 * end, and the highest RSS sampled.
 */
export function cpuWindow(pids, sampleMs = 250) {
  const begin = {};
  const peak = {};
  let startedAt = 0;
  let timer = null;
  const sample = () => {
    for (const [name, pid] of Object.entries(pids)) {
      const m = memory(pid);
      if (m) peak[name] = Math.max(peak[name] ?? 0, m.rssMb);
    }
  };
  return {
    start() {
      startedAt = performance.now();
      begin.__machine = machineBusySeconds();
      for (const [name, pid] of Object.entries(pids)) begin[name] = cpuSeconds(pid);
      sample();
      timer = setInterval(sample, sampleMs);
    },
    stop() {
      clearInterval(timer);
      sample();
      const wall = (performance.now() - startedAt) / 1000;
      const out = { wallSeconds: round3(wall) };
      let measured = 0;
      for (const [name, pid] of Object.entries(pids)) {
        const cpu = (cpuSeconds(pid) ?? Number.NaN) - begin[name];
        measured += cpu;
        out[name] = {
          cpuSeconds: round3(cpu),
          cores: round3(cpu / wall),
          rssMb: round1(memory(pid)?.rssMb ?? Number.NaN),
          sampledPeakRssMb: round1(peak[name] ?? Number.NaN),
        };
      }
      // Everything else on the machine (other engineers' builds and tests share the cores).
      const machine = machineBusySeconds() - begin.__machine;
      out.machineBusyCores = round3(machine / wall);
      // Tick granularity can make this slightly negative on a quiet machine.
      out.otherProcessesCores = Math.max(0, round3((machine - measured) / wall));
      return out;
    },
  };
}

const round1 = (x) => Math.round(x * 10) / 10;
const round3 = (x) => Math.round(x * 1000) / 1000;

/**
 * Samples a process's RSS every `everyMs` (1 s) from `start()` to `stop()`; `stop()` returns
 * `[[second, MB], …]`. A missed tick (a busy harness) is a missing sample, not a late one.
 */
export function rssTimeline(pid, everyMs = 1_000) {
  const samples = [];
  let startedAt = 0;
  let timer = null;
  const take = () => {
    const m = memory(pid);
    if (m) samples.push([round1((performance.now() - startedAt) / 1000), round1(m.rssMb)]);
  };
  return {
    start() {
      startedAt = performance.now();
      take();
      timer = setInterval(take, everyMs);
    },
    stop() {
      clearInterval(timer);
      take();
      return samples;
    },
  };
}

/**
 * Peak and growth of an RSS timeline. Growth "after the first minute" compares the mean of the
 * last 10 samples with the mean of the 10 samples from `fromSecond` on (60 s; for a shorter
 * run, half of it), so one GC's swing is not called growth.
 */
export function rssGrowth(samples, fromSecond = 60) {
  if (samples.length === 0) return { peakMb: null, growthMb: null, fromSecond };
  const last = samples[samples.length - 1][0];
  const from = last >= fromSecond + 20 ? fromSecond : last / 2;
  const mean = (xs) => xs.reduce((a, [, mb]) => a + mb, 0) / xs.length;
  const after = samples.filter(([s]) => s >= from);
  const head = after.slice(0, 10);
  const tail = after.slice(-10);
  return {
    peakMb: Math.max(...samples.map(([, mb]) => mb)),
    atStartMb: samples[0][1],
    fromSecond: round1(from),
    atFromMb: head.length ? round1(mean(head)) : null,
    atEndMb: tail.length ? round1(mean(tail)) : null,
    growthMb: head.length ? round1(mean(tail) - mean(head)) : null,
    // Least-squares slope over the samples from `from` on: still rising at the end, or levelled off?
    slopeMbPerMinute: after.length > 2 ? round1(slope(after) * 60) : null,
  };
}

function slope(points) {
  const n = points.length;
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  let num = 0;
  let den = 0;
  for (const [x, y] of points) {
    num += (x - mx) * (y - my);
    den += (x - mx) ** 2;
  }
  return den ? num / den : 0;
}
