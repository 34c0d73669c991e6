import fs from 'node:fs';
import { z } from 'zod';
import { paymentMethods } from '../contract/fleet.ts';
import { scaled, timeScale } from '../contract/time-scale.ts';
import { flowNames, type Flow } from '../machines/flows.ts';
import { isValidKioskId } from '../contract/topics.ts';
import { pinHashPattern } from './staff.ts';

/** One file per kiosk (`/etc/zizhu/kiosk.json` in production), validated at start (DESIGN.md §5). */
const serialDevice = (baudRate: number) =>
  z.object({ port: z.string().min(1), baudRate: z.number().int().positive().default(baudRate) }).strict();

export const kioskConfigSchema = z
  .object({
    kioskId: z.string().refine(isValidKioskId, 'must match ^[A-Za-z0-9][A-Za-z0-9-]{2,31}$ and not be a reserved name'),
    site: z.object({ hospital: z.string().min(1), location: z.string().min(1) }).strict(),
    broker: z
      .object({
        url: z.string().regex(/^mqtts?:\/\/[^/]+:\d+$/, 'must look like mqtt://HOST:PORT'),
        /** Mutual TLS (docs/tls.md): the CA to trust and this kiosk's certificate, whose CN is kioskId. */
        tls: z.object({ ca: z.string().min(1), cert: z.string().min(1), key: z.string().min(1) }).strict().optional(),
      })
      .strict()
      .refine((b) => (b.tls !== undefined) === b.url.startsWith('mqtts://'), { message: 'an mqtts:// url needs tls {ca, cert, key}, and tls needs an mqtts:// url' }),
    journal: z.string().min(1),
    devices: z
      .object({
        card: serialDevice(9600)
          .extend({
            model: z.literal('CRT-591-M').default('CRT-591-M'),
            /** Where this hospital's patient cards keep their number, and the key of that sector. */
            m1: z
              .object({
                sector: z.number().int().min(0).max(15),
                block: z.number().int().min(0).max(2),
                keyType: z.enum(['A', 'B']).default('A'),
                key: z.string().regex(/^[0-9A-Fa-f]{12}$/, 'six bytes in hex, e.g. FFFFFFFFFFFF'),
              })
              .strict()
              .optional(),
          })
          .strict(),
        pos: serialDevice(9600),
        /** A serial path, `tcp://HOST:PORT` (raw 9100) or `usb://VID:PID` in hex. */
        printer: serialDevice(115200),
        // The rest are optional: a kiosk without a bill acceptor simply offers no cash.
        idcard: serialDevice(115200).optional(),
        cash: serialDevice(9600).extend({ model: z.literal('ITL-SSP').default('ITL-SSP') }).strict().optional(),
        scanner: serialDevice(9600)
          .extend({
            /**
             * How this province's insurance e-voucher tokens look (drivers/scanner/codec.ts
             * InsuranceRule): a prefix and a shortest length narrow the guess.
             */
            insurance: z.object({ prefixes: z.array(z.string().min(1)).min(1).optional(), minLength: z.number().int().min(8).max(512).optional() }).strict().optional(),
          })
          .strict()
          .optional(),
        report: z.object({ printer: z.string().regex(/^ipps?:\/\/\S+$/, 'must be an IPP URI such as ipp://HOST:631/printers/NAME') }).strict().optional(),
      })
      .strict(),
    timeouts: z
      .object({
        choiceMs: z.number().int().min(1000).default(60_000),
        takeCardMs: z.number().int().min(1000).default(30_000),
        goodbyeMs: z.number().int().min(500).default(3000),
        rpcMs: z.number().int().min(500).default(15_000),
        saleMs: z.number().int().min(1000).default(120_000),
        settleDeadlineMs: z.number().int().min(1000).default(60_000),
      })
      .strict()
      .default({ choiceMs: 60_000, takeCardMs: 30_000, goodbyeMs: 3000, rpcMs: 15_000, saleMs: 120_000, settleDeadlineMs: 60_000 }),
    /** Staff who may open maintenance mode with their card and PIN (`zizhu staff pin-hash` makes `pin`). */
    staff: z
      .array(
        z
          .object({
            staffId: z.string().regex(/^[A-Za-z0-9-]{1,16}$/, 'letters, digits and dashes, at most 16'),
            cardNo: z.string().min(1).max(32),
            pin: z.string().regex(pinHashPattern, 'must be the scrypt:SALT:HASH that zizhu staff pin-hash prints'),
          })
          .strict(),
      )
      .default([]),
    /**
     * The flows this kiosk's menu offers, in menu order; absent: every flow its devices allow. A
     * flow listed here still needs its devices (report printing, the A4 printer).
     */
    flows: z.array(z.enum(['bills', ...flowNames] as [Flow, ...Flow[]])).min(1).optional(),
    /** What this kiosk offers (DESIGN.md §5); a method is shown only while its device works. */
    payment: z
      .object({
        methods: z.array(z.enum(paymentMethods)).min(1).default(['card']),
        /** The kiosk gives no coins: an overpaying note is refused, or taken against a change voucher. */
        cashOverpay: z.enum(['refuse', 'voucher']).default('refuse'),
      })
      .strict()
      .default({ methods: ['card'], cashOverpay: 'refuse' }),
    fleet: z
      .object({
        /** How often every device is asked for its status (state snapshot, alarms, availability). */
        healthPollMs: z.number().int().min(500).default(10_000),
        heartbeatMs: z.number().int().min(1000).default(30_000),
      })
      .strict()
      .default({ healthPollMs: 10_000, heartbeatMs: 30_000 }),
    screen: z
      .object({ columns: z.number().int().min(40).default(66), rows: z.number().int().min(15).default(19) })
      .strict()
      .default({ columns: 66, rows: 19 }),
    /** Only `zizhu demo` sets this: Unix sockets of the simulators, for the patient keys. */
    demo: z
      .object({ card: z.string(), pos: z.string(), printer: z.string(), idcard: z.string().optional(), cash: z.string().optional(), scanner: z.string().optional(), patientCardNo: z.string(), patientInsuranceCode: z.string().optional() })
      .strict()
      .optional(),
  })
  .strict();

export type KioskConfig = z.infer<typeof kioskConfigSchema>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export function loadConfig(file: string): KioskConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ConfigError(`${file}: ${(e as Error).message}`);
  }
  const parsed = kioskConfigSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ConfigError(`${file}: ${issue.path.join('.') || '(root)'}: ${issue.message}`);
  }
  return parsed.data;
}

/**
 * The config as the kiosk lives it: every timeout and fleet interval at the time scale
 * (contract/time-scale.ts). Applied once where the kiosk loads its config, so every consumer
 * sees real milliseconds; the file and the schema's defaults stay in production time.
 */
export function atTimeScale(config: KioskConfig, scale = timeScale()): KioskConfig {
  const at = <T extends Record<string, number>>(durations: T): T => Object.fromEntries(Object.entries(durations).map(([k, ms]) => [k, scaled(ms, scale)])) as T;
  return { ...config, timeouts: at(config.timeouts), fleet: at(config.fleet) };
}

export function exampleConfig(): KioskConfig {
  return kioskConfigSchema.parse({
    kioskId: 'KIOSK-0001',
    site: { hospital: '示例市第一人民医院', location: '门诊楼一层自助服务区' },
    broker: { url: 'mqtt://127.0.0.1:1883' },
    journal: '/var/lib/zizhu/journal.sqlite',
    devices: {
      card: { port: '/dev/ttyS0', baudRate: 9600, model: 'CRT-591-M' },
      pos: { port: '/dev/ttyS1', baudRate: 9600 },
      printer: { port: '/dev/ttyS2', baudRate: 115200 },
      idcard: { port: '/dev/ttyUSB0', baudRate: 115200 },
      cash: { port: '/dev/ttyS3', baudRate: 9600, model: 'ITL-SSP' },
      scanner: { port: '/dev/ttyACM0', baudRate: 9600 },
      report: { printer: 'ipp://127.0.0.1:631/printers/report' },
    },
  });
}
