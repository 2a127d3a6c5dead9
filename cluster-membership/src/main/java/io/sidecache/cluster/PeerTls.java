package io.sidecache.cluster;

import io.netty.handler.ssl.SslContext;
import java.util.Objects;

/**
 * TLS on the peer port (docs/cluster.md, "Peer admission"): the server side every accepted peer
 * connection starts with, and the client side every dialled one does, before the HMAC handshake,
 * which then runs inside TLS. Immutable.
 *
 * @param server the context of accepted connections
 * @param client the context of dialled connections
 */
public record PeerTls(SslContext server, SslContext client) {
  /** Checks that both sides are given. */
  public PeerTls {
    Objects.requireNonNull(server, "server");
    Objects.requireNonNull(client, "client");
  }
}
