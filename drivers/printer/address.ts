/**
 * Where a receipt printer is, as one string a kiosk config or a technician's `--port` carries:
 * a serial path (`/dev/ttyUSB0`, a pty), `tcp://HOST[:PORT]` (raw port, 9100 unless given), or
 * `usb://VID:PID` in hex (`usb://0416:5011`; bare `usb://` takes the first printer-class device).
 */
export type PrinterAddress =
  | { transport: 'serial'; path: string }
  | { transport: 'tcp'; host: string; port: number }
  | { transport: 'usb'; vendorId?: number; productId?: number };

/** The raw printing port of network printers (HP JetDirect, and every ESC/POS Ethernet model). */
export const RAW_PRINT_PORT = 9100;

/** Throws RangeError naming what is wrong, so a CLI can say it as a usage error. */
export function parsePrinterAddress(where: string): PrinterAddress {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(where)?.[1]?.toLowerCase();
  if (scheme === undefined) {
    if (where.trim() === '') throw new RangeError('printer address is empty; give /dev/..., tcp://HOST:PORT or usb://VID:PID');
    return { transport: 'serial', path: where };
  }
  if (scheme === 'tcp') return tcpAddress(where);
  if (scheme === 'usb') return usbAddress(where.slice('usb://'.length));
  throw new RangeError(`printer address "${where}": unknown scheme ${scheme}://; give /dev/..., tcp://HOST:PORT or usb://VID:PID`);
}

function tcpAddress(where: string): PrinterAddress {
  let url: URL;
  try {
    url = new URL(where);
  } catch {
    throw new RangeError(`printer address "${where}" is not tcp://HOST:PORT`);
  }
  if (!url.hostname || (url.pathname !== '' && url.pathname !== '/') || url.search || url.username) {
    throw new RangeError(`printer address "${where}" is not tcp://HOST:PORT`);
  }
  const port = url.port === '' ? RAW_PRINT_PORT : Number(url.port);
  // URL keeps the brackets of an IPv6 literal; sockets want the bare address.
  return { transport: 'tcp', host: url.hostname.replace(/^\[(.*)\]$/, '$1'), port };
}

function usbAddress(ids: string): PrinterAddress {
  if (ids === '') return { transport: 'usb' };
  const m = /^(?:0x)?([0-9a-f]{1,4}):(?:0x)?([0-9a-f]{1,4})$/i.exec(ids);
  if (!m) throw new RangeError(`printer address "usb://${ids}": give usb://VID:PID in hex, e.g. usb://0416:5011`);
  return { transport: 'usb', vendorId: parseInt(m[1]!, 16), productId: parseInt(m[2]!, 16) };
}

/** `0416:5011`, as lsusb prints ids. */
export function usbIds(vendorId: number, productId: number): string {
  const hex = (n: number) => n.toString(16).padStart(4, '0');
  return `${hex(vendorId)}:${hex(productId)}`;
}
