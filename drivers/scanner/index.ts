/**
 * QR / barcode scanner in USB-CDC or RS-232 mode (DESIGN.md §3, reference/hardware-protocols.md §6):
 * line codec with payment-code classifier, driver and simulator.
 */
export {
  LineSplitter,
  MAX_CODE_LENGTH,
  classifyCode,
  decodeScan,
  encodeScan,
  maskCode,
  type CodeKind,
  type InsuranceRule,
  type ScanLine,
  type ScannedCode,
} from './codec.ts';
export { QrScanner, scannerSerial, type QrScannerOptions, type ReadOptions } from './driver.ts';
export { QrScannerSimulator, type QrScannerSimulatorOptions } from './simulator.ts';
