/**
 * The Zivver SCIM emulator, importable by tests, the demo and the benchmark:
 * `const emu = await startEmulator({ apiKey, users })` then point a client at `emu.url`.
 */
export { startEmulator, parsePagingMode } from './server.js';
export { generateSampleTenant, type SampleTenant, type SampleTenantOptions, type SampleMailbox } from './sampleTenant.js';
export { faultRulesFromJson, faultRulesToJson } from './faults.js';
export * from './types.js';
