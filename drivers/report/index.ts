/**
 * A4 report printer (DESIGN.md §3, reference/hardware-protocols.md §5): lab report PDF with a CJK
 * font, IPP client, driver with job tracking, and a real IPP printer (ippeveprinter) for tests.
 */
export { CJK_FONT, renderLabReport, sampleLabReport, type LabItem, type LabReport, type RenderOptions } from './pdf.ts';
export {
  IppClient,
  decodeJobStatus,
  decodePrinterAttributes,
  decodeResponse,
  encodeRequest,
  operations,
  parsePrinterUri,
  tags,
  terminalJobStates,
  type IppClientOptions,
  type JobState,
  type JobStatus,
  type Operation,
  type PrinterAttributes,
  type PrinterEndpoint,
  type PrinterState,
  type RequestOptions,
} from './ipp.ts';
export {
  ReportPrinter,
  describePrinter,
  paperLevel,
  reasonKeyword,
  stoppedJob,
  stoppingCondition,
  type PrintOptions,
  type PrintResult,
  type ReportPrinterOptions,
  type ReportPrinterStatus,
} from './driver.ts';
export { IppPrinterSimulator, type IppPrinterSimulatorOptions, type JobFault, type PaperSupply, type PrintedJob } from './simulator.ts';
