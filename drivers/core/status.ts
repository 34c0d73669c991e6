/** One status vocabulary across devices (after XFS4IoT), DESIGN.md §3. */
export type DeviceState = 'online' | 'offline' | 'hardwareError' | 'userError' | 'fraudAttempt' | 'noDevice' | 'busy';
export type PaperLevel = 'ok' | 'low' | 'out';
export type StackerLevel = 'full' | 'low' | 'empty';
export type BinLevel = 'ok' | 'full';
export type CardPosition = 'none' | 'gate' | 'reader';
export type CashboxLevel = 'ok' | 'nearlyFull' | 'full' | 'removed';

export interface DeviceStatus {
  status: DeviceState;
  [detail: string]: unknown;
}
