/**
 * Shapes the server returns, taken from the generated `api-types.ts` (`npm run api:types`), so a change to a
 * route's response schema shows up here as a type error instead of a surprise on the phone.
 */
import type { components, paths } from './api-types';

type Schemas = components['schemas'];
type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** The JSON success reply of a route. */
export type Reply<P extends keyof paths, M extends Method> = paths[P][M] extends { responses: { 200: { content: { 'application/json': infer T } } } }
  ? T
  : paths[P][M] extends { responses: { 201: { content: { 'application/json': infer T } } } }
    ? T
    : never;

export type LoginResult = Schemas['ResidentSession'];
/** What login returns about the resident; also kept in app.globalData.resident. */
export type Resident = LoginResult['resident'];
export type Consent = Resident['consents'][number];
/** POST /api/v1/me/consents and DELETE /api/v1/me/consents/:purpose reply with the resident's consents now. */
export type ConsentList = Reply<'/api/v1/me/consents', 'post'>;

export type Me = Schemas['Me'];
export type Area = Schemas['Area'];
export type AreaList = Reply<'/api/v1/areas', 'get'>;
export type ErrorBody = Schemas['Error'];

/** A referral as the guardian sees it (masked). */
export type Referral = Schemas['ReferralForResident'];
export type ReferralStep = Referral['history'][number];

export type InsuranceProduct = Schemas['InsuranceProductView'];
export type InsurancePlan = InsuranceProduct['plans'][number];
/** An enrolment as the applicant sees it (masked). */
export type Enrolment = Schemas['InsuranceEnrolment'];
