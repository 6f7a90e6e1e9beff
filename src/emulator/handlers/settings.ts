import { buildDirective } from '../../protocol/messages.js';
import { directivePart } from '../wire.js';
import { noContent, type NamespaceHandlers } from './types.js';

/** A canned voice-type spec (spec 5.11; `voiceType` is an object despite the docs' table). */
const VERSION_SPEC = {
  clientName: 'clova-cli',
  deviceVersion: '0.1.0',
  os: 'Linux',
  specVersion: '20210203000000',
  spec: {
    voiceType: {
      name: 'Voice type',
      list: [
        { key: 'V001', name: 'Female voice' },
        { key: 'V002', name: 'Male voice' },
      ],
      default: { key: 'V001', name: 'Female voice' },
    },
  },
};

/** Settings (spec 5.11). */
export const settingsHandlers: NamespaceHandlers = {
  Report: noContent,
  RequestVersionSpec: () => ({
    status: 200,
    parts: [directivePart(buildDirective('Settings', 'UpdateVersionSpec', structuredClone(VERSION_SPEC)))],
  }),
};
