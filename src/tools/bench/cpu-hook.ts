// src/tools/bench/cpu-hook.ts
// Preloaded (`node -r`) into a baseline build's bench server that cannot report its own CPU time: answers the same messages.

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
