import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { nonce } from './wechat-wire.ts';

/**
 * The keys a simulated channel and its merchant share, made once per data folder and kept in
 * `credentials.json` there, so a simulator restarted on the same folder still verifies the
 * bridge's signatures. A real merchant gets these from the channel's merchant platform.
 */

export interface WechatCredentials {
  appid: string;
  mchId: string;
  /** The v2 API key (32 characters) both sides sign with. */
  apiKey: string;
}

export interface AlipayCredentials {
  appId: string;
  /** The merchant's application key pair: the merchant signs requests, Alipay verifies them. */
  appPrivateKey: string;
  appPublicKey: string;
  /** Alipay's key pair: Alipay signs answers, the merchant verifies them. */
  alipayPrivateKey: string;
  alipayPublicKey: string;
}

export function credentialsFile(dataDir: string): string {
  return path.join(dataDir, 'credentials.json');
}

function loadOrCreate<T>(dataDir: string, create: () => T): T {
  const file = credentialsFile(dataDir);
  fs.mkdirSync(dataDir, { recursive: true });
  if (fs.existsSync(file)) return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  try {
    // wx: fails if another process made it first; then its keys are the ones to use.
    fs.writeFileSync(file, JSON.stringify(create(), null, 2), { flag: 'wx', mode: 0o600 });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
}

export function wechatCredentials(dataDir: string): WechatCredentials {
  return loadOrCreate(dataDir, () => ({
    appid: `wx${crypto.randomBytes(8).toString('hex')}`,
    mchId: String(1_900_000_000 + crypto.randomInt(99_999_999)),
    apiKey: nonce(32),
  }));
}

export function alipayCredentials(dataDir: string): AlipayCredentials {
  return loadOrCreate(dataDir, () => {
    const pair = () => crypto.generateKeyPairSync('rsa', { modulusLength: 2048, publicKeyEncoding: { type: 'spki', format: 'pem' }, privateKeyEncoding: { type: 'pkcs8', format: 'pem' } });
    const app = pair();
    const alipay = pair();
    return {
      appId: `2021${String(crypto.randomInt(1e9)).padStart(12, '0')}`,
      appPrivateKey: app.privateKey,
      appPublicKey: app.publicKey,
      alipayPrivateKey: alipay.privateKey,
      alipayPublicKey: alipay.publicKey,
    };
  });
}
