// Preload (`node --import ./bench/module-trace.js …`) that lists every module file a process
// loads, ES modules and CommonJS alike, into the file named by MODULE_TRACE_FILE, one URL a line.
// ES modules are seen by a loader hook (it runs on its own thread, so it appends synchronously:
// a message posted back could be lost at exit); CommonJS files required from CommonJS bypass
// that hook in Node 20, so they are read from require.cache at exit.
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import { pathToFileURL } from 'node:url';

const file = process.env.MODULE_TRACE_FILE;
if (file) {
  register('./module-trace-hooks.js', import.meta.url, { data: { file } });
  const require = createRequire(import.meta.url);
  process.on('exit', () => {
    const cjs = Object.keys(require.cache).map((p) => pathToFileURL(p).href);
    if (cjs.length > 0) appendFileSync(file, cjs.join('\n') + '\n');
  });
}
