import { CardDispenser } from '../../../drivers/card/index.ts';
import { maskCardNo } from '../../../contract/mask.ts';
import { isDeviceError } from '../../../drivers/core/device-error.ts';
import { exitCodes } from '../../exit.ts';
import type { DeviceAction, DeviceActionContext, DeviceKind } from './action.ts';

/** Opens the dispenser, initialises it without moving a card, runs `step`, prints the status after. */
function cardAction(summary: string, step?: (unit: CardDispenser, signal: AbortSignal) => Promise<void>): DeviceAction {
  return {
    usage: '--port PATH',
    summary,
    run: async ({ port, signal }: DeviceActionContext) => {
      const unit = await CardDispenser.open(port);
      try {
        const { firmware } = await unit.initialize(signal);
        await step?.(unit, signal);
        return { result: { ...(await unit.status(signal)), firmware } };
      } finally {
        await unit.close();
      }
    },
  };
}

export const card: DeviceKind = {
  status: cardAction('card position, stacker and capture bin'),
  dispense: cardAction('issue a card from the stacker to the reader position', (unit, signal) => unit.dispense(signal)),
  eject: cardAction('present the card inside at the gate', (unit, signal) => unit.eject(signal)),
  capture: cardAction('retain the card inside in the capture bin', (unit, signal) => unit.capture(signal)),
  read: {
    usage: '--port PATH [--reveal] [--timeout S]',
    summary: 'read the patient number of the card at the reader, or of one inserted at the gate before --timeout (masked unless --reveal)',
    options: { reveal: { type: 'boolean', default: false } },
    waits: true,
    defaultTimeoutS: 30,
    run: async ({ port, signal, values }) => {
      const unit = await CardDispenser.open(port);
      try {
        await unit.initialize();
        await unit.enableEntry(true);
        try {
          await unit.waitForCard({ signal });
        } catch (e) {
          if (!isDeviceError(e, 'ABORTED')) throw e;
          return { result: await unit.status(), exitCode: exitCodes.userSide, reason: 'no card at the reader before the timeout' };
        } finally {
          await unit.enableEntry(false);
        }
        const cardNo = await unit.readCardNumber();
        return { result: { ...(await unit.status()), cardNo: values.reveal ? cardNo : maskCardNo(cardNo) } };
      } finally {
        await unit.close();
      }
    },
  },
};
