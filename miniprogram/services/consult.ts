/** Shapes of 专家咨询 and 群众诉求 replies, from the generated API types. */
import type { components } from './api-types';

export type Question = components['schemas']['ConsultQuestionForResident'];
export type Faq = components['schemas']['ConsultFaq'];
export type ResidentRequest = components['schemas']['RequestForResident'];
export type VillageRules = components['schemas']['VillageRules'];

export const STARS = [1, 2, 3, 4, 5];

/** `2026-12-01` from an ISO time, in the district's day (UTC+8). */
export function dayOf(iso: string): string {
  return new Date(new Date(iso).getTime() + 8 * 3600_000).toISOString().slice(0, 10);
}

/**
 * Pick up to `count` photos and read them as base64; photos over 2 MB are left out with a word. Resolves with
 * what was read (an empty list when the resident cancels).
 */
export function pickPhotos(count: number): Promise<string[]> {
  return new Promise((resolve) => {
    wx.chooseMedia({
      count,
      mediaType: ['image'],
      sizeType: ['compressed'],
      sourceType: ['album', 'camera'],
      success: (res) => {
        const files = res.tempFiles.filter((f) => f.size <= 2 * 1024 * 1024);
        if (files.length < res.tempFiles.length) wx.showToast({ title: '有的照片太大了，没有加上', icon: 'none', duration: 3000 });
        const fs = wx.getFileSystemManager();
        const out: string[] = [];
        let left = files.length;
        if (!left) resolve(out);
        for (const f of files)
          fs.readFile({
            filePath: f.tempFilePath,
            encoding: 'base64',
            success: (r) => {
              out.push(String(r.data));
              if (--left === 0) resolve(out);
            },
            fail: () => {
              if (--left === 0) resolve(out);
            },
          });
      },
      fail: () => resolve([]),
    });
  });
}
