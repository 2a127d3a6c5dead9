package io.sidecache.cluster;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.socket.SocketChannel;
import io.netty.util.concurrent.GlobalEventExecutor;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.sidecache.store.CacheStore;
import io.sidecache.store.Ticker;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * Routing stores of a few nodes in this JVM, wired by real peer connections on loopback with a
 * fixed ring and no Hazelcast: enough to hold forwarding and replication to the store contract.
 * Node 0 may be left off the ring, so that every key it is asked for lives elsewhere.
 */
final class LocalCluster implements AutoCloseable {
  static final String SECRET = "local-cluster-secret";
  /** The handoff window of these nodes, in milliseconds: short, so tests see its end. */
  static final long WINDOW_MILLIS = 1_500;
  private static final EventLoopGroup GROUP = new NioEventLoopGroup(2);

  final List<RoutingStore> stores = new ArrayList<>();
  final List<CacheStore> locals = new ArrayList<>();
  final List<RingMember> members = new ArrayList<>();
  private final List<Channel> listeners = new ArrayList<>();
  private final List<ChannelGroup> connections = new ArrayList<>();
  private final List<PeerClient> clients = new ArrayList<>();

  /**
   * Starts the nodes.
   *
   * @param nodes how many
   * @param copies the replication factor
   * @param firstOnRing whether node 0 is on the ring
   * @param newLocal each node's own store, given the ticker
   */
  LocalCluster(int nodes, int copies, boolean firstOnRing, Ticker ticker,
      Function<Ticker, CacheStore> newLocal) throws InterruptedException {
    this(nodes, copies, firstOnRing, true, ticker, newLocal);
  }

  /**
   * Starts the nodes, with {@code --write-ack all} or {@code one}.
   *
   * @param ackAll whether a write waits for its replicas
   */
  LocalCluster(int nodes, int copies, boolean firstOnRing, boolean ackAll, Ticker ticker,
      Function<Ticker, CacheStore> newLocal) throws InterruptedException {
    for (int i = 0; i < nodes; i++) {
      String id = "node-" + i;
      RoutingStore[] holder = new RoutingStore[1];
      ChannelGroup accepted = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
      PeerServer server = new PeerServer(SECRET, id, () -> holder[0].service());
      Channel ch = new ServerBootstrap().group(GROUP).channel(NioServerSocketChannel.class)
          .childHandler(new ChannelInitializer<SocketChannel>() {
            @Override
            protected void initChannel(SocketChannel c) {
              accepted.add(c);
              c.pipeline().addLast(server);
            }
          })
          .bind("127.0.0.1", 0).sync().channel();
      listeners.add(ch);
      connections.add(accepted);
      RingMember self = new RingMember(id,
          "127.0.0.1:" + ((InetSocketAddress) ch.localAddress()).getPort());
      PeerClient client = new PeerClient(GROUP, NioSocketChannel.class, SECRET, id, 5_000);
      clients.add(client);
      CacheStore local = newLocal.apply(ticker);
      locals.add(local);
      holder[0] = RoutingStore.create(local, self, copies, ackAll, client, GROUP, WINDOW_MILLIS);
      stores.add(holder[0]);
      all.add(self);
      if (i > 0 || firstOnRing) {
        members.add(self);
      }
    }
    HashRing ring = HashRing.of(1, members, HashRing.DEFAULT_VIRTUAL_NODES);
    stores.forEach(s -> s.ring(ring));
  }

  /**
   * Node {@code i} stops (or starts again) reading the peer connections it accepted, as a node
   * that does not keep up: what its peers send piles up in their socket buffers, then in theirs.
   */
  void pauseReading(int i, boolean paused) {
    connections.get(i).forEach(c -> c.config().setAutoRead(!paused));
  }

  /** Every node's ring entry, node 0 first. */
  final List<RingMember> all = new ArrayList<>();

  /** Node {@code i} stops answering at once, as after {@code kill -9}: port and connections close. */
  void kill(int i) {
    listeners.get(i).close().syncUninterruptibly();
    connections.get(i).close().syncUninterruptibly();
    clients.get(i).close();
  }

  /** Publishes a ring of the nodes given to every node, as membership does after a join. */
  void publish(long epoch, int... onRing) {
    HashRing r = ringOf(epoch, onRing);
    members.clear();
    members.addAll(r.members());
    stores.forEach(s -> s.ring(r));
  }

  /**
   * Publishes a ring of the nodes given to some nodes only, as membership does while its event
   * has reached some members and not yet the others.
   */
  void publishTo(HashRing ring, int... to) {
    for (int i : to) {
      stores.get(i).ring(ring);
    }
  }

  /** A ring of the nodes given. */
  HashRing ringOf(long epoch, int... onRing) {
    List<RingMember> ring = new ArrayList<>();
    for (int i : onRing) {
      ring.add(all.get(i));
    }
    return HashRing.of(epoch, ring, HashRing.DEFAULT_VIRTUAL_NODES);
  }

  /** Publishes a ring without node {@code i} to the others, as membership does after a death. */
  void dropFromRing(int i, long epoch) {
    List<RingMember> left = new ArrayList<>(members);
    left.remove(all.get(i));
    HashRing ring = HashRing.of(epoch, left, HashRing.DEFAULT_VIRTUAL_NODES);
    for (int n = 0; n < stores.size(); n++) {
      if (n != i) {
        stores.get(n).ring(ring);
      }
    }
  }

  @Override
  public void close() {
    listeners.forEach(c -> c.close().syncUninterruptibly());
    clients.forEach(PeerClient::close);
    for (CacheStore s : locals) {
      if (s instanceof AutoCloseable c) {
        try {
          c.close();
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
      }
    }
  }
}
