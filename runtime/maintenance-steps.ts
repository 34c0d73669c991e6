import { formatYuan } from '../contract/money.ts';
import type { CashboxCount, StaffAction, StaffNote } from '../machines/maintenance.ts';
import { alarmCondition } from './alarms.ts';
import type { KioskConfig } from './config.ts';
import type { FleetAgent } from './fleet.ts';
import type { DeviceHealth } from './health.ts';
import type { Journal, JournalEntry } from './journal/journal.ts';
import type { PaymentSteps } from './payment-steps.ts';
import { clearingSlip } from './receipts.ts';
import { verifyPin } from './staff.ts';

export interface MaintenanceDeps {
  config: KioskConfig;
  journal: Journal;
  health: DeviceHealth;
  fleet: FleetAgent;
  steps: PaymentSteps;
  afterRecord: () => void;
}

/**
 * What staff do in maintenance mode (issue 5 §14). Every action is a journal fact (and so an
 * outbox fact central sees): logins, service on and off, paper and cards refilled, the capture
 * bin emptied, reprints, self-tests, and cash-box clearings with their counts.
 */
export class MaintenanceSteps {
  private outOfService = false;

  constructor(private readonly d: MaintenanceDeps) {}

  private record(entry: JournalEntry): void {
    this.d.journal.record(entry);
    this.d.afterRecord();
  }

  staffIdOf(cardNo: string): string | undefined {
    return this.d.config.staff.find((s) => s.cardNo === cardNo)?.staffId;
  }

  /** The PIN is checked here and forgotten: only the outcome reaches the journal. */
  login(staffId: string, pin: string, tries: number): { ok: boolean } {
    const staff = this.d.config.staff.find((s) => s.staffId === staffId);
    const ok = staff !== undefined && verifyPin(pin, staff.pin);
    this.record({ type: ok ? 'staff.login' : 'staff.login.failed', data: { staffId, tries } });
    if (!ok && tries >= 3) this.d.fleet.raise(alarmCondition('staff.pinFailed', undefined, { staffId }));
    return { ok };
  }

  async perform(staffId: string, action: StaffAction): Promise<StaffNote[]> {
    switch (action) {
      case 'service':
        this.outOfService = !this.outOfService;
        this.d.fleet.setMaintenance(this.outOfService);
        this.record({ type: 'staff.service', data: { staffId, inService: !this.outOfService } });
        return [{ note: this.outOfService ? 'outOfService' : 'inService' }];
      case 'paper':
        this.record({ type: 'staff.paper.refilled', data: { staffId } });
        return [{ note: 'printer', params: { status: await this.statusOf('printer', 'paper') } }];
      case 'cards':
        this.record({ type: 'staff.cards.refilled', data: { staffId } });
        return [{ note: 'stacker', params: { status: await this.statusOf('card', 'stacker') } }];
      case 'bin':
        this.record({ type: 'staff.bin.emptied', data: { staffId } });
        // The new patients' cards kept in the bin are in staff's hands now.
        for (const alarm of this.d.fleet.activeAlarms().filter((a) => a.code === 'card.kept')) this.d.fleet.clear(alarm.alarmId);
        return [{ note: 'bin', params: { status: await this.statusOf('card', 'bin') } }];
      case 'reprint': {
        const last = this.d.journal.lastSettled();
        if (!last) return [{ note: 'noReceipt' }];
        const printed = await this.d.steps.reprintReceipt(last.txnId, staffId);
        return [printed ? { note: 'reprinted', params: { txnId: last.txnId } } : { note: 'reprintFailed' }];
      }
      case 'selftest': {
        await this.d.health.poll();
        const devices = this.d.health.snapshot();
        this.record({ type: 'staff.selftest', data: { staffId, devices: Object.fromEntries(Object.entries(devices).map(([k, v]) => [k, v.status])) } });
        // Device names and statuses are the status vocabulary (DESIGN.md §3) staff read in both languages.
        return [{ note: 'selftest', params: { devices: Object.entries(devices).map(([name, s]) => `${name} ${s.status}`).join(', ') } }];
      }
      case 'cashbox':
        throw new Error('the cash box is cleared through its own screens');
    }
  }

  private async statusOf(device: string, field: string): Promise<string> {
    await this.d.health.poll();
    const s = this.d.health.snapshot()[device];
    return s ? `${s.status}${s[field] === undefined ? '' : `, ${field} ${String(s[field])}`}` : 'not fitted';
  }

  countCashbox(): CashboxCount {
    const units = this.d.journal.cashUnits();
    return { units, totalFen: units.reduce((sum, u) => sum + u.denomination * u.count, 0) };
  }

  /**
   * The box was emptied: the counters start again, a clearing slip records the journal's count
   * beside the staff member's word on it, and a count that differs raises an alarm for finance.
   */
  async clearCashbox(staffId: string, count: CashboxCount, matches: boolean): Promise<StaffNote[]> {
    this.record({ type: 'cashbox.cleared', cashboxCleared: true, data: { staffId, units: count.units, totalFen: count.totalFen, matches } });
    if (!matches) this.d.fleet.raise(alarmCondition('cash.countMismatch', 'cash', { staffId, journalFen: count.totalFen }));
    const printed = await this.d.steps.print(clearingSlip({ hospital: this.d.config.site.hospital, kioskId: this.d.config.kioskId }, staffId, count, matches));
    return [
      { note: 'cashboxCleared', params: { amount: formatYuan(count.totalFen) } },
      ...(matches ? [] : [{ note: 'countDiffers' as const }]),
      ...(printed ? [] : [{ note: 'slipNotPrinted' as const }]),
    ];
  }
}
