/**
 * The HIS (docs/his-interface.md): the port the bridge calls, the simulated hospital, and the
 * vendor HTTP/JSON interface, served by `startHisServer` and spoken by `HttpHis`.
 */
export * from './port.ts';
export { HisSimulator, assertFault, dischargePreSettleTtlMs, preSettleTtlMs, slotLockTtlMs } from './simulator.ts';
export type { BillRecord, Fixtures, HisConfig, HisFault, HisSimulatorOptions, HospitalFixture, PatientFixture, PlayedFault } from './simulator.ts';
export { HttpHis, defaultHisTimeoutMs } from './http-adapter.ts';
export type { HttpHisOptions } from './http-adapter.ts';
export { startHisServer } from './http-server.ts';
export type { HisServerOptions, RunningHisServer } from './http-server.ts';
export { FhirHis } from './fhir-adapter.ts';
