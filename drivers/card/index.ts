/**
 * Patient card dispenser / motorized M1 reader: Creator CRT-591-M (DESIGN.md §3,
 * reference/hardware-protocols.md §2.1). Codec, driver and simulator.
 */
export { CardDispenser, type CardDispenserOptions, type CardStatus, type OpenOptions } from './driver.ts';
export { CardDispenserSimulator, type CardDispenserSimulatorOptions } from './simulator.ts';
export {
  DEFAULT_M1_KEY,
  DEFAULT_M1_KEY_BYTES,
  FrameParser,
  PATIENT_CARD_LAYOUT,
  decodePatientCardNumber,
  decodeUnitStatus,
  describeDeviceCode,
  encodeCommand,
  encodePatientCardBlock,
  type M1Key,
  type M1KeyType,
  type ParsedItem,
  type UnitStatus,
} from './codec.ts';
