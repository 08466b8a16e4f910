/** Ask before an action that cannot be undone; runs `action` only when the resident taps the confirm button. */
export interface ConfirmText {
  title: string;
  content: string;
  confirmText: string;
  cancelText: string;
  confirmColor?: string;
}

export function confirmThen(text: ConfirmText, action: () => unknown): void {
  wx.showModal({
    ...text,
    success: (res) => {
      if (res.confirm) void action();
    },
  });
}
