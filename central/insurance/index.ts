/** Medical insurance: the national platform port, its HTTP client, and the simulated platform. */
export * from './port.ts';
export { InsuranceClient, type InsuranceConfig } from './client.ts';
export { startInsuranceSimulator, type InsuranceSimulatorOptions, type RunningInsuranceSimulator } from './simulator.ts';
export type { PersonState, SettlementRecord, SettlementState, SimulatedPlatform } from './platform.ts';
export { insuredPersons, type InsuredPerson } from './seed.ts';
export { chargeLevel, preSelfPayBp } from './split.ts';
