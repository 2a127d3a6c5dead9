package io.sidecache.memcached;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.nio.NioEventLoopGroup;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.sidecache.protocol.CommandMetrics;
import io.sidecache.store.Ticker;
import io.sidecache.store.memory.MemoryStore;
import java.io.ByteArrayOutputStream;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The initializer on a real loopback listener (port 0), driven over a plain socket. */
class MemcachedServerInitializerTest {

  @Test
  void initChannel_servesTextProtocolOverTcp() throws Exception {
    MemoryStore store = MemoryStore.builder().maximumBytes(1 << 20).build();
    EventLoopGroup group = new NioEventLoopGroup(1);
    try {
      Channel server =
          new ServerBootstrap()
              .group(group)
              .channel(NioServerSocketChannel.class)
              .childHandler(new MemcachedServerInitializer(store, Ticker.system(), 1024))
              .bind("127.0.0.1", 0)
              .sync()
              .channel();
      int port = ((InetSocketAddress) server.localAddress()).getPort();
      try (Socket socket = new Socket("127.0.0.1", port)) {
        socket.setSoTimeout(5000);
        OutputStream out = socket.getOutputStream();
        String big = "z".repeat(1025);
        out.write(
            ("set k 1 0 2\r\nhi\r\nget k\r\nset k 0 0 1025\r\n" + big + "\r\nget k\r\nquit\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        assertEquals(
            "STORED\r\nVALUE k 1 2\r\nhi\r\nEND\r\n"
                + "SERVER_ERROR object too large for cache\r\nEND\r\n",
            readToEnd(socket.getInputStream()));
      }
      server.close().sync();
    } finally {
      group.shutdownGracefully(0, 5, java.util.concurrent.TimeUnit.SECONDS).sync();
    }
  }

  @Test
  void commands_timedPerVerb_errorsMarked() throws Exception {
    MemoryStore store = MemoryStore.builder().maximumBytes(1 << 20).build();
    CommandMetrics metrics = CommandMetrics.unregistered("memcached");
    EventLoopGroup group = new NioEventLoopGroup(1);
    try {
      Channel server = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
          .childHandler(new MemcachedServerInitializer(store, Ticker.system(), 1024, 1, null,
              null, metrics))
          .bind("127.0.0.1", 0).sync().channel();
      int port = ((InetSocketAddress) server.localAddress()).getPort();
      try (Socket socket = new Socket("127.0.0.1", port)) {
        socket.setSoTimeout(5000);
        socket.getOutputStream().write(("set k 0 0 1\r\nv\r\nget k\r\nget nope\r\n"
            + "incr k 1\r\nbogus\r\nquit\r\n").getBytes(StandardCharsets.US_ASCII));
        readToEnd(socket.getInputStream());
      }
      server.close().sync();
    } finally {
      group.shutdownGracefully(0, 5, java.util.concurrent.TimeUnit.SECONDS).sync();
    }
    assertEquals(1, metrics.meter("set").calls());
    assertEquals(2, metrics.meter("get").calls());
    assertEquals(0, metrics.meter("get").failures()); // a miss is an answer
    assertEquals(1, metrics.meter("incr").failures()); // non-numeric value: CLIENT_ERROR
    assertEquals(1, metrics.meter("unknown").failures());
    assertEquals(2, java.util.Arrays.stream(metrics.meter("get").latencyCounts()).sum());
  }

  @Test
  void constructor_rejectsBadArguments() {
    MemoryStore store = MemoryStore.builder().maximumBytes(1024).build();
    Ticker ticker = Ticker.system();
    assertThrows(
        NullPointerException.class, () -> new MemcachedServerInitializer(null, ticker, 1));
    assertThrows(
        NullPointerException.class, () -> new MemcachedServerInitializer(store, null, 1));
    assertThrows(
        IllegalArgumentException.class, () -> new MemcachedServerInitializer(store, ticker, 0));
  }

  /** Reads until the server closes the connection (quit). */
  private static String readToEnd(InputStream in) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    byte[] buf = new byte[4096];
    for (int n; (n = in.read(buf)) != -1; ) {
      bytes.write(buf, 0, n);
    }
    return bytes.toString(StandardCharsets.US_ASCII);
  }
}
