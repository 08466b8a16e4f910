/** Shapes the server returns (see the backend's zod schemas / OpenAPI document). */

export interface Consent {
  purpose: string;
  policyVersion: string;
  grantedAt: string;
}

/** POST /api/v1/me/consents and DELETE /api/v1/me/consents/:purpose reply with the resident's consents now. */
export interface ConsentList {
  consents: Consent[];
}

/** What login returns about the resident; also kept in app.globalData.resident. */
export interface Resident {
  id: string;
  profileComplete: boolean;
  consents: Consent[];
}

export interface LoginResult {
  token: string;
  expiresAt: string;
  resident: Resident;
}

/** GET /api/v1/me */
export interface Me extends Resident {
  name: string | null;
  villageCode: string | null;
  villageName: string | null;
  phoneMasked: string | null;
  sex: 'male' | 'female' | null;
  birthYear: number | null;
  elderlyMode: boolean;
}

export interface Area {
  code: string;
  name: string;
  level: string;
  parentCode: string | null;
}

export interface AreaList {
  items: Area[];
}

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

export interface ReferralStep {
  status: string;
  statusLabel: string;
  at: string;
  note: string | null;
}

/** GET /api/v1/referrals items (masked). */
export interface Referral {
  id: string;
  status: string;
  statusLabel: string;
  childNameMasked: string | null;
  condition: string | null;
  referredTo: string | null;
  surgeryDate: string | null;
  canWithdraw: boolean;
  createdAt: string;
  history: ReferralStep[];
}

export interface InsurancePlan {
  code: string;
  name: string;
  premiumFen: number;
  coverage: { item: string; amountFen: number }[];
}

/** GET /api/v1/insurance/products items. */
export interface InsuranceProduct {
  id: string;
  year: number;
  name: string;
  insurer: string;
  plans: InsurancePlan[];
  enrolFrom: string;
  enrolTo: string;
  policyStart: string;
  policyEnd: string;
  eligibility: { description: string; minAge: number; maxAge: number };
  enrolOpen: boolean;
}

/** GET /api/v1/insurance/enrolments items (masked). */
export interface Enrolment {
  id: string;
  productName: string | null;
  status: string;
  statusLabel: string;
  insured: { nameMasked: string | null; idCardMasked: string | null; relation: string; planCode: string; premiumFen: number }[];
  totalFen: number;
  policyNo: string | null;
  reason: string | null;
  canCancel: boolean;
}
