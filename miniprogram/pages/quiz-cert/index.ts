import { api } from '../../services/api';
import type { Certificate } from '../../services/quiz-types';
import { elderBehavior } from '../../utils/elder-behavior';

const CANVAS_ID = 'certificate';

/** Draws the certificate with the classic canvas API; a plain picture is enough to save and share. */
function draw(cert: Certificate, done: () => void): void {
  if (typeof wx.createCanvasContext !== 'function') return;
  const c = wx.createCanvasContext(CANVAS_ID);
  c.setFillStyle('#fffaf0');
  c.fillRect(0, 0, 600, 800);
  c.setStrokeStyle('#b8860b');
  c.setLineWidth(8);
  c.strokeRect(20, 20, 560, 760);
  c.setFillStyle('#8b0000');
  c.setTextAlign('center');
  c.setFontSize(48);
  c.fillText('荣誉证书', 300, 140);
  c.setFillStyle('#111111');
  c.setFontSize(32);
  c.fillText(cert.name, 300, 260);
  c.setFontSize(28);
  c.fillText(`在“${cert.contestTitle}”中`, 300, 340);
  c.fillText(`以 ${cert.score} 分的成绩通过考核`, 300, 400);
  c.setFontSize(24);
  c.fillText(`颁发日期：${cert.issuedOn}`, 300, 600);
  c.fillText(`验证码：${cert.code}`, 300, 650);
  c.draw(false, done);
}

/** The certificate: its text, a canvas picture, and saving it to the phone's album. */
Component({
  behaviors: [elderBehavior],
  data: {
    loading: true,
    loadFailed: false,
    cert: null as Certificate | null,
    canvasId: CANVAS_ID,
  },


  methods: {
    async onLoad(query: Record<string, string | undefined>) {
      try {
        const cert = await api.get<Certificate>(`/api/v1/certificates/${query.code ?? ''}`, undefined, { auth: false });
        this.setData({ cert });
        draw(cert, () => undefined);
      } catch {
        this.setData({ loadFailed: true });
      } finally {
        this.setData({ loading: false });
      }
    },

    onPageShow() {
    },

    onSave() {
      if (typeof wx.canvasToTempFilePath !== 'function') return;
      wx.canvasToTempFilePath({
        canvasId: CANVAS_ID,
        success: (res) =>
          wx.saveImageToPhotosAlbum({
            filePath: res.tempFilePath,
            success: () => wx.showToast({ title: '已保存到相册', icon: 'success' }),
            fail: () => wx.showToast({ title: '没有保存，请允许保存到相册', icon: 'none', duration: 3000 }),
          }),
      }, this);
    },
  },
});
