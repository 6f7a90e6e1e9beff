import type { ChalkInstance } from 'chalk';

/**
 * What `new Chalk({ level: 0 })` does, without loading chalk: every style (`c.dim`, `c.bold.cyan`,
 * …) returns its text unchanged. Output without colour (a pipe, NO_COLOR, --no-color: every
 * script) then needs no colour code at all. It has no `then`: it is no promise, and an async
 * function may return it (a thenable would be called instead and never resolve).
 */
export const plainStyle: ChalkInstance = (() => {
  const style: (...text: unknown[]) => string = (...text) => text.join(' ');
  const proxy: unknown = new Proxy(style, {
    get: (target, key) =>
      key === 'level' ? 0 : key === 'then' ? undefined : typeof key === 'string' && !(key in Function.prototype) ? proxy : Reflect.get(target, key),
  });
  return proxy as ChalkInstance;
})();
