import { maskAddress, maskIdNumber, maskName } from '../../../contract/mask.ts';
import { IdCardReader, type IdCardIdentity } from '../../../drivers/idcard/index.ts';
import { exitCodes } from '../../exit.ts';
import type { DeviceKind } from './action.ts';

/**
 * What a read needs once a card is found (select, then about a second of base info on a real
 * module): the wait for a card ends this much before --timeout, so a card placed late is still read
 * rather than cut off mid-read, and an empty field ends as "no card", not as an abort.
 */
const READ_RESERVE_MS = 4_000;

function masked(identity: IdCardIdentity): IdCardIdentity {
  return { ...identity, name: maskName(identity.name), address: maskAddress(identity.address), idNumber: maskIdNumber(identity.idNumber) };
}

export const idcard: DeviceKind = {
  read: {
    usage: '--port PATH [--reveal]',
    summary: 'wait for an ID card in the field and print its holder (name, address and ID number masked unless --reveal)',
    options: { reveal: { type: 'boolean', default: false } },
    waits: true,
    defaultTimeoutS: 30,
    run: async ({ port, signal, timeoutMs, values }) => {
      const reader = await IdCardReader.open(port);
      try {
        const waitMs = timeoutMs - Math.min(READ_RESERVE_MS, timeoutMs / 2);
        const identity = await reader.read({ signal, timeoutMs: waitMs });
        return { result: { ...(values.reveal ? identity : masked(identity)) } };
      } finally {
        await reader.close();
      }
    },
  },
  status: {
    usage: '--port PATH',
    summary: 'reset the SAM module, then its status and SAM id',
    run: async ({ port, signal }) => {
      const reader = await IdCardReader.open(port);
      try {
        await reader.reset(signal);
        const status = await reader.samStatus(signal);
        if (status.status === 'online') return { result: { ...status } };
        return { result: { ...status }, exitCode: exitCodes.device, reason: `SAM module reports ${status.samError} (SW3 ${status.sw3})` };
      } finally {
        await reader.close();
      }
    },
  },
};
