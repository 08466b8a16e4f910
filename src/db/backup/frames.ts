import crypto from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

/**
 * The encrypted envelope of a backup file: a header, then AES-256-GCM frames of at most FRAME_BYTES each, the
 * last one flagged. Each frame is authenticated with its index and flag, so a changed byte, a reordered frame or
 * a cut-off file is detected where it happens, before anything from it is used.
 *
 *   header: MAGIC(8) | salt(16) | key check(16)
 *   frame:  length(4, BE) | last(1) | ciphertext(length) | tag(16)
 *
 * The file key is HKDF(BACKUP_KEY, salt), new for every file, so the frame index can be the nonce.
 */
const MAGIC = Buffer.from('ZDBKUP1\n');
const HEADER_BYTES = MAGIC.length + 16 + 16;
const FRAME_BYTES = 1 << 20;
const MAX_FRAME = 4 * FRAME_BYTES;

/** A backup that cannot be used, with a message for the person restoring it. */
export class BackupFileError extends Error {}

function fileKey(key: Buffer, salt: Buffer): Buffer {
  return Buffer.from(crypto.hkdfSync('sha256', key, salt, 'zdhealth-backup', 32));
}

const keyCheck = (k: Buffer) => crypto.createHmac('sha256', k).update('key-check').digest().subarray(0, 16);

function nonceAad(index: number, last: boolean): { nonce: Buffer; aad: Buffer } {
  const nonce = Buffer.alloc(12);
  nonce.writeBigUInt64BE(BigInt(index), 4);
  const aad = Buffer.alloc(9);
  aad.writeBigUInt64BE(BigInt(index), 0);
  aad[8] = last ? 1 : 0;
  return { nonce, aad };
}

/** Plain bytes in, the encrypted file out. */
export function sealFrames(key: Buffer): Transform {
  const salt = crypto.randomBytes(16);
  const k = fileKey(key, salt);
  let pending: Buffer[] = [];
  let size = 0;
  let index = 0;
  const frame = (plain: Buffer, last: boolean): Buffer => {
    const { nonce, aad } = nonceAad(index++, last);
    const c = crypto.createCipheriv('aes-256-gcm', k, nonce);
    c.setAAD(aad);
    const ct = Buffer.concat([c.update(plain), c.final()]);
    const head = Buffer.alloc(5);
    head.writeUInt32BE(ct.length, 0);
    head[4] = last ? 1 : 0;
    return Buffer.concat([head, ct, c.getAuthTag()]);
  };
  let started = false;
  return new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      if (!started) {
        this.push(Buffer.concat([MAGIC, salt, keyCheck(k)]));
        started = true;
      }
      pending.push(chunk);
      size += chunk.length;
      while (size >= FRAME_BYTES) {
        const all = Buffer.concat(pending);
        this.push(frame(all.subarray(0, FRAME_BYTES), false));
        pending = [all.subarray(FRAME_BYTES)];
        size = all.length - FRAME_BYTES;
      }
      done();
    },
    flush(done: TransformCallback) {
      if (!started) this.push(Buffer.concat([MAGIC, salt, keyCheck(k)]));
      this.push(frame(Buffer.concat(pending), true));
      done();
    },
  });
}

/** The encrypted file in, plain bytes out; throws BackupFileError on a wrong key, a damaged or a cut-off file. */
export function openFrames(key: Buffer): Transform {
  let buf: Buffer = Buffer.alloc(0);
  let k: Buffer | null = null;
  let index = 0;
  let ended = false;
  return new Transform({
    transform(chunk: Buffer, _enc, done: TransformCallback) {
      buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
      try {
        if (!k) {
          if (buf.length < HEADER_BYTES) return done();
          if (!buf.subarray(0, MAGIC.length).equals(MAGIC)) throw new BackupFileError('这不是本平台的备份文件（文件头不对）');
          k = fileKey(key, buf.subarray(MAGIC.length, MAGIC.length + 16));
          if (!crypto.timingSafeEqual(keyCheck(k), buf.subarray(MAGIC.length + 16, HEADER_BYTES)))
            throw new BackupFileError('备份密钥不对：BACKUP_KEY 与做备份时用的不一致');
          buf = buf.subarray(HEADER_BYTES);
        }
        while (buf.length >= 5) {
          if (ended) throw new BackupFileError('备份文件已损坏：结束标记之后还有数据');
          const len = buf.readUInt32BE(0);
          const last = buf[4] === 1;
          if (len > MAX_FRAME || buf[4]! > 1) throw new BackupFileError(`备份文件已损坏：第 ${index + 1} 块的长度或标记不对`);
          if (buf.length < 5 + len + 16) break;
          const { nonce, aad } = nonceAad(index, last);
          const d = crypto.createDecipheriv('aes-256-gcm', k, nonce);
          d.setAAD(aad);
          d.setAuthTag(buf.subarray(5 + len, 5 + len + 16));
          let plain: Buffer;
          try {
            plain = Buffer.concat([d.update(buf.subarray(5, 5 + len)), d.final()]);
          } catch {
            throw new BackupFileError(`备份文件已损坏：第 ${index + 1} 块校验失败`);
          }
          buf = buf.subarray(5 + len + 16);
          index++;
          ended = last;
          if (plain.length) this.push(plain);
        }
        done();
      } catch (err) {
        done(err as Error);
      }
    },
    flush(done: TransformCallback) {
      if (!k) return done(new BackupFileError(buf.length ? '备份文件不完整：文件头被截断' : '备份文件是空的'));
      if (!ended || buf.length)
        return done(new BackupFileError(ended ? '备份文件已损坏：结束标记之后还有数据' : `备份文件不完整：在第 ${index + 1} 块处被截断`));
      done();
    },
  });
}
