/**
 * A signal that comes after a command stopped listening (its reports are being written, the
 * process is about to exit with its code) must not kill the process by Node's default action:
 * both faces (the headless run and the TUI) listen through processIo().onInterrupt. A real child
 * process, because only a real signal shows the default action. kill() to oneself delivers the
 * signal before it returns, so there is nothing to wait for.
 */
import { spawnSync } from 'node:child_process';
import { expect, it } from 'vitest';

// The compiled module, as bin/vmbackup.js runs it (npm run build first, as for every CLI test).
const IO = new URL('../../dist/src/access/io.js', import.meta.url).href;

it('SIGINT and SIGTERM after the last listener is gone: the process ends with its own exit code', () => {
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    const script = `
      const { processIo } = await import(${JSON.stringify(IO)});
      const io = processIo();
      let heard = 0;
      let stop;
      // A signal watcher does not keep the event loop alive; this does, until the signal is heard.
      const alive = setInterval(() => undefined, 60_000);
      await new Promise((resolve) => {
        stop = io.onInterrupt(() => {
          heard++;
          resolve();
        });
        process.kill(process.pid, '${signal}');
      });
      clearInterval(alive);
      stop();
      process.kill(process.pid, '${signal}');
      process.stdout.write('heard ' + heard + '\\n');
      process.exitCode = 130;`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8' });
    expect({ signal: r.signal, status: r.status, stdout: r.stdout }, r.stderr).toEqual({ signal: null, status: 130, stdout: 'heard 1\n' });
  }
});
