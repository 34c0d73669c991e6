import { describe, expect, it } from 'vitest';
import {
  decodeErrorCause,
  decodeOfflineCause,
  decodePaperSensor,
  decodePrinterByte,
  decodeStatus,
  isStatusReply,
  statusProblem,
  statusRequest,
} from '../../../drivers/printer/status.ts';

// Reply bytes below are written from the tables in hardware-protocols.md §4.2, baseline 0x12.

describe('DLE EOT requests and reply framing', () => {
  it('asks 10 04 n', () => {
    expect([1, 2, 3, 4].map((n) => statusRequest(n as 1 | 2 | 3 | 4).toString('hex'))).toEqual(['100401', '100402', '100403', '100404']);
  });

  it('accepts only bytes with bits 1 and 4 on and bits 0 and 7 off', () => {
    for (const b of [0x12, 0x16, 0x1a, 0x32, 0x52, 0x7e]) expect(isStatusReply(b), b.toString(16)).toBe(true);
    for (const b of [0x00, 0xff, 0x13, 0x92, 0x10, 0x02, 0x41]) expect(isStatusReply(b), b.toString(16)).toBe(false);
  });
});

describe('bit tables', () => {
  it('n=1 printer: bit 3 offline, bit 2 drawer pin', () => {
    expect(decodePrinterByte(0x12)).toEqual({ offline: false, drawerPin: false });
    expect(decodePrinterByte(0x1a)).toEqual({ offline: true, drawerPin: false });
    expect(decodePrinterByte(0x16)).toEqual({ offline: false, drawerPin: true });
  });

  it('n=2 offline cause: bit 2 cover, bit 3 feed button, bit 5 paper end stop, bit 6 error', () => {
    const none = { coverOpen: false, feedButton: false, paperEndStop: false, error: false };
    expect(decodeOfflineCause(0x12)).toEqual(none);
    expect(decodeOfflineCause(0x16)).toEqual({ ...none, coverOpen: true });
    expect(decodeOfflineCause(0x1a)).toEqual({ ...none, feedButton: true });
    expect(decodeOfflineCause(0x32)).toEqual({ ...none, paperEndStop: true });
    expect(decodeOfflineCause(0x52)).toEqual({ ...none, error: true });
  });

  it('n=3 error cause: bit 3 autocutter, bit 5 unrecoverable, bit 6 auto-recoverable', () => {
    const none = { autocutter: false, unrecoverable: false, autoRecoverable: false };
    expect(decodeErrorCause(0x12)).toEqual(none);
    expect(decodeErrorCause(0x1a)).toEqual({ ...none, autocutter: true });
    expect(decodeErrorCause(0x32)).toEqual({ ...none, unrecoverable: true });
    expect(decodeErrorCause(0x52)).toEqual({ ...none, autoRecoverable: true });
  });

  it('n=4 paper sensor: bits 2,3 near end, bits 5,6 paper end', () => {
    expect(decodePaperSensor(0x12)).toEqual({ nearEnd: false, paperEnd: false });
    expect(decodePaperSensor(0x1e)).toEqual({ nearEnd: true, paperEnd: false });
    expect(decodePaperSensor(0x72)).toEqual({ nearEnd: false, paperEnd: true });
    expect(decodePaperSensor(0x7e)).toEqual({ nearEnd: true, paperEnd: true });
  });
});

describe('decodeStatus', () => {
  const ok = { 1: 0x12, 2: 0x12, 3: 0x12, 4: 0x12 };

  it('all clear is online with paper', () => {
    const s = decodeStatus(ok);
    expect(s).toEqual({ status: 'online', paper: 'ok', coverOpen: false, cutterError: false, online: true });
    expect(statusProblem(s)).toBeUndefined();
  });

  it('near end is still online, paper low', () => {
    const s = decodeStatus({ ...ok, 4: 0x1e });
    expect(s).toMatchObject({ status: 'online', paper: 'low' });
    expect(statusProblem(s)).toBeUndefined();
  });

  it('paper end is a userError, PAPER_OUT', () => {
    const s = decodeStatus({ 1: 0x1a, 2: 0x32, 3: 0x12, 4: 0x7e });
    expect(s).toEqual({ status: 'userError', paper: 'out', coverOpen: false, cutterError: false, online: false });
    expect(statusProblem(s)).toBe('PAPER_OUT');
    // The paper-end stop bit alone (sensor byte not telling) also means out.
    expect(decodeStatus({ ...ok, 2: 0x32 }).paper).toBe('out');
  });

  it('cover open is a userError, COVER_OPEN, ahead of the paper it hides', () => {
    const s = decodeStatus({ 1: 0x1a, 2: 0x36, 3: 0x12, 4: 0x7e });
    expect(s).toMatchObject({ status: 'userError', coverOpen: true, paper: 'out' });
    expect(statusProblem(s)).toBe('COVER_OPEN');
  });

  it('autocutter error is a hardwareError, CUTTER_ERROR', () => {
    const s = decodeStatus({ 1: 0x1a, 2: 0x52, 3: 0x1a, 4: 0x12 });
    expect(s).toEqual({ status: 'hardwareError', paper: 'ok', coverOpen: false, cutterError: true, online: false });
    expect(statusProblem(s)).toBe('CUTTER_ERROR');
  });

  it('unrecoverable error, or an error with no known cause, is a hardwareError, OFFLINE', () => {
    for (const s of [decodeStatus({ 1: 0x1a, 2: 0x52, 3: 0x32, 4: 0x12 }), decodeStatus({ 1: 0x1a, 2: 0x52, 3: 0x12, 4: 0x12 })]) {
      expect(s.status).toBe('hardwareError');
      expect(statusProblem(s)).toBe('OFFLINE');
    }
  });

  it('auto-recoverable error and a bare offline flag are offline', () => {
    expect(decodeStatus({ 1: 0x1a, 2: 0x52, 3: 0x52, 4: 0x12 }).status).toBe('offline');
    const s = decodeStatus({ ...ok, 1: 0x1a });
    expect(s).toMatchObject({ status: 'offline', online: false });
    expect(statusProblem(s)).toBe('OFFLINE');
  });
});
