package io.sidecache.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Differential test of the command table: for every command and subcommand Sidecache lists,
 * {@code COMMAND INFO} answers the same bytes as a real redis-server 7.0 (arity, flags, key
 * positions, ACL categories, tips, key specs), in RESP2 and RESP3. A container command is
 * compared without its subcommands' list, which names only those Sidecache implements. {@code
 * COMMAND LIST} and its filters answer a subset of Redis's names, with Redis's errors.
 */
class CommandTableDifferentialIT {
  @RegisterExtension static final RespTarget REDIS = RespTarget.redisServer();
  @RegisterExtension static final RespTarget SIDECACHE = RespTarget.sidecache();

  /** Implemented after Redis 7.0 (CLIENT SETINFO is Redis 7.2's; Jedis sends it). */
  private static final Set<String> NEWER_THAN_7_0 = Set.of("client|setinfo");

  @Test
  void commandInfo_sameAsRedisForEveryCommand() throws IOException {
    try (RawResp redis = new RawResp(REDIS.address());
        RawResp sidecache = new RawResp(SIDECACHE.address())) {
      List<String> names = bulks(Reply.parse(sidecache.call("COMMAND", "LIST")));
      assertTrue(names.size() > 100 && names.contains("config|get"), names.toString());
      List<String> differences = new ArrayList<>();
      for (int protocol : new int[] {2, 3}) {
        redis.call("HELLO", Integer.toString(protocol));
        sidecache.call("HELLO", Integer.toString(protocol));
        for (String name : names) {
          Reply expected = Reply.parse(redis.call("COMMAND", "INFO", name)).children.get(0);
          Reply actual = Reply.parse(sidecache.call("COMMAND", "INFO", name)).children.get(0);
          if (expected.isNull()) {
            if (!NEWER_THAN_7_0.contains(name)) {
              differences.add(name + ": not a Redis 7.0 command");
            }
            continue;
          }
          // Element 10 lists the subcommands: Sidecache's must be among Redis's.
          List<Reply> want = expected.children;
          List<Reply> got = actual.children;
          for (int i = 0; i < 9; i++) {
            if (!want.get(i).text().equals(got.get(i).text())) {
              differences.add("RESP" + protocol + " " + name + " element " + (i + 1) + ": redis "
                  + want.get(i).text() + " sidecache " + got.get(i).text());
            }
          }
          Set<String> redisSubs = subcommandNames(want.get(9));
          for (String sub : subcommandNames(got.get(9))) {
            if (!redisSubs.contains(sub) && !NEWER_THAN_7_0.contains(sub)) {
              differences.add(name + ": subcommand " + sub + " not in Redis 7.0");
            }
          }
          if (redisSubs.isEmpty() && !want.get(9).text().equals(got.get(9).text())) {
            differences.add("RESP" + protocol + " " + name + " subcommands: redis "
                + want.get(9).text() + " sidecache " + got.get(9).text());
          }
        }
      }
      assertEquals(List.of(), differences);
    }
  }

  @Test
  void commandList_filtersAsRedis() throws IOException {
    try (RawResp redis = new RawResp(REDIS.address());
        RawResp sidecache = new RawResp(SIDECACHE.address())) {
      String[][] filters = {
          {"FILTERBY", "ACLCAT", "connection"}, {"filterby", "aclcat", "STRING"},
          {"FILTERBY", "PATTERN", "CONFIG*"}, {"FILTERBY", "PATTERN", "*ex*"},
          {"FILTERBY", "ACLCAT", "nosuch"}, {"FILTERBY", "MODULE", "nosuch"}};
      for (String[] filter : filters) {
        Set<String> want = new TreeSet<>(bulks(Reply.parse(redis.call(list(filter)))));
        Set<String> got = new TreeSet<>(bulks(Reply.parse(sidecache.call(list(filter)))));
        got.removeAll(NEWER_THAN_7_0);
        assertTrue(want.containsAll(got), String.join(" ", filter) + ": " + got + " not in "
            + want);
      }
      assertEquals(Set.of("config", "config|get", "config|set", "config|resetstat",
          "config|rewrite", "config|help"), new TreeSet<>(bulks(Reply.parse(
              sidecache.call("COMMAND", "LIST", "FILTERBY", "PATTERN", "CONFIG*")))));
      for (String[] bad : new String[][] {{"FILTERBY"}, {"FILTERBY", "ACLCAT"},
          {"FILTERBY", "FOO", "x"}, {"FILTERBY", "ACLCAT", "read", "x"}, {"x", "y", "z"}}) {
        assertEquals(redis.call(list(bad)), sidecache.call(list(bad)), String.join(" ", bad));
      }
      assertEquals(redis.call("COMMAND", "LIST", "FILTERBY", "MODULE", "x"),
          sidecache.call("COMMAND", "LIST", "FILTERBY", "MODULE", "x"));
    }
  }

  private static String[] list(String... args) {
    String[] all = new String[args.length + 2];
    all[0] = "COMMAND";
    all[1] = "LIST";
    System.arraycopy(args, 0, all, 2, args.length);
    return all;
  }

  private static List<String> bulks(Reply array) {
    List<String> out = new ArrayList<>();
    for (Reply r : array.children) {
      out.add(r.value);
    }
    return out;
  }

  private static Set<String> subcommandNames(Reply subcommands) {
    Set<String> out = new TreeSet<>();
    for (Reply info : subcommands.children) {
      out.add(info.children.get(0).value);
    }
    return out;
  }

  /** A reply parsed into its tree: the header line, a bulk's value, an aggregate's elements. */
  private static final class Reply {
    final String header;
    final String value;
    final List<Reply> children = new ArrayList<>();

    private Reply(String header, String value) {
      this.header = header;
      this.value = value;
    }

    static Reply parse(String raw) {
      int[] at = {0};
      return read(raw, at);
    }

    private static Reply read(String raw, int[] at) {
      int eol = raw.indexOf("\r\n", at[0]);
      String header = raw.substring(at[0], eol);
      at[0] = eol + 2;
      char type = header.charAt(0);
      if (type == '$' || type == '=') {
        int n = Integer.parseInt(header.substring(1));
        if (n < 0) {
          return new Reply(header, null);
        }
        Reply r = new Reply(header, raw.substring(at[0], at[0] + n));
        at[0] += n + 2;
        return r;
      }
      Reply r = new Reply(header, header.substring(1));
      if (type == '*' || type == '~' || type == '%') {
        int n = Integer.parseInt(header.substring(1));
        for (int i = 0; i < (type == '%' ? 2 * n : n); i++) {
          r.children.add(read(raw, at));
        }
      }
      return r;
    }

    boolean isNull() {
      return header.equals("$-1") || header.equals("*-1") || header.equals("_");
    }

    /** The reply written back out, for exact comparison and messages. */
    String text() {
      StringBuilder sb = new StringBuilder(header).append("\r\n");
      if (value != null && (header.charAt(0) == '$' || header.charAt(0) == '=')) {
        sb.append(value).append("\r\n");
      }
      for (Reply c : children) {
        sb.append(c.text());
      }
      return sb.toString();
    }
  }
}
