import type { NamespaceHandler } from './types.js';

/**
 * Settings.* (spec 5.11): the CLI has no CLOVA-side settings, so ExpectReport and Update are
 * answered with a Report of an empty configuration (digest: `{"configuration":{}}`).
 */
export const settingsHandler: NamespaceHandler = {
  namespace: 'Settings',
  directives: new Set(['ExpectReport', 'Update', 'UpdateVersionSpec']),
  handle(directive, ctx) {
    if (directive.header.name === 'ExpectReport' || directive.header.name === 'Update') {
      ctx.report('Settings', 'Report', { configuration: {} });
    }
  },
};
