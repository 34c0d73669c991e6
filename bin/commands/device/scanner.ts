import { isDeviceError } from '../../../drivers/core/device-error.ts';
import { QrScanner, maskCode } from '../../../drivers/scanner/index.ts';
import { exitCodes } from '../../exit.ts';
import type { DeviceKind } from './action.ts';

export const scanner: DeviceKind = {
  read: {
    usage: '--port PATH [--reveal]',
    summary: 'wait for one scan and print it with its kind (payment codes masked unless --reveal)',
    options: { reveal: { type: 'boolean', default: false } },
    waits: true,
    defaultTimeoutS: 30,
    run: async ({ port, signal, timeoutMs, values }) => {
      const unit = await QrScanner.open(port);
      try {
        const { code, kind } = await unit.read({ signal, timeoutMs });
        // A payment code is a bearer credential: on a screen or in a terminal log it could pay.
        return { result: { code: values.reveal ? code : maskCode(code), kind } };
      } catch (e) {
        // The scanner is silent until someone scans, so silence is not a device fault.
        if (isDeviceError(e, 'TIMEOUT') || (isDeviceError(e, 'ABORTED') && signal.aborted)) {
          return { result: { scanned: false }, exitCode: exitCodes.userSide, reason: `nothing scanned within ${timeoutMs / 1000} s` };
        }
        throw e;
      } finally {
        await unit.close();
      }
    },
  },
};
