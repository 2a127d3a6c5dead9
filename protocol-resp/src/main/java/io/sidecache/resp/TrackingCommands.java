package io.sidecache.resp;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

/**
 * The client-side caching subcommands of {@code CLIENT}, as Redis 7.0's {@code networking.c}:
 * {@code TRACKING}, {@code CACHING}, {@code GETREDIR} and {@code TRACKINGINFO}, with Redis's
 * replies and error texts. The tracking itself is {@link ClientTracking}.
 */
final class TrackingCommands {
  private TrackingCommands() {}

  /** The subcommands, for the {@code CLIENT} container. */
  static List<RespCommand.Builder> subcommands() {
    return List.of(
        RespCommand.named("tracking", -3).flags("noscript", "loading", "stale")
            .acl("@slow", "@connection")
            .doc("connection", "6.0.0", "Controls server-assisted client-side caching for the"
                + " connection.")
            .body(TrackingCommands::tracking),
        RespCommand.named("caching", 3).flags("noscript", "loading", "stale")
            .acl("@slow", "@connection")
            .doc("connection", "6.0.0", "Instructs the server whether to track the keys in the"
                + " next request.")
            .body(TrackingCommands::caching),
        RespCommand.named("getredir", 2).flags("noscript", "loading", "stale")
            .acl("@slow", "@connection")
            .doc("connection", "6.0.0", "Returns the client ID to which the connection's"
                + " tracking notifications are redirected.")
            .body(TrackingCommands::getRedir),
        RespCommand.named("trackinginfo", 2).flags("noscript", "loading", "stale")
            .acl("@slow", "@connection")
            .doc("connection", "6.2.0", "Returns information about server-assisted client-side"
                + " caching for the connection.")
            .body(TrackingCommands::trackingInfo));
  }

  /**
   * {@code CLIENT TRACKING ON|OFF [REDIRECT id] [PREFIX p ...] [BCAST] [OPTIN] [OPTOUT]
   * [NOLOOP]}: options are read first (an unknown one is a syntax error), then checked against
   * each other and against the tracking already on, in Redis's order and with its errors. Turning
   * it on again keeps the mode and adds the prefixes.
   */
  static void tracking(RespSession s, byte[][] args) {
    long redirect = 0;
    boolean bcast = false;
    boolean optIn = false;
    boolean optOut = false;
    boolean noLoop = false;
    List<byte[]> prefixes = new ArrayList<>();
    for (int j = 3; j < args.length; j++) {
      String opt = new String(args[j], StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT);
      boolean more = j + 1 < args.length;
      if (opt.equals("redirect") && more) {
        j++;
        if (redirect != 0) {
          throw new RespException("ERR A client can only redirect to a single other client");
        }
        redirect = Args.toLong(args[j]);
        if (!s.context().tracking().connected(redirect)) {
          throw new RespException("ERR The client ID you want redirect to does not exist");
        }
      } else if (opt.equals("bcast")) {
        bcast = true;
      } else if (opt.equals("optin")) {
        optIn = true;
      } else if (opt.equals("optout")) {
        optOut = true;
      } else if (opt.equals("noloop")) {
        noLoop = true;
      } else if (opt.equals("prefix") && more) {
        prefixes.add(args[++j]);
      } else {
        throw RespException.SYNTAX;
      }
    }
    String onOff = new String(args[2], StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT);
    ClientTracking.Tracker current = s.tracker();
    if (onOff.equals("off")) {
      s.tracking(null);
      s.reply().ok();
      return;
    }
    if (!onOff.equals("on")) {
      throw RespException.SYNTAX;
    }
    if (!bcast && !prefixes.isEmpty()) {
      throw new RespException("ERR PREFIX option requires BCAST mode to be enabled");
    }
    if (current != null && current.bcast != bcast) {
      throw new RespException("ERR You can't switch BCAST mode on/off before disabling tracking"
          + " for this client, and then re-enabling it with a different mode.");
    }
    if (bcast && (optIn || optOut)) {
      throw new RespException("ERR OPTIN and OPTOUT are not compatible with BCAST");
    }
    if (optIn && optOut) {
      throw new RespException("ERR You can't specify both OPTIN mode and OPTOUT mode");
    }
    if (current != null && ((optIn && current.optOut) || (optOut && current.optIn))) {
      throw new RespException("ERR You can't switch OPTIN/OPTOUT mode before disabling tracking"
          + " for this client, and then re-enabling it with a different mode.");
    }
    List<byte[]> all = new ArrayList<>();
    if (bcast) {
      checkPrefixes(current == null ? List.of() : current.prefixes, prefixes);
      if (current != null) {
        all.addAll(current.prefixes);
      }
      if (prefixes.isEmpty()) {
        prefixes.add(new byte[0]); // BCAST without PREFIX: every key, Redis's "" prefix
      }
      for (byte[] p : prefixes) {
        if (all.stream().noneMatch(q -> Arrays.equals(q, p))) {
          all.add(p);
        }
      }
      all.sort(Arrays::compareUnsigned);
    }
    s.tracking(new ClientTracking.Tracker(s, bcast, optIn, optOut, noLoop, redirect, all));
    s.reply().ok();
  }

  /** Redis's {@code checkPrefixCollisionsOrReply}: no prefix may be a prefix of another. */
  private static void checkPrefixes(List<byte[]> existing, List<byte[]> given) {
    for (int i = 0; i < given.size(); i++) {
      byte[] p = given.get(i);
      for (byte[] e : existing) {
        if (overlap(p, e)) {
          throw new RespException("ERR Prefix '" + text(p) + "' overlaps with an existing prefix '"
              + text(e) + "'. Prefixes for a single client must not overlap.");
        }
      }
      for (int j = i + 1; j < given.size(); j++) {
        if (overlap(p, given.get(j))) {
          throw new RespException("ERR Prefix '" + text(p) + "' overlaps with another provided"
              + " prefix '" + text(given.get(j)) + "'. Prefixes for a single client must not"
              + " overlap.");
        }
      }
    }
  }

  private static boolean overlap(byte[] a, byte[] b) {
    int n = Math.min(a.length, b.length);
    return Arrays.equals(a, 0, n, b, 0, n);
  }

  private static String text(byte[] b) {
    return new String(b, StandardCharsets.ISO_8859_1);
  }

  /** {@code CLIENT CACHING YES|NO}: the tracking of the next command, in OPTIN or OPTOUT mode. */
  static void caching(RespSession s, byte[][] args) {
    ClientTracking.Tracker t = s.tracker();
    if (t == null) {
      throw new RespException("ERR CLIENT CACHING can be called only when the client is in"
          + " tracking mode with OPTIN or OPTOUT mode enabled");
    }
    String opt = new String(args[2], StandardCharsets.ISO_8859_1).toLowerCase(Locale.ROOT);
    if (opt.equals("yes")) {
      if (!t.optIn) {
        throw new RespException("ERR CLIENT CACHING YES is only valid when tracking is enabled"
            + " in OPTIN mode.");
      }
    } else if (opt.equals("no")) {
      if (!t.optOut) {
        throw new RespException("ERR CLIENT CACHING NO is only valid when tracking is enabled"
            + " in OPTOUT mode.");
      }
    } else {
      throw RespException.SYNTAX;
    }
    s.giveCaching();
    s.reply().ok();
  }

  /** {@code CLIENT GETREDIR}: -1 without tracking, 0 without a redirect, else the client id. */
  static void getRedir(RespSession s, byte[][] args) {
    ClientTracking.Tracker t = s.tracker();
    s.reply().integer(t == null ? -1 : t.redirect);
  }

  /** {@code CLIENT TRACKINGINFO}: a map of flags (a set), redirect and prefixes, as Redis 7.0. */
  static void trackingInfo(RespSession s, byte[][] args) {
    ClientTracking.Tracker t = s.tracker();
    List<String> flags = new ArrayList<>();
    if (t == null) {
      flags.add("off");
    } else {
      flags.add("on");
      if (t.bcast) {
        flags.add("bcast");
      }
      if (t.optIn) {
        flags.add("optin");
        if (s.cachingGiven()) {
          flags.add("caching-yes");
        }
      }
      if (t.optOut) {
        flags.add("optout");
        if (s.cachingGiven()) {
          flags.add("caching-no");
        }
      }
      if (t.noLoop) {
        flags.add("noloop");
      }
      if (t.redirectBroken) {
        flags.add("broken_redirect");
      }
    }
    RespReply r = s.reply();
    r.map(3);
    r.bulk("flags");
    r.set(flags.size());
    for (String f : flags) {
      r.bulk(f);
    }
    r.bulk("redirect");
    r.integer(t == null ? -1 : t.redirect);
    r.bulk("prefixes");
    List<byte[]> prefixes = t == null ? List.of() : t.prefixes;
    r.array(prefixes.size());
    for (byte[] p : prefixes) {
      r.bulk(p);
    }
  }
}
