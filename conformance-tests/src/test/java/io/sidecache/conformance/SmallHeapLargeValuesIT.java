package io.sidecache.conformance;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Values far larger than the heap (issue 9): Sidecache runs as a child JVM with {@code -Xmx256m}
 * (and {@code -XX:+ExitOnOutOfMemoryError}, so holding a value whole in heap would kill it) and
 * takes a 4 GiB value over HTTP, 400 MB over RESP and 200 MB over memcached, each written and read
 * back whole with SHA-256 digests compared; ranges are read over RESP and HTTP, also after a
 * restart. The values are generated block by block from a seed, never held by the test either.
 */
class SmallHeapLargeValuesIT {
  private static final int BLOCK = 64 * 1024;
  @TempDir Path dir;

  private SidecacheProcess start() throws IOException {
    return SidecacheProcess.start(dir.resolve("sidecache.log"),
        List.of("-Xmx256m", "-Xms256m"),
        "--memory", "32m", "--chunk-memory", "16m", "--disk-size", "6g",
        "--data-dir", dir.resolve("data").toString(), "--max-item-size", "1g",
        "--max-http-body", "5g");
  }

  /** The value: block {@code i} is the output of a generator seeded by {@code seed + i}. */
  private static final class Generated extends InputStream {
    private final long seed;
    private final long length;
    private long position;
    private final byte[] block = new byte[BLOCK];
    private long blockIndex = -1;

    Generated(long seed, long length) {
      this.seed = seed;
      this.length = length;
    }

    static byte[] bytes(long seed, long offset, int n) {
      Generated g = new Generated(seed, offset + n);
      g.position = offset;
      byte[] b = new byte[n];
      int read = 0;
      while (read < n) {
        read += g.read(b, read, n - read);
      }
      return b;
    }

    private void fill(long index) {
      SplittableRandom r = new SplittableRandom(seed + index);
      for (int i = 0; i < BLOCK; i += 8) {
        long v = r.nextLong();
        for (int j = 0; j < 8; j++) {
          block[i + j] = (byte) (v >>> (8 * j));
        }
      }
      blockIndex = index;
    }

    @Override
    public int read() {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (position >= length) {
        return -1;
      }
      long index = position / BLOCK;
      if (index != blockIndex) {
        fill(index);
      }
      int within = (int) (position % BLOCK);
      int n = (int) Math.min(Math.min(len, BLOCK - within), length - position);
      System.arraycopy(block, within, b, off, n);
      position += n;
      return n;
    }
  }

  private static String digest(InputStream in, long expectedLength) throws Exception {
    MessageDigest d = MessageDigest.getInstance("SHA-256");
    byte[] buf = new byte[1 << 20];
    long total = 0;
    for (int n; total < expectedLength && (n = in.read(buf, 0,
        (int) Math.min(buf.length, expectedLength - total))) > 0; ) {
      d.update(buf, 0, n);
      total += n;
    }
    assertEquals(expectedLength, total, "bytes read");
    return HexFormat.of().formatHex(d.digest());
  }

  private static String expectedDigest(long seed, long length) throws Exception {
    return digest(new Generated(seed, length), length);
  }

  @Test
  @Timeout(900)
  void fourGibOverHttpRangesOverRespAndHttpAlsoAfterARestart() throws Exception {
    long length = 4L << 30;
    long seed = 4;
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    try (SidecacheProcess sidecache = start()) {
      URI uri = uri(sidecache, "video");
      HttpResponse<String> put = http.send(HttpRequest.newBuilder(uri)
          .PUT(HttpRequest.BodyPublishers.fromPublisher(
              HttpRequest.BodyPublishers.ofInputStream(() -> new Generated(seed, length)),
              length)).build(), HttpResponse.BodyHandlers.ofString());
      assertEquals(201, put.statusCode(), put.body() + "\n" + sidecache.log());
      HttpResponse<InputStream> get = http.send(HttpRequest.newBuilder(uri).build(),
          HttpResponse.BodyHandlers.ofInputStream());
      assertEquals(200, get.statusCode());
      try (InputStream body = get.body()) {
        assertEquals(expectedDigest(seed, length), digest(body, length), "GET of 4 GiB");
      }
      checkRanges(sidecache, http, seed, length);
      sidecache.stop(); // SIGTERM: a clean shutdown, which a restart trusts
    }
    try (SidecacheProcess sidecache = start()) {
      checkRanges(sidecache, http, seed, length);
    }
  }

  private static URI uri(SidecacheProcess sidecache, String key) {
    InetSocketAddress a = sidecache.httpAddress();
    return URI.create("http://" + a.getHostString() + ":" + a.getPort() + "/cache/" + key);
  }

  private static void checkRanges(SidecacheProcess sidecache, HttpClient http, long seed,
      long length) throws Exception {
    long offset = length - 123_456_789L;
    HttpResponse<byte[]> range = http.send(HttpRequest.newBuilder(uri(sidecache, "video"))
            .header("Range", "bytes=" + offset + "-" + (offset + (1 << 20) - 1)).build(),
        HttpResponse.BodyHandlers.ofByteArray());
    assertEquals(206, range.statusCode());
    assertArrayEquals(Generated.bytes(seed, offset, 1 << 20), range.body(), "Range of 1 MiB");
    try (Socket s = connect(sidecache.respAddress())) {
      long at = 3_000_000_017L;
      send(s, "*4\r\n$8\r\nGETRANGE\r\n$5\r\nvideo\r\n$10\r\n" + at + "\r\n$10\r\n"
          + (at + 99) + "\r\n");
      InputStream in = new BufferedInputStream(s.getInputStream());
      assertEquals("$100", line(in));
      assertArrayEquals(Generated.bytes(seed, at, 100), in.readNBytes(100), "GETRANGE 100 B");
    }
  }

  @Test
  @Timeout(600)
  void fourHundredMegabytesOverRespAndTwoHundredOverMemcached() throws Exception {
    try (SidecacheProcess sidecache = start()) {
      long resp = 400_000_000L;
      try (Socket s = connect(sidecache.respAddress())) {
        OutputStream out = new BufferedOutputStream(s.getOutputStream(), 1 << 16);
        out.write(("*3\r\n$3\r\nSET\r\n$3\r\nbig\r\n$" + resp + "\r\n")
            .getBytes(StandardCharsets.US_ASCII));
        new Generated(40, resp).transferTo(out);
        out.write("\r\n*2\r\n$3\r\nGET\r\n$3\r\nbig\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        InputStream in = new BufferedInputStream(s.getInputStream(), 1 << 16);
        assertEquals("+OK", line(in), sidecache.log());
        assertEquals("$" + resp, line(in));
        assertEquals(expectedDigest(40, resp), digest(in, resp), "GET of 400 MB over RESP");
        assertEquals("", line(in));
      }
      long mc = 200_000_000L;
      try (Socket s = connect(sidecache.memcachedAddress())) {
        OutputStream out = new BufferedOutputStream(s.getOutputStream(), 1 << 16);
        out.write(("set big 5 0 " + mc + "\r\n").getBytes(StandardCharsets.US_ASCII));
        new Generated(20, mc).transferTo(out);
        out.write("\r\nget big\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        InputStream in = new BufferedInputStream(s.getInputStream(), 1 << 16);
        assertEquals("STORED", line(in), sidecache.log());
        assertEquals("VALUE big 5 " + mc, line(in));
        assertEquals(expectedDigest(20, mc), digest(in, mc), "get of 200 MB over memcached");
        assertEquals("", line(in));
        assertEquals("END", line(in));
      }
      assertTrue(sidecache.isAlive(), sidecache.log());
    }
  }

  /**
   * Many clients at once, each uploading a 100 MB value over RESP and reading back another
   * client's, several of them slow readers: the heap stays within its bound because every
   * writer pauses its connection while the disk catches up and every reader is paced by its
   * client (a heap that held the values would die of -XX:+ExitOnOutOfMemoryError).
   */
  @Test
  @Timeout(600)
  void manyConcurrentUploadsAndDownloadsStayWithinTheHeap() throws Exception {
    int clients = 8;
    long size = 100_000_000L;
    try (SidecacheProcess sidecache = start()) {
      java.util.concurrent.ExecutorService pool =
          java.util.concurrent.Executors.newFixedThreadPool(clients);
      try {
        List<java.util.concurrent.Future<?>> uploads = new java.util.ArrayList<>();
        for (int c = 0; c < clients; c++) {
          int client = c;
          uploads.add(pool.submit(() -> {
            try (Socket s = connect(sidecache.respAddress())) {
              OutputStream out = new BufferedOutputStream(s.getOutputStream(), 1 << 16);
              out.write(("*3\r\n$3\r\nSET\r\n$2\r\nv" + client + "\r\n$" + size + "\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
              new Generated(100 + client, size).transferTo(out);
              out.write("\r\n".getBytes(StandardCharsets.US_ASCII));
              out.flush();
              assertEquals("+OK", line(new BufferedInputStream(s.getInputStream())));
            }
            return null;
          }));
        }
        for (java.util.concurrent.Future<?> f : uploads) {
          f.get(300, java.util.concurrent.TimeUnit.SECONDS);
        }
        List<java.util.concurrent.Future<?>> downloads = new java.util.ArrayList<>();
        for (int c = 0; c < clients; c++) {
          int client = c;
          downloads.add(pool.submit(() -> {
            int other = (client + 1) % clients;
            try (Socket s = connect(sidecache.respAddress())) {
              send(s, "*2\r\n$3\r\nGET\r\n$2\r\nv" + other + "\r\n");
              InputStream in = new BufferedInputStream(s.getInputStream(), 1 << 16);
              if (client % 2 == 0) {
                Thread.sleep(2000); // a slow reader: its replies wait in the socket, not the heap
              }
              assertEquals("$" + size, line(in));
              assertEquals(expectedDigest(100 + other, size), digest(in, size));
            }
            return null;
          }));
        }
        for (java.util.concurrent.Future<?> f : downloads) {
          f.get(300, java.util.concurrent.TimeUnit.SECONDS);
        }
      } finally {
        pool.shutdownNow();
      }
      assertTrue(sidecache.isAlive(), sidecache.log());
    }
  }

  private static Socket connect(InetSocketAddress address) throws IOException {
    Socket s = new Socket();
    s.connect(address, 5000);
    s.setSoTimeout(120_000);
    return s;
  }

  private static void send(Socket s, String text) throws IOException {
    s.getOutputStream().write(text.getBytes(StandardCharsets.US_ASCII));
    s.getOutputStream().flush();
  }

  /** Reads a line up to {@code \r\n}, without it. */
  private static String line(InputStream in) throws IOException {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    for (int c; (c = in.read()) != -1; ) {
      if (c == '\n') {
        byte[] bytes = b.toByteArray();
        return new String(bytes, 0, Math.max(0, bytes.length - 1), StandardCharsets.ISO_8859_1);
      }
      b.write(c);
    }
    throw new IOException("connection closed; line so far: " + Arrays.toString(b.toByteArray()));
  }
}
