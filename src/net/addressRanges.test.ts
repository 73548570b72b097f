import { describe, expect, it } from "vitest";
import { internalRange } from "./addressRanges.ts";

describe("internal address ranges", () => {
  it.each([
    ["127.0.0.1", "loopback"],
    ["127.255.0.9", "loopback"],
    ["10.1.2.3", "private"],
    ["172.16.0.1", "private"],
    ["192.168.1.1", "private"],
    ["169.254.169.254", "linkLocal"],
    ["100.64.0.1", "carrierGradeNat"],
    ["0.0.0.0", "unspecified"],
    ["255.255.255.255", "broadcast"],
    ["224.0.0.1", "multicast"],
    ["192.0.2.1", "reserved"],
    ["198.51.100.7", "reserved"],
    ["203.0.113.9", "reserved"],
    ["198.18.0.1", "reserved"],
    ["240.0.0.1", "reserved"],
    // The legacy IPv4 spellings inet_aton accepts.
    ["2130706433", "loopback"],
    ["0177.0.0.1", "loopback"],
    ["0x7f.1", "loopback"],
    ["::1", "loopback"],
    ["::", "unspecified"],
    ["fe80::1", "linkLocal"],
    ["fe80::1%eth0", "linkLocal"],
    ["fd00:ec2::254", "uniqueLocal"],
    ["fc00::1", "uniqueLocal"],
    ["ff02::1", "multicast"],
    ["fec0::1", "deprecatedSiteLocal"],
    ["2001:db8::1", "reserved"],
    ["100::1", "discard"],
    ["4000::1", "reserved"],
  ])("%s is %s", (address, range) => {
    expect(internalRange(address)).toBe(range);
  });

  it.each([
    ["::ffff:127.0.0.1", "loopback"],
    ["::ffff:7f00:1", "loopback"],
    ["::ffff:169.254.169.254", "linkLocal"],
    ["::ffff:0:10.0.0.1", "private"],
    // IPv4-compatible (deprecated), as the URL parser writes [::127.0.0.1].
    ["::7f00:1", "loopback"],
    ["::808:808", "ipv4Compatible"],
    // NAT64: the well-known prefix carries the IPv4 address; the local-use prefix is internal.
    ["64:ff9b::10.0.0.1", "private"],
    ["64:ff9b:1::1", "rfc8215"],
    // 6to4 and Teredo embed an IPv4 address too.
    ["2002:a00:1::1", "private"],
    ["2002:a9fe:a9fe::1", "linkLocal"],
    ["2001:0:4136:e378:8000:63bf:f5ff:fffe", "private"],
  ])("IPv6 carrying an IPv4 address: %s is %s", (address, range) => {
    expect(internalRange(address)).toBe(range);
  });

  it.each(["8.8.8.8", "93.184.216.34", "1.1.1.1", "2606:4700::1111", "2a00:1450:4001:81a::200e", "::ffff:8.8.8.8", "64:ff9b::8.8.8.8", "2002:808:808::1"])(
    "%s is public",
    (address) => {
      expect(internalRange(address)).toBeUndefined();
    },
  );

  it("answers invalid for anything that is not an IP address", () => {
    expect(internalRange("example.com")).toBe("invalid");
    expect(internalRange("")).toBe("invalid");
  });
});
