import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { DeviceError } from '../../../drivers/core/device-error.ts';
import { ReceiptPrinter } from '../../../drivers/printer/driver.ts';
import { ReceiptPrinterSimulator } from '../../../drivers/printer/simulator.ts';
import { openUsbPrinter, type UsbDeviceLike, type UsbInterfaceLike } from '../../../drivers/printer/usb-transport.ts';

/*
 * USB cannot run here: no printer is attached and there is no gadget driver (DESIGN.md §8). These
 * fakes stand in for the `usb` package's Device, Interface and endpoints, and carry the real
 * ESC/POS bytes to and from the ReceiptPrinterSimulator, so the transport and the driver above
 * it run for real. What the fakes enforce is what libusb enforces: no claim while the kernel's
 * usblp holds the interface, no transfer on an unclaimed one, no release with a poll running.
 */

const BULK = 2;
const INTERRUPT = 3;

class FakeBulkOut extends EventEmitter {
  readonly direction = 'out' as const;
  readonly transferType = BULK;
  timeout = 0;
  constructor(private readonly owner: FakeUsbInterface) {
    super();
  }
  transfer(buffer: Buffer, callback?: (error: Error | undefined, actual: number) => void): this {
    const error = this.owner.transferError();
    setImmediate(() => {
      if (!error) this.owner.device.printer?.receive(Buffer.from(buffer));
      callback?.(error, error ? 0 : buffer.length);
    });
    return this;
  }
}

class FakeBulkIn extends EventEmitter {
  readonly direction = 'in' as const;
  readonly transferType = BULK;
  timeout = 0;
  polling = false;
  private held: Buffer[] = [];
  startPoll(): void {
    if (this.polling) throw new Error('Polling already active');
    this.polling = true;
    for (const chunk of this.held.splice(0)) this.deliver(chunk);
  }
  stopPoll(): void {
    this.polling = false;
    setImmediate(() => this.emit('end'));
  }
  /** Bytes the printer has for the host: IN transfers take them while polling; until then they wait in the device. */
  deliver(chunk: Buffer): void {
    if (this.polling) setImmediate(() => this.emit('data', chunk));
    else this.held.push(chunk);
  }
  fail(error: Error): void {
    // As the usb package does: an error stops the poll.
    this.emit('error', error);
    this.stopPoll();
  }
}

class FakeUsbInterface implements UsbInterfaceLike {
  readonly interfaceNumber = 0;
  readonly descriptor: { bInterfaceClass: number };
  readonly endpoints: (FakeBulkOut | FakeBulkIn | { direction: 'in'; transferType: number; timeout: number })[];
  readonly out = new FakeBulkOut(this);
  readonly in = new FakeBulkIn();
  kernelDriverActive: boolean;
  claimed = false;
  /** Another program (CUPS, a second kiosk process) already claimed it. */
  heldElsewhere = false;
  readonly calls: string[] = [];

  constructor(
    readonly device: FakeUsbPrinterDevice,
    interfaceClass: number,
    options: { kernelDriver: boolean; bulkIn: boolean },
  ) {
    this.descriptor = { bInterfaceClass: interfaceClass };
    this.kernelDriverActive = options.kernelDriver;
    this.endpoints = options.bulkIn ? [this.out, this.in] : [this.out, { direction: 'in', transferType: INTERRUPT, timeout: 0 }];
  }
  isKernelDriverActive(): boolean {
    return this.kernelDriverActive;
  }
  detachKernelDriver(): void {
    this.calls.push('detachKernelDriver');
    this.kernelDriverActive = false;
  }
  attachKernelDriver(): void {
    this.calls.push('attachKernelDriver');
    this.kernelDriverActive = true;
  }
  claim(): void {
    if (this.kernelDriverActive || this.heldElsewhere) throw new Error('LIBUSB_ERROR_BUSY');
    this.calls.push('claim');
    this.claimed = true;
  }
  release(closeEndpoints?: boolean, callback?: (error?: Error) => void): void {
    const done = () => {
      this.calls.push('release');
      this.claimed = false;
      callback?.();
    };
    if (this.in.polling && !closeEndpoints) return callback?.(new Error('LIBUSB_ERROR_BUSY: transfers pending'));
    if (this.in.polling) {
      this.in.once('end', done);
      this.in.stopPoll();
    } else setImmediate(done);
  }
  transferError(): Error | undefined {
    if (this.device.unplugged) return new Error('LIBUSB_ERROR_NO_DEVICE');
    if (!this.claimed || !this.device.opened) return new Error('LIBUSB_ERROR_NOT_FOUND: interface not claimed');
    return undefined;
  }
}

/** FakeUsbPrinterDevice — a stand-in for the usb package's Device, because no USB printer is attached here. */
class FakeUsbPrinterDevice implements UsbDeviceLike {
  readonly deviceDescriptor: { idVendor: number; idProduct: number };
  readonly configDescriptor: { interfaces: { bInterfaceClass: number }[][] };
  readonly iface: FakeUsbInterface;
  interfaces: FakeUsbInterface[] | undefined;
  opened = false;
  closes = 0;
  unplugged = false;

  constructor(
    readonly printer: ReceiptPrinterSimulator | undefined,
    options: { vendorId?: number; productId?: number; interfaceClass?: number; kernelDriver?: boolean; bulkIn?: boolean } = {},
  ) {
    const interfaceClass = options.interfaceClass ?? 0x07;
    this.deviceDescriptor = { idVendor: options.vendorId ?? 0x0416, idProduct: options.productId ?? 0x5011 };
    this.configDescriptor = { interfaces: [[{ bInterfaceClass: interfaceClass }]] };
    this.iface = new FakeUsbInterface(this, interfaceClass, { kernelDriver: options.kernelDriver ?? true, bulkIn: options.bulkIn ?? true });
    printer?.attach((bytes) => this.iface.in.deliver(bytes));
  }
  open(): void {
    if (this.unplugged) throw new Error('LIBUSB_ERROR_NO_DEVICE');
    this.opened = true;
    this.interfaces = [this.iface];
  }
  close(): void {
    if (this.iface.claimed) throw new Error('closing a device with a claimed interface');
    this.opened = false;
    this.closes++;
  }
  unplug(): void {
    this.unplugged = true;
    this.iface.in.fail(new Error('LIBUSB_TRANSFER_NO_DEVICE'));
  }
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function usbPrinter(devices: FakeUsbPrinterDevice[], selector: { vendorId?: number; productId?: number } = {}): Promise<ReceiptPrinter> {
  const printer = new ReceiptPrinter(await openUsbPrinter(selector, { devices: async () => devices }), { statusTimeoutMs: 300 });
  cleanups.push(() => printer.close());
  return printer;
}

async function deviceError(promise: Promise<unknown>): Promise<DeviceError> {
  const e: unknown = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(DeviceError);
  return e as DeviceError;
}

const receipt = [{ text: '门诊缴费凭条', align: 'center' as const }, { text: '姓名：王喆堃' }, { qr: 'ORDER-42' }];

describe('USB printer transport against FakeUsbPrinterDevice — a stand-in for the usb package\'s Device, because no USB printer is attached here', () => {
  it('takes the interface from usblp, prints on bulk OUT, reads DLE EOT on bulk IN, and gives it all back on close', async () => {
    const sim = new ReceiptPrinterSimulator();
    const keyboard = new FakeUsbPrinterDevice(undefined, { vendorId: 0x046d, productId: 0xc31c, interfaceClass: 0x03 });
    const device = new FakeUsbPrinterDevice(sim);
    const printer = await usbPrinter([keyboard, device]);
    expect(keyboard.opened).toBe(false);
    expect(device.iface.calls).toEqual(['detachKernelDriver', 'claim']);

    expect(await printer.print(receipt)).toEqual({ status: 'online', paper: 'ok', coverOpen: false, cutterError: false, online: true });
    expect(sim.receipts).toEqual([expect.objectContaining({ lines: ['门诊缴费凭条', '姓名：王喆堃'], qr: ['ORDER-42'] })]);

    await printer.close();
    expect(device.iface.calls).toEqual(['detachKernelDriver', 'claim', 'release', 'attachKernelDriver']);
    expect(device.iface.in.polling).toBe(false);
    expect(device.closes).toBe(1);
    expect(device.iface.kernelDriverActive).toBe(true);
  });

  it('selects by VID:PID, and takes a vendor-class interface that has the bulk endpoints', async () => {
    const other = new FakeUsbPrinterDevice(new ReceiptPrinterSimulator());
    const sim = new ReceiptPrinterSimulator();
    const vendorClass = new FakeUsbPrinterDevice(sim, { vendorId: 0x0fe6, productId: 0x811e, interfaceClass: 0xff, kernelDriver: false });
    const printer = await usbPrinter([other, vendorClass], { vendorId: 0x0fe6, productId: 0x811e });
    expect(other.opened).toBe(false);
    // No kernel driver was attached, so none is detached now or attached on close.
    expect(vendorClass.iface.calls).toEqual(['claim']);
    expect((await printer.status()).status).toBe('online');
    await printer.close();
    expect(vendorClass.iface.calls).toEqual(['claim', 'release']);
    expect(vendorClass.iface.kernelDriverActive).toBe(false);
  });

  it('paper out over USB refuses before printing, as over serial', async () => {
    const sim = new ReceiptPrinterSimulator();
    const printer = await usbPrinter([new FakeUsbPrinterDevice(sim)]);
    sim.controls.find((c) => c.name === 'paper')!.run(['out']);
    const e = await deviceError(printer.print(receipt));
    expect(e.code).toBe('PAPER_OUT');
    expect(sim.receipts).toHaveLength(0);
  });

  it('no such device: TRANSPORT naming the ids; without ids, only a printer-class device will do', async () => {
    const keyboard = new FakeUsbPrinterDevice(undefined, { interfaceClass: 0x03 });
    const byIds = await deviceError(openUsbPrinter({ vendorId: 0x1fc9, productId: 0x2016 }, { devices: async () => [keyboard] }));
    expect(byIds.code).toBe('TRANSPORT');
    expect(byIds.message).toContain('1fc9:2016');
    const anyPrinter = await deviceError(openUsbPrinter({}, { devices: async () => [keyboard] }));
    expect(anyPrinter.code).toBe('TRANSPORT');
    expect(anyPrinter.message).toContain('printer-class');
  });

  it('an interface held by another program: TRANSPORT, and the kernel driver and device are put back', async () => {
    const device = new FakeUsbPrinterDevice(new ReceiptPrinterSimulator());
    device.iface.heldElsewhere = true;
    const e = await deviceError(openUsbPrinter({}, { devices: async () => [device] }));
    expect(e.code).toBe('TRANSPORT');
    expect(e.message).toContain('LIBUSB_ERROR_BUSY');
    expect(device.iface.calls).toEqual(['detachKernelDriver', 'attachKernelDriver']);
    expect(device.closes).toBe(1);
  });

  it('a printer with no bulk IN endpoint is refused: it could never report paper out', async () => {
    const device = new FakeUsbPrinterDevice(new ReceiptPrinterSimulator(), { bulkIn: false });
    const e = await deviceError(openUsbPrinter({}, { devices: async () => [device] }));
    expect(e.code).toBe('TRANSPORT');
    expect(e.message).toContain('bulk IN');
    expect(device.iface.calls).toEqual([]);
    expect(device.closes).toBe(1);
  });

  it('unplugged mid-use: the next command fails with TRANSPORT, and close still lets go', async () => {
    const device = new FakeUsbPrinterDevice(new ReceiptPrinterSimulator());
    const printer = await usbPrinter([device]);
    expect((await printer.status()).status).toBe('online');
    device.unplug();
    const e = await deviceError(printer.status());
    expect(e.code).toBe('TRANSPORT');
    expect(e.message).toContain('unplugged');
    await printer.close();
    expect(device.iface.claimed).toBe(false);
  });
});

describe('USB through the real usb package', () => {
  it('openAt("usb://VID:PID") with no such printer attached is a TRANSPORT error, not a crash', async () => {
    const e = await deviceError(ReceiptPrinter.openAt('usb://0416:5011'));
    expect(e.code).toBe('TRANSPORT');
    expect(e.message).toContain('0416:5011');
  });
});
