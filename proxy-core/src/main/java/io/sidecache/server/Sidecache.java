package io.sidecache.server;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.util.concurrent.EventExecutor;
import io.sidecache.http.HttpServerContext;
import io.sidecache.http.HttpServerInitializer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.sidecache.protocol.CommandGate;
import io.sidecache.protocol.CommandMetrics;
import io.sidecache.protocol.PipelinedRequestHandler;
import io.sidecache.memcached.MemcachedMetrics;
import io.sidecache.memcached.MemcachedSasl;
import io.sidecache.memcached.MemcachedServerInitializer;
import io.sidecache.memcached.MemcachedStats;
import io.sidecache.resp.ClientTracking;
import io.sidecache.resp.RespCommands;
import io.sidecache.resp.RespLimits;
import io.sidecache.resp.RespServerContext;
import io.sidecache.resp.RespServerInitializer;
import io.sidecache.cluster.ClusterNode;
import io.sidecache.store.CacheStore;
import io.sidecache.store.ChunkMetrics;
import io.sidecache.store.StoreMetrics;
import io.sidecache.store.Ticker;
import io.sidecache.store.chunk.ChunkedStore;
import io.sidecache.store.memory.MemoryStore;
import io.sidecache.store.tiered.TieredStore;
import io.sidecache.store.tiered.TieredStoreMetrics;
import java.io.IOException;
import io.netty.channel.unix.DomainSocketAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A running Sidecache: the store and the RESP, memcached and HTTP listeners over it.
 *
 * <p>{@link #start} binds every listener or fails without leaving any open. {@link #close} stops
 * accepting, lets in-flight commands finish and closes the connections; it is idempotent and
 * thread-safe, so a shutdown hook (SIGTERM) and a test may both call it.
 */
public final class Sidecache implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Sidecache.class);
  /** Per-connection outbound bytes above which reading pauses until the peer catches up. */
  private static final WriteBufferWaterMark WATER_MARK =
      new WriteBufferWaterMark(256 * 1024, 1024 * 1024);

  private final CacheStore store;
  private final MemoryStore memoryTier;
  private final TieredStore tiered;
  private final PrometheusMeterRegistry registry;
  private final JvmGcMetrics gcMetrics;
  private final ScheduledExecutorService expiry;
  private final EventLoopGroup acceptors;
  private final EventLoopGroup workers;
  private final List<Channel> listeners = new ArrayList<>();
  private final List<Path> unixSockets = new ArrayList<>();
  private final java.util.Map<String, Connections> connections = new java.util.HashMap<>();
  private final long outputLimit;
  private final InetSocketAddress respAddress;
  private final InetSocketAddress memcachedAddress;
  private final InetSocketAddress httpAddress;
  private final NodeOperations operations;
  private final ClusterNode cluster;
  /** The server side of TLS on every TCP listener, or {@code null} for plain TCP. */
  private final io.netty.handler.ssl.SslContext tls;
  /** TLS on the peer port, or {@code null}. */
  private final io.sidecache.cluster.PeerTls peerTls;
  private MemcachedServerInitializer memcached;
  private boolean closed;

  private Sidecache(SidecacheConfig config) throws InterruptedException {
    // Before anything opens: a TLS file or protocol that cannot be used stops the start clean.
    this.tls = config.tls() == null ? null : config.tls().server();
    try {
      this.peerTls = config.tls() == null || config.cluster() == null ? null
          : new io.sidecache.cluster.PeerTls(tls, config.tls().peerClient());
    } catch (RuntimeException e) {
      TlsSettings.release(tls);
      throw e;
    }
    Ticker ticker = Ticker.system();
    this.outputLimit = config.outputLimitBytes();
    this.expiry = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, "sidecache-expiry");
      t.setDaemon(true);
      return t;
    });
    // Caffeine's maintenance (eviction) runs on the calling thread: it is short, non-blocking
    // work, and handing it to ForkJoinPool.commonPool() competed with the event loops for the
    // core (docs/benchmarks.md). The memory tier's active expiry sweep runs on the expiry
    // thread every 100 ms.
    // Client-side caching hears of every change: the memory tier reports its expiries and
    // evictions, RespServerContext.store() the writes of every protocol.
    ClientTracking tracking = new ClientTracking(ClientTracking.DEFAULT_MAX_KEYS);
    MemoryStore.Builder memoryBuilder = MemoryStore.builder().maximumBytes(config.memoryBytes())
        .executor(Runnable::run).activeExpiry(expiry).keyChanges(tracking);
    CacheStore local;
    if (config.diskBytes() > 0) {
      try {
        this.tiered = TieredStore.open(memoryBuilder, config.dataDir(), config.diskBytes(),
            TieredStore.PENDING_BYTES_DEFAULT, config.chunkMemoryBytes(), ticker);
      } catch (IOException | RuntimeException e) {
        expiry.shutdownNow();
        releaseTls();
        throw new StartupException("cannot open the disk tier in " + config.dataDir()
            + ": " + reason(e) + "; use --data-dir, or --disk-size 0 for memory only", e);
      }
      this.memoryTier = tiered.memoryTier();
      local = new ChunkedStore(tiered, tiered.chunkReclaimer(), config.chunkSize());
    } else {
      this.tiered = null;
      ChunkedStore chunked = ChunkedStore.overMemory(memoryBuilder.ticker(ticker),
          config.chunkMemoryBytes(), config.chunkSize(), ticker, expiry);
      this.memoryTier = (MemoryStore) chunked.base(); // the memory tier overMemory built
      local = chunked;
    }
    Transport transport = Transport.best();
    this.acceptors = transport.group(1);
    int threads = Runtime.getRuntime().availableProcessors();
    this.workers = transport.group(threads);
    this.cluster = config.cluster() == null ? null : joinCluster(local, config, transport);
    this.store = cluster == null ? local : cluster.store();
    List<EventExecutor> loops = new ArrayList<>();
    workers.forEach(loops::add);
    CommandGate gate = new CommandGate(loops);
    this.registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    new JvmMemoryMetrics().bindTo(registry);
    this.gcMetrics = new JvmGcMetrics();
    gcMetrics.bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new StoreMetrics(memoryTier).bindTo(registry);
    new ChunkMetrics(store).bindTo(registry);
    if (tiered != null) {
      new TieredStoreMetrics(tiered).bindTo(registry);
    }
    this.operations = new NodeOperations(registry, tiered, cluster);
    if (cluster != null) {
      bindClusterMetrics(cluster, registry);
    }
    // Logged before any listener binds: once a client can connect, this line is in the log.
    log.info("transport {}, memory tier {} bytes, chunks of {} bytes with {} bytes of memory,"
        + " disk tier {}", transport, config.memoryBytes(), config.chunkSize(),
        config.chunkMemoryBytes(), tiered == null ? "off"
            : config.diskBytes() + " bytes under " + config.dataDir().toAbsolutePath().normalize()
                + (tiered.diskTier().recovered() ? " (verified after an unclean shutdown)" : ""));
    CommandMetrics respMetrics = new CommandMetrics(registry, "resp");
    CommandMetrics memcachedMetrics = new CommandMetrics(registry, "memcached");
    CommandMetrics httpMetrics = new CommandMetrics(registry, "http");
    registry.getPrometheusRegistry().register(
        new CommandLatencyCollector(List.of(respMetrics, memcachedMetrics, httpMetrics)));
    try {
      RespServerContext resp =
          new RespServerContext(
              store,
              ticker,
              new RespLimits(config.maxBulkBytes(), RespLimits.DEFAULT.maxArrayLength(),
                  RespLimits.DEFAULT.maxInlineLength()),
              RespCommands.standard(),
              gate,
              config.requirePass(),
              respMetrics,
              tracking);
      if (cluster != null) {
        resp.clusterFields(cluster::info);
      }
      RespServerInitializer respInitializer = new RespServerInitializer(resp);
      respAddress = bind(transport, config.bind(), config.respPort(), "RESP", respInitializer);
      if (config.unixSocket() != null) {
        bindUnix(transport, config.unixSocket(), "RESP", respInitializer,
            config.unixSocketPerm());
      }
      MemcachedSasl sasl = config.memcachedSaslPassword() == null
          ? null : new MemcachedSasl(config.memcachedSaslUser(), config.memcachedSaslPassword());
      memcached = new MemcachedServerInitializer(resp.store(), ticker, config.maxItemBytes(),
          threads, sasl, gate, memcachedMetrics);
      memcachedAddress = bind(transport, config.bind(), config.memcachedPort(), "memcached",
          memcached);
      if (config.memcachedUnixSocket() != null) {
        bindUnix(transport, config.memcachedUnixSocket(), "memcached", memcached,
            config.unixSocketPerm());
      }
      new MemcachedMetrics(memcached.stats()).bindTo(registry);
      operations.listeners(resp, memcached);
      httpAddress = bind(transport, config.bind(), config.httpPort(), "HTTP",
          new HttpServerInitializer(HttpServerContext.builder(resp.store())
              .ticker(ticker)
              .maxBodyBytes(config.maxHttpBodyBytes())
              .gate(gate)
              .operations(operations)
              .token(config.httpToken(), config.httpTokenProtectOps())
              .metrics(httpMetrics)
              .build()));
      operations.state(NodeOperations.State.SERVING);
      log.info("sidecache ready: RESP {}, memcached {}, HTTP {}; {}", hostPort(respAddress),
          hostPort(memcachedAddress), hostPort(httpAddress), config);
    } catch (InterruptedException | RuntimeException e) {
      close();
      throw e;
    }
  }

  /**
   * Starts Sidecache: builds the store and binds every listener.
   *
   * @param config the settings, must not be {@code null}
   * @return the running server
   * @throws InterruptedException if interrupted while binding
   * @throws StartupException if a port cannot be bound or the disk tier cannot be opened (the
   *     message says which, and which option changes it); nothing stays open then
   */
  public static Sidecache start(SidecacheConfig config) throws InterruptedException {
    return new Sidecache(config);
  }

  private InetSocketAddress bind(
      Transport transport, String host, int port, String name, ChannelHandler initializer)
      throws InterruptedException {
    Channel channel;
    try {
      channel = bootstrap(transport, host, port, name, initializer);
    } catch (InterruptedException e) {
      throw e;
    } catch (Exception e) {
      throw bindFailure(host, port, name, e);
    }
    listeners.add(channel);
    InetSocketAddress address = (InetSocketAddress) channel.localAddress();
    log.info("{} listening on {}:{}", name, address.getAddress().getHostAddress(),
        address.getPort());
    return address;
  }

  /**
   * Starts this node's cluster membership over its own store, which it empties first: a member
   * that (re)joins starts empty (docs/cluster.md), so a warm disk tier never serves keys the
   * cluster changed meanwhile.
   */
  private ClusterNode joinCluster(CacheStore local, SidecacheConfig config, Transport transport)
      throws InterruptedException {
    ClusterNode.Settings s = config.cluster();
    local.flush().toCompletableFuture().join();
    try {
      ClusterNode node = ClusterNode.start(local, s, peerTls, acceptors, workers,
          transport.serverChannel(), transport.channel());
      log.info("cluster {}: node {}, peer port {}, cluster port {}, replicas {}, write-ack {}",
          s.clusterName(), s.nodeId(), node.peerAddress().getPort(), s.clusterPort(), s.copies(),
          s.ackAll() ? "all" : "one");
      return node;
    } catch (InterruptedException e) {
      throw e;
    } catch (Exception e) {
      shutDownLoops();
      expiry.shutdownNow();
      closeTiered();
      releaseTls();
      if (e instanceof java.net.BindException) {
        throw bindFailure(s.bindHost(), s.peerPort(), "peer", e);
      }
      String reason = String.valueOf(e.getMessage());
      throw new StartupException(reason.contains("in use")
          ? "cluster port " + s.clusterPort() + " is in use; is another node running? use"
              + " --cluster-port"
          : "cannot join the cluster: " + reason + "; check --join and --cluster-port", e);
    }
  }

  /** The routing counters and ring size as meters, {@code sidecache.cluster.*}. */
  private static void bindClusterMetrics(ClusterNode node, PrometheusMeterRegistry registry) {
    io.sidecache.cluster.RoutingStore.Stats st = node.store().routingStats();
    record Counter(String name, String description,
        java.util.function.ToDoubleFunction<io.sidecache.cluster.RoutingStore.Stats> value) {}
    for (Counter c : List.of(
        new Counter("forwarded", "Requests sent to the key's owner on another node",
            s -> s.forwarded()),
        new Counter("failovers", "Reads served by a replica because the owner did not answer",
            s -> s.failovers()),
        new Counter("unavailable", "Requests failed because no copy of the key answered in time",
            s -> s.unavailable()),
        new Counter("replicated", "Writes copied to a replica", s -> s.replicated()),
        new Counter("replication.failures", "Copies to a replica that failed",
            s -> s.replicationFailures()),
        new Counter("replica.writes", "Copies applied here as a replica", s -> s.replicaWrites()),
        new Counter("hinted",
            "States sent again to replicas that missed them (hinted handoff), per key and try",
            s -> s.hinted()),
        new Counter("replication.deferred",
            "States not sent to a replica that did not keep up (write-ack one), per try",
            s -> s.replicationDeferred()),
        new Counter("handoff.pushed", "Keys pushed to their new owner after a membership change",
            s -> s.pushed()),
        new Counter("handoff.taken.over", "Keys fetched from their previous owner on a miss",
            s -> s.takenOver()),
        new Counter("handoff.dropped", "Keys dropped here once their new owners held them",
            s -> s.dropped()),
        new Counter("handoff.failures", "Handoff transfers that failed",
            s -> s.handoffFailures()))) {
      io.micrometer.core.instrument.FunctionCounter.builder("sidecache.cluster." + c.name(), st,
          c.value()).description(c.description()).register(registry);
    }
    io.micrometer.core.instrument.Gauge.builder("sidecache.cluster.members", node,
        n -> n.store().ring().members().size())
        .description("Members on this node's ring").register(registry);
    io.micrometer.core.instrument.Gauge.builder("sidecache.cluster.ring.epoch", node,
        n -> n.store().ring().epoch())
        .description("This node's ring epoch").register(registry);
  }

  private void shutDownLoops() {
    acceptors.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
    workers.shutdownGracefully(100, 5000, TimeUnit.MILLISECONDS).syncUninterruptibly();
  }

  private static String hostPort(InetSocketAddress a) {
    return a.getAddress().getHostAddress() + ':' + a.getPort();
  }

  /** A file failure in words: what went wrong, not only the path it names. */
  private static String reason(Exception e) {
    if (e instanceof java.nio.file.NoSuchFileException) {
      return "no such file or directory: " + e.getMessage();
    }
    if (e instanceof java.nio.file.AccessDeniedException) {
      return "permission denied: " + e.getMessage();
    }
    if (e instanceof java.nio.file.FileSystemException f && f.getReason() != null) {
      return f.getReason() + ": " + f.getFile();
    }
    return String.valueOf(e.getMessage());
  }

  /**
   * The one-line reason a listener could not bind, naming the option that changes it (issue 14,
   * "clear start-up errors").
   */
  private static StartupException bindFailure(String host, int port, String name, Exception e) {
    String option = switch (name) {
      case "RESP" -> "--resp-port";
      case "memcached" -> "--memcached-port";
      case "peer" -> "--peer-port";
      default -> "--http-port";
    };
    String other = switch (name) {
      case "RESP" -> "a redis-server";
      case "memcached" -> "a memcached";
      case "peer" -> "another Sidecache node";
      default -> "another web server";
    };
    String bindOption = name.equals("peer") ? "--cluster-bind" : "--bind";
    String reason = String.valueOf(e.getMessage());
    if (reason.contains("Address already in use")) {
      return new StartupException(name + " port " + port + " is in use; is " + other
          + " running? use " + option, e);
    }
    if (reason.contains("Cannot assign requested address")) {
      return new StartupException("cannot listen on " + host + ": no such local address; use "
          + bindOption, e);
    }
    if (reason.contains("Permission denied")) {
      return new StartupException(name + " port " + port + " needs privileges; use " + option
          + " with a port above 1023", e);
    }
    return new StartupException("cannot listen on " + host + ":" + port + " for " + name + ": "
        + reason + "; use " + option + " or " + bindOption, e);
  }

  private Channel bootstrap(Transport transport, String host, int port, String name,
      ChannelHandler initializer) throws InterruptedException {
    return listener(transport.serverChannel(), name, tls == null ? initializer
        : new ChannelInitializer<Channel>() {
          @Override
          protected void initChannel(Channel ch) {
            ch.pipeline().addLast(tls.newHandler(ch.alloc()), initializer);
          }
        })
        .option(ChannelOption.SO_REUSEADDR, true)
        .childOption(ChannelOption.TCP_NODELAY, true)
        .bind(host, port)
        .sync()
        .channel();
  }

  /** What every listener shares, TCP or Unix socket: loops, backlog, child options, counting. */
  private ServerBootstrap listener(Class<? extends io.netty.channel.ServerChannel> channel,
      String name, ChannelHandler initializer) {
    return new ServerBootstrap()
        .group(acceptors, workers)
        .channel(channel)
        .option(ChannelOption.SO_BACKLOG, 1024)
        // A half-close (printf ... | nc) still gets every reply: the handler closes the
        // connection once the requests received are answered.
        .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
        .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
        .childAttr(PipelinedRequestHandler.OUTPUT_LIMIT, outputLimit)
        .childHandler(counted(name, initializer));
  }

  /**
   * Wraps a listener's initializer so that its connections are counted: {@code
   * sidecache.connections} (gauge, open now) and {@code sidecache.connections.received} (counter),
   * tagged {@code protocol} with the listener's name in lower case.
   */
  private ChannelHandler counted(String name, ChannelHandler initializer) {
    Connections c = connections.computeIfAbsent(name.toLowerCase(java.util.Locale.ROOT),
        protocol -> new Connections(protocol, registry));
    return new ChannelInitializer<Channel>() {
      @Override
      protected void initChannel(Channel ch) {
        c.received.increment();
        c.open.add(ch); // removed when it closes
        ch.pipeline().addLast(initializer);
      }
    };
  }

  /** The connections of one protocol, over TCP and its Unix socket alike. */
  private static final class Connections {
    final ChannelGroup open;
    final LongAdder received = new LongAdder();

    Connections(String protocol, PrometheusMeterRegistry registry) {
      open = new DefaultChannelGroup(protocol, GlobalEventExecutor.INSTANCE);
      Gauge.builder("sidecache.connections", open, ChannelGroup::size).tag("protocol", protocol)
          .description("Client connections open").register(registry);
      FunctionCounter.builder("sidecache.connections.received", received, LongAdder::sum)
          .tag("protocol", protocol).description("Client connections accepted")
          .register(registry);
    }
  }

  /**
   * Also serves a protocol on a Unix domain socket (Redis {@code unixsocket}, memcached {@code
   * -s}): a stale socket file at the path is replaced (a file that is not a socket is refused),
   * the permissions are set when given, and the file is removed at {@link #close}. Needs the
   * native epoll transport.
   */
  private void bindUnix(Transport transport, Path path, String name, ChannelHandler initializer,
      int perm) throws InterruptedException {
    if (transport.domainServerChannel() == null) {
      throw new StartupException(name + " on the Unix socket " + path + " needs the native epoll"
          + " transport, which is not available here; leave out the socket option", null);
    }
    try {
      if (Files.exists(path, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
        int mode = (Integer) Files.getAttribute(path, "unix:mode",
            java.nio.file.LinkOption.NOFOLLOW_LINKS);
        if ((mode & 0170000) != 0140000) {
          throw new StartupException("the Unix socket path " + path + " is a file that is not a"
              + " socket; choose another path", null);
        }
        if (answers(path)) {
          throw new StartupException("the Unix socket " + path + " is in use by another"
              + " process; choose another path", null);
        }
        Files.delete(path); // a socket left by an earlier run, as Redis unlinks it
      }
    } catch (java.io.IOException e) {
      throw new StartupException("cannot use the Unix socket path " + path + ": " + reason(e),
          e);
    }
    Channel channel;
    try {
      channel = listener(transport.domainServerChannel(), name, initializer)
          .bind(new DomainSocketAddress(path.toString()))
          .sync()
          .channel();
    } catch (InterruptedException e) {
      throw e;
    } catch (Exception e) {
      throw new StartupException("cannot listen on the Unix socket " + path + " for " + name
          + ": " + e.getMessage(), e);
    }
    listeners.add(channel);
    unixSockets.add(path);
    if (perm >= 0) {
      try {
        Files.setPosixFilePermissions(path, permissions(perm));
      } catch (java.io.IOException e) {
        throw new StartupException("cannot set the permissions of " + path + ": " + reason(e), e);
      }
    }
    log.info("{} listening on unix socket {}", name, path);
  }

  /** Whether something accepts connections on a Unix socket (a live server, not a stale file). */
  private static boolean answers(Path socket) {
    try (java.nio.channels.SocketChannel ch =
        java.nio.channels.SocketChannel.open(java.net.StandardProtocolFamily.UNIX)) {
      return ch.connect(java.net.UnixDomainSocketAddress.of(socket));
    } catch (IOException e) {
      return false;
    }
  }

  /** Permission bits ({@code 0750}) as a set. */
  static java.util.Set<java.nio.file.attribute.PosixFilePermission> permissions(int bits) {
    java.nio.file.attribute.PosixFilePermission[] all =
        java.nio.file.attribute.PosixFilePermission.values(); // OWNER_READ ... OTHERS_EXECUTE
    java.util.Set<java.nio.file.attribute.PosixFilePermission> out =
        java.util.EnumSet.noneOf(java.nio.file.attribute.PosixFilePermission.class);
    for (int i = 0; i < all.length; i++) {
      if ((bits & (0400 >> i)) != 0) {
        out.add(all[i]);
      }
    }
    return out;
  }

  /** Returns the registry every module's meters are in; Prometheus text via {@code scrape()}. */
  public PrometheusMeterRegistry meterRegistry() {
    return registry;
  }

  /** Returns what the HTTP operations endpoints report about this node. */
  NodeOperations operations() {
    return operations;
  }

  /** Returns this node's cluster membership, or {@code null} for a standalone node. */
  public ClusterNode cluster() {
    return cluster;
  }

  /** Returns the keyspace shared by every listener. */
  public CacheStore store() {
    return store;
  }

  /** Returns the memcached listener's counters (memcached {@code stats}). */
  public MemcachedStats memcachedStats() {
    return memcached.stats();
  }

  /** Returns the bound RESP address. */
  public InetSocketAddress respAddress() {
    return respAddress;
  }

  /** Returns the bound memcached address. */
  public InetSocketAddress memcachedAddress() {
    return memcachedAddress;
  }

  /** Returns the bound HTTP address. */
  public InetSocketAddress httpAddress() {
    return httpAddress;
  }

  /**
   * Stops accepting, lets queued work finish (up to 5 seconds), closes every connection, then
   * moves the memory tier to the disk tier and closes it cleanly (when there is one), so that a
   * restart on the same data directory serves the same keys.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    if (operations != null) {
      operations.state(NodeOperations.State.STOPPING);
    }
    for (Channel listener : listeners) {
      listener.close().syncUninterruptibly();
    }
    for (Path socket : unixSockets) {
      try {
        Files.deleteIfExists(socket);
      } catch (IOException e) {
        log.warn("could not remove the Unix socket {}: {}", socket, e.getMessage());
      }
    }
    if (cluster != null) {
      cluster.close(); // leaves the ring before the loops its peer connections run on stop
    }
    shutDownLoops();
    expiry.shutdownNow();
    gcMetrics.close();
    memoryTier.cleanUp();
    closeTiered();
    releaseTls();
    log.info("stopped");
  }

  /** Releases the TLS contexts (the OpenSSL ones hold native memory). */
  private void releaseTls() {
    TlsSettings.release(tls);
    if (peerTls != null) {
      TlsSettings.release(peerTls.client());
    }
  }

  private void closeTiered() {
    if (tiered != null) {
      try {
        tiered.close();
      } catch (IOException e) {
        log.warn("disk tier did not close cleanly; the next start verifies every record", e);
      }
    }
  }
}
