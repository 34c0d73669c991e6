import type { FhirSession } from './client.ts';
import type { FhirSystems } from './systems.ts';

/** The hospital's settings a FHIR server does not hold, so the adapter is told them. */
export interface FhirHospitalSettings {
  /** Runs prepaid patient accounts (recharge); off since the 2025 abolition. */
  prepaid: boolean;
  /** The fee for a new patient card; 0 when cards are free. */
  cardFeeFen: number;
  /** How long a slot hold keeps a number while the fee is collected. */
  slotHoldMs: number;
  /** How long a pre-settle holds its figures. */
  preSettleTtlMs: number;
}

/** What every function of the adapter works with: this call's FHIR session, the systems, the clock, the settings. */
export interface FhirContext {
  fhir: FhirSession;
  systems: FhirSystems;
  /** Epoch milliseconds; injected so tests can expire a hold or a pre-settle without waiting. */
  now: () => number;
  settings: FhirHospitalSettings;
}
