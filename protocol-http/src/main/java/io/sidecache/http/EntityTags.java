package io.sidecache.http;

import java.util.ArrayList;
import java.util.List;

/**
 * Entity tags (RFC 9110 §8.8.3): the strong {@code ETag} of a value, made from its entry's CAS
 * version, and the lists of tags that {@code If-Match}, {@code If-None-Match} and {@code
 * If-Range} carry.
 *
 * <p>A value's tag is {@code "<cas in lowercase hex>"}. The CAS version changes on every write of
 * the value (memcached {@code cas} semantics), so the tag is strong: equal tags mean equal bytes.
 * A tag this server did not make never matches. Immutable.
 */
final class EntityTags {
  private final boolean any;
  private final List<String> opaque;
  private final List<Boolean> weak;

  private EntityTags(boolean any, List<String> opaque, List<Boolean> weak) {
    this.any = any;
    this.opaque = opaque;
    this.weak = weak;
  }

  /**
   * Returns the {@code ETag} field value of an entry.
   *
   * @param cas the entry's CAS version, as unsigned bits
   * @return the quoted tag, e.g. {@code "1f"}
   */
  static String of(long cas) {
    return '"' + Long.toHexString(cas) + '"';
  }

  /**
   * Parses the field lines of {@code If-Match} or {@code If-None-Match}: {@code "*"} or a
   * comma-separated list of entity tags, several lines making one list (RFC 9110 §5.3, §13.1.1,
   * §13.1.2).
   *
   * @param name the field name, for the error message
   * @param lines the field lines, possibly none
   * @return the tags, or {@code null} when there is no such field
   * @throws IllegalArgumentException if a line is not {@code *} or a list of quoted tags
   */
  static EntityTags parse(String name, List<String> lines) {
    if (lines.isEmpty()) {
      return null;
    }
    if (lines.size() == 1 && lines.get(0).strip().equals("*")) {
      return new EntityTags(true, List.of(), List.of());
    }
    List<String> opaque = new ArrayList<>();
    List<Boolean> weak = new ArrayList<>();
    for (String line : lines) {
      int i = 0;
      int n = line.length();
      while (i < n) {
        char c = line.charAt(i);
        if (c == ' ' || c == '\t' || c == ',') {
          i++;
          continue;
        }
        boolean isWeak = line.startsWith("W/", i);
        int open = isWeak ? i + 2 : i;
        int close = open < n && line.charAt(open) == '"' ? line.indexOf('"', open + 1) : -1;
        if (close < 0 || close + 1 < n && ",\t ".indexOf(line.charAt(close + 1)) < 0) {
          throw new IllegalArgumentException("invalid " + name + " header: " + line);
        }
        opaque.add(line.substring(open + 1, close));
        weak.add(isWeak);
        i = close + 1;
      }
    }
    if (opaque.isEmpty()) {
      throw new IllegalArgumentException("invalid " + name + " header: empty");
    }
    return new EntityTags(false, opaque, weak);
  }

  /** Returns whether the field was {@code *}: any current value matches. */
  boolean any() {
    return any;
  }

  /**
   * Strong comparison (RFC 9110 §8.8.3.2), for {@code If-Match} and {@code If-Range}: a weak tag
   * never matches.
   *
   * @param cas the current entry's CAS version
   * @return whether the list holds the entry's tag, or is {@code *}
   */
  boolean matchesStrongly(long cas) {
    return matches(cas, false);
  }

  /**
   * Weak comparison, for {@code If-None-Match}: {@code W/} is ignored.
   *
   * @param cas the current entry's CAS version
   * @return whether the list holds the entry's tag, weak or not, or is {@code *}
   */
  boolean matchesWeakly(long cas) {
    return matches(cas, true);
  }

  private boolean matches(long cas, boolean weakOk) {
    if (any) {
      return true;
    }
    String tag = Long.toHexString(cas);
    for (int i = 0; i < opaque.size(); i++) {
      if ((weakOk || !weak.get(i)) && opaque.get(i).equals(tag)) {
        return true;
      }
    }
    return false;
  }
}
