import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

/** A certificate and key in PEM, with the file the certificate was written to. */
export interface CertificateFiles {
  cert: string;
  key: string;
  certPath: string;
  /** Removes the temporary directory (only for generated certificates). */
  cleanup(): Promise<void>;
}

/** Generates a self-signed certificate for localhost, 127.0.0.1 and ::1 and writes it to a temp dir. */
export async function generateCertificate(): Promise<CertificateFiles> {
  const now = new Date();
  // Loaded only when a certificate is needed: it costs ~60 ms of start-up for every command.
  const { default: selfsigned } = await import('selfsigned');
  const pems = await selfsigned.generate([{ name: 'commonName', value: 'localhost' }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notBeforeDate: new Date(now.getTime() - 60_000),
    notAfterDate: new Date(now.getTime() + 30 * 24 * 3600_000),
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 2, value: 'localhost' },
          { type: 7, ip: '127.0.0.1' },
          { type: 7, ip: '::1' },
        ],
      },
    ],
  });
  const dir = await mkdtemp(path.join(tmpdir(), 'clova-cic-emulator-'));
  const certPath = path.join(dir, 'cert.pem');
  await writeFile(certPath, pems.cert, { mode: 0o644 });
  return { cert: pems.cert, key: pems.private, certPath, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** Writes a given certificate to a temp file so that clients have a path for it. */
export async function certificateFiles(cert: string, key: string): Promise<CertificateFiles> {
  const dir = await mkdtemp(path.join(tmpdir(), 'clova-cic-emulator-'));
  const certPath = path.join(dir, 'cert.pem');
  await writeFile(certPath, cert, { mode: 0o644 });
  return { cert, key, certPath, cleanup: () => rm(dir, { recursive: true, force: true }) };
}
