/**
 * Bill (banknote) acceptor: ITL SSP note validators, NV9/NV10/NV200 (DESIGN.md §3,
 * reference/hardware-protocols.md §3.2). Codec, driver and simulator.
 */
export {
  BillAcceptor,
  type AcceptOptions,
  type AcceptResult,
  type AcceptorIdentity,
  type BillAcceptorOptions,
  type CashEvent,
  type CashStatus,
  type EscrowDecision,
  type InDoubtNote,
  type JamState,
} from './driver.ts';
export { BillAcceptorSimulator, type BillAcceptorSimulatorOptions } from './simulator.ts';
export {
  FrameParser,
  crc16,
  decodePollEvents,
  decodeSetup,
  encodeCommand,
  encodePacket,
  type Packet,
  type ParsedItem,
  type PollEvent,
  type SetupInfo,
} from './codec.ts';
