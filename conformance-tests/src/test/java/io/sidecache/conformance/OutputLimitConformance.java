package io.sidecache.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * A client that sends many commands and does not read their replies is disconnected once its
 * unsent replies pass the output buffer limit ({@link #LIMIT} bytes), while other clients go on.
 * Subclasses start Sidecache with {@code --client-output-buffer-limit} and a real redis-server with
 * {@code client-output-buffer-limit "normal <limit> 0 0"}.
 */
abstract class OutputLimitConformance {
  static final long LIMIT = 512 * 1024;
  private static final int VALUE_BYTES = 100 * 1024;
  private static final int GETS = 400;

  abstract InetSocketAddress respAddress();

  @Test
  void slowReader_disconnectedOthersUnaffected() throws Exception {
    try (RawResp other = new RawResp(respAddress())) {
      String value = "x".repeat(VALUE_BYTES);
      assertEquals("+OK\r\n", other.call("SET", "big", value));
      long received = 0;
      try (Socket slow = new Socket()) {
        slow.connect(respAddress());
        slow.setSoTimeout(10_000);
        slow.setReceiveBufferSize(16 * 1024);
        byte[] get = RawResp.command("GET", "big");
        // 400 GETs ask for 40 MB of replies, far more than socket buffers and the limit hold.
        StringBuilder batch = new StringBuilder();
        for (int i = 0; i < GETS; i++) {
          batch.append(new String(get, StandardCharsets.ISO_8859_1));
        }
        try {
          slow.getOutputStream().write(batch.toString().getBytes(StandardCharsets.ISO_8859_1));
          slow.getOutputStream().flush();
        } catch (IOException closedWhileSending) {
          // The server may already have closed the connection.
        }
        Thread.sleep(500);
        InputStream in = slow.getInputStream();
        byte[] buf = new byte[64 * 1024];
        try {
          for (int n; (n = in.read(buf)) != -1; ) {
            received += n;
          }
        } catch (IOException reset) {
          // A reset also ends the connection.
        }
      }
      long all = (long) GETS * (VALUE_BYTES + 12);
      assertTrue(received < all, "the slow reader got every reply: " + received);
      assertEquals("+PONG\r\n", other.call("PING"));
      assertEquals("$" + VALUE_BYTES + "\r\n" + value + "\r\n", other.call("GET", "big"));
    }
  }
}
