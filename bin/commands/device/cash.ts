import { BillAcceptor, type CashEvent } from '../../../drivers/cash/index.ts';
import type { DeviceErrorCode } from '../../../drivers/core/device-error.ts';
import { exitCodes, UsageError } from '../../exit.ts';
import type { DeviceKind } from './action.ts';

/** Staff fix these on site without a repair (empty or refit the box, deal with the person). */
const userSideFaults = new Set<DeviceErrorCode>(['CASHBOX_FULL', 'CASHBOX_REMOVED', 'FRAUD_ATTEMPT']);

export const cash: DeviceKind = {
  status: {
    usage: '--port PATH',
    summary: 'serial number, firmware, currency, channel values (fen) and cash box',
    run: async ({ port, signal }) => {
      const unit = await BillAcceptor.open(port);
      try {
        // A unit that just came up tells on its first poll where a note left in it went.
        const events: CashEvent[] = [];
        unit.onEvent((e) => {
          if (e.type !== 'disabled') events.push(e);
        });
        const { serialNumber, firmware, currency, channels } = await unit.connect(signal);
        const status = await unit.status(signal);
        return { result: { ...status, serialNumber, firmware, currency, channels, ...(events.length ? { events } : {}) } };
      } finally {
        await unit.close();
      }
    },
  },
  accept: {
    usage: '--port PATH --max FEN',
    summary: 'take notes until they reach --max fen or --timeout passes; a note that would pass --max goes back',
    options: { max: { type: 'string' } },
    waits: true,
    defaultTimeoutS: 60,
    run: async ({ port, signal, values }) => {
      const maxFen = Number(values.max);
      if (typeof values.max !== 'string' || !Number.isInteger(maxFen) || maxFen <= 0) {
        throw new UsageError(`--max FEN must be a positive whole number of fen, CNY 100 = 10000 (got ${String(values.max ?? 'nothing')})`);
      }
      const unit = await BillAcceptor.open(port);
      try {
        await unit.connect(signal);
        const taken = await unit.acceptNotes({ maxFen, signal });
        const result = {
          acceptedFen: taken.acceptedFen,
          notes: taken.notes,
          ended: taken.ended,
          ...(taken.inDoubt.length ? { inDoubt: taken.inDoubt } : {}),
        };
        const { fault } = taken;
        if (!fault) return { result };
        return {
          result: { ...result, ...unit.currentStatus(), error: fault.code, message: fault.message },
          exitCode: userSideFaults.has(fault.code) ? exitCodes.userSide : exitCodes.device,
          reason: `${fault.code}: ${fault.message} (${taken.acceptedFen} fen taken)`,
        };
      } finally {
        await unit.close();
      }
    },
  },
};
