import type { ParseArgsConfig } from 'node:util';
import { isDeviceError, type DeviceErrorCode } from '../../../drivers/core/device-error.ts';
import { exitCodes } from '../../exit.ts';

/**
 * One technician action, `zizhu device <kind> <action> ...`. The action returns the JSON object
 * it wants printed and the exit code; the runner prints it as JSON (`--json`) or as a table.
 */
export interface DeviceAction {
  /** e.g. "--port PATH --amount FEN" (the runner adds `--json` and, where waiting, `--timeout`). */
  usage: string;
  summary: string;
  /** Extra options beyond --port, --json and --timeout. */
  options?: ParseArgsConfig['options'];
  /** Whether `--timeout SECONDS` applies (the action waits for a person or the device). */
  waits?: boolean;
  /** Seconds to wait when --timeout is not given. */
  defaultTimeoutS?: number;
  run(ctx: DeviceActionContext): Promise<ActionResult>;
}

export interface DeviceActionContext {
  /** --port, already checked present unless the action's usage does without it. */
  port: string;
  values: Record<string, string | boolean | undefined>;
  /** Fires when --timeout passes; actions pass it to every driver call. */
  signal: AbortSignal;
  timeoutMs: number;
}

export interface ActionResult {
  result: Record<string, unknown>;
  /** 0 unless the outcome is a user-side condition (3) or a device fault (4). */
  exitCode?: number;
  /** The one-line reason printed on stderr when exitCode is not 0. */
  reason?: string;
}

export type DeviceKind = Record<string, DeviceAction>;

/**
 * Conditions a person on site fixes without a repair (load paper, put a card in, ask the patient
 * again) exit 3; everything that means the device or the line is at fault exits 4.
 */
const userSideCodes = new Set<DeviceErrorCode>([
  'NO_CARD',
  'PAPER_OUT',
  'COVER_OPEN',
  'STACKER_EMPTY',
  'BIN_FULL',
  'CASHBOX_FULL',
  'CASHBOX_REMOVED',
  'FRAUD_ATTEMPT',
  'DECLINED',
  'CANCELLED',
]);

/**
 * ABORTED is not among them: an action that waits for a person handles its own "nothing came
 * before --timeout" (exit 3); anywhere else the budget running out means the device hung.
 */
/** Turns a driver's DeviceError into the action's printed result; anything else is a bug and rethrown. */
export function fromDeviceError(e: unknown): ActionResult {
  if (!isDeviceError(e)) throw e;
  return {
    result: { status: userSideCodes.has(e.code) ? 'userError' : 'hardwareError', error: e.code, message: e.message, ...e.detail },
    exitCode: userSideCodes.has(e.code) ? exitCodes.userSide : exitCodes.device,
    reason: `${e.code}: ${e.message}`,
  };
}
