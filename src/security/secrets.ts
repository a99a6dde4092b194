// The master secret and what is derived from it: the key that seals channel credentials (AES-256-GCM) and the
// key that signs session tokens. Without POSTFLOW_SECRET_KEY the secret is generated once into the data folder.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { decodeKey } from '../config.js';

export interface Secrets {
  seal(plaintext: string): string;
  open(sealed: string): string;
  sessionSigningKey: Buffer;
}

export async function loadMasterKey(configured: string | null, dataDir: string): Promise<Buffer> {
  if (configured) return decodeKey(configured)!;
  const file = path.join(dataDir, 'secret.key');
  if (existsSync(file)) {
    const key = decodeKey((await readFile(file, 'utf8')).trim());
    if (!key) throw new Error(`${file} does not hold a 32-byte base64 key; restore it from a backup or set POSTFLOW_SECRET_KEY`);
    return key;
  }
  await mkdir(dataDir, { recursive: true });
  const key = randomBytes(32);
  await writeFile(file, key.toString('base64') + '\n', { mode: 0o600, flag: 'wx' });
  return key;
}

export function createSecrets(masterKey: Buffer): Secrets {
  const derive = (purpose: string) => Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), `postflow:${purpose}`, 32));
  const sealKey = derive('credentials:v1');
  return {
    sessionSigningKey: derive('sessions:v1'),
    seal(plaintext) {
      const iv = randomBytes(12);
      const cipher = createCipheriv('aes-256-gcm', sealKey, iv);
      const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
      return ['v1', iv.toString('base64url'), cipher.getAuthTag().toString('base64url'), body.toString('base64url')].join('.');
    },
    open(sealed) {
      const [version, iv, tag, body] = sealed.split('.');
      if (version !== 'v1' || !iv || !tag || body === undefined) throw new Error('Sealed value has an unknown format');
      const decipher = createDecipheriv('aes-256-gcm', sealKey, Buffer.from(iv, 'base64url'));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
    },
  };
}
