/** The bank card payment module (MIS-POS): framing and records, driver, simulator. */
export * from './codec.ts';
export * from './driver.ts';
export * from './simulator.ts';
