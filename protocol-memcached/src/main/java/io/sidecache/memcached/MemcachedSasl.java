package io.sidecache.memcached;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.Arrays;

/**
 * SASL PLAIN credentials for the memcached binary protocol (RFC 4616; memcached {@code -S}).
 *
 * <p>When a listener has credentials, binary connections must authenticate with {@code SASL
 * Auth} mechanism {@code PLAIN} before any command other than SASL List Mechs/Auth/Step and
 * Version, and text connections are refused, as memcached 1.6 started with {@code -S} does. The
 * password comparison takes the same time whatever the bytes (only the lengths may show).
 *
 * <p>Immutable and thread-safe.
 */
public final class MemcachedSasl {
  /** The one mechanism offered. */
  static final String MECHANISM = "PLAIN";

  private static final byte[] MECHANISM_BYTES = MECHANISM.getBytes(StandardCharsets.US_ASCII);

  private final byte[] user;
  private final byte[] password;

  /**
   * Creates credentials.
   *
   * @param user the user name, must not be {@code null} or empty
   * @param password the password, must not be {@code null} or empty
   * @throws NullPointerException if an argument is {@code null}
   * @throws IllegalArgumentException if an argument is empty
   */
  public MemcachedSasl(String user, String password) {
    if (user == null) {
      throw new NullPointerException("user");
    }
    if (password == null) {
      throw new NullPointerException("password");
    }
    if (user.isEmpty() || password.isEmpty()) {
      throw new IllegalArgumentException("user and password must not be empty");
    }
    this.user = user.getBytes(StandardCharsets.UTF_8);
    this.password = password.getBytes(StandardCharsets.UTF_8);
  }

  /** Returns whether {@code mechanism} names the mechanism offered ({@code PLAIN}). */
  static boolean isPlain(byte[] mechanism) {
    return Arrays.equals(mechanism, MECHANISM_BYTES);
  }

  /**
   * Checks a PLAIN initial response: {@code [authzid] NUL authcid NUL passwd} (RFC 4616).
   *
   * @param response the client's response, must not be {@code null}
   * @return whether the authentication identity and password match; an authorization identity,
   *     when sent, must equal the user
   */
  boolean checkPlain(byte[] response) {
    int first = indexOfNul(response, 0);
    int second = first < 0 ? -1 : indexOfNul(response, first + 1);
    if (second < 0 || indexOfNul(response, second + 1) >= 0) {
      return false;
    }
    byte[] authzid = Arrays.copyOfRange(response, 0, first);
    byte[] authcid = Arrays.copyOfRange(response, first + 1, second);
    byte[] passwd = Arrays.copyOfRange(response, second + 1, response.length);
    boolean userOk = MessageDigest.isEqual(authcid, user);
    boolean passwordOk = MessageDigest.isEqual(passwd, password);
    boolean authzOk = authzid.length == 0 || MessageDigest.isEqual(authzid, user);
    return userOk & passwordOk & authzOk;
  }

  private static int indexOfNul(byte[] b, int from) {
    for (int i = from; i < b.length; i++) {
      if (b[i] == 0) {
        return i;
      }
    }
    return -1;
  }
}
