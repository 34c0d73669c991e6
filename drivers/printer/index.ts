/** The 80 mm thermal receipt printer: ESC/POS encoder, DLE EOT status codec, driver over serial / TCP 9100 / USB, simulator. */
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
export { ReceiptPrinter, receiptPrinterSerial, type ReceiptPrinterOpenOptions, type ReceiptPrinterOptions } from './driver.ts';
export { parsePrinterAddress, RAW_PRINT_PORT, usbIds, type PrinterAddress } from './address.ts';
export { openUsbPrinter, USB_CLASS_PRINTER, type UsbDeviceLike, type UsbPrinterOptions, type UsbPrinterSelector } from './usb-transport.ts';
export { printerTestReceipt, RARE_CHARACTER_LINE } from './test-receipt.ts';
export { EscPosParser, ReceiptPrinterSimulator, type EscPosSink, type PrintedReceipt } from './simulator.ts';
