package io.sidecache.resp;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Predicate;

/**
 * Server commands: {@code COMMAND} and its subcommands, answered from the command table so that
 * what clients discover is exactly what is implemented (Redis 7.0 reply shapes, RESP2).
 */
final class ServerCommands {
  private ServerCommands() {}

  static List<RespCommand> commands() {
    return List.of(
        RespCommand.named("command", -1).flags("loading", "stale").acl("@slow", "@connection")
            .tips("nondeterministic_output_order")
            .doc("server", "2.8.13", "Returns detailed information about all commands.")
            .body(ServerCommands::command)
            .subcommand(RespCommand.named("count", 2).flags("loading", "stale")
                .acl("@slow", "@connection")
                .doc("server", "2.8.13", "Returns a count of commands.")
                .body((s, a) -> s.reply().integer(s.commands().all().size())))
            .subcommand(RespCommand.named("list", -2).flags("loading", "stale")
                .acl("@slow", "@connection")
                .tips("nondeterministic_output_order")
                .doc("server", "7.0.0", "Returns a list of command names.")
                .body(ServerCommands::commandList))
            .subcommand(RespCommand.named("info", -2).flags("loading", "stale")
                .acl("@slow", "@connection")
                .tips("nondeterministic_output_order")
                .doc("server", "2.8.13", "Returns information about one, multiple or all commands.")
                .body(ServerCommands::commandInfo))
            .subcommand(RespCommand.named("docs", -2).flags("loading", "stale")
                .acl("@slow", "@connection")
                .tips("nondeterministic_output_order")
                .doc("server", "7.0.0", "Returns documentary information about one, multiple or"
                    + " all commands.")
                .body(ServerCommands::commandDocs))
            .build(),
        InfoCommand.definition().build(),
        ConfigCommand.definition().build(),
        RespCommand.named("time", 1).flags("loading", "stale", "fast").acl("@fast")
            .tips("nondeterministic_output")
            .doc("server", "2.6.0", "Returns the server time.")
            .body(ServerCommands::time).build(),
        RespCommand.named("lastsave", 1).flags("loading", "stale", "fast")
            .acl("@admin", "@fast", "@dangerous")
            .tips("nondeterministic_output")
            .doc("server", "1.0.0", "Returns the Unix timestamp of the last successful save to"
                + " disk.")
            .body((s, a) -> s.reply().integer(s.context().startedAt() / 1000)).build(),
        RespCommand.named("save", 1).flags("admin", "noscript", "no_async_loading", "no_multi")
            .acl("@admin", "@slow", "@dangerous")
            .doc("server", "1.0.0", "Synchronously saves the database(s) to disk.")
            .body(ServerCommands::save).build(),
        RespCommand.named("bgsave", -1).flags("admin", "noscript", "no_async_loading")
            .acl("@admin", "@slow", "@dangerous")
            .doc("server", "1.0.0", "Asynchronously saves the database(s) to disk.")
            .body(ServerCommands::save).build());
  }

  /** Redis 7 {@code TIME}: Unix time in seconds and the microseconds within that second. */
  static void time(RespSession s, byte[][] args) {
    java.time.Instant now = java.time.Instant.now();
    s.reply().array(2);
    s.reply().bulk(Long.toString(now.getEpochSecond()));
    s.reply().bulk(Long.toString(now.getNano() / 1000));
  }

  /**
   * {@code SAVE} and {@code BGSAVE}: Sidecache is a cache and writes no snapshot, so both answer
   * an error instead of pretending; {@code LASTSAVE} answers the start time, when the (empty)
   * keyspace was last consistent with "disk".
   */
  static void save(RespSession s, byte[][] args) {
    throw new RespException("ERR Sidecache keeps no snapshot: it is a cache without persistence"
        + " (see docs/protocol-resp.md)");
  }

  /** Redis 7 bare {@code COMMAND}: the info of every command. */
  static void command(RespSession s, byte[][] args) {
    List<RespCommand> all = s.commands().all();
    s.reply().array(all.size());
    for (RespCommand c : all) {
      writeInfo(s.reply(), c);
    }
  }

  /**
   * Redis 7.0 {@code COMMAND LIST [FILTERBY MODULE name|ACLCAT category|PATTERN glob]}: the full
   * name of every command and subcommand, or of those in the ACL category (none for an unknown
   * one) or matching the glob without case; no module has commands here.
   *
   * @throws RespException {@code ERR syntax error} for any other arguments
   */
  static void commandList(RespSession s, byte[][] args) {
    Predicate<RespCommand> filter = c -> true;
    if (args.length > 2) {
      if (args.length != 5 || !Args.is(args[2], "FILTERBY")) {
        throw RespException.SYNTAX;
      }
      byte[] arg = args[4];
      String type = Args.text(args[3]).toLowerCase(Locale.ROOT);
      filter = switch (type) {
        case "module" -> c -> false; // no module commands here
        case "aclcat" -> {
          String category = "@" + new String(arg, StandardCharsets.UTF_8);
          yield c -> c.aclCategories().stream().anyMatch(category::equalsIgnoreCase);
        }
        case "pattern" -> {
          // Redis matches without case: lower-casing both sides is the same for globs.
          GlobPattern glob = GlobPattern.compile(
              Args.text(arg).toLowerCase(Locale.ROOT).getBytes(StandardCharsets.ISO_8859_1));
          yield c -> glob.matches(c.fullName().getBytes(StandardCharsets.US_ASCII));
        }
        default -> throw RespException.SYNTAX;
      };
    }
    List<String> names = new ArrayList<>();
    for (RespCommand c : s.commands().all()) {
      addNames(c, filter, names);
    }
    s.reply().array(names.size());
    for (String name : names) {
      s.reply().bulk(name);
    }
  }

  /** A command's full name and then its subcommands', where they pass the filter. */
  private static void addNames(RespCommand c, Predicate<RespCommand> filter, List<String> names) {
    if (filter.test(c)) {
      names.add(c.fullName());
    }
    for (RespCommand sub : c.subcommands()) {
      addNames(sub, filter, names);
    }
  }


  /** Redis 7 {@code COMMAND INFO [name ...]}: info per name, null for an unknown name. */
  static void commandInfo(RespSession s, byte[][] args) {
    if (args.length == 2) {
      command(s, args);
      return;
    }
    s.reply().array(args.length - 2);
    for (int i = 2; i < args.length; i++) {
      RespCommand c = byFullName(s.commands(), args[i]);
      if (c == null) {
        s.reply().nullBulk();
      } else {
        writeInfo(s.reply(), c);
      }
    }
  }

  /**
   * A command by the name {@code COMMAND INFO} and {@code DOCS} take: {@code get}, or a
   * subcommand as {@code config|get}, any case (Redis 7 {@code lookupCommandBySds}).
   *
   * @return the command, or {@code null} when there is none of that name
   */
  private static RespCommand byFullName(RespCommands commands, byte[] name) {
    for (int i = 0; i < name.length; i++) {
      if (name[i] == '|') {
        RespCommand container = commands.lookup(java.util.Arrays.copyOfRange(name, 0, i));
        return container == null ? null
            : container.subcommand(java.util.Arrays.copyOfRange(name, i + 1, name.length));
      }
    }
    return commands.lookup(name);
  }

  /**
   * Redis 7 {@code COMMAND DOCS [name ...]}: a flat name/docs list; unknown names are left out.
   * Each doc has summary, since, group and, for containers, subcommands (no argument specs).
   */
  static void commandDocs(RespSession s, byte[][] args) {
    List<RespCommand> selected;
    if (args.length == 2) {
      selected = s.commands().all();
    } else {
      selected = new java.util.ArrayList<>();
      for (int i = 2; i < args.length; i++) {
        RespCommand c = byFullName(s.commands(), args[i]);
        if (c != null) {
          selected.add(c);
        }
      }
    }
    RespReply r = s.reply();
    r.map(selected.size());
    for (RespCommand c : selected) {
      r.bulk(c.fullName());
      writeDocs(r, c);
    }
  }

  private static void writeDocs(RespReply r, RespCommand c) {
    boolean container = !c.subcommands().isEmpty();
    r.map(container ? 4 : 3);
    r.bulk("summary");
    r.bulk(c.summary());
    r.bulk("since");
    r.bulk(c.since());
    r.bulk("group");
    r.bulk(c.group());
    if (container) {
      r.bulk("subcommands");
      r.map(c.subcommands().size());
      for (RespCommand sub : c.subcommands()) {
        r.bulk(sub.fullName());
        writeDocs(r, sub);
      }
    }
  }

  /**
   * Writes Redis 7's ten-element command info: name, arity, flags, first key, last key, step, ACL
   * categories, tips, key specs and subcommands.
   */
  private static void writeInfo(RespReply r, RespCommand c) {
    r.array(10);
    r.bulk(c.fullName());
    r.integer(c.arity());
    r.set(c.flags().size());
    for (String f : c.flags()) {
      r.simple(f);
    }
    r.integer(c.firstKey());
    r.integer(c.lastKey());
    r.integer(c.step());
    r.set(c.aclCategories().size());
    for (String a : c.aclCategories()) {
      r.simple(a);
    }
    r.set(c.tips().size());
    for (String tip : c.tips()) {
      r.bulk(tip);
    }
    writeKeySpecs(r, c);
    if (c.subcommands().isEmpty()) {
      r.set(0); // as Redis 7.0: an empty set, else an array
    } else {
      r.array(c.subcommands().size());
    }
    for (RespCommand sub : c.subcommands()) {
      writeInfo(r, sub);
    }
  }

  /** Writes Redis 7.0's key specs ({@code addReplyCommandKeySpecs}): a set of maps. */
  private static void writeKeySpecs(RespReply r, RespCommand c) {
    r.set(c.keySpecs().size());
    for (KeySpec spec : c.keySpecs()) {
      r.map(spec.notes() == null ? 3 : 4);
      if (spec.notes() != null) {
        r.bulk("notes");
        r.bulk(spec.notes());
      }
      r.bulk("flags");
      r.set(spec.flags().size());
      for (String flag : spec.flags()) {
        r.simple(flag);
      }
      r.bulk("begin_search");
      r.map(2);
      r.bulk("type");
      r.bulk("index");
      r.bulk("spec");
      r.map(1);
      r.bulk("index");
      r.integer(spec.index());
      r.bulk("find_keys");
      r.map(2);
      r.bulk("type");
      r.bulk("range");
      r.bulk("spec");
      r.map(3);
      r.bulk("lastkey");
      r.integer(spec.lastKey());
      r.bulk("keystep");
      r.integer(spec.keyStep());
      r.bulk("limit");
      r.integer(0);
    }
  }
}
