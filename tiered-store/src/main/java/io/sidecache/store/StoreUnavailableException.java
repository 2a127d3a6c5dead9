package io.sidecache.store;

/**
 * No copy of a key could be reached in time: in a cluster, its owner and replicas are down or
 * unreachable (docs/cluster.md, "Failover"). Protocols answer with a retryable error (RESP {@code
 * CLUSTERDOWN}, as Redis Cluster; memcached {@code SERVER_ERROR}; HTTP 503).
 */
public final class StoreUnavailableException extends StoreException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message which key's copies could not be reached, and why
   */
  public StoreUnavailableException(String message) {
    super(message);
  }
}
