package io.berth.image.registry;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/** Decides, like dockerd, whether a registry host may be spoken to over plain HTTP / unverified TLS. */
final class InsecureRegistries {
    private final List<String> entries;

    InsecureRegistries(List<String> entries) {
        this.entries = entries;
    }

    boolean isInsecure(String hostPort) {
        String host = hostOnly(hostPort);
        if (host.equals("localhost") || entries.contains(hostPort) || entries.contains(host)) return true;
        byte[] address = literalAddress(host);
        if (address == null) return false;
        if (address.length == 4 && (address[0] & 0xff) == 127) return true;
        return entries.stream().filter(e -> e.contains("/")).anyMatch(cidr -> inCidr(address, cidr));
    }

    private static String hostOnly(String hostPort) {
        if (hostPort.startsWith("[")) return hostPort.substring(1, hostPort.indexOf(']'));
        int colon = hostPort.lastIndexOf(':');
        return colon < 0 ? hostPort : hostPort.substring(0, colon);
    }

    /** The bytes of an IP literal; null for names (never resolved here: no DNS lookups for a policy check). */
    private static byte[] literalAddress(String host) {
        if (!host.matches("[0-9.]+") && !host.contains(":")) return null;
        try {
            return InetAddress.getByName(host).getAddress();
        } catch (UnknownHostException e) {
            return null;
        }
    }

    private static boolean inCidr(byte[] address, String cidr) {
        int slash = cidr.indexOf('/');
        byte[] network = literalAddress(cidr.substring(0, slash));
        if (network == null || network.length != address.length) return false;
        int bits = Integer.parseInt(cidr.substring(slash + 1));
        for (int i = 0; i < address.length && bits > 0; i++, bits -= 8) {
            int mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
            if ((address[i] & mask) != (network[i] & mask)) return false;
        }
        return true;
    }
}
