import { describe, expect, it } from 'vitest';
import { DeviceError } from '../../../drivers/core/device-error.ts';
import { describePrinter, paperLevel, stoppedJob, stoppingCondition } from '../../../drivers/report/driver.ts';
import {
  decodeJobStatus,
  decodePrinterAttributes,
  decodeResponse,
  encodeRequest,
  parsePrinterUri,
  tags,
  type PrinterAttributes,
} from '../../../drivers/report/ipp.ts';

/** Hex with spaces and comments allowed, then text fields: how RFC 8010 §3 lays a message out. */
const hex = (s: string) => Buffer.from(s.replace(/#.*$/gm, '').replace(/\s+/g, ''), 'hex');
const ascii = (s: string) => Buffer.from(s, 'latin1');
/** value-tag, name-length, name, value-length, value (RFC 8010 §3.1.4). */
const field = (tag: number, name: string, value: Buffer) =>
  Buffer.concat([Buffer.of(tag), u16(name.length), ascii(name), u16(value.length), value]);
const u16 = (n: number) => Buffer.of(n >> 8, n & 0xff);

describe('encodeRequest (RFC 8010 §3.1)', () => {
  it('lays out a Get-Job-Attributes request byte for byte', () => {
    const encoded = encodeRequest('getJobAttributes', 7, [
      { tag: tags.uri, name: 'printer-uri', value: 'ipp://printer.local:631/ipp/print' },
      { tag: tags.integer, name: 'job-id', value: 3 },
      { tag: tags.keyword, name: 'requested-attributes', value: ['job-state', 'job-state-reasons'] },
    ]);
    const expected = Buffer.concat([
      hex('0101 0009 00000007'), // IPP/1.1, Get-Job-Attributes, request-id 7
      hex('01'), // operation-attributes-tag
      field(0x47, 'attributes-charset', ascii('utf-8')),
      field(0x48, 'attributes-natural-language', ascii('en')),
      field(0x45, 'printer-uri', ascii('ipp://printer.local:631/ipp/print')),
      field(0x21, 'job-id', hex('00000003')),
      field(0x44, 'requested-attributes', ascii('job-state')),
      field(0x44, '', ascii('job-state-reasons')), // additional value: empty name
      hex('03'), // end-of-attributes-tag
    ]);
    expect(encoded.toString('hex')).toBe(expected.toString('hex'));
  });

  it('puts the document after the end-of-attributes tag', () => {
    const pdf = ascii('%PDF-1.7\n%%EOF\n');
    const encoded = encodeRequest('printJob', 1, [{ tag: tags.mimeMediaType, name: 'document-format', value: 'application/pdf' }], pdf);
    expect(encoded.subarray(2, 4)).toEqual(hex('0002'));
    const end = encoded.length - pdf.length;
    expect(encoded[end - 1]).toBe(0x03);
    expect(encoded.subarray(end)).toEqual(pdf);
  });
});

describe('decoding answers recorded from ippeveprinter (CUPS 2.4.2)', () => {
  it('Print-Job: job-id, job-uri and the pending state', () => {
    const response = decodeResponse(
      hex(`
        01010000 00000001 01
        47 0012 ${ascii('attributes-charset').toString('hex')} 0005 ${ascii('utf-8').toString('hex')}
        48 001b ${ascii('attributes-natural-language').toString('hex')} 0002 656e
        02 # job-attributes-tag
        21 0006 ${ascii('job-id').toString('hex')} 0004 00000003
        45 0007 ${ascii('job-uri').toString('hex')} 0021 ${ascii('ipp://127.0.0.1:18631/ipp/print/3').toString('hex')}
        23 0009 ${ascii('job-state').toString('hex')} 0004 00000003
        41 0011 ${ascii('job-state-message').toString('hex')} 000c ${ascii('Job pending.').toString('hex')}
        44 0011 ${ascii('job-state-reasons').toString('hex')} 0004 ${ascii('none').toString('hex')}
        03`),
    );
    expect(response.statusCode).toBe(0);
    expect(decodeJobStatus(response)).toEqual({ job: 3, state: 'pending', reasons: [], message: 'Job pending.' });
  });

  it('Get-Job-Attributes: a job printing', () => {
    const recorded =
      '010100000000000201470012617474726962757465732d6368617273657400057574662d3848001b617474726962757465732d6e61747572616c2d6c616e67756167650002656e' +
      '022100066a6f622d69640004000000032300096a6f622d73746174650004000000054100116a6f622d73746174652d6d657373616765000d4a6f62207072696e74696e672e' +
      '4400116a6f622d73746174652d726561736f6e73000c6a6f622d7072696e74696e6703';
    expect(decodeJobStatus(decodeResponse(Buffer.from(recorded, 'hex')))).toEqual({
      job: 3,
      state: 'processing',
      reasons: ['job-printing'],
      message: 'Job printing.',
    });
  });

  it('Get-Printer-Attributes: processing with an empty tray, two reasons', () => {
    const recorded =
      '010100000000000301470012617474726962757465732d6368617273657400057574662d3848001b617474726962757465732d6e61747572616c2d6c616e67756167650002656e' +
      '044100167072696e7465722d6d616b652d616e642d6d6f64656c000f4578616d706c65205072696e7465722200197072696e7465722d69732d616363657074696e672d6a6f6273000101' +
      '23000d7072696e7465722d73746174650004000000044100157072696e7465722d73746174652d6d65737361676500095072696e74696e672e' +
      '4400157072696e7465722d73746174652d726561736f6e7300136d656469612d656d7074792d7761726e696e6744000000146d656469612d6e65656465642d7761726e696e6703';
    const attrs = decodePrinterAttributes(decodeResponse(Buffer.from(recorded, 'hex')));
    expect(attrs).toEqual({
      state: 'processing',
      reasons: ['media-empty-warning', 'media-needed-warning'],
      accepting: true,
      makeAndModel: 'Example Printer',
      message: 'Printing.',
    });
    expect(describePrinter(attrs)).toEqual({
      status: 'userError',
      paper: 'out',
      printerState: 'processing',
      reasons: ['media-empty-warning', 'media-needed-warning'],
      accepting: true,
      model: 'Example Printer',
    });
  });

  it('calls bytes that are not IPP a BAD_FRAME, and an answer without a job state a PROTOCOL error', () => {
    const error = (work: () => unknown) => {
      try {
        work();
      } catch (e) {
        return e as DeviceError;
      }
      throw new Error('expected a DeviceError');
    };
    expect(error(() => decodeResponse(ascii('<html>not found</html>'))).code).toBe('BAD_FRAME');
    expect(error(() => decodeResponse(hex('0101 0000 0000 00'))).code).toBe('BAD_FRAME');
    expect(error(() => decodeJobStatus(decodeResponse(hex('0101 0000 00000001 01 03'))))).toMatchObject({ code: 'PROTOCOL' });
  });
});

describe('what printer-state-reasons mean for a kiosk', () => {
  const printer = (reasons: string[], state: PrinterAttributes['state'] = 'idle', accepting = true): PrinterAttributes => ({ state, reasons, accepting });

  it('maps the stopping reasons to codes, whatever their severity suffix, door first', () => {
    expect(stoppingCondition(['media-empty-report'])).toBe('PAPER_OUT');
    expect(stoppingCondition(['media-needed-error'])).toBe('PAPER_OUT');
    expect(stoppingCondition(['media-jam-error'])).toBe('JAM');
    expect(stoppingCondition(['door-open-error'])).toBe('COVER_OPEN');
    expect(stoppingCondition(['media-jam-error', 'cover-open-warning'])).toBe('COVER_OPEN');
    expect(stoppingCondition(['media-jam', 'media-empty'])).toBe('JAM');
    expect(stoppingCondition(['toner-empty-error'])).toBe('OFFLINE');
    expect(stoppingCondition(['media-low-report', 'toner-low-report'])).toBeUndefined();
    expect(stoppingCondition([])).toBeUndefined();
  });

  it('reads the paper level', () => {
    expect(paperLevel([])).toBe('ok');
    expect(paperLevel(['media-low-report'])).toBe('low');
    expect(paperLevel(['media-low', 'media-empty-error'])).toBe('out');
  });

  it('describes the printer in the shared status vocabulary', () => {
    expect(describePrinter(printer([]))).toMatchObject({ status: 'online', paper: 'ok' });
    expect(describePrinter(printer([], 'processing'))).toMatchObject({ status: 'busy' });
    expect(describePrinter(printer(['media-low-report']))).toMatchObject({ status: 'online', paper: 'low' });
    expect(describePrinter(printer(['door-open-error'], 'stopped'))).toMatchObject({ status: 'userError' });
    expect(describePrinter(printer(['media-jam-error'], 'stopped'))).toMatchObject({ status: 'hardwareError' });
    expect(describePrinter(printer([], 'stopped'))).toMatchObject({ status: 'offline' });
    expect(describePrinter(printer([], 'idle', false))).toMatchObject({ status: 'offline', accepting: false });
  });

  it('sees a job as stopped when it says so, when the printer stopped, or when the printer reports why', () => {
    const job = (state: 'pending' | 'processing' | 'stopped', reasons: string[] = []) => ({ job: 1, state, reasons });
    expect(stoppedJob(job('processing', ['job-printing']), printer([], 'processing'))).toBeUndefined();
    expect(stoppedJob(job('processing'), printer(['media-empty-warning', 'media-needed-warning'], 'processing'))).toBe('PAPER_OUT');
    expect(stoppedJob(job('stopped', ['printer-stopped']), printer(['media-jam-error'], 'stopped'))).toBe('JAM');
    expect(stoppedJob(job('stopped', ['printer-stopped']), printer([], 'processing'))).toBe('OFFLINE');
    expect(stoppedJob(job('pending'), printer(['paused'], 'stopped'))).toBe('OFFLINE');
  });
});

describe('parsePrinterUri', () => {
  it('reaches ipp:// on port 631 by default, and sends the printer an ipp:// printer-uri', () => {
    expect(parsePrinterUri('ipp://printer.local/ipp/print')).toEqual({ printerUri: 'ipp://printer.local:631/ipp/print', host: 'printer.local', port: 631, path: '/ipp/print' });
    expect(parsePrinterUri('http://127.0.0.1:8631/printers/report')).toEqual({
      printerUri: 'ipp://127.0.0.1:8631/printers/report',
      host: '127.0.0.1',
      port: 8631,
      path: '/printers/report',
    });
    expect(parsePrinterUri('ipp://[::1]:631/ipp/print')).toMatchObject({ host: '::1', port: 631 });
  });

  it('refuses what it cannot reach with node:http', () => {
    expect(() => parsePrinterUri('ipps://printer.local/ipp/print')).toThrow(RangeError);
    expect(() => parsePrinterUri('/dev/usb/lp0')).toThrow(RangeError);
  });
});
