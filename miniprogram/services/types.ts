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
