import { ulid } from 'ulid';
import { fromPromise } from 'xstate';
import { maskCardNo } from '../../contract/mask.ts';
import type { CreatePatientResult, IdentifyResult, RpcResponse, TxnQueryResult } from '../../contract/rpc.ts';
import { scaled } from '../../contract/time-scale.ts';
import { isDeviceError } from '../../drivers/core/device-error.ts';
import type { ReceiptDocument } from '../../drivers/printer/encoder.ts';
import { cardIssueMachine, type CreateOutcome, type Identity } from '../../machines/cardIssue.ts';
import { alarmCondition } from '../alarms.ts';
import type { FlowDeps } from '../flows.ts';
import { RpcNoAnswer } from '../link.ts';
import type { SessionDeps } from '../session-host.ts';

/**
 * The kiosk's half of 建档发卡 (machines/cardIssue.ts). The person's data goes to central's
 * `patient.create` and nowhere else: the journal, the alarm and the slips hold the masked name,
 * the patient number and the card's last 4 digits (DESIGN.md §1). Every move of the new card is
 * journaled under the transaction that issues it (runtime/card-moves.ts).
 */
export function cardIssueOffered(d: SessionDeps): boolean {
  return d.idCard !== undefined && d.card !== undefined;
}

/** A pause of `ms` production time, at the time scale. */
const sleep = (ms: number) => new Promise((r) => setTimeout(r, scaled(ms)));

async function readIdentity(d: FlowDeps, signal: AbortSignal): Promise<Identity> {
  if (!d.idCard) throw new Error('this kiosk has no ID card reader');
  const { name, sex, birthDate, idNumber, nation, address } = await d.idCard.waitForCard({ signal });
  return { name, sex, birthDate, idNumber, nation, address };
}

/** The card's transaction id comes first, so the dispense is journaled under it before the unit moves. */
async function dispense(d: FlowDeps): Promise<{ txnId: string; cardNo: string }> {
  // No card leaves the stacker for a record central cannot be asked to make.
  if (!d.link.centralOnline) throw new Error('central is not reachable');
  const txnId = ulid();
  try {
    return { txnId, cardNo: await d.cardMoves.dispense(txnId) };
  } catch (e) {
    await captureIfInside(d, txnId);
    throw new Error(dispenseProblem(e));
  }
}

function dispenseProblem(e: unknown): string {
  if (isDeviceError(e, 'STACKER_EMPTY')) return 'no cards left in the card dispenser';
  if (isDeviceError(e, 'JAM')) return 'the card dispenser is jammed';
  return e instanceof Error ? e.message : String(e);
}

/** A card at the reader or the gate goes to the bin; a jammed unit may refuse even that, and staff clear it. */
async function captureIfInside(d: FlowDeps, txnId: string): Promise<void> {
  try {
    if ((await d.card.status()).cardAt !== 'none') await d.cardMoves.capture(txnId);
  } catch (e) {
    d.log('card left in the dispenser', { txnId, code: isDeviceError(e) ? e.code : 'UNKNOWN' });
  }
}

/**
 * `patient.create` without a fee, asked until central answers for sure (a lost answer is asked
 * again under the same txnId, which central answers as it did the first time). A refusal for a
 * card fee names the fee when central passes the HIS's `expectedFen` on.
 */
async function createRecord(d: FlowDeps, input: { txnId: string; person: Identity; phone: string; cardNo: string }): Promise<CreateOutcome> {
  const { txnId, cardNo } = input;
  const args = { ...input.person, phone: input.phone, cardNo };
  const until = Date.now() + d.config.timeouts.settleDeadlineMs;
  while (Date.now() < until) {
    let r: RpcResponse<CreatePatientResult>;
    try {
      r = await d.link.rpc<CreatePatientResult>({ op: 'patient.create', txnId, args, timeoutMs: d.config.timeouts.rpcMs });
    } catch (e) {
      if (!(e instanceof RpcNoAnswer)) throw e;
      await sleep(1000);
      continue;
    }
    if (r.status === 'OK' && r.data) return { state: 'created', patientId: r.data.patientId, hisReceiptNo: r.data.hisReceiptNo };
    if (r.status === 'FAILED') {
      const feeFen = (r.data as { expectedFen?: unknown } | undefined)?.expectedFen;
      if (r.code === 'AMOUNT_MISMATCH' && typeof feeFen === 'number' && Number.isSafeInteger(feeFen) && feeFen > 0) return { state: 'feeDue', feeFen };
      return { state: 'refused', reason: r.message ?? r.code ?? 'FAILED' };
    }
    if (r.status === 'PENDING') break;
    await sleep(1000);
  }
  return createdOrNot(d, txnId, cardNo);
}

/**
 * Central could not answer in time: its record of the transaction decides. One it never saw is
 * recorded ABANDONED by the question itself, so a late request cannot create the record after all.
 */
async function createdOrNot(d: FlowDeps, txnId: string, cardNo: string): Promise<CreateOutcome> {
  const unknown: CreateOutcome = { state: 'unknown', reason: 'central could not confirm the record in time' };
  let q: RpcResponse<TxnQueryResult>;
  try {
    q = await d.link.rpc<TxnQueryResult>({ op: 'txn.query', args: { txnId }, timeoutMs: d.config.timeouts.rpcMs });
  } catch (e) {
    if (e instanceof RpcNoAnswer) return unknown;
    throw e;
  }
  if (q.status !== 'OK' || !q.data) return unknown;
  if (q.data.state === 'ABANDONED') return { state: 'refused', reason: 'central did not create the record' };
  if (q.data.state !== 'SETTLED') return unknown;
  try {
    return { state: 'created', patientId: (await lookUp(d, cardNo)).patientId, hisReceiptNo: q.data.hisReceiptNo };
  } catch {
    return unknown;
  }
}

function lookUp(d: FlowDeps, cardNo: string): Promise<IdentifyResult> {
  return d.ask<IdentifyResult>('patient.identify', { credType: 'patientCard', credNo: cardNo });
}

/**
 * The card fee's transaction, opened with the receipt's title and line. The plan names the op
 * only: the person's data is never journaled, so recovery at boot cannot send it again, and
 * central's record decides (a transaction it never saw is ABANDONED, and the fee goes back).
 */
function openFee(d: FlowDeps, input: { feeFen: number; cardNo: string; nameMasked: string }): { txnId: string } {
  const txnId = d.steps.open({
    open: 'patient.create',
    nameMasked: input.nameMasked,
    title: '建档发卡凭条',
    bills: [{ billNo: maskCardNo(input.cardNo), department: '就诊卡工本费', amountFen: input.feeFen }],
    totalFen: input.feeFen,
  });
  d.steps.plan(txnId, { op: 'patient.create', args: {} }, input.feeFen);
  return { txnId };
}

async function waitTaken(d: FlowDeps, txnId: string, signal: AbortSignal): Promise<void> {
  for (;;) {
    if (await d.card.waitForTaken({ timeoutMs: 60_000, pollMs: 250, signal })) return d.cardMoves.taken(txnId);
  }
}

/**
 * The record exists, or may, and its card did not reach the patient: into the bin, an alarm that
 * names the transaction (staff hand the card over at a counter), and a slip saying so. A fee paid
 * is not given back here: it paid for the record and this card, and both exist. Undoing the
 * record is the HIS's own business at the counter (补卡/作废, reference/his-bank-insurance.md),
 * and a reversal here alone would leave the HIS holding a paid fee with no money behind it.
 */
async function keepCard(d: FlowDeps, input: { txnId: string; nameMasked: string; cardNo: string; patientId?: string; reason: string }): Promise<void> {
  const { txnId } = input;
  await captureIfInside(d, txnId);
  const detail = { reason: input.reason, txnId, cardNo: maskCardNo(input.cardNo), ...(input.patientId ? { patientId: input.patientId } : {}) };
  d.fleet.raise({ ...alarmCondition('card.kept', 'card', detail), alarmId: `card.kept:${txnId}` });
  await d.steps.print(counterSlip(site(d, txnId, input.nameMasked), input.cardNo, input.patientId));
}

export function provideCardIssue(d: FlowDeps) {
  return cardIssueMachine.provide({
    actors: {
      readIdCard: fromPromise(({ signal }) => readIdentity(d, signal)),
      dispenseCard: fromPromise(() => dispense(d)),
      createRecord: fromPromise(({ input }) => createRecord(d, input)),
      openFee: fromPromise(async ({ input }) => openFee(d, input)),
      payment: d.payment,
      lookUpPatient: fromPromise(({ input }) => lookUp(d, input.cardNo)),
      presentCard: fromPromise(({ input }) => d.cardMoves.eject(input.txnId)),
      waitCardTaken: fromPromise(({ input, signal }) => waitTaken(d, input.txnId, signal)),
      printSlip: fromPromise(async ({ input }) => {
        await d.steps.print(issuedSlip(site(d, input.txnId, input.nameMasked), input));
      }),
      keepCard: fromPromise(({ input }) => keepCard(d, input)),
      releaseCard: fromPromise(({ input }) => captureIfInside(d, input.txnId)),
    },
  });
}

interface SlipSite {
  hospital: string;
  kioskId: string;
  txnId: string;
  nameMasked: string;
}

function site(d: FlowDeps, txnId: string, nameMasked: string): SlipSite {
  return { hospital: d.config.site.hospital, kioskId: d.config.kioskId, txnId, nameMasked };
}

const time = (at: Date) => at.toLocaleString('zh-CN', { timeZone: 'Asia/Shanghai', hour12: false });

function slipHeader(s: SlipSite, title: string): ReceiptDocument {
  return [
    { text: s.hospital, align: 'center', bold: true, size: 2 },
    { text: title, align: 'center', bold: true },
    { rule: '-' },
    { row: ['患者', s.nameMasked] },
    { row: ['时间', time(new Date())] },
    { row: ['终端', s.kioskId] },
    { rule: '-' },
  ];
}

/** The card went out: the patient number the hospital knows them by, and the card's last 4 digits. */
function issuedSlip(s: SlipSite, issued: { patientId: string; cardNo: string; hisReceiptNo?: string }): ReceiptDocument {
  return [
    ...slipHeader(s, '建档发卡凭条'),
    { row: ['病人ID', issued.patientId], bold: true },
    { row: ['就诊卡号', maskCardNo(issued.cardNo)] },
    ...(issued.hisReceiptNo ? [{ row: ['HIS收据号', issued.hisReceiptNo] as [string, string] }] : []),
    { row: ['交易号', s.txnId] },
    { rule: '-' },
    { text: '请妥善保管就诊卡, 就诊时请携带' },
  ];
}

/** The card is in the kiosk's bin: with a patient number the record exists; without, central could not say. */
function counterSlip(s: SlipSite, cardNo: string, patientId: string | undefined): ReceiptDocument {
  return [
    ...slipHeader(s, patientId ? '建档完成 就诊卡未发出' : '建档结果待确认'),
    ...(patientId
      ? [{ text: '您的档案已建立, 就诊卡未能发出.' }, { text: '请凭此单到人工窗口领取就诊卡.' }, { row: ['病人ID', patientId] as [string, string], bold: true }]
      : [{ text: '医院系统暂未确认建档结果.' }, { text: '请凭此单到人工窗口核实并领取就诊卡.' }]),
    { row: ['就诊卡号', maskCardNo(cardNo)] },
    { row: ['交易号', s.txnId] },
    { qr: s.txnId },
    { text: '如有疑问请联系人工窗口', align: 'center' },
  ];
}
