// tools/bench/cpu-hook.ts
// Answers the benchmark's `{ cpu: 'start' | 'stop' }` messages with this process's CPU time: loaded by the bench
// server, and preloaded (`node -r`) into a baseline build's server that cannot answer them itself.

let started: NodeJS.CpuUsage | undefined;
process.on('message', (message: { cpu?: 'start' | 'stop' }) => {
  if (message?.cpu === 'start') {
    started = process.cpuUsage();
    process.send?.({ cpuStarted: true });
  } else if (message?.cpu === 'stop') {
    const used = process.cpuUsage(started);
    process.send?.({ cpuMicros: used.user + used.system, cpuSystemMicros: used.system });
  }
});
