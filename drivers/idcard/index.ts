/**
 * Second-generation resident ID card reader with a SAM(V) module (DESIGN.md §3,
 * reference/hardware-protocols.md §1). Codec, driver and simulator.
 */
export { IdCardReader, type IdCardReaderOptions, type OpenOptions, type ReadOptions, type SamStatus } from './driver.ts';
export { IdCardReaderSimulator, idCardProfiles, type IdCardReaderSimulatorOptions } from './simulator.ts';
export {
  FrameParser,
  decodeBaseInfo,
  decodeIdentityText,
  decodeSamId,
  describeSw3,
  encodeCommand,
  idNumberCheckDigit,
  isValidIdNumber,
  type IdCardIdentity,
  type ParsedItem,
  type Sex,
} from './codec.ts';
export { nationName, nations } from './nations.ts';
