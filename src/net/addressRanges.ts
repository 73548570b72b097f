import ipaddr from "ipaddr.js";

type IPv4 = ipaddr.IPv4;
type IPv6 = ipaddr.IPv6;

/** 2000::/3: the only IPv6 block handed out for global unicast (RFC 4291 §2.4, IANA registry). */
const GLOBAL_UNICAST = ipaddr.parseCIDR("2000::/3") as [IPv6, number];
/** 64:ff9b:1::/48, NAT64 prefixes for use inside one network (RFC 8215). */
const LOCAL_NAT64 = ipaddr.parseCIDR("64:ff9b:1::/48") as [IPv6, number];

/**
 * The name of the special-purpose range an IP address belongs to ("loopback", "private",
 * "linkLocal", "uniqueLocal", …), or undefined for a public unicast address the hub may call.
 * IPv6 forms that carry an IPv4 address (mapped, compatible, translated, NAT64, 6to4, Teredo) are
 * judged by the IPv4 address inside them, so `::ffff:127.0.0.1` is as internal as 127.0.0.1.
 * Anything that is not an IP address answers "invalid".
 */
export function internalRange(address: string): string | undefined {
  let parsed: IPv4 | IPv6;
  try {
    // ipaddr.js also reads the legacy IPv4 forms (0x7f.1, 0177.0.0.1, 2130706433) as C's inet_aton does.
    parsed = ipaddr.parse(address);
  } catch {
    return "invalid";
  }
  return parsed.kind() === "ipv4" ? ipv4Range(parsed as IPv4) : ipv6Range(parsed as IPv6);
}

function ipv4Range(address: IPv4): string | undefined {
  const range = address.range();
  return range === "unicast" ? undefined : range;
}

function ipv6Range(address: IPv6): string | undefined {
  const range = address.range();
  const parts = address.parts;
  switch (range) {
    case "ipv4Mapped":
    case "rfc6145":
      return ipv4Range(ipv4From(parts[6]!, parts[7]!));
    case "rfc6052":
      return address.match(LOCAL_NAT64) ? "rfc8215" : ipv4Range(ipv4From(parts[6]!, parts[7]!));
    case "6to4":
      return ipv4Range(ipv4From(parts[1]!, parts[2]!));
    case "teredo": {
      // 2001:0:<server IPv4>:<flags>:<port>:<client IPv4, bits inverted> (RFC 4380 §4).
      const server = ipv4Range(ipv4From(parts[2]!, parts[3]!));
      return server ?? ipv4Range(ipv4From(~parts[6]! & 0xffff, ~parts[7]! & 0xffff));
    }
    case "unicast":
      // ::a.b.c.d, the deprecated IPv4-compatible form (RFC 4291 §2.5.5.1).
      if (parts.slice(0, 6).every((p) => p === 0)) return ipv4Range(ipv4From(parts[6]!, parts[7]!)) ?? "ipv4Compatible";
      return address.match(GLOBAL_UNICAST) ? undefined : "reserved";
    default:
      return range;
  }
}

function ipv4From(high: number, low: number): IPv4 {
  return new ipaddr.IPv4([high >> 8, high & 0xff, low >> 8, low & 0xff]);
}
