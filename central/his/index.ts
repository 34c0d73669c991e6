/** The HIS: the port the bridge calls, and the simulated hospital that implements it for tests and the demo. */
export * from './port.ts';
export { HisSimulator, assertFault, preSettleTtlMs } from './simulator.ts';
export type { BillRecord, Fixtures, HisFault, HisSimulatorOptions, HospitalFixture, PatientFixture } from './simulator.ts';
