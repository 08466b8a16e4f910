/**
 * Read aloud: the one wrapper every page with a 听 button uses (articles, quiz questions, notices). A recorded
 * reading (a local doctor's voice) plays when there is one; otherwise WeChat's 同声传译 plugin (WechatSI,
 * `textToSpeech`) turns the text into speech piece by piece and the pieces play one after another. Tests hand a
 * fake plugin to `useSpeechPlugin`.
 */
import { apiBase } from '../config';
import { theApp } from './app';

export type ReadState = 'idle' | 'loading' | 'playing' | 'paused' | 'ended';

/** What the pages need of the plugin: `textToSpeech` as WechatSI has it. */
export interface SpeechPlugin {
  textToSpeech(opts: {
    lang: 'zh_CN';
    tts: true;
    content: string;
    success(res: { retcode: number; filename: string; expired_time?: number }): void;
    fail(err: { retcode?: number; msg?: string }): void;
  }): void;
}

/** Tests and previews: the plugin object every page gets (kept on the app instance; null puts the real one back). */
export function useSpeechPlugin(plugin: SpeechPlugin | null): void {
  const app = theApp();
  if (plugin) app.speechPlugin = plugin;
  else delete app.speechPlugin;
}

function plugin(): SpeechPlugin {
  return theApp().speechPlugin ?? (requirePlugin('WechatSI') as SpeechPlugin);
}

/** The plugin reads at most about 300 Chinese characters at once: split at sentence ends. */
export function speechPieces(text: string, max = 280): string[] {
  // no look-behind: older phones' script engines lack it
  const sentences = (text.match(/[^。！？；\n]+[。！？；\n]?/g) ?? []).map((s) => s.trim()).filter(Boolean);
  const pieces: string[] = [];
  for (const s of sentences) {
    const last = pieces[pieces.length - 1];
    if (last !== undefined && last.length + s.length <= max) pieces[pieces.length - 1] = last + s;
    else for (let i = 0; i < s.length; i += max) pieces.push(s.slice(i, i + max));
  }
  return pieces;
}

export interface Reader {
  readonly state: ReadState;
  /** The 听 button: start, pause, or go on. */
  toggle(): void;
  stop(): void;
}

/**
 * A reader for one text. `recordedUrl` (a path on the API server or a full URL) takes precedence over the
 * speech synthesis. `onState` follows every change; `onEnded` runs once the whole text has been heard.
 */
export function createReader(opts: { text: string; recordedUrl?: string | null; onState(state: ReadState): void; onEnded?(): void }): Reader {
  const audio = wx.createInnerAudioContext();
  const pieces = opts.recordedUrl ? [] : speechPieces(opts.text);
  let state: ReadState = 'idle';
  let index = 0;
  const set = (s: ReadState) => {
    state = s;
    opts.onState(s);
  };
  const failed = () => {
    set('idle');
    wx.showToast({ title: '朗读没有成功，请再点一次', icon: 'none' });
  };
  const playPiece = (i: number) => {
    index = i;
    set('loading');
    plugin().textToSpeech({
      lang: 'zh_CN',
      tts: true,
      content: pieces[i]!,
      success: (res) => {
        if (state !== 'loading') return; // stopped meanwhile
        audio.src = res.filename;
        audio.play();
      },
      fail: failed,
    });
  };
  audio.onPlay(() => set('playing'));
  audio.onError(failed);
  audio.onEnded(() => {
    if (!opts.recordedUrl && index + 1 < pieces.length) return playPiece(index + 1);
    set('ended');
    opts.onEnded?.();
  });
  return {
    get state() {
      return state;
    },
    toggle() {
      if (state === 'playing') {
        audio.pause();
        set('paused');
      } else if (state === 'paused') {
        audio.play();
      } else if (state === 'idle' || state === 'ended') {
        if (opts.recordedUrl) {
          set('loading');
          audio.src = /^https?:/.test(opts.recordedUrl) ? opts.recordedUrl : apiBase() + opts.recordedUrl;
          audio.play();
        } else if (pieces.length) playPiece(0);
      }
    },
    stop() {
      set('idle');
      audio.stop();
      audio.destroy();
    },
  };
}

/** The 听 button's words for each state (big and plain). */
export const READ_LABELS: Record<ReadState, string> = { idle: '听', loading: '请稍等', playing: '暂停', paused: '接着听', ended: '再听一遍' };

const AUTO_READ_KEY = 'autoReadAloud';
/** Elderly mode: start reading when a page opens, if the resident chose so. */
export const autoReadChosen = (): boolean => wx.getStorageSync(AUTO_READ_KEY) === true;
export const chooseAutoRead = (on: boolean): void => wx.setStorageSync(AUTO_READ_KEY, on);
