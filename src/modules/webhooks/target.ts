/**
 * Where webhooks may be sent. Only `https:` URLs (or `http:` when allowed by
 * configuration), and never to loopback, private, link-local, carrier-grade
 * NAT, multicast or cloud-metadata addresses, checked on the addresses the
 * name resolves to (when the endpoint is saved, and again on every
 * connection through `guardedLookup`, so DNS rebinding gains nothing).
 */
import { BlockList, isIP } from 'node:net';
import { lookup as dnsLookup, type LookupAddress, type LookupOptions } from 'node:dns';
import { badInput } from '../../graphql/errors';

/** What the configuration allows. */
export interface TargetPolicy {
  allowHttp: boolean;
  allowPrivate: boolean;
}

const FORBIDDEN = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['224.0.0.0', 4],
  ['240.0.0.0', 4],
] as const)
  FORBIDDEN.addSubnet(net, prefix, 'ipv4');
for (const [net, prefix] of [
  ['::', 128],
  ['::1', 128],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
] as const)
  FORBIDDEN.addSubnet(net, prefix, 'ipv6');

/** True for an address webhooks must not reach (IPv4-mapped IPv6 addresses are checked as IPv4). */
export function isForbiddenAddress(address: string): boolean {
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return FORBIDDEN.check(mapped[1], 'ipv4');
  const family = isIP(address);
  if (family === 0) return true;
  return FORBIDDEN.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** Parses and checks an endpoint URL's form; throws BAD_USER_INPUT naming `field`. */
export function parseTargetUrl(raw: string, policy: TargetPolicy, field: string): URL {
  let url: URL;
  try {
    url = new URL(raw.trim());
  } catch {
    throw badInput(field, 'is not an absolute URL');
  }
  if (raw.length > 2048) throw badInput(field, 'is longer than 2048 characters');
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && policy.allowHttp)) {
    throw badInput(
      field,
      policy.allowHttp
        ? 'must be an http: or https: URL'
        : 'must be an https: URL (http: is refused unless WEBHOOK_ALLOW_HTTP=true)',
    );
  }
  return url;
}

function resolveAll(host: string): Promise<LookupAddress[]> {
  return new Promise((resolve, reject) =>
    dnsLookup(host, { all: true }, (err, addresses) => (err ? reject(err) : resolve(addresses))),
  );
}

/** Checks the form of the URL and every address its host resolves to; throws BAD_USER_INPUT naming `field`. */
export async function checkTarget(raw: string, policy: TargetPolicy, field: string): Promise<URL> {
  const url = parseTargetUrl(raw, policy, field);
  if (policy.allowPrivate) return url;
  const host = url.hostname.replace(/^\[|\]$/g, '');
  let addresses: string[];
  try {
    addresses = isIP(host) ? [host] : (await resolveAll(host)).map((a) => a.address);
  } catch {
    throw badInput(field, `host ${host} does not resolve`);
  }
  const bad = addresses.find(isForbiddenAddress);
  if (bad)
    throw badInput(
      field,
      `resolves to ${bad}, a loopback, private, link-local or metadata address (refused unless ` +
        `WEBHOOK_ALLOW_PRIVATE=true)`,
    );
  return url;
}

class ForbiddenAddressError extends Error {
  readonly code = 'EWEBHOOKTARGET';
}

type LookupCallback = (err: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for http.request that refuses forbidden addresses, so the
 * connection goes only to an address that was checked (no second resolution
 * between the check and the connect).
 */
export function guardedLookup(hostname: string, options: LookupOptions, callback: LookupCallback): void {
  dnsLookup(hostname, { ...options, all: true }, (err, addresses) => {
    if (err) return callback(err, '');
    const bad = addresses.find((a) => isForbiddenAddress(a.address));
    if (bad)
      return callback(
        new ForbiddenAddressError(`${hostname} resolves to ${bad.address}, a private or reserved address`),
        '',
      );
    if (options.all) return callback(null, addresses);
    callback(null, addresses[0].address, addresses[0].family);
  });
}
