package io.sidecache.store;

/**
 * Thrown by a store that holds {@link Entry#isChunked() chunked} entries but cannot work on their
 * bytes (the memory and tiered stores below the chunk layer) when an operation needs a chunked
 * value's bytes; the chunk layer above catches it and runs the operation over the chunks.
 * Protocols never see it from a complete store. Preallocated: no stack trace.
 */
public final class ChunkedValueException extends StoreException {
  private static final long serialVersionUID = 1L;

  /** The one instance. */
  public static final ChunkedValueException INSTANCE = new ChunkedValueException();

  private ChunkedValueException() {
    super("the value is stored in chunks; this operation needs the chunk layer");
  }
}
