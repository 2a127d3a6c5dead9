package io.sidecache.resp;

import io.sidecache.store.Numbers;
import java.nio.charset.StandardCharsets;

/** Argument helpers shared by command bodies: option matching and Redis integer parsing. */
final class Args {
  private Args() {}

  /**
   * Returns whether {@code arg} equals the ASCII option {@code upper}, ignoring case.
   *
   * @param arg the argument as sent
   * @param upper the option in upper case
   */
  static boolean is(byte[] arg, String upper) {
    if (arg.length != upper.length()) {
      return false;
    }
    for (int i = 0; i < arg.length; i++) {
      if (RespCommand.toUpper(arg[i]) != upper.charAt(i)) {
        return false;
      }
    }
    return true;
  }

  /**
   * Parses a Redis integer argument.
   *
   * @throws RespException {@code ERR value is not an integer or out of range}
   */
  static long toLong(byte[] arg) {
    return toLong(arg, RespException.NOT_INTEGER);
  }

  /**
   * Parses a Redis integer argument with a command-specific error.
   *
   * @throws RespException {@code error} when the argument is not an integer
   */
  static long toLong(byte[] arg, RespException error) {
    try {
      return Numbers.parseRedisLong(arg);
    } catch (NumberFormatException e) {
      throw error;
    }
  }

  /** Returns the argument as text, one char per byte, for error messages and names. */
  static String text(byte[] arg) {
    return new String(arg, StandardCharsets.ISO_8859_1);
  }

  /** Redis 7 {@code ERR invalid expire time in '<command>' command}. */
  static RespException invalidExpireTime(String command) {
    return new RespException("ERR invalid expire time in '" + command + "' command");
  }
}
