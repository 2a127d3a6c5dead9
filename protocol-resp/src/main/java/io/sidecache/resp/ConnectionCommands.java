package io.sidecache.resp;

import java.util.Arrays;
import java.util.List;

/** Connection commands, with Redis 7 semantics and error texts (server.c, networking.c). */
final class ConnectionCommands {
  /** The Redis version Sidecache answers as: the release its conformance suite runs against. */
  static final String REDIS_VERSION = "7.0.15";

  /** The one ACL user: Redis's {@code default}, whose password is {@code requirepass}. */
  private static final byte[] DEFAULT_USER = {'d', 'e', 'f', 'a', 'u', 'l', 't'};

  private ConnectionCommands() {}

  static List<RespCommand> commands() {
    return List.of(
        RespCommand.named("ping", -1).flags("fast").acl("@fast", "@connection")
            .tips("request_policy:all_shards", "response_policy:all_succeeded")
            .doc("connection", "1.0.0", "Returns the server's liveliness response.")
            .body(ConnectionCommands::ping).build(),
        RespCommand.named("echo", 2).flags("loading", "stale", "fast").acl("@fast", "@connection")
            .doc("connection", "1.0.0", "Returns the given string.")
            .body((s, a) -> s.reply().bulk(a[1])).build(),
        RespCommand.named("quit", -1)
            .flags("noscript", "loading", "stale", "fast", "no_auth", "allow_busy")
            .acl("@fast", "@connection")
            .doc("connection", "1.0.0", "Closes the connection.")
            .controlsTransaction()
            .body(ConnectionCommands::quit).build(),
        RespCommand.named("auth", -2)
            .flags("noscript", "loading", "stale", "fast", "no_auth", "allow_busy")
            .acl("@fast", "@connection")
            .doc("connection", "1.0.0", "Authenticates the connection.")
            .body(ConnectionCommands::auth).build(),
        RespCommand.named("select", 2).flags("loading", "stale", "fast").acl("@fast", "@connection")
            .doc("connection", "1.0.0", "Changes the selected database.")
            .body(ConnectionCommands::select).build(),
        RespCommand.named("hello", -1)
            .flags("noscript", "loading", "stale", "fast", "no_auth", "allow_busy")
            .acl("@fast", "@connection")
            .doc("connection", "6.0.0", "Handshakes with the Redis server.")
            .body(ConnectionCommands::hello).build(),
        RespCommand.named("client", -2).acl("@slow")
            .doc("connection", "2.4.0", "A container for client connection commands.")
            .subcommand(RespCommand.named("setname", 3).flags("noscript", "loading", "stale")
                .acl("@slow", "@connection")
                .doc("connection", "2.6.9", "Sets the connection name.")
                .body(ConnectionCommands::clientSetName))
            .subcommand(RespCommand.named("getname", 2).flags("noscript", "loading", "stale")
                .acl("@slow", "@connection")
                .doc("connection", "2.6.9", "Returns the name of the connection.")
                .body(ConnectionCommands::clientGetName))
            .subcommand(RespCommand.named("id", 2).flags("noscript", "loading", "stale")
                .acl("@slow", "@connection")
                .doc("connection", "5.0.0", "Returns the unique client ID of the connection.")
                .body((s, a) -> s.reply().integer(s.clientId())))
            .subcommand(RespCommand.named("info", 2).flags("noscript", "loading", "stale")
                .acl("@slow", "@connection")
                .tips("nondeterministic_output")
                .doc("connection", "6.2.0", "Returns information about the connection.")
                .body((s, a) -> s.reply().verbatim(s.infoLine() + "\n")))
            .subcommand(RespCommand.named("list", -2).flags("admin", "noscript", "loading",
                    "stale")
                .acl("@admin", "@slow", "@dangerous", "@connection")
                .tips("nondeterministic_output")
                .doc("connection", "2.4.0", "Lists open connections.")
                .body(ConnectionCommands::clientList))
            .subcommand(RespCommand.named("kill", -3).flags("admin", "noscript", "loading",
                    "stale")
                .acl("@admin", "@slow", "@dangerous", "@connection")
                .doc("connection", "2.4.0", "Terminates open connections.")
                .body(ConnectionCommands::clientKill))
            .subcommand(RespCommand.named("setinfo", 4).flags("noscript", "loading", "stale")
                .acl("@slow", "@connection")
                .doc("connection", "7.2.0", "Sets information specific to the client or connection.")
                .body(ConnectionCommands::clientSetInfo))
            .subcommands(TrackingCommands.subcommands())
            .build());
  }

  /** Redis 7 {@code PING [message]}: PONG, or the message as a bulk string. */
  static void ping(RespSession s, byte[][] args) {
    if (args.length > 2) {
      throw new RespException("ERR wrong number of arguments for 'ping' command");
    }
    if (s.subscribed() && s.reply().protocol() == 2) {
      // Redis 7.0 pingCommand: in Pub/Sub mode a RESP2 client gets an array
      s.reply().array(2);
      s.reply().bulk("pong");
      s.reply().bulk(args.length == 2 ? args[1] : new byte[0]);
    } else if (args.length == 2) {
      s.reply().bulk(args[1]);
    } else {
      s.reply().simple("PONG");
    }
  }

  /** Redis 7 {@code QUIT}: OK, then the connection closes. */
  static void quit(RespSession s, byte[][] args) {
    s.reply().ok();
    s.closeAfterReplies();
  }

  /**
   * Redis 7.0 {@code AUTH [username] password} against the {@code default} user, whose password is
   * {@code requirepass} (none: Redis's {@code nopass}, so the two-argument form is refused as
   * misconfiguration and the three-argument form accepts any password).
   */
  static void auth(RespSession s, byte[][] args) {
    if (args.length > 3) {
      throw RespException.SYNTAX;
    }
    if (args.length == 2 && !s.context().requiresPassword()) {
      throw new RespException("ERR AUTH <password> called without any password configured for"
          + " the default user. Are you sure your configuration is correct?");
    }
    byte[] user = args.length == 3 ? args[1] : DEFAULT_USER;
    authenticate(s, user, args[args.length - 1]);
    s.reply().ok();
  }

  /** Authenticates as {@code user} or throws Redis 7.0's WRONGPASS error. */
  private static void authenticate(RespSession s, byte[] user, byte[] password) {
    if (!Arrays.equals(user, DEFAULT_USER) || !s.context().passwordMatches(password)) {
      throw new RespException("WRONGPASS invalid username-password pair or user is disabled.");
    }
    s.authenticate();
  }

  /** Redis 7 {@code SELECT index}: only database 0 exists (cluster-mode Redis has one too). */
  static void select(RespSession s, byte[][] args) {
    long db = Args.toLong(args[1]);
    if (db != 0) {
      throw new RespException("ERR DB index is out of range");
    }
    s.reply().ok();
  }

  /**
   * Redis 7.0 {@code HELLO [protover [AUTH user pass] [SETNAME name]]}: protocol 2 or 3 (RESP3
   * from this reply on: maps, sets, nulls and verbatim strings where Redis 7 answers with them),
   * NOPROTO otherwise; without a version the connection keeps its protocol. Without a configured
   * password the {@code default} user accepts any password, as Redis's {@code nopass}. An
   * unauthenticated connection must authenticate with the AUTH option.
   */
  static void hello(RespSession s, byte[][] args) {
    int next = 1;
    int protocol = s.reply().protocol();
    if (args.length >= 2) {
      long version = Args.toLong(args[next++],
          new RespException("ERR Protocol version is not an integer or out of range"));
      if (version != 2 && version != 3) {
        throw new RespException("NOPROTO unsupported protocol version");
      }
      protocol = (int) version;
    }
    byte[] user = null;
    byte[] password = null;
    byte[] clientName = null;
    for (int j = next; j < args.length; j++) {
      int more = args.length - 1 - j;
      if (Args.is(args[j], "AUTH") && more >= 2) {
        user = args[j + 1];
        password = args[j + 2];
        j += 2;
      } else if (Args.is(args[j], "SETNAME") && more >= 1) {
        clientName = args[++j];
      } else {
        throw new RespException("ERR Syntax error in HELLO option '" + Args.text(args[j]) + "'");
      }
    }
    if (user != null) {
      authenticate(s, user, password);
    }
    if (!s.authenticated()) {
      throw new RespException("NOAUTH HELLO must be called with the client already"
          + " authenticated, otherwise the HELLO <proto> AUTH <user> <pass> option can be used to"
          + " authenticate the client and select the RESP protocol version at the same time");
    }
    if (clientName != null) {
      s.name(validName(clientName));
    }
    RespReply r = s.reply();
    r.protocol(protocol);
    r.map(7);
    r.bulk("server");
    r.bulk("redis");
    r.bulk("version");
    r.bulk(REDIS_VERSION);
    r.bulk("proto");
    r.integer(protocol);
    r.bulk("id");
    r.integer(s.clientId());
    r.bulk("mode");
    r.bulk("standalone");
    r.bulk("role");
    r.bulk("master");
    r.bulk("modules");
    r.array(0);
  }

  /** Redis 7 {@code CLIENT SETNAME name}; an empty name clears it. */
  static void clientSetName(RespSession s, byte[][] args) {
    s.name(validName(args[2]));
    s.reply().ok();
  }

  /** Redis 7 {@code clientSetNameOrReply}: printable ASCII without spaces. */
  private static String validName(byte[] name) {
    for (byte c : name) {
      if (c < '!' || c > '~') {
        throw new RespException(
            "ERR Client names cannot contain spaces, newlines or special characters.");
      }
    }
    return Args.text(name);
  }

  /** Redis 7 {@code CLIENT GETNAME}: the name, or null when none is set. */
  static void clientGetName(RespSession s, byte[][] args) {
    if (s.name().isEmpty()) {
      s.reply().nullBulk();
    } else {
      s.reply().bulk(s.name());
    }
  }

  /**
   * Redis 7.2 {@code CLIENT SETINFO LIB-NAME|LIB-VER value} (sent by Jedis and redis-cli 7.2+ on
   * connect; Redis 7.0 itself does not have it).
   */
  static void clientSetInfo(RespSession s, byte[][] args) {
    boolean name = Args.is(args[2], "LIB-NAME");
    if (!name && !Args.is(args[2], "LIB-VER")) {
      throw new RespException("ERR Unrecognized option '" + Args.text(args[2]) + "'");
    }
    for (byte c : args[3]) {
      if (c < '!' || c > '~') {
        throw new RespException("ERR " + (name ? "lib-name" : "lib-ver")
            + " cannot contain spaces, newlines or special characters.");
      }
    }
    if (name) {
      s.libName(Args.text(args[3]));
    } else {
      s.libVersion(Args.text(args[3]));
    }
    s.reply().ok();
  }

  /**
   * Redis 7.0 {@code CLIENT LIST [TYPE normal|master|replica|pubsub] [ID id ...]}: one {@link
   * RespSession#infoLine()} per connection of this node; every Sidecache client is of type normal.
   */
  static void clientList(RespSession s, byte[][] args) {
    java.util.Set<Long> ids = null;
    boolean normalOnly = true;
    if (args.length > 2) {
      if (Args.is(args[2], "TYPE") && args.length == 4) {
        normalOnly = clientType(args[3]);
      } else if (Args.is(args[2], "ID") && args.length >= 4) {
        ids = new java.util.HashSet<>();
        for (int i = 3; i < args.length; i++) {
          long id = Args.toLong(args[i], new RespException("ERR Invalid client ID"));
          if (id <= 0) {
            throw new RespException("ERR Invalid client ID");
          }
          ids.add(id);
        }
      } else {
        throw RespException.SYNTAX;
      }
    }
    StringBuilder sb = new StringBuilder();
    if (normalOnly) {
      for (RespSession c : s.context().clients()) {
        if (ids == null || ids.contains(c.clientId())) {
          sb.append(c.infoLine()).append('\n');
        }
      }
    }
    s.reply().verbatim(sb.toString());
  }

  /** Returns whether a Redis client type names normal clients; throws for an unknown type. */
  private static boolean clientType(byte[] type) {
    if (Args.is(type, "NORMAL")) {
      return true;
    }
    if (Args.is(type, "MASTER") || Args.is(type, "REPLICA") || Args.is(type, "SLAVE")
        || Args.is(type, "PUBSUB")) {
      return false;
    }
    throw new RespException("ERR Unknown client type '" + Args.text(type) + "'");
  }

  /**
   * Redis 7.0 {@code CLIENT KILL}: the old form {@code CLIENT KILL ip:port} (OK or "No such
   * client") and the filter form {@code CLIENT KILL [ID id] [TYPE type] [USER user] [ADDR ip:port]
   * [LADDR ip:port] [SKIPME yes|no]} answering the number of connections closed. Only connections
   * to this node are seen. The caller's own connection closes after the reply.
   */
  static void clientKill(RespSession s, byte[][] args) {
    if (args.length == 3) {
      String addr = Args.text(args[2]);
      for (RespSession c : s.context().clients()) {
        if (c.remoteAddressText().equals(addr)) {
          kill(s, c);
          s.reply().ok();
          return;
        }
      }
      throw new RespException("ERR No such client");
    }
    long id = 0;
    Boolean normal = null;
    String user = null;
    String addr = null;
    String laddr = null;
    boolean skipMe = true;
    for (int i = 2; i < args.length; i += 2) {
      if (i + 1 >= args.length) {
        throw RespException.SYNTAX;
      }
      byte[] option = args[i];
      byte[] value = args[i + 1];
      if (Args.is(option, "ID")) {
        id = Args.toLong(value, new RespException("ERR client-id should be greater than 0"));
        if (id <= 0) {
          throw new RespException("ERR client-id should be greater than 0");
        }
      } else if (Args.is(option, "TYPE")) {
        normal = clientType(value);
      } else if (Args.is(option, "USER")) {
        user = Args.text(value);
        if (!user.equals("default")) {
          throw new RespException("ERR No such user '" + user + "'");
        }
      } else if (Args.is(option, "ADDR")) {
        addr = Args.text(value);
      } else if (Args.is(option, "LADDR")) {
        laddr = Args.text(value);
      } else if (Args.is(option, "SKIPME")) {
        if (Args.is(value, "YES")) {
          skipMe = true;
        } else if (Args.is(value, "NO")) {
          skipMe = false;
        } else {
          throw RespException.SYNTAX;
        }
      } else {
        throw RespException.SYNTAX;
      }
    }
    long killed = 0;
    if (normal == null || normal) {
      for (RespSession c : s.context().clients()) {
        if ((id != 0 && c.clientId() != id)
            || (addr != null && !c.remoteAddressText().equals(addr))
            || (laddr != null && !c.localAddressText().equals(laddr))
            || (skipMe && c == s)) {
          continue;
        }
        kill(s, c);
        killed++;
      }
    }
    s.reply().integer(killed);
  }

  private static void kill(RespSession caller, RespSession target) {
    if (target == caller) {
      caller.closeAfterReplies();
    } else {
      target.kill();
    }
  }
}
