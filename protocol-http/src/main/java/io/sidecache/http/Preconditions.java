package io.sidecache.http;

import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.sidecache.store.Entry;

/**
 * The {@code If-Match} and {@code If-None-Match} preconditions of one request (RFC 9110 §13),
 * evaluated against the entry a key holds. {@code If-Modified-Since} and {@code
 * If-Unmodified-Since} are not evaluated: the store keeps no modification time, so there is no
 * {@code Last-Modified} for them to compare with (RFC 9110 §13.1.3 lets a server ignore them then).
 *
 * <p>A write never evaluates these against a value it then overwrites blindly: the handler reads
 * the entry, evaluates, and commits on condition that the key still holds that entry (its CAS
 * version, or its absence), so two writers with the same {@code If-Match} cannot both win.
 *
 * @param ifMatch the {@code If-Match} tags, or {@code null}
 * @param ifNoneMatch the {@code If-None-Match} tags, or {@code null}
 */
record Preconditions(EntityTags ifMatch, EntityTags ifNoneMatch) {

  /** What the evaluation decided (RFC 9110 §13.2.2). */
  enum Result {
    /** The method runs. */
    PASS,
    /** {@code 412 Precondition Failed}. */
    FAILED,
    /** {@code 304 Not Modified}: an {@code If-None-Match} matched on {@code GET} or {@code HEAD}. */
    NOT_MODIFIED
  }

  /**
   * Reads the preconditions of a request.
   *
   * @param headers the request headers
   * @return the preconditions, possibly {@link #isEmpty() empty}
   * @throws IllegalArgumentException if a field does not parse (answered {@code 400})
   */
  static Preconditions of(HttpHeaders headers) {
    return new Preconditions(
        EntityTags.parse("If-Match", headers.getAll(HttpHeaderNames.IF_MATCH)),
        EntityTags.parse("If-None-Match", headers.getAll(HttpHeaderNames.IF_NONE_MATCH)));
  }

  /** Returns whether the request has neither field, so nothing is to be evaluated. */
  boolean isEmpty() {
    return ifMatch == null && ifNoneMatch == null;
  }

  /**
   * Evaluates the preconditions, in RFC 9110 §13.2.2's order: {@code If-Match} first (false when
   * there is no current value or no tag matches strongly), then {@code If-None-Match} (false when
   * there is a current value and {@code *} or a tag matches weakly). The caller answers a
   * {@code GET}, {@code HEAD} or {@code DELETE} of an absent key with 404 without asking: RFC
   * 9110 §13.2.1 has preconditions ignored when the answer without them would not be 2xx.
   *
   * @param current the key's live entry, or {@code null} when absent
   * @param safe whether the method is {@code GET} or {@code HEAD}, where a false {@code
   *     If-None-Match} is {@code 304} rather than {@code 412}
   * @return the decision
   */
  Result evaluate(Entry current, boolean safe) {
    if (ifMatch != null && (current == null || !ifMatch.matchesStrongly(current.cas()))) {
      return Result.FAILED;
    }
    if (ifNoneMatch != null && current != null && ifNoneMatch.matchesWeakly(current.cas())) {
      return safe ? Result.NOT_MODIFIED : Result.FAILED;
    }
    return Result.PASS;
  }
}
