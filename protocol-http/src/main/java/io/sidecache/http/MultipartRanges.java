package io.sidecache.http;

import io.sidecache.protocol.PipelinedRequestHandler;
import io.sidecache.store.Entry;
import io.sidecache.store.ValueReader;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ConcurrentModificationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The body of a {@code 206} answering several ranges: {@code multipart/byteranges} (RFC 9110
 * §14.6), each part with its {@code Content-Type} and {@code Content-Range}, in request order,
 * streamed as the client takes it, reading only the chunks each part covers.
 *
 * <p>Each part is read with its own {@link ValueReader}: the first is opened (and checked to be
 * the entry's version) before the head is sent, the others when their turn comes. If the value
 * was replaced between two parts, the next reader sees another version; the body cannot be
 * finished then, so the pieces fail and the connection closes (the client sees a short body,
 * never a mix of two versions). Not thread-safe: one streamed response.
 */
final class MultipartRanges implements PipelinedRequestHandler.Pieces {
  /** Opens the reader of one part. */
  @FunctionalInterface
  interface Opener {
    /**
     * Opens a reader over {@code [first, last]} of the value.
     *
     * @return a stage completed with the reader, or with {@code null} when the value is gone
     */
    CompletionStage<ValueReader> open(long first, long last);
  }

  private final String boundary;
  private final long[][] ranges;
  private final long total;
  private final long cas;
  private final Opener opener;
  private int part;
  private boolean headerSent;
  private ValueReader reader;
  private boolean done;

  /**
   * Creates the body of a response.
   *
   * @param entry the entry the ranges were resolved against
   * @param ranges the satisfiable, non-empty ranges {@code {first, last}}, at least two
   * @param first the reader of the first part, already open over {@code entry}; closed by
   *     {@link #close} or when its part is done
   * @param opener opens the readers of the other parts over {@code entry}
   */
  MultipartRanges(Entry entry, long[][] ranges, ValueReader first, Opener opener) {
    this.boundary = Long.toHexString(ThreadLocalRandom.current().nextLong() | Long.MIN_VALUE)
        + Long.toHexString(ThreadLocalRandom.current().nextLong() | Long.MIN_VALUE);
    this.ranges = ranges;
    this.total = entry.length();
    this.cas = entry.cas();
    this.opener = opener;
    this.reader = first;
  }

  /** Returns the {@code Content-Type} of the response, with its boundary. */
  String contentType() {
    return "multipart/byteranges; boundary=" + boundary;
  }

  /** Returns the length of the whole body in bytes, for {@code Content-Length}. */
  long contentLength() {
    long n = closing().length;
    for (int i = 0; i < ranges.length; i++) {
      n += header(i).length + ranges[i][1] - ranges[i][0] + 1;
    }
    return n;
  }

  @Override
  public CompletionStage<ByteBuffer> next() {
    if (part == ranges.length) {
      if (done) {
        return CompletableFuture.completedFuture(null);
      }
      done = true;
      return CompletableFuture.completedFuture(ByteBuffer.wrap(closing()));
    }
    if (!headerSent) {
      headerSent = true;
      return CompletableFuture.completedFuture(ByteBuffer.wrap(header(part)));
    }
    if (reader == null) {
      return opener.open(ranges[part][0], ranges[part][1]).thenCompose(r -> {
        if (r == null || r.entry().cas() != cas) {
          if (r != null) {
            r.close();
          }
          throw new ConcurrentModificationException("the value changed between two ranges");
        }
        reader = r;
        return next();
      });
    }
    return reader.next().thenCompose(piece -> {
      if (piece != null) {
        return CompletableFuture.completedFuture(piece);
      }
      close();
      part++;
      headerSent = false;
      return next();
    });
  }

  /** Releases the part's reader, if one is open; idempotent. */
  void close() {
    if (reader != null) {
      reader.close();
      reader = null;
    }
  }

  private byte[] header(int i) {
    String s = (i == 0 ? "" : "\r\n") + "--" + boundary + "\r\n"
        + "Content-Type: application/octet-stream\r\n"
        + "Content-Range: bytes " + ranges[i][0] + '-' + ranges[i][1] + '/' + total + "\r\n\r\n";
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  private byte[] closing() {
    return ("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.US_ASCII);
  }
}
