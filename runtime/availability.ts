import type { Availability, DeviceSnapshot, MethodBlock, MoneyBlock, PaymentMethod } from '../contract/fleet.ts';

export interface AvailabilityInput {
  devices: Readonly<Record<string, DeviceSnapshot | undefined>>;
  centralOnline: boolean;
  /** The payment methods this kiosk is configured to offer. */
  methods: readonly PaymentMethod[];
  maintenance?: boolean;
}

const working = (d: DeviceSnapshot | undefined) => d !== undefined && (d.status === 'online' || d.status === 'busy');

/** Which device each method needs before it may be offered. */
const methodDevice: Record<PaymentMethod, string> = { card: 'pos', cash: 'cash', qr: 'scanner', insurance: 'scanner' };

/**
 * DESIGN.md §5: money moves only while central is up and the receipt printer can print (a PENDING
 * slip or a change voucher must always come out), and a method only while the device it needs
 * works; cash also needs room in the cash box. The reasons are kept so the screen can say why.
 */
export function availability({ devices, centralOnline, methods, maintenance = false }: AvailabilityInput): Availability {
  const blocks: MoneyBlock[] = [];
  if (maintenance) blocks.push('maintenance');
  if (!centralOnline) blocks.push('central');
  const printer = devices.printer;
  if (printer?.paper === 'out') blocks.push('printerPaper');
  else if (!working(printer)) blocks.push('printer');

  const byMethod = {} as Record<PaymentMethod, 'ok' | MethodBlock>;
  for (const method of ['card', 'qr', 'cash', 'insurance'] as const) {
    const device = devices[methodDevice[method]];
    if (!methods.includes(method)) byMethod[method] = 'notConfigured';
    else if (method === 'cash' && (device?.cashbox === 'full' || device?.cashbox === 'removed')) byMethod[method] = 'cashboxFull';
    else byMethod[method] = working(device) ? 'ok' : 'deviceDown';
  }
  const anyMethod = Object.values(byMethod).includes('ok');
  return { money: blocks.length === 0 && anyMethod, blocks, methods: byMethod };
}
