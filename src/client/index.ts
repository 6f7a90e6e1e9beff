export * from './client.js';
export * from './attachments.js';
export * from './backoff.js';
export * from './keepalive.js';
export * from './dialog-router.js';
export * from './timers.js';
export { isKnownDirective, namespaceHandlers } from './handlers/registry.js';
export type { AudioInfo } from './response-reader.js';
