import { DeviceError } from '../core/device-error.ts';
import type { ByteTransport } from '../core/serial-transport.ts';
import { usbIds } from './address.ts';

/** bInterfaceClass of a printer interface (USB Device Class Definition for Printing Devices 1.1). */
export const USB_CLASS_PRINTER = 0x07;
/** libusb's LIBUSB_TRANSFER_TYPE_BULK, the `usb` package's `usb.LIBUSB_TRANSFER_TYPE_BULK`. */
const TRANSFER_TYPE_BULK = 2;

/*
 * The parts of the `usb` package's Device, Interface and endpoints this transport uses, so the
 * real objects fit (checked where `listUsbDevices` returns them) and a test can stand in a fake.
 */
export interface UsbEndpointLike {
  readonly direction: 'in' | 'out';
  readonly transferType: number;
  /** ms; 0 waits for ever. */
  timeout: number;
}
export interface UsbOutEndpointLike extends UsbEndpointLike {
  transfer(buffer: Buffer, callback?: (error: Error | undefined, actual: number) => void): unknown;
}
export interface UsbInEndpointLike extends UsbEndpointLike {
  startPoll(nTransfers?: number): unknown;
  on(event: 'data', listener: (data: Buffer) => void): unknown;
  on(event: 'error', listener: (error: Error) => void): unknown;
}
export interface UsbInterfaceLike {
  readonly interfaceNumber: number;
  readonly descriptor: { readonly bInterfaceClass: number };
  readonly endpoints: readonly UsbEndpointLike[];
  isKernelDriverActive(): boolean;
  detachKernelDriver(): void;
  attachKernelDriver(): void;
  claim(): void;
  release(closeEndpoints?: boolean, callback?: (error?: Error) => void): void;
}
export interface UsbDeviceLike {
  readonly deviceDescriptor: { readonly idVendor: number; readonly idProduct: number };
  /** Readable without opening the device: how a printer is found among the others. */
  readonly configDescriptor: { readonly interfaces: readonly (readonly { readonly bInterfaceClass: number }[])[] } | undefined;
  /** Filled in by open(). */
  readonly interfaces: readonly UsbInterfaceLike[] | undefined;
  open(): void;
  close(): void;
}

export interface UsbPrinterSelector {
  vendorId?: number;
  productId?: number;
}

export interface UsbPrinterOptions {
  /** The attached devices; default: the `usb` package's `getDeviceList()`. */
  devices?: () => Promise<readonly UsbDeviceLike[]>;
  /** A bulk OUT transfer the printer has not taken by then fails (a printer with its cover open may NAK for ever). */
  writeTimeoutMs?: number;
}

async function listUsbDevices(): Promise<readonly UsbDeviceLike[]> {
  // Loaded on demand: a kiosk with a serial printer never needs libusb.
  const { getDeviceList } = await import('usb');
  return getDeviceList();
}

/**
 * A receipt printer on USB through libusb: the printer-class interface (or, for a vendor-class
 * printer named by VID:PID, the first interface with a bulk OUT endpoint) is claimed, taking it
 * from the kernel's `usblp` driver if that holds it; bytes go out on the bulk OUT endpoint, and
 * the bulk IN endpoint is polled for `DLE EOT` replies. Closing gives the interface back to the
 * kernel driver as it was found.
 */
export async function openUsbPrinter(selector: UsbPrinterSelector = {}, options: UsbPrinterOptions = {}): Promise<ByteTransport> {
  const wanted = selector.vendorId !== undefined && selector.productId !== undefined ? usbIds(selector.vendorId, selector.productId) : undefined;
  const what = wanted ? `USB printer ${wanted}` : 'USB printer';
  const fail = (message: string, e?: unknown) =>
    new DeviceError('TRANSPORT', e === undefined ? message : `${message}: ${(e as Error).message}`, { ...selector, usb: wanted ?? 'printer-class' });

  let devices: readonly UsbDeviceLike[];
  try {
    devices = await (options.devices ?? listUsbDevices)();
  } catch (e) {
    throw fail('cannot list USB devices', e);
  }
  const device = devices.find((d) => (wanted ? usbIds(d.deviceDescriptor.idVendor, d.deviceDescriptor.idProduct) === wanted : hasPrinterInterface(d)));
  if (!device) throw fail(wanted ? `no ${what} attached` : `no USB device with a printer-class (0x07) interface attached`);

  try {
    device.open();
  } catch (e) {
    throw fail(`cannot open ${what} (permissions: a udev rule for the kiosk user?)`, e);
  }
  const iface =
    device.interfaces?.find((i) => i.descriptor.bInterfaceClass === USB_CLASS_PRINTER) ??
    (wanted ? device.interfaces?.find((i) => bulk(i, 'out')) : undefined);
  const out = iface && (bulk(iface, 'out') as UsbOutEndpointLike | undefined);
  const input = iface && (bulk(iface, 'in') as UsbInEndpointLike | undefined);
  if (!iface || !out || !input) {
    safely(() => device.close());
    // Status needs a two-way transport (hardware-protocols.md §4.2): a printer without bulk IN cannot say it is out of paper.
    throw fail(`${what} has no interface with bulk OUT and bulk IN endpoints`);
  }

  let detached = false;
  try {
    if (kernelDriverActive(iface)) {
      iface.detachKernelDriver();
      detached = true;
    }
    iface.claim();
  } catch (e) {
    if (detached) safely(() => iface.attachKernelDriver());
    safely(() => device.close());
    throw fail(`cannot claim interface ${iface.interfaceNumber} of ${what} (held by another program?)`, e);
  }

  out.timeout = options.writeTimeoutMs ?? 5000;
  const dataListeners: ((chunk: Buffer) => void)[] = [];
  const closeListeners: ((error?: Error) => void)[] = [];
  let open = true;
  let released = false;
  const ended = (error?: DeviceError) => {
    if (!open) return;
    open = false;
    for (const listener of closeListeners) listener(error);
  };
  input.on('data', (chunk) => {
    // Printers answer IN tokens with zero-length packets when they have nothing to say.
    if (chunk.length > 0) for (const listener of dataListeners) listener(chunk);
  });
  input.on('error', (e) => ended(fail(`${what} stopped answering (unplugged?)`, e)));
  // One transfer of the endpoint's packet size (the package's default) is always pending: status replies are one byte.
  input.startPoll(1);

  return {
    get isOpen() {
      return open;
    },
    write: (bytes) =>
      new Promise((resolve, reject) => {
        if (!open) return reject(new DeviceError('NOT_OPEN', `${what} is not open`, { ...selector }));
        out.transfer(Buffer.from(bytes), (error) => (error ? reject(fail(`write to ${what} failed`, error)) : resolve()));
      }),
    onData: (listener) => void dataListeners.push(listener),
    onClose: (listener) => void closeListeners.push(listener),
    close: async () => {
      ended();
      if (released) return;
      released = true;
      // Each step may fail on a device that is already gone; the next must still run.
      // release(true) stops the IN poll and waits for its transfers before letting go.
      await new Promise<void>((resolve) => safely(() => iface.release(true, () => resolve()), resolve));
      if (detached) safely(() => iface.attachKernelDriver());
      safely(() => device.close());
    },
  };
}

function hasPrinterInterface(device: UsbDeviceLike): boolean {
  try {
    return device.configDescriptor?.interfaces.some((alts) => alts.some((a) => a.bInterfaceClass === USB_CLASS_PRINTER)) ?? false;
  } catch {
    // Some devices (hubs, devices mid-reset) refuse descriptor reads; they are not our printer.
    return false;
  }
}

function bulk(iface: UsbInterfaceLike, direction: 'in' | 'out'): UsbEndpointLike | undefined {
  return iface.endpoints.find((e) => e.direction === direction && e.transferType === TRANSFER_TYPE_BULK);
}

/** libusb cannot tell on every platform; where it cannot, there is no kernel driver to move aside. */
function kernelDriverActive(iface: UsbInterfaceLike): boolean {
  try {
    return iface.isKernelDriverActive();
  } catch {
    return false;
  }
}

function safely(step: () => void, onError?: () => void): void {
  try {
    step();
  } catch {
    onError?.();
  }
}
