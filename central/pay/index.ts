/** QR channels: the port the bridge calls, WeChat Pay and Alipay adapters, their simulators, and the QR payment saga. */
export * from './port.ts';
export { WechatPayClient, type WechatPayConfig } from './wechat-client.ts';
export { AlipayClient, type AlipayConfig } from './alipay-client.ts';
export { payByQr, resumeQrPayment, type QrJournal, type QrPaymentOptions, type QrPaymentOutcome, type QrStep } from './qr-payment.ts';
export { startPaySimulator, scenarioPrefixes, type PaySimulatorOptions, type RunningPaySimulator } from './pay-sim.ts';
export type { AlipayCredentials, WechatCredentials } from './credentials.ts';
export type { CodeBehaviour, PaySimLedger, SimCall, SimRefund, SimTotals, SimTrade } from './sim-ledger.ts';
export type { SimFault } from './sim-server.ts';
