// The certificates and keys a private control plane needs, made with the openssl CLI
// (Node can verify X.509 but not issue it). P-256 keys: fast to make, accepted everywhere.
import { execFile } from "node:child_process";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);
const VALID_DAYS = "3650";
const EC_KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

export interface KeyPair {
  certFile: string;
  keyFile: string;
}

export interface Pki {
  ca: KeyPair;
  /** kube-apiserver's serving certificate, for 127.0.0.1 and localhost. */
  apiServer: KeyPair;
  /** A client certificate in system:masters. */
  admin: KeyPair;
  serviceAccountKeyFile: string;
  serviceAccountPublicKeyFile: string;
}

export async function createPki(dir: string): Promise<Pki> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const ca = await createCa(dir);
  const [apiServer, admin] = await Promise.all([
    issueCertificate(ca, join(dir, "apiserver"), "/CN=kube-apiserver", [
      "subjectAltName=IP:127.0.0.1,DNS:localhost",
      "extendedKeyUsage=serverAuth",
    ]),
    issueClientCertificate(ca, join(dir, "admin"), "admin", ["system:masters"]),
    createServiceAccountKey(dir),
  ]);
  return {
    ca,
    apiServer,
    admin,
    serviceAccountKeyFile: join(dir, "service-account.key"),
    serviceAccountPublicKeyFile: join(dir, "service-account.pub"),
  };
}

/** A client certificate that kube-apiserver maps to user CN=user in groups O=groups. */
export function issueClientCertificate(
  ca: KeyPair,
  pathPrefix: string,
  user: string,
  groups: readonly string[],
): Promise<KeyPair> {
  const subject = [`/CN=${escapeRdn(user)}`, ...groups.map((g) => `/O=${escapeRdn(g)}`)].join("");
  return issueCertificate(ca, pathPrefix, subject, ["extendedKeyUsage=clientAuth"]);
}

/** A private CA and a serving certificate it signed for 127.0.0.1 and localhost (e.g. an HTTPS Unleash). */
export async function createServingPki(dir: string): Promise<{ ca: KeyPair; server: KeyPair }> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const ca = await createCa(dir);
  const server = await issueCertificate(ca, join(dir, "server"), "/CN=127.0.0.1", [
    "subjectAltName=IP:127.0.0.1,DNS:localhost",
    "extendedKeyUsage=serverAuth",
  ]);
  return { ca, server };
}

async function createCa(dir: string): Promise<KeyPair> {
  const pair = { certFile: join(dir, "ca.crt"), keyFile: join(dir, "ca.key") };
  await openssl([
    "req", "-x509", "-new", ...EC_KEY, "-days", VALID_DAYS,
    "-keyout", pair.keyFile, "-out", pair.certFile,
    "-subj", "/CN=unleash-accounts-operator-test-ca",
    "-addext", "basicConstraints=critical,CA:TRUE",
    "-addext", "keyUsage=critical,keyCertSign,cRLSign",
  ]);
  return pair;
}

async function issueCertificate(
  ca: KeyPair,
  pathPrefix: string,
  subject: string,
  extensions: readonly string[],
): Promise<KeyPair> {
  const pair = { certFile: `${pathPrefix}.crt`, keyFile: `${pathPrefix}.key` };
  await openssl([
    "req", "-x509", "-new", ...EC_KEY, "-days", VALID_DAYS,
    "-keyout", pair.keyFile, "-out", pair.certFile,
    "-subj", subject,
    "-CA", ca.certFile, "-CAkey", ca.keyFile,
    "-addext", "basicConstraints=critical,CA:FALSE",
    ...extensions.flatMap((extension) => ["-addext", extension]),
  ]);
  return pair;
}

async function createServiceAccountKey(dir: string): Promise<void> {
  const keyFile = join(dir, "service-account.key");
  await openssl(["genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", keyFile]);
  await openssl(["pkey", "-in", keyFile, "-pubout", "-out", join(dir, "service-account.pub")]);
}

// openssl's -subj treats '/' as the separator and '+' as multi-valued RDNs.
function escapeRdn(value: string): string {
  if (value.length === 0 || /[\n\r]/.test(value)) throw new Error(`invalid certificate name: ${JSON.stringify(value)}`);
  return value.replace(/[\\/+=,]/g, (c) => `\\${c}`);
}

async function openssl(args: readonly string[]): Promise<void> {
  try {
    await run("openssl", args);
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? "";
    throw new Error(`openssl ${args[0]} failed: ${stderr.trim() || (error as Error).message}`);
  }
}
