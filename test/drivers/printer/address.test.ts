import { describe, expect, it } from 'vitest';
import { parsePrinterAddress, usbIds } from '../../../drivers/printer/address.ts';

describe('printer address: one string for serial, TCP 9100 and USB', () => {
  it('a path is a serial port, as existing configs name it', () => {
    expect(parsePrinterAddress('/dev/ttyS2')).toEqual({ transport: 'serial', path: '/dev/ttyS2' });
    expect(parsePrinterAddress('/dev/pts/7')).toEqual({ transport: 'serial', path: '/dev/pts/7' });
  });

  it('tcp://HOST:PORT, with 9100 when the port is left out, and IPv6 literals unbracketed', () => {
    expect(parsePrinterAddress('tcp://192.0.2.10:9101')).toEqual({ transport: 'tcp', host: '192.0.2.10', port: 9101 });
    expect(parsePrinterAddress('tcp://printer-3f.local')).toEqual({ transport: 'tcp', host: 'printer-3f.local', port: 9100 });
    expect(parsePrinterAddress('tcp://[::1]:9100')).toEqual({ transport: 'tcp', host: '::1', port: 9100 });
  });

  it('usb://VID:PID in hex, or bare usb:// for the first printer-class device', () => {
    expect(parsePrinterAddress('usb://0416:5011')).toEqual({ transport: 'usb', vendorId: 0x0416, productId: 0x5011 });
    expect(parsePrinterAddress('usb://0x0FE6:0x811E')).toEqual({ transport: 'usb', vendorId: 0x0fe6, productId: 0x811e });
    expect(parsePrinterAddress('usb://')).toEqual({ transport: 'usb' });
    expect(usbIds(0x416, 0x5011)).toBe('0416:5011');
  });

  it('refuses what it cannot mean, saying what it expected', () => {
    for (const bad of ['', 'tcp://', 'tcp://host:99999', 'tcp://host/queue', 'usb://0416', 'usb://0416:50111', 'usb://lp0', 'lpd://host/q']) {
      expect(() => parsePrinterAddress(bad), bad).toThrow(RangeError);
    }
    expect(() => parsePrinterAddress('lpd://host/q')).toThrow(/tcp:\/\/HOST:PORT or usb:\/\/VID:PID/);
  });
});
