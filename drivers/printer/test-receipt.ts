import type { ReceiptDocument } from './encoder.ts';

/** The line a technician looks for to see that rare name characters print (DESIGN.md §3: 喆, 堃). */
export const RARE_CHARACTER_LINE = '生僻字 Rare: 喆 堃 𪚥';

/**
 * The technician's test page: both languages, every size and alignment the receipts use, a QR
 * code, the rare characters GB2312 cannot print, then the cut. What a person checks by eye is
 * what a test checks in the simulator's parsed receipt.
 */
export function printerTestReceipt(now: Date = new Date()): ReceiptDocument {
  const stamp = now.toISOString().replace('T', ' ').slice(0, 19) + 'Z';
  return [
    { text: '打印测试', align: 'center', bold: true, size: 2 },
    { text: 'PRINTER TEST', align: 'center', bold: true },
    { rule: '=' },
    { text: '左对齐 Left', align: 'left' },
    { text: '居中 Centre', align: 'center' },
    { text: '右对齐 Right', align: 'right' },
    { text: '倍宽 Wide', size: [2, 1] },
    { text: '倍高 Tall', size: [1, 2] },
    { text: '加粗 Bold', bold: true },
    { row: ['金额 Amount', '¥12.34'], fill: '.' },
    { text: RARE_CHARACTER_LINE },
    { rule: '-' },
    { text: '扫码测试 Scan test', align: 'center' },
    { qr: `ZIZHU PRINTER TEST ${stamp}`, moduleSize: 6 },
    { text: stamp, align: 'center' },
  ];
}
