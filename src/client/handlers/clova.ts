import type { NamespaceHandler } from './types.js';

/** Clova.* directives (spec 5.4): display-only for a CLI. */
export const clovaHandler: NamespaceHandler = {
  namespace: 'Clova',
  directives: new Set([
    'Hello',
    'RenderText',
    'RenderTemplate',
    'ExpectLogin',
    'LaunchURI',
    'Help',
    'StartExtension',
    'FinishExtension',
    'HandleDelegatedEvent',
    'RenderSuggestion',
  ]),
};
