package io.sidecache.server;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The {@code sidecache} command: starts every listener with working defaults and runs in the
 * foreground until SIGTERM or SIGINT, then shuts down cleanly.
 *
 * <p>Every option may also come from an environment variable named after it ({@code --resp-port}
 * from {@code SIDECACHE_RESP_PORT}) and from the file {@code --config} names, one {@code option
 * value} per line ({@code resp-port 6380}). Precedence: command line, then environment, then
 * file, then the default. An unknown option in the file is a usage error.
 */
@Command(
    name = "sidecache",
    mixinStandardHelpOptions = true,
    versionProvider = SidecacheCommand.Version.class,
    description = "A sidecar cache speaking RESP (Redis), memcached and HTTP over one keyspace.",
    subcommands = AutoComplete.GenerateCompletion.class,
    defaultValueProvider = SidecacheCommand.Defaults.class)
public final class SidecacheCommand implements Callable<Integer> {

  @Spec
  CommandSpec spec;

  @Option(names = "--bind", paramLabel = "ADDRESS",
      description = "Address to listen on (default: ${DEFAULT-VALUE}).",
      defaultValue = "127.0.0.1")
  String bind;

  @Option(names = "--resp-port", paramLabel = "PORT",
      description = "RESP (Redis) port, 0 for ephemeral"
      + " (default: ${DEFAULT-VALUE}).", defaultValue = "6379")
  int respPort;

  @Option(names = "--memcached-port", paramLabel = "PORT",
      description = "memcached port, 0 for ephemeral"
      + " (default: ${DEFAULT-VALUE}).", defaultValue = "11211")
  int memcachedPort;

  @Option(names = "--http-port", paramLabel = "PORT", description = "HTTP port, 0 for ephemeral"
      + " (default: ${DEFAULT-VALUE}).", defaultValue = "8080")
  int httpPort;

  @Option(names = "--memory", paramLabel = "SIZE", converter = ByteSize.class,
      description = "Memory tier size, e.g."
      + " 256m or 2g (default: half of the JVM's maximum heap).")
  Long memory;

  @Option(names = "--data-dir", paramLabel = "DIR",
      description = "Disk tier directory (default: ${DEFAULT-VALUE}).",
      defaultValue = "./data")
  Path dataDir;

  @Option(names = "--disk-size", paramLabel = "SIZE", converter = ByteSize.OrZero.class,
      description = "Disk tier size,"
      + " e.g. 4g; 0 turns the disk tier off (default: ${DEFAULT-VALUE}).", defaultValue = "4g")
  long diskSize;

  @Option(names = "--chunk-size", paramLabel = "BYTES", converter = ByteSize.class,
      description = "Values longer than"
      + " this are stored as chunks of this size, so range reads and writes touch only the chunks"
      + " they need and no value is held whole in heap; at most "
      + io.sidecache.store.chunk.ChunkedStore.MAX_CHUNK_SIZE + " (default: ${DEFAULT-VALUE}).",
      defaultValue = "65472")
  long chunkSize;

  @Option(names = "--chunk-memory", paramLabel = "SIZE", converter = ByteSize.OrZero.class,
      description = "Memory for"
      + " the chunks of large values, on top of --memory; they live there without a disk tier"
      + " (default: a quarter of --memory).")
  Long chunkMemory;

  @Option(names = "--max-item-size", paramLabel = "SIZE", converter = ByteSize.class,
      description = "Largest value"
      + " memcached accepts, like memcached -I (default: ${DEFAULT-VALUE}).", defaultValue = "1m")
  long maxItemSize;

  @Option(names = "--proto-max-bulk-len", paramLabel = "SIZE", converter = ByteSize.class,
      description = "Largest RESP"
      + " bulk string, like Redis proto-max-bulk-len (default: ${DEFAULT-VALUE}).",
      defaultValue = "512m")
  long maxBulkLength;

  @Option(names = "--max-http-body", paramLabel = "SIZE", converter = ByteSize.class,
      description = "Largest HTTP"
      + " request body; a PUT longer than one chunk streams into the store, so this may exceed"
      + " the heap (default: ${DEFAULT-VALUE}).", defaultValue = "4g")
  long maxHttpBody;

  @Option(names = "--http-token", paramLabel = "TOKEN",
      description = "Bearer token every HTTP /cache request must"
      + " carry as 'Authorization: Bearer <token>' (default: none).")
  String httpToken;

  @Option(names = "--http-token-protect-ops", description = "Require the --http-token on /health,"
      + " /ready, /metrics and /stats too (default: they stay open).")
  boolean httpTokenProtectOps;

  @Option(names = "--unixsocket", paramLabel = "PATH", description = "Also serve RESP on this"
      + " Unix domain socket, like Redis unixsocket (default: none).")
  Path unixSocket;

  @Option(names = "--memcached-unixsocket", paramLabel = "PATH", description = "Also serve"
      + " memcached on this Unix domain socket, like memcached -s (default: none).")
  Path memcachedUnixSocket;

  @Option(names = "--unixsocketperm", paramLabel = "OCTAL", description = "Permissions of the"
      + " Unix sockets, like Redis unixsocketperm, e.g. 700 (default: as created).")
  String unixSocketPerm;

  @Option(names = "--requirepass", paramLabel = "PASSWORD",
      description = "Password RESP clients must give with AUTH, like"
      + " Redis requirepass (default: none).")
  String requirePass;

  @Option(names = "--client-output-buffer-limit", paramLabel = "SIZE",
      converter = ByteSize.OrZero.class, description =
      "Close a connection whose unsent replies exceed this, like Redis's"
      + " client-output-buffer-limit hard limit; 0 for none (default: ${DEFAULT-VALUE}).",
      defaultValue = "0")
  long outputLimit;

  @Option(names = "--memcached-sasl-user", paramLabel = "USER",
      description = "User memcached binary clients"
      + " authenticate as with SASL PLAIN (default: ${DEFAULT-VALUE}).",
      defaultValue = SidecacheConfig.DEFAULT_MEMCACHED_SASL_USER)
  String memcachedSaslUser;

  @Option(names = "--config", paramLabel = "FILE", description = "Read options from FILE: one"
      + " 'option value' per line, e.g. 'resp-port 6380' or 'memory 2g', '#' starts a comment;"
      + " the command line and SIDECACHE_* variables win over it (default: none).")
  Path configFile;

  @Option(names = "--log-format", paramLabel = "FORMAT",
      description = "Log lines as plain text or as one JSON object"
      + " per line: ${COMPLETION-CANDIDATES} (default: ${DEFAULT-VALUE}).", defaultValue = "plain",
      converter = LogFormatConverter.class, completionCandidates = LogFormats.class)
  LoggingSetup.Format logFormat;

  @Option(names = "--log-level", paramLabel = "LEVEL",
      description = "Least severe level logged: error, warn, info,"
      + " debug or trace (default: ${DEFAULT-VALUE}).", defaultValue = "info")
  String logLevel;

  @Option(names = "--debug", description = "Print the stack trace of a start-up failure"
      + " (default: one line).")
  boolean debug;

  @Option(names = "--cluster", description = "Join a cluster of Sidecache nodes: keys are"
      + " spread over the members and replicated (docs/cluster.md); needs --cluster-secret"
      + " (default: standalone, no Hazelcast loaded).")
  boolean cluster;

  @Option(names = "--cluster-name", paramLabel = "NAME",
      description = "Cluster name; members with another never join"
      + " (not a secret) (default: ${DEFAULT-VALUE}).", defaultValue = "sidecache")
  String clusterName;

  @Option(names = "--cluster-port", paramLabel = "PORT",
      description = "Hazelcast member port, for membership only"
      + " (default: ${DEFAULT-VALUE}).", defaultValue = "5701")
  int clusterPort;

  @Option(names = "--peer-port", paramLabel = "PORT",
      description = "Port other nodes send forwarded and replicated"
      + " requests to (default: ${DEFAULT-VALUE}).", defaultValue = "7380")
  int peerPort;

  @Option(names = "--join", paramLabel = "HOST:PORT,...", split = ",", description = "Cluster"
      + " ports of members to join through (TCP/IP; no multicast), or kubernetes:<service-dns>"
      + " for Hazelcast's Kubernetes discovery through a headless service (default: none, this"
      + " node starts a cluster).")
  java.util.List<String> join = new java.util.ArrayList<>();

  @Option(names = "--cluster-bind", paramLabel = "ADDRESS", description = "Address the cluster"
      + " and peer ports bind and advertise to other nodes, e.g. a Kubernetes pod's IP while the"
      + " client ports stay on --bind (default: --bind's address).")
  String clusterBind;

  @Option(names = "--node-id", paramLabel = "ID",
      description = "This node's id on the ring, unique in the cluster"
      + " (default: <cluster-bind>:<cluster-port>).")
  String nodeId;

  @Option(names = "--cluster-secret", paramLabel = "SECRET",
      description = "Shared secret nodes prove to each other"
      + " (HMAC-SHA256 challenge-response) before any key is sent (default: none; required with"
      + " --cluster).")
  String clusterSecret;

  @Option(names = "--replicas", paramLabel = "N",
      description = "Copies of each key, the owner's included (the"
      + " replication factor) (default: ${DEFAULT-VALUE}).", defaultValue = "2")
  int replicas;

  @Option(names = "--write-ack", paramLabel = "all|one",
      description = "When a write is acknowledged: 'all' once every"
      + " replica has it, 'one' once the owner has it (default: ${DEFAULT-VALUE}).",
      defaultValue = "all")
  String writeAck;

  @Option(names = "--shutdown-timeout", paramLabel = "DURATION", converter = DurationValue.class,
      description = "Longest"
      + " a SIGTERM shutdown may take (finish commands, persist the memory tier, leave the"
      + " cluster), e.g. 30s; beyond it, or at a second SIGTERM, the process exits at once with"
      + " status 1 (default: ${DEFAULT-VALUE}).", defaultValue = "60s")
  java.time.Duration shutdownTimeout;

  @Option(names = "--tls-cert", paramLabel = "FILE", description = "PEM certificate chain: with"
      + " --tls-key, the RESP, memcached and HTTP ports and the cluster's peer port speak TLS"
      + " (Unix sockets stay plain) (default: none, plain TCP).")
  Path tlsCert;

  @Option(names = "--tls-key", paramLabel = "FILE", description = "PEM private key (PKCS#8) of"
      + " the --tls-cert (default: none).")
  Path tlsKey;

  @Option(names = "--tls-ca", paramLabel = "FILE", description = "PEM CA certificates: clients"
      + " must present a certificate they signed, like Redis tls-auth-clients (default: none, no"
      + " client certificates).")
  Path tlsCa;

  @Option(names = "--tls-protocols", paramLabel = "VERSION,...", split = ",",
      description = "TLS versions allowed"
      + " (default: TLSv1.3,TLSv1.2).")
  java.util.List<String> tlsProtocols = new java.util.ArrayList<>(TlsSettings.DEFAULT_PROTOCOLS);

  @Option(names = "--memcached-sasl-password", paramLabel = "PASSWORD",
      description = "Password for SASL PLAIN on the"
      + " memcached port; when set, only the binary protocol is served there, as memcached -S"
      + " (default: none, no authentication).")
  String memcachedSaslPassword;

  /**
   * Runs the command line and exits with its status.
   *
   * @param args the command line
   */
  public static void main(String[] args) {
    System.exit(execute(new SidecacheCommand(), new PrintWriter(System.err, true), args));
  }

  /**
   * Runs a command line as {@code main} does, with the options of the {@code --config} file
   * (named on the command line or by {@code SIDECACHE_CONFIG}) as defaults below the environment.
   *
   * @param command the command object the options are parsed into
   * @param err where errors go
   * @param args the command line
   * @return the exit status: 0, 1 (start-up failure) or 2 (usage)
   */
  static int execute(SidecacheCommand command, PrintWriter err, String... args) {
    CommandLine cl = commandLine(command);
    cl.setErr(err);
    boolean helpOrVersion = java.util.Arrays.stream(args).anyMatch(a -> a.equals("-h")
        || a.equals("--help") || a.equals("-V") || a.equals("--version"));
    if (!helpOrVersion) {
      try {
        cl.setDefaultValueProvider(defaults(System::getenv, cl, args));
      } catch (CommandLine.ParameterException e) {
        err.println("sidecache: " + e.getMessage());
        return USAGE_ERROR;
      }
    }
    return cl.execute(args);
  }

  /**
   * The defaults of a command line: the environment, then the {@code --config} file that {@code
   * args} or the environment name.
   *
   * @throws CommandLine.ParameterException if that file is missing or holds an unknown option
   */
  private static Defaults defaults(java.util.function.UnaryOperator<String> environment,
      CommandLine cl, String[] args) {
    String file = configFileArgument(environment, args);
    if (file == null || file.isEmpty()) {
      return new Defaults(environment, java.util.Map.of());
    }
    try {
      return new Defaults(environment, ConfigFile.read(Path.of(file),
          cl.getCommandSpec().optionsMap().keySet()));
    } catch (IllegalArgumentException | java.io.IOException e) {
      throw new CommandLine.ParameterException(cl, "--config " + file + ": "
          + (e instanceof java.nio.file.NoSuchFileException ? "no such file" : e.getMessage()), e);
    }
  }

  /**
   * Checks a deployment's options as {@code sidecache} would take them, without starting
   * anything: parses {@code args} with {@code environment} in place of the process's {@code
   * SIDECACHE_*} variables (and the {@code --config} file they name) and returns the effective
   * configuration. For tests of deployment descriptors: a container's arguments and environment,
   * a service's command line.
   *
   * @param environment environment variables by name, e.g. {@code SIDECACHE_CLUSTER_SECRET}
   * @param args the command line, e.g. {@code --bind 0.0.0.0 --cluster}
   * @return the configuration a node started so would run with
   * @throws CommandLine.ParameterException for what {@code sidecache} refuses with exit status 2
   *     (an unknown option, a bad value, options that do not go together, a missing or bad
   *     configuration file)
   */
  public static SidecacheConfig check(java.util.Map<String, String> environment,
      String... args) {
    SidecacheCommand command = new SidecacheCommand();
    CommandLine cl = new CommandLine(command);
    cl.setDefaultValueProvider(defaults(environment::get, cl, args));
    cl.parseArgs(args);
    return command.config();
  }

  /** The {@code --config} file the command line or the environment names, or {@code null}. */
  private static String configFileArgument(java.util.function.UnaryOperator<String> environment,
      String[] args) {
    String file = environment.apply(Defaults.variableName("--config"));
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--config") && i + 1 < args.length) {
        file = args[i + 1];
      } else if (args[i].startsWith("--config=")) {
        file = args[i].substring("--config=".length());
      }
    }
    return file;
  }

  /**
   * The command line with Sidecache's error handling: a bad option or value is one line naming
   * it, exit status 2 ({@link #USAGE_ERROR}); a start-up failure ({@link StartupException}) one
   * line naming its cause and the option that changes it, exit status 1, the stack trace only
   * with {@code --debug}.
   *
   * @param command the command object the options are parsed into
   * @return the command line, ready to {@code execute}
   */
  static CommandLine commandLine(SidecacheCommand command) {
    CommandLine cl = new CommandLine(command);
    cl.setParameterExceptionHandler((e, args) -> {
      String message = e.getMessage();
      if (e instanceof CommandLine.UnmatchedArgumentException unmatched) {
        // Name the unknown options only: a value after a mistyped --requirepass is a secret.
        message = "unknown option " + unmatched.getUnmatched().stream()
            .filter(a -> a.startsWith("-")).map(a -> "'" + a.split("=", 2)[0] + "'")
            .findFirst().orElse("or argument");
      }
      e.getCommandLine().getErr().println("sidecache: " + message + " (see sidecache --help)");
      return USAGE_ERROR;
    });
    cl.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      commandLine.getErr().println("sidecache: " + (e instanceof StartupException
          ? e.getMessage() : "failed to start: " + e));
      if (command.debug || commandLine.getParseResult() != null
          && commandLine.getParseResult().hasMatchedOption("--debug")) {
        e.printStackTrace(commandLine.getErr());
      }
      return 1;
    });
    return cl;
  }

  /** The exit status of a command line that does not parse or holds a bad value. */
  static final int USAGE_ERROR = 2;

  /** Builds the configuration from the parsed options. */
  SidecacheConfig config() {
    checkPort("--resp-port", respPort);
    checkPort("--memcached-port", memcachedPort);
    checkPort("--http-port", httpPort);
    long heap = Runtime.getRuntime().maxMemory();
    long memoryBytes = memory != null ? memory : Math.max(1, heap / 2);
    long chunkBytes = chunkMemory != null ? chunkMemory : memoryBytes / 4;
    if (memoryBytes + chunkBytes > heap) {
      throw new CommandLine.ParameterException(spec.commandLine(), "--memory " + mib(memoryBytes)
          + " with --chunk-memory " + mib(chunkBytes) + " need more than the heap holds ("
          + mib(heap) + "); lower them, or give the JVM more heap (-Xmx; bin/sidecache sizes it"
          + " from --memory)");
    }
    try {
      return new SidecacheConfig(bind, respPort, memcachedPort, httpPort, memoryBytes, dataDir,
          diskSize, toInt("--max-item-size", maxItemSize), maxBulkLength,
          maxHttpBody,
          requirePass, outputLimit, memcachedSaslUser, memcachedSaslPassword,
          toInt("--chunk-size", chunkSize), chunkBytes, httpToken,
          flag(httpTokenProtectOps, "--http-token-protect-ops"),
          unixSocket, memcachedUnixSocket, permission(), clusterSettings(), tlsSettings());
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), optionNamed(e.getMessage()), e);
    }
  }

  /** {@link SidecacheConfig}'s fields by the options that set them, for error messages. */
  private static final java.util.Map<String, String> OPTIONS = java.util.Map.ofEntries(
      java.util.Map.entry("memoryBytes", "--memory"),
      java.util.Map.entry("diskBytes", "--disk-size"),
      java.util.Map.entry("maxItemBytes", "--max-item-size"),
      java.util.Map.entry("maxBulkBytes", "--proto-max-bulk-len"),
      java.util.Map.entry("maxHttpBodyBytes", "--max-http-body"),
      java.util.Map.entry("outputLimitBytes", "--client-output-buffer-limit"),
      java.util.Map.entry("memcachedSaslUser", "--memcached-sasl-user"),
      java.util.Map.entry("memcachedSaslPassword", "--memcached-sasl-password"),
      java.util.Map.entry("chunkSize", "--chunk-size"),
      java.util.Map.entry("chunkMemoryBytes", "--chunk-memory"),
      java.util.Map.entry("httpToken", "--http-token"),
      java.util.Map.entry("memcachedUnixSocket", "--memcached-unixsocket"),
      java.util.Map.entry("tlsCert", "--tls-cert"),
      java.util.Map.entry("tlsKey", "--tls-key"),
      java.util.Map.entry("tlsCa", "--tls-ca"),
      java.util.Map.entry("tlsProtocols", "--tls-protocols"));

  /** A {@link SidecacheConfig} message with its leading field name replaced by the option's. */
  private static String optionNamed(String message) {
    int colon = message.indexOf(':');
    String option = colon < 0 ? null : OPTIONS.get(message.substring(0, colon));
    return option == null ? message : option + message.substring(colon);
  }

  private static String mib(long bytes) {
    return (bytes >> 20) + " MiB";
  }

  /**
   * A boolean option's value: given on the command line it is on, whatever the environment or
   * the file say (picocli turns a flag whose default is {@code true} off when it is given).
   */
  private boolean flag(boolean parsed, String name) {
    CommandLine.ParseResult result = spec.commandLine().getParseResult();
    return parsed || (result != null && result.hasMatchedOption(name));
  }

  /** The TLS options as settings, {@code null} without {@code --tls-cert}. */
  private TlsSettings tlsSettings() {
    if (tlsCert == null && tlsKey == null) {
      if (tlsCa != null) {
        throw new CommandLine.ParameterException(spec.commandLine(),
            "--tls-ca needs --tls-cert and --tls-key");
      }
      return null;
    }
    if (tlsCert == null || tlsKey == null) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "--tls-cert and --tls-key go together");
    }
    return new TlsSettings(tlsCert, tlsKey, tlsCa, tlsProtocols);
  }

  /** The cluster options as settings, {@code null} without {@code --cluster}. */
  private io.sidecache.cluster.ClusterNode.Settings clusterSettings() {
    if (!flag(cluster, "--cluster")) {
      return null;
    }
    if (clusterSecret == null || clusterSecret.isEmpty()) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "--cluster needs --cluster-secret (the same on every node)");
    }
    if (clusterPort < 1 || clusterPort > 65535) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "--cluster-port: " + clusterPort + " (expected: 1..65535)");
    }
    checkPort("--peer-port", peerPort);
    if (replicas < 1) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "--replicas: " + replicas + " (expected: >= 1)");
    }
    if (!writeAck.equals("all") && !writeAck.equals("one")) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "--write-ack: " + writeAck + " (expected: all or one)");
    }
    for (String member : join) {
      String k8s = io.sidecache.cluster.ClusterMembership.KUBERNETES;
      boolean kubernetes = member.startsWith(k8s) && join.size() == 1
          && member.substring(k8s.length()).matches("[A-Za-z0-9][A-Za-z0-9.-]*");
      if (!kubernetes && (member.startsWith(k8s) || !member.matches(".+:\\d{1,5}"))) {
        throw new CommandLine.ParameterException(spec.commandLine(), "--join: " + member
            + " (expected: host:port,... or kubernetes:<headless service DNS name>)");
      }
    }
    String host = clusterBind != null ? clusterBind : bind;
    if (java.util.Set.of("0.0.0.0", "::", "[::]", "::0", "0:0:0:0:0:0:0:0").contains(host)) {
      throw new CommandLine.ParameterException(spec.commandLine(), (clusterBind != null
          ? "--cluster-bind " : "--bind ") + host + " is every interface, which other nodes"
          + " cannot dial; give --cluster-bind this node's address (with --cluster)");
    }
    return new io.sidecache.cluster.ClusterNode.Settings(clusterName, host, clusterPort, peerPort,
        join, nodeId != null ? nodeId : host + ":" + clusterPort, clusterSecret, replicas,
        writeAck.equals("all"), PEER_TIMEOUT_MILLIS);
  }

  /** The deadline of one request to another node, in milliseconds. */
  static final long PEER_TIMEOUT_MILLIS = 2_000;

  /** {@code --unixsocketperm} as permission bits, -1 when not given. */
  private int permission() {
    if (unixSocketPerm == null) {
      return -1;
    }
    if (!unixSocketPerm.matches("0?[0-7]{1,3}")) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          "--unixsocketperm: " + unixSocketPerm + " (expected: octal permission bits, e.g. 700)");
    }
    return Integer.parseInt(unixSocketPerm, 8);
  }

  private void checkPort(String option, int port) {
    if (port < 0 || port > 65535) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          option + ": " + port + " (expected: 0..65535)");
    }
  }

  private int toInt(String option, long bytes) {
    if (bytes > Integer.MAX_VALUE - 8) {
      throw new CommandLine.ParameterException(spec.commandLine(),
          option + ": " + bytes + " (expected: < 2g)");
    }
    return (int) bytes;
  }

  /** {@code plain} or {@code json}, case-insensitive. */
  static final class LogFormatConverter implements CommandLine.ITypeConverter<LoggingSetup.Format> {
    @Override
    public LoggingSetup.Format convert(String value) {
      try {
        return LoggingSetup.Format.valueOf(value.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException e) {
        throw new CommandLine.TypeConversionException(
            "'" + value + "' (expected: plain or json)");
      }
    }
  }

  /** The {@code --log-format} values, for help and completion. */
  static final class LogFormats extends java.util.ArrayList<String> {
    private static final long serialVersionUID = 1L;

    LogFormats() {
      super(java.util.List.of("plain", "json"));
    }
  }

  @Override
  public Integer call() throws InterruptedException {
    SidecacheConfig config = config();
    try {
      LoggingSetup.configure(logFormat, logLevel, System.err);
    } catch (IllegalArgumentException e) {
      throw new CommandLine.ParameterException(spec.commandLine(), e.getMessage(), e);
    }
    // Handlers first: a signal during the start shuts the node down as soon as it is up.
    GracefulShutdown shutdown = new GracefulShutdown(shutdownTimeout);
    shutdown.onSignals("TERM", "INT");
    shutdown.started(Sidecache.start(config));
    shutdown.await();
    return 0;
  }

  /**
   * Reads option defaults from {@code SIDECACHE_*} environment variables, then from the options
   * of a {@code --config} file, then the option's own default.
   */
  public static final class Defaults implements CommandLine.IDefaultValueProvider {
    private final java.util.function.UnaryOperator<String> environment;
    private final java.util.Map<String, String> file;

    /** Defaults from the process's environment only (no file). */
    public Defaults() {
      this(System::getenv, java.util.Map.of());
    }

    /**
     * Defaults from an environment, then from a file's options.
     *
     * @param environment the value of an environment variable by name, {@code null} if unset
     * @param file values by option name ({@code --resp-port})
     */
    Defaults(java.util.function.UnaryOperator<String> environment,
        java.util.Map<String, String> file) {
      this.environment = environment;
      this.file = file;
    }

    @Override
    public String defaultValue(ArgSpec argSpec) {
      if (argSpec instanceof OptionSpec option) {
        String value = environment.apply(variableName(option.longestName()));
        if (value != null) {
          return value;
        }
        value = file.get(option.longestName());
        if (value != null) {
          return value;
        }
      }
      return argSpec.defaultValue();
    }

    /**
     * Returns the environment variable for an option.
     *
     * @param longName the option, e.g. {@code --resp-port}
     * @return the variable, e.g. {@code SIDECACHE_RESP_PORT}
     */
    static String variableName(String longName) {
      return "SIDECACHE_" + longName.replaceFirst("^-+", "").replace('-', '_')
          .toUpperCase(Locale.ROOT);
    }
  }

  /** Reports the version from the jar manifest. */
  public static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      String v = SidecacheCommand.class.getPackage().getImplementationVersion();
      return new String[] {"sidecache " + (v == null ? "(development build)" : v)};
    }
  }
}
