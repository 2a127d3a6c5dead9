package io.sidecache.store;

/**
 * The keys of one multi-key operation live on different nodes of a cluster, so it cannot run
 * atomically at one owner (docs/cluster.md, "Multi-key commands"). RESP answers it as Redis
 * Cluster does: {@code CROSSSLOT Keys in request don't hash to the same slot}; hash tags
 * ({@code {...}}) put related keys on one owner.
 */
public final class CrossSlotException extends StoreException {
  private static final long serialVersionUID = 1L;

  /** Creates the exception. */
  public CrossSlotException() {
    super("Keys in request don't hash to the same slot");
  }
}
