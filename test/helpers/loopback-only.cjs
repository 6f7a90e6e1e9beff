// Preloaded (NODE_OPTIONS=--require) into a CLI child by tests that name a non-loopback host: any
// attempt to resolve or connect to something other than this machine throws before a packet leaves,
// so a regression in the CLI's own refusal can never send traffic off the machine.
'use strict';
const net = require('node:net');
const dns = require('node:dns');

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|localhost|::ffff:127\.\d+\.\d+\.\d+)$/i;
function guard(host) {
  if (host !== undefined && host !== null && !LOOPBACK.test(String(host).replace(/^\[|\]$/g, ''))) {
    process.stderr.write(`loopback-only guard: refused a connection to ${host}\n`);
    process.exit(99);
  }
}
const connect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function (...args) {
  const first = args[0];
  const opts = Array.isArray(first) ? first[0] : first;
  if (opts && typeof opts === 'object' && opts.path === undefined) guard(opts.host ?? 'localhost');
  else if (typeof first === 'number') guard(typeof args[1] === 'string' ? args[1] : 'localhost');
  return connect.apply(this, args);
};
for (const name of ['lookup', 'resolve', 'resolve4', 'resolve6']) {
  const orig = dns[name];
  dns[name] = function (host, ...rest) {
    guard(host);
    return orig.call(this, host, ...rest);
  };
  const porig = dns.promises[name];
  if (porig) dns.promises[name] = function (host, ...rest) {
    guard(host);
    return porig.call(this, host, ...rest);
  };
}
