/** The app instance's shape, shared by app.ts and the pages (getApp<AppOption>()). */
import type { Resident } from '../services/types';
import type { SpeechPlugin } from './read-aloud';

/** The id of the agree button on the privacy page; WeChat checks that this button was tapped. */
export const AGREE_BUTTON_ID = 'agree-privacy';

export interface GlobalData {
  token: string | null;
  resident: Resident | null;
  elderlyMode: boolean;
}

/** What onNeedPrivacyAuthorization's resolve accepts (the typings declare the listener wrongly). */
export type PrivacyResolution = { event: 'agree'; buttonId: string } | { event: 'disagree' } | { event: 'exposureAuthorization' };
export type PrivacyResolve = (resolution: PrivacyResolution) => void;

export interface AppOption {
  globalData: GlobalData;
  /** A stand-in for the 同声传译 plugin (tests, previews); pages get it through `utils/read-aloud.ts`. */
  speechPlugin?: SpeechPlugin;
  /** Set while a privacy API (e.g. the phone button) waits for the user to agree on the privacy page. */
  privacyResolve: PrivacyResolve | null;
  sessionPromise: Promise<Resident | null> | null;
  /** The resident, logging in first when needed; null when login failed (the user has seen a toast). */
  ensureSession(): Promise<Resident | null>;
  refreshSession(): Promise<Resident | null>;
  setResident(resident: Resident | null): void;
  setElderlyMode(on: boolean): void;
  watchPrivacy(): void;
  hasPendingPrivacy(): boolean;
  /** Answers a pending privacy request; 'agree' only after the agree button's event fired. */
  settlePrivacy(event: PrivacyResolution['event']): void;
}

export function theApp(): WechatMiniprogram.App.Instance<AppOption> {
  return getApp<AppOption>();
}
