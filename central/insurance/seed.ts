import { patients } from '../his/seed.ts';

/**
 * The insured people of the simulated platform: the simulated hospital's fictional patients, so
 * the e-voucher a kiosk scans (the HIS fixture's `insuranceCode`) and the ID card it reads find
 * the same person in both. Each has a plan chosen to exercise one case: a rich personal account,
 * a thin one, a resident with none, an annual fund limit nearly used up, insurance elsewhere in
 * the province. P0008 is not insured, so 1101 refuses them.
 */

export interface InsuredPlan {
  /** 310 employees' basic medical insurance, 390 urban and rural residents'. */
  insutype: '310' | '390';
  /** 11 employee in service, 12 retired, 15 resident (simplified from the platform's list). */
  psnType: '11' | '12' | '15';
  insuplcAdmdvs: string;
  /** The fund's share of the in-scope amount, in basis points. */
  ratioBp: number;
  /** What the fund may still pay this year. */
  fundRemainingFen: number;
  acctBalanceFen: number;
}

const plans: Record<string, InsuredPlan> = {
  P0001: { insutype: '310', psnType: '11', insuplcAdmdvs: '330100', ratioBp: 7000, fundRemainingFen: 5_000_000, acctBalanceFen: 123_456 },
  P0002: { insutype: '310', psnType: '11', insuplcAdmdvs: '330100', ratioBp: 7000, fundRemainingFen: 5_000_000, acctBalanceFen: 2_050 },
  P0003: { insutype: '390', psnType: '15', insuplcAdmdvs: '330100', ratioBp: 5000, fundRemainingFen: 3_000_000, acctBalanceFen: 0 },
  P0004: { insutype: '310', psnType: '11', insuplcAdmdvs: '330100', ratioBp: 7000, fundRemainingFen: 5_000_000, acctBalanceFen: 88_000 },
  P0005: { insutype: '390', psnType: '15', insuplcAdmdvs: '330100', ratioBp: 5500, fundRemainingFen: 3_000_000, acctBalanceFen: 0 },
  P0006: { insutype: '310', psnType: '12', insuplcAdmdvs: '330200', ratioBp: 8500, fundRemainingFen: 5_000_000, acctBalanceFen: 356_789 },
  P0007: { insutype: '310', psnType: '11', insuplcAdmdvs: '330100', ratioBp: 7000, fundRemainingFen: 1_000, acctBalanceFen: 50_000 },
};

export interface InsuredPerson extends InsuredPlan {
  psnNo: string;
  name: string;
  /** 1 male, 2 female (GB/T 2261.1). */
  gend: '1' | '2';
  /** YYYY-MM-DD */
  brdy: string;
  certno: string;
  ecToken: string;
  socialSecurityCardNo: string;
}

export const insuredPersons: InsuredPerson[] = patients.flatMap((p, n) => {
  const plan = plans[p.patientId];
  if (!plan) return [];
  return [
    {
      ...plan,
      psnNo: `33010000000000${String(n + 1).padStart(6, '0')}`,
      name: p.name,
      gend: p.sex === 'male' ? '1' : '2',
      // GB 11643: digits 7 to 14 of the ID number are the date of birth.
      brdy: `${p.idNumber.slice(6, 10)}-${p.idNumber.slice(10, 12)}-${p.idNumber.slice(12, 14)}`,
      certno: p.idNumber,
      ecToken: p.insuranceCode,
      socialSecurityCardNo: `A${String(33_010_000 + n + 1)}`,
    },
  ];
});
