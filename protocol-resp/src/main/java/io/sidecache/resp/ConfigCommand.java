package io.sidecache.resp;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Function;

/**
 * Redis 7.0 {@code CONFIG GET|SET|RESETSTAT|REWRITE|HELP} over the settings Sidecache has, under
 * Redis's parameter names. A setting that cannot change at run time answers Redis's "can't set
 * immutable config" error; the table of settings and their mutability is in
 * docs/protocol-resp.md.
 *
 * <p>Stateless and thread-safe; the mutable settings live in the {@link RespServerContext}.
 */
final class ConfigCommand {
  /** A parameter: how to read it and, when it may change at run time, how to set it. */
  private record Parameter(
      Function<RespSession, String> getter, BiConsumer<RespSession, String> setter) {}

  private static final Map<String, Parameter> PARAMETERS = new LinkedHashMap<>();

  static {
    PARAMETERS.put("requirepass", new Parameter(
        s -> s.context().passwordText(), (s, v) -> s.context().password(v)));
    PARAMETERS.put("maxmemory", fixed(s -> Long.toString(s.store().stats().maximumBytes())));
    PARAMETERS.put("maxmemory-policy", fixed(s -> "allkeys-lfu"));
    PARAMETERS.put("proto-max-bulk-len", fixed(s -> Long.toString(s.limits().maxBulkLength())));
    PARAMETERS.put("port", fixed(s -> s.localPort().isPresent()
        ? Integer.toString(s.localPort().getAsInt()) : "0"));
    PARAMETERS.put("databases", fixed(s -> "1"));
    PARAMETERS.put("save", fixed(s -> ""));
    PARAMETERS.put("appendonly", fixed(s -> "no"));
    PARAMETERS.put("timeout", fixed(s -> "0"));
    PARAMETERS.put("cluster-enabled", fixed(s -> "no"));
    PARAMETERS.put("tracking-table-max-keys", new Parameter(
        s -> Long.toString(s.context().tracking().maxKeys()),
        (s, v) -> s.context().tracking().maxKeys(nonNegative("tracking-table-max-keys", v))));
  }

  /** A numeric parameter's value, refused as Redis 7.0's {@code CONFIG SET} refuses it. */
  private static long nonNegative(String name, String value) {
    long n;
    try {
      n = Long.parseLong(value);
    } catch (NumberFormatException e) {
      throw new RespException("ERR CONFIG SET failed (possibly related to argument '" + name
          + "') - argument couldn't be parsed into an integer");
    }
    if (n < 0) {
      throw new RespException("ERR CONFIG SET failed (possibly related to argument '" + name
          + "') - argument must be between 0 and 9223372036854775807 inclusive");
    }
    return n;
  }

  private ConfigCommand() {}

  private static Parameter fixed(Function<RespSession, String> getter) {
    return new Parameter(getter, null);
  }

  static RespCommand.Builder definition() {
    return RespCommand.named("config", -2).acl("@slow")
        .doc("server", "2.0.0", "A container for server configuration commands.")
        .subcommand(RespCommand.named("get", -3)
            .flags("admin", "noscript", "loading", "stale")
            .acl("@admin", "@slow", "@dangerous")
            .doc("server", "2.0.0", "Returns the effective values of configuration parameters.")
            .body(ConfigCommand::get))
        .subcommand(RespCommand.named("set", -4)
            .flags("admin", "noscript", "loading", "stale")
            .acl("@admin", "@slow", "@dangerous")
            .tips("request_policy:all_nodes", "response_policy:all_succeeded")
            .doc("server", "2.0.0", "Sets configuration parameters in-flight.")
            .body(ConfigCommand::set))
        .subcommand(RespCommand.named("resetstat", 2)
            .flags("admin", "noscript", "loading", "stale")
            .acl("@admin", "@slow", "@dangerous")
            .doc("server", "2.0.0", "Resets the server's statistics.")
            .body(ConfigCommand::resetStat))
        .subcommand(RespCommand.named("rewrite", 2)
            .flags("admin", "noscript", "loading", "stale")
            .acl("@admin", "@slow", "@dangerous")
            .doc("server", "2.8.0", "Persists the effective configuration to file.")
            .body((s, a) -> {
              throw new RespException("ERR The server is running without a config file");
            }))
        .subcommand(RespCommand.named("help", 2).flags("loading", "stale").acl("@slow")
            .doc("server", "5.0.0", "Returns helpful text about the different subcommands.")
            .body(ConfigCommand::help));
  }

  /**
   * Redis 7.0 {@code CONFIG GET parameter [parameter ...]}: name/value pairs of every parameter
   * matching any of the glob patterns (case-insensitive), each parameter once. A name without
   * glob characters is answered under the name as given, as Redis 7.0 does.
   */
  static void get(RespSession s, byte[][] args) {
    Set<String> seen = new HashSet<>();
    List<String> reply = new ArrayList<>();
    for (int i = 2; i < args.length; i++) {
      String asGiven = Args.text(args[i]);
      String lower = asGiven.toLowerCase(Locale.ROOT);
      if (lower.indexOf('*') < 0 && lower.indexOf('?') < 0 && lower.indexOf('[') < 0) {
        Parameter p = PARAMETERS.get(lower);
        if (p != null && seen.add(lower)) {
          reply.add(asGiven);
          reply.add(p.getter().apply(s));
        }
        continue;
      }
      GlobPattern pattern = GlobPattern.compile(lower.getBytes(StandardCharsets.ISO_8859_1));
      for (Map.Entry<String, Parameter> p : PARAMETERS.entrySet()) {
        if (pattern.matches(p.getKey().getBytes(StandardCharsets.US_ASCII))
            && seen.add(p.getKey())) {
          reply.add(p.getKey());
          reply.add(p.getValue().getter().apply(s));
        }
      }
    }
    s.reply().map(reply.size() / 2);
    for (String v : reply) {
      s.reply().bulk(v);
    }
  }

  /**
   * Redis 7.0 {@code CONFIG SET parameter value [parameter value ...]}: every parameter is checked
   * before any is applied, as Redis does.
   */
  static void set(RespSession s, byte[][] args) {
    if ((args.length - 2) % 2 != 0) {
      throw new RespException("ERR wrong number of arguments for 'config|set' command");
    }
    List<Parameter> targets = new ArrayList<>();
    for (int i = 2; i < args.length; i += 2) {
      String name = Args.text(args[i]).toLowerCase(Locale.ROOT);
      Parameter p = PARAMETERS.get(name);
      if (p == null) {
        throw new RespException("ERR Unknown option or number of arguments for CONFIG SET - '"
            + Args.text(args[i]) + "'");
      }
      if (p.setter() == null) {
        throw new RespException("ERR CONFIG SET failed (possibly related to argument '"
            + Args.text(args[i]) + "') - can't set immutable config");
      }
      targets.add(p);
    }
    for (int i = 0; i < targets.size(); i++) {
      targets.get(i).setter().accept(s, Args.text(args[3 + 2 * i]));
    }
    s.reply().ok();
  }

  /** Redis 7.0 {@code CONFIG RESETSTAT}: zeroes command statistics and keyspace hits/misses. */
  static void resetStat(RespSession s, byte[][] args) {
    s.context().resetStats();
    s.reply().ok();
  }

  private static void help(RespSession s, byte[][] args) {
    String[] lines = {
        "CONFIG <subcommand> [<arg> [value] [opt] ...]. Subcommands are:",
        "GET <pattern>",
        "    Return parameters matching the glob-like <pattern> and their values.",
        "SET <directive> <value>",
        "    Set the configuration <directive> to <value>.",
        "RESETSTAT",
        "    Reset statistics reported by the INFO command.",
        "REWRITE",
        "    Rewrite the configuration file.",
        "HELP",
        "    Print this help."};
    s.reply().array(lines.length);
    for (String line : lines) {
      s.reply().simple(line);
    }
  }
}
