/**
 * The User-Agent grammar of spec section 1.5 as a regular expression:
 * `Manufacturer/Product/SemVer (OS;HW[;key=value...])`.
 */
export const USER_AGENT_PATTERN =
  /^[A-Za-z0-9_.\-](?:[A-Za-z0-9_.\- ]*[A-Za-z0-9_.\-])? ?\/ ?[A-Za-z0-9_.\-](?:[A-Za-z0-9_.\- ]*[A-Za-z0-9_.\-])? ?\/ ?[0-9]+\.[0-9]+\.[0-9]+(?:-[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)?(?:\+[A-Za-z0-9_]+(?:\.[A-Za-z0-9_]+)*)? ?\([A-Za-z0-9_.\-](?:[A-Za-z0-9_.\- ]*[A-Za-z0-9_.\-])? ?; ?[A-Za-z0-9_.\-](?:[A-Za-z0-9_.\- ]*[A-Za-z0-9_.\-])?(?: ?; ?[A-Za-z0-9_.\-]+=[A-Za-z0-9_.%\-]+)*\)$/;

/** True when the string follows the CIC User-Agent grammar. */
export function isValidUserAgent(ua: string | undefined): boolean {
  return typeof ua === 'string' && USER_AGENT_PATTERN.test(ua);
}

/** Facts about the running platform that go into the User-Agent. */
export interface PlatformInfo {
  os: string; // e.g. "Linux"
  osRelease: string; // e.g. "6.1.0-13-amd64"
  arch: string; // e.g. "x64"
  nodeVersion: string; // e.g. "20.20.2"
}

/** Keeps only the characters the grammar allows in a `string`/`word` (letters, digits, `_-.` and inner spaces). */
function grammarString(value: string, fallback: string): string {
  const cleaned = value
    .replace(/[^A-Za-z0-9_.\- ]/g, '_')
    .replace(/ +/g, ' ')
    .trim();
  return cleaned.length > 0 ? cleaned : fallback;
}

/** Percent-encodes a property value so it has only letters, digits, `_-.` and `%`. */
function urlencodedValue(value: string): string {
  if (value.length === 0) return 'unknown';
  // Lone surrogates would make encodeURIComponent throw.
  return encodeURIComponent(value.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD')).replace(/[!'()*~]/g, (c) => '%' + c.charCodeAt(0).toString(16).toUpperCase());
}

/** Reduces a version to plain SemVer `x.y.z[-release][+build]` as the grammar wants it. */
function semver(version: string): string {
  const m = /^(\d+)\.(\d+)\.(\d+)(?:-([A-Za-z0-9_.]+))?(?:\+([A-Za-z0-9_.]+))?/.exec(version);
  if (!m) return '0.0.0';
  const clean = (s: string) => s.split('.').filter(Boolean).map((w) => w.replace(/[^A-Za-z0-9_]/g, '_')).join('.');
  let out = `${m[1]}.${m[2]}.${m[3]}`;
  const release = m[4] ? clean(m[4]) : '';
  const build = m[5] ? clean(m[5]) : '';
  if (release) out += `-${release}`;
  if (build) out += `+${build}`;
  return out;
}

/** The default User-Agent: `clova-cli/clova-cli/<version> (<os> <release>;<arch>;node=<version>)`. */
export function buildUserAgent(version: string, platform: PlatformInfo): string {
  const os = grammarString(`${platform.os} ${platform.osRelease}`, 'unknown');
  const hw = grammarString(platform.arch, 'unknown');
  return `clova-cli/clova-cli/${semver(version)} (${os};${hw};node=${urlencodedValue(platform.nodeVersion)})`;
}
