/**
 * The simulated hospital's price catalogue (物价公示): drugs and services with the 拼音码 a HIS
 * keeps beside each name (the first letter of each syllable, Latin letters as they are), its
 * 规格, unit, price and national medical-insurance class (甲 covered, 乙 partly, 丙 self-pay).
 * The codes are written here by hand, as HIS catalogues hold them, so no pinyin library decides
 * a polyphonic character: 散 in 分散片 is san, 参 in 丹参 is shen, 血 in 人血白蛋白 is xue.
 */

import type { InsuranceClass, PriceCategory } from '../../contract/rpc.ts';

export interface SeedPriceItem {
  itemCode: string;
  name: string;
  spec: string;
  unit: string;
  priceFen: number;
  category: PriceCategory;
  insuranceClass: InsuranceClass;
  initials: string;
}

const drug = (n: number, name: string, initials: string, spec: string, unit: string, priceFen: number, insuranceClass: InsuranceClass): SeedPriceItem =>
  ({ itemCode: `YP${String(n).padStart(5, '0')}`, name, spec, unit, priceFen, category: 'drug', insuranceClass, initials });
const service = (n: number, name: string, initials: string, unit: string, priceFen: number, insuranceClass: InsuranceClass): SeedPriceItem =>
  ({ itemCode: `XM${String(n).padStart(5, '0')}`, name, spec: '', unit, priceFen, category: 'service', insuranceClass, initials });

export const priceCatalogue: SeedPriceItem[] = [
  drug(1, '阿莫西林胶囊', 'AMXLJN', '0.25g×24粒', '盒', 1280, '甲'),
  drug(2, '阿莫西林克拉维酸钾片', 'AMXLKLWSJP', '0.375g×12片', '盒', 3260, '乙'),
  drug(3, '头孢克肟分散片', 'TBKWFSP', '50mg×6片', '盒', 2150, '乙'),
  drug(4, '头孢呋辛酯片', 'TBFXZP', '0.25g×12片', '盒', 3580, '乙'),
  drug(5, '阿奇霉素片', 'AQMSP', '0.25g×6片', '盒', 1890, '甲'),
  drug(6, '左氧氟沙星片', 'ZYFSXP', '0.5g×4片', '盒', 2460, '乙'),
  drug(7, '布洛芬缓释胶囊', 'BLFHSJN', '0.3g×20粒', '盒', 1850, '甲'),
  drug(8, '对乙酰氨基酚片', 'DYXAJFP', '0.5g×12片', '盒', 650, '甲'),
  drug(9, '复方甘草片', 'FFGCP', '100片', '瓶', 650, '甲'),
  drug(10, '氨溴索口服溶液', 'AXSKFRY', '100ml', '瓶', 2280, '乙'),
  drug(11, '小儿氨酚黄那敏颗粒', 'XEAFHNMKL', '6袋', '盒', 980, '乙'),
  drug(12, '蒙脱石散', 'MTSS', '3g×10袋', '盒', 1560, '甲'),
  drug(13, '奥美拉唑肠溶胶囊', 'AMLZCRJN', '20mg×14粒', '盒', 1420, '甲'),
  drug(14, '铝碳酸镁咀嚼片', 'LTSMJJP', '0.5g×20片', '盒', 2360, '乙'),
  drug(15, '硝苯地平控释片', 'XBDPKSP', '30mg×7片', '盒', 3350, '甲'),
  drug(16, '苯磺酸氨氯地平片', 'BHSALDPP', '5mg×7片', '盒', 1680, '甲'),
  drug(17, '缬沙坦胶囊', 'XSTJN', '80mg×7粒', '盒', 2890, '乙'),
  drug(18, '二甲双胍片', 'EJSGP', '0.5g×48片', '盒', 1150, '甲'),
  drug(19, '阿卡波糖片', 'AKBTP', '50mg×30片', '盒', 4560, '乙'),
  drug(20, '阿托伐他汀钙片', 'ATFTTGP', '20mg×7片', '盒', 3980, '乙'),
  drug(21, '阿司匹林肠溶片', 'ASPLCRP', '100mg×30片', '盒', 1590, '甲'),
  drug(22, '氯雷他定片', 'LLTDP', '10mg×6片', '盒', 1860, '乙'),
  drug(23, '西替利嗪片', 'XTLQP', '10mg×12片', '盒', 2240, '乙'),
  drug(24, '莫匹罗星软膏', 'MPLXRG', '2%:5g', '支', 2150, '乙'),
  drug(25, '玻璃酸钠滴眼液', 'BLSNDYY', '0.1% 5ml', '支', 2350, '乙'),
  drug(26, '左氧氟沙星滴眼液', 'ZYFSXDYY', '5ml:15mg', '支', 1680, '乙'),
  drug(27, '维生素C片', 'WSSCP', '0.1g×100片', '瓶', 350, '甲'),
  drug(28, '甲钴胺片', 'JGAP', '0.5mg×20片', '盒', 2980, '乙'),
  drug(29, '葡萄糖注射液', 'PTTZSY', '5% 250ml', '袋', 420, '甲'),
  drug(30, '氯化钠注射液', 'LHNZSY', '0.9% 100ml', '袋', 450, '甲'),
  drug(31, '注射用头孢曲松钠', 'ZSYTBQSN', '1g', '支', 3580, '甲'),
  drug(32, '注射用阿奇霉素', 'ZSYAQMS', '0.5g', '支', 4856, '乙'),
  drug(33, '门冬胰岛素注射液', 'MDYDSZSY', '3ml:300单位', '支', 6850, '乙'),
  drug(34, '连花清瘟胶囊', 'LHQWJN', '0.35g×24粒', '盒', 1450, '甲'),
  drug(35, '板蓝根颗粒', 'BLGKL', '10g×20袋', '盒', 1280, '甲'),
  drug(36, '蒲地蓝消炎口服液', 'PDLXYKFY', '10ml×10支', '盒', 3680, '乙'),
  drug(37, '复方丹参滴丸', 'FFDSDW', '27mg×180丸', '瓶', 2650, '甲'),
  drug(38, '六味地黄丸', 'LWDHW', '200丸', '瓶', 1980, '甲'),
  drug(39, '藿香正气水', 'HXZQS', '10ml×10支', '盒', 1250, '甲'),
  drug(40, '云南白药气雾剂', 'YNBYQWJ', '85g+30g', '瓶', 4680, '乙'),
  drug(41, '红霉素软膏', 'HMSRG', '1%:10g', '支', 450, '甲'),
  drug(42, '硝酸甘油片', 'XSGYP', '0.5mg×100片', '瓶', 1860, '甲'),
  drug(43, '人血白蛋白注射液', 'RXBDBZSY', '10g', '瓶', 11718, '乙'),
  drug(44, '破伤风人免疫球蛋白', 'PSFRMYQDB', '250IU', '支', 31500, '乙'),
  drug(45, '盐酸氨溴索注射液', 'YSAXSZSY', '15mg:2ml', '支', 1173, '乙'),
  drug(46, '乙酰半胱氨酸泡腾片', 'YXBGASPTP', '0.6g×4片', '盒', 4319, '乙'),
  drug(47, '地屈孕酮片', 'DQYTP', '10mg×20片', '盒', 8630, '乙'),
  drug(48, '蔗糖铁注射液', 'ZTTZSY', '5ml:100mg', '支', 12500, '乙'),
  drug(49, '注射用头孢呋辛钠', 'ZSYTBFXN', '1.5g', '支', 1650, '甲'),
  drug(50, '注射用头孢唑林钠', 'ZSYTBZLN', '1g', '支', 2250, '甲'),
  drug(51, '复方氨基酸注射液', 'FFAJSZSY', '250ml', '瓶', 4695, '乙'),
  drug(52, '布洛芬混悬液', 'BLFHXY', '100ml:2g', '瓶', 2380, '甲'),
  service(1, '普通门诊诊查费', 'PTMZZCF', '次', 1000, '甲'),
  service(2, '副主任医师诊查费', 'FZRYSZCF', '次', 4000, '甲'),
  service(3, '主任医师诊查费', 'ZRYSZCF', '次', 5000, '甲'),
  service(4, '血常规（五分类）', 'XCGWFL', '项', 2000, '甲'),
  service(5, 'C反应蛋白测定', 'CFYDBCD', '项', 3500, '甲'),
  service(6, '肝功能测定', 'GGNCD', '项', 4200, '甲'),
  service(7, '肾功能测定', 'SGNCD', '项', 3800, '甲'),
  service(8, '尿常规', 'NCG', '项', 1000, '甲'),
  service(9, '心电图检查', 'XDTJC', '次', 2500, '甲'),
  service(10, '胸部正位DR', 'XBZWDR', '次', 8500, '甲'),
  service(11, '胸部CT平扫', 'XBCTPS', '次', 38000, '乙'),
  service(12, '腹部彩色多普勒超声', 'FBCSDPLCS', '次', 16000, '甲'),
  service(13, '妇科超声检查', 'FKCSJC', '次', 13000, '甲'),
  service(14, '头颅磁共振平扫', 'TLCGZPS', '次', 52000, '乙'),
  service(15, '静脉输液', 'JMSY', '次', 1200, '甲'),
  service(16, '雾化吸入', 'WHXR', '次', 1200, '甲'),
  service(17, '清创缝合（小）', 'QCFHX', '次', 9800, '甲'),
  service(18, '换药（小）', 'HYX', '次', 1500, '甲'),
  service(19, '牙周洁治', 'YZJZ', '次', 12000, '丙'),
  service(20, '根管治疗（单根）', 'GGZLDG', '次', 35000, '乙'),
  service(21, '口腔全景X线片', 'KQQJXXP', '次', 8500, '甲'),
  service(22, '视力检查', 'SLJC', '次', 500, '甲'),
  service(23, '眼压测定', 'YYCD', '次', 1200, '甲'),
  service(24, '床位费（普通病房）', 'CWFPTBF', '日', 6000, '甲'),
  service(25, '一级护理', 'YJHL', '日', 2800, '甲'),
  service(26, '住院诊查费', 'ZYZCF', '日', 500, '甲'),
  service(27, '吸氧', 'XY', '小时', 300, '甲'),
  service(28, '针灸（普通针刺）', 'ZJPTZC', '次', 2500, '乙'),
  service(29, '推拿', 'TN', '次', 4000, '乙'),
  service(30, '阑尾切除术', 'LWQCS', '次', 68000, '甲'),
  service(31, '全身麻醉', 'QSMZ', '次', 25000, '甲'),
  service(32, '痰培养及药敏试验', 'TPYJYMSY', '项', 12000, '甲'),
  service(33, '生化全套', 'SHQT', '项', 18000, '甲'),
];
