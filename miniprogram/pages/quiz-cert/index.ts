import { api } from '../../services/api';
import type { Certificate } from '../../services/quiz-types';
import { elderBehavior } from '../../utils/elder-behavior';

const CANVAS_ID = 'certificate';
/** The picture is laid out on a 600 × 800 grid and scaled to the canvas, which is 600rpx wide on every phone. */
const GRID_WIDTH = 600;
const CANVAS_RPX = 600;

function canvasScale(): number {
  const width = typeof wx.getSystemInfoSync === 'function' ? wx.getSystemInfoSync().windowWidth : 375;
  return (CANVAS_RPX * (width / 750)) / GRID_WIDTH;
}

/** Draws the certificate with the classic canvas API; a plain picture is enough to save and share. */
function draw(cert: Certificate, done: () => void): void {
  if (typeof wx.createCanvasContext !== 'function') return;
  const c = wx.createCanvasContext(CANVAS_ID);
  const k = canvasScale();
  c.scale(k, k);
  c.setFillStyle('#fffaf0');
  c.fillRect(0, 0, 600, 800);
  c.setStrokeStyle('#b8860b');
  c.setLineWidth(8);
  c.strokeRect(20, 20, 560, 760);
  c.setFillStyle('#8b0000');
  c.setTextAlign('center');
  c.setFontSize(56);
  c.fillText('荣誉证书', 300, 140);
  c.setFillStyle('#111111');
  c.setFontSize(48);
  c.fillText(cert.name, 300, 260);
  c.setFontSize(30);
  c.fillText(`在“${cert.contestTitle}”中`, 300, 350);
  c.fillText(`以 ${cert.score} 分的成绩通过考核`, 300, 410);
  c.setFontSize(26);
  c.fillText(`颁发日期：${cert.issuedOn}`, 300, 620);
  c.fillText(`验证码：${cert.code}`, 300, 670);
  c.draw(false, done);
}

/**
 * A certificate: its text, a canvas picture that fits the screen, and saving it to the album. The owner (opened
 * with `mine=1`, from 我的 or the quiz page) sees their own name; anyone verifying a code sees it masked.
 */
Component({
  behaviors: [elderBehavior],
  data: {
    loading: true,
    loadFailed: false,
    mine: false,
    code: '',
    cert: null as Certificate | null,
    others: [] as Certificate[],
    canvasId: CANVAS_ID,
  },

  methods: {
    onLoad(query: Record<string, string | undefined>) {
      this.setData({ mine: query.mine === '1' || !query.code, code: query.code ?? '' });
      return this.load();
    },

    async load() {
      this.setData({ loading: true, loadFailed: false });
      try {
        if (this.data.mine) {
          const { items } = await api.get<{ items: Certificate[] }>('/api/v1/quiz/certificates', undefined, { silent: true });
          const cert = items.find((c) => c.code === this.data.code) ?? items[0] ?? null;
          this.setData({ cert, others: items.filter((c) => c !== cert) });
          if (cert) draw(cert, () => undefined);
        } else {
          const cert = await api.get<Certificate>(`/api/v1/certificates/${this.data.code}`, undefined, { auth: false, silent: true });
          this.setData({ cert });
          draw(cert, () => undefined);
        }
      } catch {
        this.setData({ loadFailed: true });
      } finally {
        this.setData({ loading: false });
      }
    },

    onPick(e: WechatMiniprogram.BaseEvent) {
      this.setData({ code: String(e.currentTarget.dataset.code ?? '') });
      return this.load();
    },

    onSave() {
      if (typeof wx.canvasToTempFilePath !== 'function') return;
      wx.canvasToTempFilePath(
        {
          canvasId: CANVAS_ID,
          success: (res) =>
            wx.saveImageToPhotosAlbum({
              filePath: res.tempFilePath,
              success: () => wx.showToast({ title: '已保存到相册', icon: 'success' }),
              fail: () => wx.showToast({ title: '没有保存，请允许保存到相册', icon: 'none', duration: 3000 }),
            }),
        },
        this,
      );
    },
  },
});
