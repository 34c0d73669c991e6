/**
 * The URIs that give the adapter's FHIR resources their meaning (docs/fhir-adapter.md §2).
 * Business numbers the kiosk shows (patient ID, appointment, bill, admission, receipt numbers)
 * are identifiers under these systems; FHIR logical ids are the server's own and never shown.
 *
 * National identifier systems are the 互联互通 OIDs (WS 363, used in HL7 v3/CDA and FHIR China
 * Core). The rest are this adapter's own URNs: a hospital whose FHIR server already names them
 * differently passes its own in `FhirHisOptions.systems`.
 */

export interface FhirSystems {
  /** 门(急)诊号, the HIS's patient number: the port's `patientId`. */
  patientId: string;
  /** 居民身份证号. */
  idNumber: string;
  /** The hospital's own visit card (就诊卡); no national system exists for it. */
  patientCard: string;
  /** The medical-insurance e-voucher code a patient identifies with. */
  insuranceCode: string;
  /** 住院号. */
  admissionNo: string;
  appointmentNo: string;
  billNo: string;
  depositNo: string;
  reportId: string;
  receiptNo: string;
  invoiceNo: string;
  preSettleId: string;
  /** Our transaction id: the trade number every changing call carries. */
  tradeNo: string;
  /** The hospital's code of a priced drug or service (物价编码). */
  priceItem: string;
  /** 拼音码: the initials a HIS finds a catalogue item by, kept as a second identifier of the item. */
  pinyinInitials: string;
  /**
   * The national medical-insurance catalogue (医保业务编码, the platform's `med_list_codg`): the
   * code system of a bill's ChargeItem `code.coding` that carries the item's 医保对照. No
   * canonical URI is published for it, so a hospital's server may well name it its own way.
   */
  insuranceCatalogue: string;
}

export const defaultSystems: FhirSystems = {
  patientId: 'urn:oid:2.16.156.10011.1.11',
  idNumber: 'urn:oid:2.16.156.10011.1.3',
  patientCard: 'urn:zizhu:id:patient-card',
  insuranceCode: 'urn:zizhu:id:insurance-code',
  admissionNo: 'urn:oid:2.16.156.10011.1.12',
  appointmentNo: 'urn:zizhu:id:appointment-no',
  billNo: 'urn:zizhu:id:bill-no',
  depositNo: 'urn:zizhu:id:deposit-no',
  reportId: 'urn:zizhu:id:report-no',
  receiptNo: 'urn:zizhu:id:receipt-no',
  invoiceNo: 'urn:zizhu:id:invoice-no',
  preSettleId: 'urn:zizhu:id:pre-settle-no',
  tradeNo: 'urn:zizhu:id:trade-no',
  priceItem: 'urn:zizhu:id:price-item',
  pinyinInitials: 'urn:zizhu:id:pinyin-initials',
  insuranceCatalogue: 'urn:zizhu:cs:nhsa-med-list',
};

/** Code systems of this adapter. */
export const codes = {
  /** Task.code of a trade record: the port function that made it (a TradeKind), or a preparation. */
  task: 'urn:zizhu:cs:task',
  /** Task.input / Task.output names. */
  taskParameter: 'urn:zizhu:cs:task-parameter',
  /** PractitionerRole.code: 主任医师, 副主任医师, 主治医师, 住院医师. */
  doctorTitle: 'urn:zizhu:cs:doctor-title',
  /** Account.type: the legacy outpatient prepaid account, or a stay's deposit account. */
  accountType: 'urn:zizhu:cs:account-type',
  /** A HisError code in OperationOutcome.issue.details, for servers that speak the port's language. */
  hisError: 'urn:zizhu:cs:his-error',
  organizationType: 'http://terminology.hl7.org/CodeSystem/organization-type',
  actCode: 'http://terminology.hl7.org/CodeSystem/v3-ActCode',
  diagnosticSection: 'http://terminology.hl7.org/CodeSystem/v2-0074',
  adjudication: 'http://terminology.hl7.org/CodeSystem/adjudication',
  locationPhysicalType: 'http://terminology.hl7.org/CodeSystem/location-physical-type',
  dischargeDisposition: 'http://terminology.hl7.org/CodeSystem/discharge-disposition',
} as const;

/** Extensions, for facts R4 has no element for. */
export const extensions = {
  /** Slot and its pending Appointment: when the hold on a number lapses (instant). */
  holdExpires: 'urn:zizhu:ext:hold-expires',
  /** Slot: the pending Appointment that holds it (Reference). */
  heldBy: 'urn:zizhu:ext:held-by',
  /** Schedule and Appointment: the registration fee (Money). */
  registrationFee: 'urn:zizhu:ext:registration-fee',
  /** Appointment: 就诊序号, the queue number in its session (positiveInt). */
  seeNo: 'urn:zizhu:ext:see-no',
  /** Appointment: the trade that paid the fee (Identifier); absent while unpaid. */
  paidBy: 'urn:zizhu:ext:paid-by',
  /** Patient: 民族 as read from the ID card. */
  nation: 'urn:zizhu:ext:nation',
  /** ChargeItem of a stay: whether medical insurance covers it (boolean). */
  insuranceInScope: 'urn:zizhu:ext:insurance-in-scope',
  /** PaymentNotice of a deposit: card, cash or qr. */
  paymentMethod: 'urn:zizhu:ext:payment-method',
  /** Invoice of an outpatient bill once paid: how (sub-extensions receiptNo: string, paidAt: dateTime, method: code). */
  invoicePayment: 'urn:zizhu:ext:invoice-payment',
  /** ChargeItem of a stay: the 住院收费 category it is billed under (string: 床位费, 西药费, ...). */
  costCategory: 'urn:zizhu:ext:cost-category',
  /** ChargeItemDefinition: the catalogue entry's spec, unit, category (drug|service) and insurance class (甲|乙|丙), as sub-extensions. */
  priceItem: 'urn:zizhu:ext:price-item',
  /** Practitioner: the introduction the hospital publishes (markdown). */
  doctorProfile: 'urn:zizhu:ext:doctor-profile',
  /** R5's Account.balance, carried back to R4 (sub-extension amount: Money). */
  accountBalance: 'http://hl7.org/fhir/5.0/StructureDefinition/extension-Account.balance',
  /** R5's Attachment.pages, carried back to R4. */
  attachmentPages: 'http://hl7.org/fhir/5.0/StructureDefinition/extension-Attachment.pages',
} as const;
