// qrcode-terminal ships no types; this is the one function the bot uses.
declare module 'qrcode-terminal' {
  export function generate(text: string, opts?: { small?: boolean }, cb?: (qr: string) => void): void;
}
