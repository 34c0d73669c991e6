/** The 80 mm thermal receipt printer: ESC/POS encoder, DLE EOT status codec, driver and simulator. */
export {
  CUT_FEED_LINES,
  RECEIPT_COLUMNS,
  ReceiptBuilder,
  displayWidth,
  encodeReceipt,
  layoutRow,
  wrapToWidth,
  type Align,
  type Magnification,
  type QrErrorLevel,
  type QrOptions,
  type ReceiptBlock,
  type ReceiptDocument,
} from './encoder.ts';
export {
  decodeErrorCause,
  decodeOfflineCause,
  decodePaperSensor,
  decodePrinterByte,
  decodeStatus,
  isStatusReply,
  statusBits,
  statusProblem,
  statusQueries,
  statusRequest,
  type PrinterStatus,
  type StatusQuery,
} from './status.ts';
export { ReceiptPrinter, receiptPrinterSerial, type ReceiptPrinterOptions } from './driver.ts';
export { EscPosParser, ReceiptPrinterSimulator, type EscPosSink, type PrintedReceipt } from './simulator.ts';
